"""A depot's devices played on the broker by a test: each read published as the station
would send it (kernel/contract.py), and the gateway's answer to it heard."""

from __future__ import annotations

from datetime import date

from demo.exampledata import Item, gs1_128_label
from edge.clock import new_event_id, now_iso
from edge.decode import decode_barcode
from harness.depot import Depot
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from kernel.contract import Answer, ScanData, ScanMessage, parse_answer, scan_topic

SITE = "LC01"


class Floor:
    """The depot's devices, publishing reads and hearing their answers."""

    def __init__(self, broker: Mosquitto, depot: Depot, item: Item | None = None) -> None:
        """The goods' labels are of `item` (the example depot's fourth item unless given)."""
        self.client = MqttTestClient(broker.port)
        self.client.subscribe(f"wh/v1/{SITE}/cmd/+")
        self.item = item or depot.example.items[3]
        self.seq = 0

    def read(self, device: str, data: ScanData, raw: bytes, door: str | None) -> Answer:
        self.seq += 1
        scan = ScanMessage(
            new_event_id(),
            SITE,
            device,
            self.seq,
            now_iso(),
            "serial",
            raw,
            True,
            data,
            door=door,
        )
        return self.send(scan)

    def send(self, scan: ScanMessage) -> Answer:
        """Publish a read as made (an RFID portal's, say) and hear its answer."""
        self.client.publish(scan_topic(SITE, scan.device), scan.to_json())
        while True:
            answer = parse_answer(self.client.next(timeout=10).payload)
            if answer.re == scan.event_id:
                return answer

    def goods(
        self,
        device: str,
        batch: str,
        qty: int,
        made: date,
        door: str | None = None,
        gtin: str | None = None,
    ) -> Answer:
        """A goods label read: of `gtin`'s item, or of the floor's own item."""
        raw = gs1_128_label(gtin or self.item.gtin, batch, made, qty)
        decoded = decode_barcode(raw)
        return self.read(device, decoded.data, raw, door)

    def at(self, device: str, location: str) -> Answer:
        raw = f"LOC:{location}".encode()
        return self.read(device, decode_barcode(raw).data, raw, None)

    def cmd(self, device: str, command: str, door: str | None = None) -> Answer:
        raw = f"CMD:{command}".encode()
        return self.read(device, decode_barcode(raw).data, raw, door)

    def badge(self, device: str, username: str) -> Answer:
        """A person's badge: it carries their user name."""
        raw = f"EMP:{username}".encode()
        return self.read(device, decode_barcode(raw).data, raw, None)
