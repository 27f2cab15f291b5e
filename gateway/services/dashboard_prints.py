"""Labels and bin cards asked for on the central dashboard, printed at the depot: the requests a
sync brings (`GET /api/v1/sync`, `print_requests`) are taken once each, queued on the depot's
printer by the floor's own rules (label_queue.labels_in, cards_in: the same checks, the same
serials), and what came of each goes back with the gateway's status report, with the depot's
printers and their trouble (gateway/upstream/report.py).

A request is queued in the same transaction as the note that it was taken: a gateway that
stops midway takes it again whole or not at all, never twice. One that the rules refuse (an
unknown GTIN, a printer the depot does not have, an empty location ...) is refused with the
reason, for the dashboard to show; a malformed one too, and it never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from sqlite3 import Connection
from typing import Any

from gateway.domain.form_checks import Problem
from gateway.services.label_queue import LabelDesk, asked, cards_in, labels_in
from gateway.services.printing import PrintResult
from gateway.storage import asked_prints, print_queue
from gateway.storage.store import GatewayStore
from kernel.print_outcomes import PrintOutcome

log = logging.getLogger(__name__)
MAX_TEXT = 200  # a field's characters, as the floor's own forms take them
LABEL_KEYS = ("printer", "gtin", "batch", "qty", "units", "prod_date", "expiry")
CARD_KEYS = ("printer", "location")


class Malformed(ValueError):
    """A request that is not one the server sends."""


def _text(request: Mapping[str, Any], key: str) -> str:
    value = request.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed(f"{key} is not text")
    text = str(value)
    if len(text) > MAX_TEXT or not text.isprintable():
        raise Malformed(f"{key} is too long or not printable")
    return text


def _reasons(problems: list[Problem]) -> tuple[str, str]:
    zh = "；".join(f"{p.field}：{p.zh}" if p.field else p.zh for p in problems)
    en = "; ".join(f"{p.field}: {p.en}" if p.field else p.en for p in problems)
    return zh, en


@dataclass(frozen=True, slots=True)
class DashboardPrints:
    """The depot's label desk (None: it has no printers), its name, each printer's kind ('zpl'
    or 'pdf') and the print worker's trouble now, by printer."""

    store: GatewayStore
    desk: LabelDesk | None
    depot: str
    kinds: Mapping[str, str]
    problems: Callable[[], Mapping[str, PrintResult]]

    def take(self, requests: object) -> int:
        """The requests of a sync, each taken once; how many were queued now."""
        if not isinstance(requests, list):
            log.warning("the sync's print_requests is not a list: ignored")
            return 0
        queued = 0
        for request in requests[:1000]:
            try:
                queued += self._take(request)
            except Exception:  # one request must not stop the others, nor the sync
                log.exception("print request %r not taken", request)
        return queued

    def _take(self, request: object) -> int:
        if not isinstance(request, dict):
            raise Malformed("a print request is an object")
        rid, kind = request.get("id"), request.get("kind")
        if isinstance(rid, bool) or not isinstance(rid, int) or not 0 < rid < 2**53:
            raise Malformed("a print request's id is a positive whole number")
        kind = kind if kind in ("labels", "cards") else "?"
        with self.store.reading() as db:
            if asked_prints.known(db, rid):
                return 0
        try:
            keys = LABEL_KEYS if kind == "labels" else CARD_KEYS
            typed = {key: _text(request, key) for key in keys}
            who = {key: _text(request, key) for key in ("asked_by", "role")}
            if kind == "labels":  # one trade item a label, each its own SGTIN
                typed["by_item"] = "1" if request.get("by_item") is True else ""
            if kind == "?":
                raise Malformed("kind is neither labels nor cards")
        except Malformed as bad:
            return self._refuse(rid, kind, "", [Problem("", "请求格式错误", str(bad))])
        if self.desk is None:
            nothing = Problem("printer", "该库没有标签打印机", "no label printers at this depot")
            return self._refuse(rid, kind, typed["printer"], [nothing])
        desk = self.desk

        def queue(db: Connection) -> list[int] | list[Problem]:
            if asked_prints.known(db, rid):
                return []
            now = self.store.clock()
            done = (
                labels_in(db, desk, typed, self.depot, who["role"], now)
                if kind == "labels"
                else cards_in(db, desk, typed, who["asked_by"], now)
            )
            if done and isinstance(done[0], int):
                asked_prints.taken(db, rid, kind, typed["printer"], done, now)
            return done

        done = asked(self.store, desk, queue)
        if done and isinstance(done[0], int):
            log.info("print request %s: %d jobs queued on %s", rid, len(done), typed["printer"])
            return 1
        problems = [p for p in done if isinstance(p, Problem)]
        return self._refuse(rid, kind, typed["printer"], problems) if problems else 0

    def _refuse(self, rid: int, kind: str, printer: str, problems: list[Problem]) -> int:
        zh, en = _reasons(problems)
        log.warning("print request %s refused: %s", rid, en)
        with self.store.transaction() as db:
            asked_prints.refused(db, rid, kind, printer, zh, en, self.store.clock())
        return 0

    def report(self) -> tuple[dict[str, Any], list[PrintOutcome]]:
        """The depot's printers and what came of the requests the server has not heard final:
        the report's `printers` and `print_requests`, and the outcomes it carries."""
        trouble = self.problems()
        with self.store.reading() as db:
            waiting = {row["printer"]: row for row in print_queue.summary(db)}
            outcomes = asked_prints.outcomes(db)
        printers = []
        for name, rfid in sorted((self.desk.printers if self.desk else {}).items()):
            row = waiting.get(name, {})
            now = trouble.get(name)
            printers.append({
                "printer": name, "kind": self.kinds.get(name, "pdf"), "rfid": rfid,
                "queued": int(str(row.get("queued", 0))), "held": int(str(row.get("held", 0))),
                "trouble": now.reason if now is not None else None,
            })  # fmt: skip
        requests = [asdict(o) for o in outcomes]
        return {"printers": printers, "print_requests": requests}, outcomes

    def reported(self, sent: list[PrintOutcome]) -> None:
        """The server took a report carrying these outcomes."""
        with self.store.transaction() as db:
            asked_prints.reported(db, sent)
