"""Depots that go on working while they cannot reach the centre, as real processes.

A depot here is its own Mosquitto, its gateway and one scanning station (`depot edge run`)
with two serial scanners on pseudo terminals: a keeper's handheld (no door) and the fixed
scanner of door D01. A test types each read on a scanner, as the scanner would send it,
and gets the gateway's answer to it from the broker (the station's device topic), matched by
device; an answer to a read the station sent again (`re` seen before) is not taken for the
answer to the next read. People sign on to the gateway's floor pages with their floor PIN.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

from harness.depot import GatewayProcess, PtyScanner, StationProcess, device_toml
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from kernel.contract import Answer, parse_answer

BEEPS = {"ok": "07", "warn": "0707", "error": "070707"}
ANSWER_WITHIN = 20.0  # seconds for the gateway's answer to one read


def handheld_toml(device: str, port: str) -> str:
    """A handheld's serial scanner: carried about the depot, bound to no door."""
    beeps = ", ".join(f'{k} = "{v}"' for k, v in BEEPS.items())
    return f'[[device]]\nid = "{device}"\nkind = "serial"\nport = "{port}"\nbeep = {{ {beeps} }}\n'


@dataclass
class DepotFloor:
    """One depot: its broker, its gateway and a station with a handheld and a door scanner."""

    code: str
    broker: Mosquitto
    gateway: GatewayProcess
    station: StationProcess
    scanners: dict[str, PtyScanner]
    answers: MqttTestClient
    answered: set[str] = field(default_factory=set)

    @property
    def handheld(self) -> str:
        return f"{self.code}-HH1"

    @property
    def door(self) -> str:
        return f"{self.code}-D01-FIX1"

    def read(self, device: str, raw: bytes) -> Answer:
        """Type one read on the device's scanner; the gateway's answer to it."""
        self.scanners[device].scan(raw)
        while True:
            try:
                message = self.answers.next(timeout=ANSWER_WITHIN)
            except queue.Empty:
                raise TimeoutError(f"no answer to {raw!r} on {device}") from None
            answer = parse_answer(bytes(message.payload))
            if message.topic.rsplit("/", 1)[1] != device or answer.re in self.answered:
                continue
            self.answered.add(answer.re)
            return answer

    def card(self, device: str, command: str) -> Answer:
        """A task card (or a person's badge: `EMP:<user>`) read on the device."""
        return self.read(device, command.encode())

    def outbox(self, state: str) -> int:
        """Rows of the gateway's outbox in `state` (pending, sent, rejected)."""
        return int(self.gateway.book("SELECT count(*) FROM outbox WHERE state=?", state)[0][0])


@contextmanager
def depot_floor(
    workdir: Path, code: str, server_url: str, token: str, env: dict[str, str]
) -> Iterator[DepotFloor]:
    """Depot `code`'s broker, gateway (reaching the centre at `server_url`) and station,
    started; stopped when the block ends. `env` is the gateway's environment (its zone)."""
    with ExitStack() as stack:
        broker = Mosquitto(workdir / "broker").start()
        stack.callback(broker.stop)
        gateway = GatewayProcess(workdir / "gateway", broker.port, server_url, token, site=code,
                                 env=env).start()  # fmt: skip
        stack.callback(gateway.stop)
        handheld, door = PtyScanner(), PtyScanner()
        stack.callback(handheld.close)
        stack.callback(door.close)
        answers = MqttTestClient(broker.port)
        stack.callback(answers.close)
        answers.subscribe(f"wh/v1/{code}/cmd/+")
        station = StationProcess(
            workdir / "station",
            broker.port,
            [
                handheld_toml(f"{code}-HH1", handheld.port),
                device_toml(f"{code}-D01-FIX1", "serial", port=door.port, beep=BEEPS),
            ],
            site=code,
            name=f"station-{code}",
        ).start()
        stack.callback(station.stop)
        scanners = {f"{code}-HH1": handheld, f"{code}-D01-FIX1": door}
        yield DepotFloor(code, broker, gateway, station, scanners, answers)


def sign_on(page: Page, gateway_url: str, username: str, pin: str) -> None:
    """Sign on to the gateway's floor pages with the floor PIN, as a person does."""
    page.goto(f"{gateway_url}/floor")
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click(".login button[type=submit]")
    page.wait_for_selector("#username", state="detached")
