"""What the simulated LLRP reader says about itself (capabilities, reader events) and how it
reads a client's ROSpec (LLRP 1.0.1)."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from harness.llrp_access import MAX_ACCESS_SPECS, MAX_OPSPECS
from harness.llrp_wire import find_tlv, iter_tlvs, tlv

# Bits of TagReportContentSelector, and the TV parameter each one turns on.
SEL_ROSPEC_ID, SEL_SPEC_INDEX, SEL_IPS_ID, SEL_ANTENNA = 1 << 15, 1 << 14, 1 << 13, 1 << 12
SEL_CHANNEL, SEL_PEAK_RSSI, SEL_FIRST_SEEN, SEL_LAST_SEEN = 1 << 11, 1 << 10, 1 << 9, 1 << 8
SEL_SEEN_COUNT, SEL_ACCESS_SPEC_ID = 1 << 7, 1 << 6
DEFAULT_SELECTOR = SEL_ANTENNA | SEL_PEAK_RSSI | SEL_FIRST_SEEN | SEL_LAST_SEEN | SEL_SEEN_COUNT

MAX_ROSPECS = 1
TX_POWER_CDBM = range(1000, 3301, 25)  # 10.00 to 33.00 dBm in 0.25 dB steps
FCC_HOPS_KHZ = range(902_750, 927_251, 500)  # the 50 FCC Part 15 channels
# ModeIdentifier, DR (1 = 64/3), M (0 FM0, 1/2/3 Miller 2/4/8), BLF bps, PIE x1000, Tari ns
RF_MODES = (
    (0, 1, 0, 640_000, 1500, 6250),
    (1, 1, 1, 640_000, 1500, 6250),
    (2, 1, 2, 274_000, 2000, 20_000),
    (3, 1, 3, 170_600, 2000, 20_000),
    (4, 1, 2, 640_000, 1500, 7140),
)


# -- parameters the reader sends --------------------------------------------------------------


def general_device_capabilities(antennas: int) -> bytes:
    firmware = b"7.6.0-sim"
    has_utc_clock = 1 << 14
    # DeviceManufacturerName 0: a simulator, so it claims no vendor's IANA enterprise number.
    fixed = struct.pack("!HHIIH", antennas, has_utc_clock, 0, 700, len(firmware)) + firmware
    sensitivity = [tlv(139, struct.pack("!Hh", i, i - 1)) for i in range(1, 43)]
    air_protocols = [tlv(140, struct.pack("!HHB", a, 1, 1)) for a in range(1, antennas + 1)]
    gpio = tlv(141, struct.pack("!HH", 4, 4))
    return tlv(137, fixed, *sensitivity, *air_protocols, gpio)


def llrp_capabilities() -> bytes:
    # CanReportBufferFillWarning, priorities 0-7, no client-request OpSpec timeout, ROSpecs,
    # specs per ROSpec, InventoryParameterSpecs per AISpec, AccessSpecs, OpSpecs per AccessSpec
    fields = (1 << 6, 7, 0, MAX_ROSPECS, 1, 1, MAX_ACCESS_SPECS, MAX_OPSPECS)
    return tlv(142, struct.pack("!BBHIIIII", *fields))


def regulatory_capabilities() -> bytes:
    power = [tlv(145, struct.pack("!Hh", i, p)) for i, p in enumerate(TX_POWER_CDBM, 1)]
    hops = struct.pack(f"!BBH{len(FCC_HOPS_KHZ)}I", 1, 0, len(FCC_HOPS_KHZ), *FCC_HOPS_KHZ)
    frequency_information = tlv(146, bytes([0x80]), tlv(147, hops))  # hopping, one hop table
    modes = [  # forward link DSB-ASK (2), multi-interrogator spectral mask (2), one Tari each
        tlv(329, struct.pack("!IBBBBIIIII", mode, dr << 7, m, 2, 2, bdr, pie, tari, tari, 0))
        for mode, dr, m, bdr, pie, tari in RF_MODES
    ]
    band = tlv(144, *power, frequency_information, tlv(328, *modes))
    return tlv(143, struct.pack("!HH", 840, 1), band)  # USA, FCC Part 15


def c1g2_llrp_capabilities() -> bytes:
    return tlv(327, struct.pack("!BH", 0, 2))  # no block ops, two Select filters per query


def reader_event(*events: bytes) -> bytes:
    return tlv(246, tlv(128, struct.pack("!Q", time.time_ns() // 1000)), *events)


@dataclass
class ROSpec:
    rospec_id: int
    immediate_start: bool
    selector: int
    state: str = "disabled"  # disabled | inactive | active
    tx_power: dict[int, int] = field(default_factory=dict)  # antenna: power table index
    session: int = 2  # C1G2SingulationControl's Session (a reader's usual default: 2)
    pc_bits: bool = False  # C1G2EPCMemorySelector's EnablePCBits: the PC word in tag reports


def parse_rospec(body: bytes) -> ROSpec:
    rospec_id, _priority, _state = struct.unpack_from("!IBB", body)
    params = body[6:]
    boundary = find_tlv(params, 178) or b""  # ROBoundarySpec: ROSpecStartTrigger first
    trigger = find_tlv(boundary, 179) or b"\x00"
    report_spec = find_tlv(params, 237)  # ROReportSpec: trigger u8, N u16, then parameters
    selector = find_tlv(report_spec[3:], 238) if report_spec else None
    memory = find_tlv(selector[2:], 348) if selector else None  # C1G2EPCMemorySelector
    return ROSpec(
        rospec_id,
        immediate_start=trigger[0] == 1,
        selector=struct.unpack("!H", selector[:2])[0] if selector else DEFAULT_SELECTOR,
        tx_power=transmit_power(params),
        session=singulation_session(params),
        pc_bits=bool(memory and memory[0] & 0x40),
    )


def antenna_configurations(params: bytes) -> Iterator[bytes]:
    """Each AISpec's InventoryParameterSpecs' AntennaConfiguration bodies (AntennaID u16,
    then its parameters)."""
    for kind, aispec in iter_tlvs(params):
        if kind != 183:  # AISpec: AntennaCount u16, AntennaIDs, AISpecStopTrigger, specs
            continue
        (count,) = struct.unpack_from("!H", aispec)
        for kind2, spec in iter_tlvs(aispec[2 + 2 * count :]):
            if kind2 != 186:  # InventoryParameterSpec: ID u16, ProtocolID u8, parameters
                continue
            yield from (conf for kind3, conf in iter_tlvs(spec[3:]) if kind3 == 222)


def transmit_power(params: bytes) -> dict[int, int]:
    """Antenna: TransmitPower index, from each AntennaConfiguration's RFTransmitter
    (HopTableID, ChannelIndex, TransmitPower, each u16)."""
    out: dict[int, int] = {}
    for conf in antenna_configurations(params):
        transmitter = find_tlv(conf[2:], 224)
        if transmitter is not None:
            out[struct.unpack_from("!H", conf)[0]] = struct.unpack_from("!HHH", transmitter)[2]
    return out


def singulation_session(params: bytes) -> int:
    """The Session of the first C1G2SingulationControl (in a C1G2InventoryCommand, after its
    flags byte: Session in the top 2 bits); 2 when none is given."""
    for conf in antenna_configurations(params):
        command = find_tlv(conf[2:], 330)
        control = find_tlv(command[1:], 336) if command else None
        if control:
            return control[0] >> 6
    return 2
