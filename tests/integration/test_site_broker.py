"""The depot broker exactly as `depot config build` wrote it, started for real: each device
with its own password over TLS, the gateway on the local listener, and nothing else."""

from __future__ import annotations

import queue
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from harness.procs import Proc
from harness.sitebuild import Trial, build_trial, start_broker
from kernel.mqtt import BrokerSettings, connect, make_client

D01, D02 = "LC01-D01-FIX1", "LC01-D02-FIX1"
TOP = "wh/v1/LC01"


@dataclass
class Session:
    client: paho.Client
    result: Any
    messages: queue.Queue[paho.MQTTMessage]

    def accepted(self) -> bool:
        return self.result is not None and not self.result.is_failure

    def subscribe(self, topic: str) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *a: done.set()
        self.client.subscribe(topic, qos=1)
        assert done.wait(15), f"no SUBACK for {topic}"

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(15)

    def received(self, timeout: float = 5) -> list[tuple[str, bytes]]:
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=0.1)
            except queue.Empty:
                if out:
                    break
                continue
            out.append((message.topic, bytes(message.payload)))
        return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Trial, Proc]]:
    built = build_trial(tmp_path_factory.mktemp("site"))
    broker = start_broker(built)
    yield built, broker
    broker.stop()


def session(settings: BrokerSettings, name: str | None = None) -> Session:
    client = make_client(settings, f"{name or 'anon'}-{uuid.uuid4().hex[:6]}")
    messages: queue.Queue[paho.MQTTMessage] = queue.Queue()
    answered = threading.Event()
    holder: dict[str, Any] = {}

    def on_connect(c: paho.Client, u: Any, flags: Any, rc: Any, props: Any) -> None:
        holder["rc"] = rc
        answered.set()

    client.on_connect = on_connect
    client.on_message = lambda c, u, m: messages.put(m)
    client.reconnect_delay_set(30, 60)  # a refused client must not retry during the test
    connect(client, settings)
    answered.wait(20)  # a TLS handshake and a password hash on a loaded machine
    return Session(client, holder.get("rc"), messages)


def password_file(trial: Trial, user: str, tmp: Path, password: str | None = None) -> Path:
    path = tmp / f"{user}-{uuid.uuid4().hex[:4]}.pw"
    path.write_text(password if password is not None else trial.password(user))
    return path


def device(trial: Trial, user: str, tmp: Path, password: str | None = None) -> Session:
    return session(
        BrokerSettings(
            host="127.0.0.1",
            port=trial.tls_port,
            username=user,
            password_file=password_file(trial, user, tmp, password),
            tls_ca=trial.ca,
        ),
        user,
    )


def gateway(trial: Trial, tmp: Path) -> Session:
    user = trial.site.gateway_user
    return session(
        BrokerSettings(
            port=trial.local_port, username=user, password_file=password_file(trial, user, tmp)
        ),
        user,
    )


def test_a_device_publishes_its_scans_over_tls_with_its_own_password(
    trial: tuple[Trial, Proc], tmp_path: Path
) -> None:
    built, _ = trial
    gw = gateway(built, tmp_path)
    assert gw.accepted()
    gw.subscribe(f"{TOP}/scan/+")
    station = device(built, D01, tmp_path)
    assert station.accepted(), station.result
    station.publish(f"{TOP}/scan/{D01}", b'{"read": 1}')
    assert gw.received() == [(f"{TOP}/scan/{D01}", b'{"read": 1}')]
    # and the gateway answers on the device's command topic
    station.subscribe(f"{TOP}/cmd/{D01}")
    gw.publish(f"{TOP}/cmd/{D01}", b'{"re": 1}')
    assert station.received() == [(f"{TOP}/cmd/{D01}", b'{"re": 1}')]
    # and the device's encode outcomes reach the gateway
    gw.subscribe(f"{TOP}/encoded/+")
    station.publish(f"{TOP}/encoded/{D01}", b'{"re": 2}')
    assert gw.received() == [(f"{TOP}/encoded/{D01}", b'{"re": 2}')]
    for s in (gw, station):
        s.close()


def test_a_wrong_password_is_refused(trial: tuple[Trial, Proc], tmp_path: Path) -> None:
    built, _ = trial
    refused = device(built, D01, tmp_path, password="not-the-password")
    assert refused.result is not None and refused.result.is_failure
    # another device's password does not open this device's account either
    swapped = device(built, D01, tmp_path, password=built.password(D02))
    assert swapped.result is not None and swapped.result.is_failure
    for s in (refused, swapped):
        s.close()


def test_anonymous_connections_are_refused_on_both_listeners(
    trial: tuple[Trial, Proc],
) -> None:
    built, _ = trial
    over_tls = session(BrokerSettings(port=built.tls_port, tls_ca=built.ca))
    local = session(BrokerSettings(port=built.local_port))
    for s in (over_tls, local):
        assert s.result is not None and s.result.is_failure
        s.close()


def test_a_device_cannot_write_or_read_another_devices_topics(
    trial: tuple[Trial, Proc], tmp_path: Path
) -> None:
    built, _ = trial
    gw = gateway(built, tmp_path)
    gw.subscribe(f"{TOP}/scan/+")
    forger = device(built, D01, tmp_path)
    # D01 pretends to be D02: the read never arrives (Mosquitto also drops the connection)
    forger.client.publish(f"{TOP}/scan/{D02}", b"forged", qos=1)
    assert gw.received(timeout=1.5) == []
    forger.close()
    one, two = device(built, D01, tmp_path), device(built, D02, tmp_path)
    one.publish(f"{TOP}/scan/{D01}", b"own")
    assert gw.received() == [(f"{TOP}/scan/{D01}", b"own")]
    # D01 listens to everything on the broker, every site: it gets its own commands only
    one.subscribe("wh/v1/#")
    one.subscribe("#")
    two.publish(f"{TOP}/status/{D02}", b'{"state":"online"}', retain=True)
    two.publish(f"{TOP}/scan/{D02}", b"D02 read")
    gw.publish(f"{TOP}/cmd/{D02}", b"for D02")
    gw.publish(f"{TOP}/cmd/{D01}", b"for D01")
    assert one.received() == [(f"{TOP}/cmd/{D01}", b"for D01")]
    for s in (gw, one, two):
        s.close()


def test_a_device_cannot_answer_for_or_command_another_device(
    trial: tuple[Trial, Proc], tmp_path: Path
) -> None:
    built = trial[0]
    two = device(built, D02, tmp_path)
    two.subscribe(f"{TOP}/cmd/{D02}")
    gw = gateway(built, tmp_path)
    gw.subscribe(f"{TOP}/encoded/+")
    # D01 forges D02's encode outcome and an encode request to D02 (each from a connection
    # of its own: Mosquitto may drop one that publishes where it may not)
    for topic in (f"{TOP}/encoded/{D02}", f"{TOP}/cmd/{D02}"):
        forger = device(built, D01, tmp_path)
        assert forger.accepted()
        forger.client.publish(topic, b"forged", qos=1)
        forger.close()
    # then the real ones, after the forged: only they arrive
    two.publish(f"{TOP}/encoded/{D02}", b"real outcome")
    gw.publish(f"{TOP}/cmd/{D02}", b"real request")
    assert gw.received() == [(f"{TOP}/encoded/{D02}", b"real outcome")]
    assert two.received() == [(f"{TOP}/cmd/{D02}", b"real request")]
    for s in (gw, two):
        s.close()


def test_tls_needs_the_depots_own_chain(trial: tuple[Trial, Proc], tmp_path: Path) -> None:
    built, _ = trial
    client = paho.Client(paho.CallbackAPIVersion.VERSION2)
    client.username_pw_set(D01, built.password(D01))
    client.tls_set(tls_version=ssl.PROTOCOL_TLS_CLIENT)  # the system's CAs, not the depot's
    with pytest.raises(ssl.SSLCertVerificationError):
        client.connect("127.0.0.1", built.tls_port)
    # with the depot's CA the name checks out (the certificate names 127.0.0.1)
    ok = device(built, D01, tmp_path)
    assert ok.accepted()
    ok.close()


def test_generated_passwords_are_distinct_and_only_the_owner_reads_secrets(
    trial: tuple[Trial, Proc],
) -> None:
    built, _ = trial
    users = [built.site.gateway_user, *(d.id for d in built.site.devices())]
    passwords = {built.password(u) for u in users}
    assert len(passwords) == len(users)
    passwd = (built.out / "broker" / "passwd").read_text()
    assert all(p not in passwd for p in passwords)
    assert all(line.split(":", 1)[1].startswith("$7$") for line in passwd.splitlines())
    private = [built.out / "broker" / "passwd", built.out / "broker" / "server.key"]
    private += list((built.out / ".secrets").rglob("*"))
    private += list((built.out / "stations").rglob("*.mqtt"))
    for path in private:
        mode = path.stat().st_mode & 0o777
        assert mode in (0o600, 0o700), f"{path} is {oct(mode)}"


def test_a_gateway_away_loses_none_of_the_reads_queued_for_it(
    trial: tuple[Trial, Proc], tmp_path: Path
) -> None:
    """The generated configuration has no per-client queue limit: Mosquitto's default (1,000)
    would drop reads queued for a gateway that is away."""
    built, _ = trial
    user = built.site.gateway_user
    settings = BrokerSettings(
        port=built.local_port, username=user, password_file=password_file(built, user, tmp_path)
    )

    def gateway_session() -> Session:
        client = make_client(settings, f"{user}-away-test", persistent_session=True)
        messages: queue.Queue[paho.MQTTMessage] = queue.Queue()
        client.on_message = lambda c, u, m: messages.put(m)
        client.max_inflight_messages_set(1000)
        connected = threading.Event()
        client.on_connect = lambda *a: connected.set()
        connect(client, settings)
        assert connected.wait(10)
        return Session(client, None, messages)

    first = gateway_session()
    first.subscribe(f"{TOP}/scan/+")
    first.close()  # away; its session (and subscription) stay on the broker
    station = device(built, D01, tmp_path)
    count = 3000
    for n in range(count):
        station.client.publish(f"{TOP}/scan/{D01}", str(n).encode(), qos=1)
    station.client.publish(f"{TOP}/scan/{D01}", b"last", qos=1).wait_for_publish(30)
    station.close()
    back = gateway_session()
    got: list[bytes] = []
    deadline = time.monotonic() + 60
    while len(got) < count + 1 and time.monotonic() < deadline:
        try:
            got.append(bytes(back.messages.get(timeout=1).payload))
        except queue.Empty:
            continue
    back.close()
    assert len(got) == count + 1 and got[-1] == b"last"
    assert sorted(int(p) for p in got[:-1]) == list(range(count))
