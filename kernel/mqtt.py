"""How every part of the depot connects to its broker (paho-mqtt 2).

The kernel needs no third-party package to be imported: paho is loaded when a client is
made, by the parts that make one (stations and gateways, which install it).

One place for what all clients need: credentials read from a file (never from the command
line or a log), optional TLS, TCP_NODELAY on the socket so that an answer to a scanner is
not held back by Nagle's algorithm, and reconnection with backoff.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import paho.mqtt.client as paho


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password_file: Path | None = None
    tls_ca: Path | None = None
    keepalive: int = 20

    def password(self) -> str | None:
        if self.password_file is None:
            return None
        return self.password_file.read_text(encoding="utf-8").strip()


def _nodelay(client: paho.Client, userdata: Any, sock: Any) -> None:
    # Not a TCP socket (websocket, unix): nothing to tune.
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def make_client(
    settings: BrokerSettings,
    client_id: str,
    *,
    persistent_session: bool = False,
    manual_ack: bool = False,
    will: tuple[str, bytes] | None = None,
) -> paho.Client:
    """A configured client, not yet connected. Call connect_async() and loop_start()."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=not persistent_session,
        protocol=paho.MQTTv311,
        manual_ack=manual_ack,
    )
    client.on_socket_open = _nodelay
    if settings.username:
        client.username_pw_set(settings.username, settings.password())
    if settings.tls_ca:
        client.tls_set(ca_certs=str(settings.tls_ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    if will:
        client.will_set(will[0], will[1], qos=1, retain=True)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    return client


def connect(client: paho.Client, settings: BrokerSettings) -> None:
    """Start the network loop; paho keeps reconnecting in the background."""
    client.connect_async(settings.host, settings.port, keepalive=settings.keepalive)
    client.loop_start()
