"""One depot gateway process: store, broker intake, and forwarder, wired together, with the
clock every part that needs the time of day is built with (kernel/clock.py)."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from functools import partial

import uvicorn

from gateway.config import GatewayConfig, PrinterSettings
from gateway.domain.smoothing import Smoother
from gateway.domain.zpl import ZplSetup
from gateway.entrypoints.floor_web import FloorContext, create_floor_app
from gateway.entrypoints.intake import Intake
from gateway.entrypoints.metrics import Gauges
from gateway.services.dashboard_prints import DashboardPrints
from gateway.services.encoding import EncodeSender
from gateway.services.label_queue import LabelDesk, Numbering
from gateway.services.print_worker import LabelPrinter, PdfDevice, PrintWorker, ZplDevice
from gateway.services.printing import PdfSpool, ZplPrinter
from gateway.storage.disk import MB, DiskGuard
from gateway.storage.received_labels import NONE, PRINTER, READER, DoorPrinter, ReceivingLabels
from gateway.storage.store import GatewayStore
from gateway.upstream.forwarder import Forwarder
from gateway.upstream.report import Reporter
from gateway.upstream.sync import Syncer
from kernel import heap
from kernel.clock import Clock, seconds

log = logging.getLogger(__name__)


# Threads waiting for the GIL get it back within 1 ms (Python's default is 5 ms): the read
# being answered should not wait out the forwarder's or the syncer's turn.
SWITCH_INTERVAL = 0.001


def label_printer(settings: PrinterSettings) -> LabelPrinter:
    """A configured printer, as the print worker drives it."""
    if settings.kind == "zpl":
        return ZplDevice(
            ZplPrinter(settings.host, settings.port, settings.timeout, settle=settings.settle),
            ZplSetup(font=settings.font, rfid=settings.rfid),
        )
    assert settings.spool is not None  # gateway.config: a pdf printer has its spool
    return PdfDevice(PdfSpool(settings.spool, settings.command, settings.timeout))


def receiving_labels(config: GatewayConfig, wake: Callable[[], None]) -> ReceivingLabels | None:
    """The printer of each door that labels what it receives (the first declared at a door),
    and who encodes the label's tag."""
    if config.labels is None or not config.printers:
        return None
    doors: dict[str, DoorPrinter] = {}
    for p in config.printers:
        tag = PRINTER if p.kind == "zpl" and p.rfid else READER if p.encoder else NONE
        if p.door:
            doors.setdefault(p.door, DoorPrinter(p.name, tag, p.encoder))
    labels = config.labels
    return ReceivingLabels(labels.company_prefix, labels.extension, doors, config.site, wake,
                           labels.gtin_prefixes)  # fmt: skip


class Gateway:
    def __init__(self, config: GatewayConfig, clock: Clock) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.config, self.clock = config, clock
        self.store = GatewayStore(config.database, partial(seconds, clock))
        self.disk = DiskGuard(
            config.database.parent, config.disk_alarm_mb * MB, config.disk_refuse_mb * MB
        )
        self.printing = PrintWorker(self.store, {p.name: label_printer(p) for p in config.printers})
        self.intake = Intake(
            config.site,
            config.broker,
            self.store,
            self.disk,
            Smoother(config.rfid, config.rfid_doors),
            receiving_labels(config, self.printing.wake),
        )
        exchange = threading.Lock()  # deliveries and syncs take turns (gateway.upstream.worker)
        self.forwarder = Forwarder(config.site, config.server, self.store, exchange, clock=clock)
        numbering = (
            None
            if config.labels is None
            else (config.labels.company_prefix, config.labels.extension)
        )
        desk = (
            LabelDesk(
                Numbering(
                    config.labels.company_prefix,
                    config.labels.extension,
                    config.labels.gtin_prefixes,
                ),
                {p.name: p.kind == "zpl" and p.rfid for p in config.printers},
                self.printing.wake,
                supervisor_over=config.labels.supervisor_over,
                queue_cap=config.labels.queue_cap,
            )
            if config.labels is not None and config.printers
            else None
        )
        prints = DashboardPrints(
            self.store, desk, config.site, {p.name: p.kind for p in config.printers},
            self.printing.problems,
        )  # fmt: skip
        self.syncer = Syncer(
            config.server, self.store, config.server.sync_interval, exchange, clock=clock,
            numbering=numbering, take_prints=prints.take,
        )  # fmt: skip
        self.reporter = Reporter(
            config.server,
            self.store,
            self.disk,
            {"sync": self.syncer, "delivery": self.forwarder},
            config.status_interval,
            clock=clock,
            prints=prints,
        )
        self.encoding = EncodeSender(self.store, config.site, self._publish)
        self._stop = threading.Event()
        self._status = threading.Thread(target=self._status_loop, name="status", daemon=True)

        self.web = uvicorn.Server(
            uvicorn.Config(
                create_floor_app(
                    FloorContext(
                        config.site,
                        self.store,
                        self.intake.metrics,
                        self.gauges,
                        clock,
                        enrolment_dir=config.enrolment_dir,
                        tls=config.tls,
                        ca_pem=config.ca_pem(),
                        exchange=exchange,
                        labels=desk,
                    )
                ),
                host=config.http_host,
                port=config.http_port,
                log_level="warning",
                access_log=False,
                # HTTPS with the depot's chain (plain HTTP only on loopback: gateway.config)
                ssl_certfile=config.tls_cert,
                ssl_keyfile=config.tls_key,
                # the address that counts (sign-on and enrolment throttling) is the peer's
                proxy_headers=False,
            )
        )
        self._web = threading.Thread(target=self.web.run, name="floor-pages", daemon=True)

    def gauges(self) -> Gauges:
        stats = self.store.stats()
        synced = self.syncer.last_success
        return Gauges(
            outbox_pending=stats.pending,
            outbox_rejected=stats.rejected,
            outbox_oldest_age=stats.oldest_pending_age,
            last_sync_age=None if synced is None else seconds(self.clock) - synced,
            disk_free_bytes=self.disk.free(),
            disk_alarm=self.disk.alarm,
        )

    def start(self) -> None:
        heap.settle()
        self._web.start()
        self.forwarder.start()
        self.syncer.start()
        self.reporter.start()
        self.intake.start()
        if self.config.printers:
            self.printing.start()
            self.encoding.start()
        self._status.start()
        log.info(
            "gateway for %s running; events go to %s", self.config.site, self.config.server.url
        )

    def stop(self) -> None:
        self._stop.set()
        self.web.should_exit = True
        self.intake.stop()
        self.forwarder.stop()
        self.syncer.stop()
        self.reporter.stop()
        if self.config.printers:
            self.printing.stop()
            self.encoding.stop()
        self._status.join(timeout=2)
        self._web.join(timeout=5)
        self.store.close()

    def _publish(self, topic: str, payload: bytes) -> bool:
        """A message to a station (an encode request), while the gateway is on the broker."""
        if not self.intake.connected.is_set():
            return False
        return self.intake.client.publish(topic, payload, qos=1).rc == 0

    def _status_loop(self) -> None:
        while not self._stop.wait(self.config.status_interval):
            stats = self.store.stats()
            self.intake.publish_status(
                outbox_pending=stats.pending,
                outbox_rejected=stats.rejected,
                outbox_oldest_age=stats.oldest_pending_age,
                last_delivery=self.forwarder.last_success,
                disk_free_mb=self.disk.free() // MB,
                disk_alarm=self.disk.alarm,
                last_sync=self.syncer.last_success,
            )
