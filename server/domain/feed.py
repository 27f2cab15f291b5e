"""The feed to the provincial platform (pure): its endpoints as configured, what each is
sent, the wait before another try, and the reports' due clocks (art. 14: the monthly report
by the 10th of the month after; the report of an emergency dispatch at once).

An endpoint is an EPCIS 2.0 capture interface (`kind = "epcis"`: the depots' events, as
EPCIS documents) or a JSON webhook (`kind = "webhook"`: events and reports, each as a JSON
object saying what it is). The configuration is a TOML file (`depot server run --feed`):

    retry_max_seconds = 3600        # the longest wait between tries (default 1 hour)
    every_seconds = 2               # how often the outboxes are filled and sent (default 2 s)

    [[endpoint]]
    name = "province"               # the outbox and its positions are kept under this name
    kind = "webhook"                # or "epcis"
    url = "https://platform.example/api/depot-feed"
    token_file = "secrets/province.token"   # a Bearer token, owner-only; optional
    depots = ["LC01", "LC02"]       # optional: only these depots' events and reports
    sends = ["events", "monthly_report", "emergency_report"]   # the default for a webhook
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from server.domain.errors import SetupError

EVENTS, MONTHLY, EMERGENCY = "events", "monthly_report", "emergency_report"
KINDS = {"epcis": frozenset({EVENTS}), "webhook": frozenset({EVENTS, MONTHLY, EMERGENCY})}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
FIRST_WAIT = 5.0  # seconds before the first retry, doubling
RETRY_MAX = 3600.0
EVERY = 2.0
REPORT_DAY = 10  # the monthly report is due by the 10th (art. 14)
# An emergency dispatch's report is due "at once" (art. 14): within the hour it was drafted.
AT_ONCE = timedelta(hours=1)


class FeedConfigError(SetupError):
    """A feed configuration that cannot be used (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    kind: str  # epcis, webhook
    url: str
    token_file: Path | None = None
    depots: tuple[str, ...] | None = None  # None: every depot
    sends: frozenset[str] = frozenset({EVENTS})

    def takes(self, depot: str | None) -> bool:
        """Whether it is sent what concerns `depot` (None: the whole network)."""
        return self.depots is None or (depot is not None and depot in self.depots)


@dataclass(frozen=True, slots=True)
class FeedConfig:
    endpoints: tuple[Endpoint, ...]
    retry_max: float = RETRY_MAX
    every: float = EVERY


def _text(doc: Mapping[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise FeedConfigError(f"{where}: {key} must be given as text")
    return value


def _endpoint(doc: Any, base: Path, n: int) -> Endpoint:
    where = f"endpoint {n}"
    if not isinstance(doc, dict):
        raise FeedConfigError(f"{where} must be a table ([[endpoint]])")
    name, kind, url = (_text(doc, k, where) for k in ("name", "kind", "url"))
    if not _NAME.match(name):
        raise FeedConfigError(f"{where}: name must be 1-64 letters, digits, '_', '.' or '-'")
    if kind not in KINDS:
        raise FeedConfigError(f"{where}: kind must be one of {', '.join(sorted(KINDS))}")
    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise FeedConfigError(f"{where}: url must be an http:// or https:// address")
    depots = doc.get("depots")
    if depots is not None and (
        not isinstance(depots, list) or not all(isinstance(d, str) and d for d in depots)
    ):
        raise FeedConfigError(f"{where}: depots must be a list of depot codes")
    sends = doc.get("sends", sorted(KINDS[kind]))
    if not isinstance(sends, list) or not sends or not set(sends) <= KINDS[kind]:
        allowed = ", ".join(sorted(KINDS[kind]))
        raise FeedConfigError(f"{where}: a {kind} endpoint sends some of {allowed}")
    token = doc.get("token_file")
    if token is not None and not isinstance(token, str):
        raise FeedConfigError(f"{where}: token_file must be a file's path")
    host = urlsplit(url).hostname or ""
    if token and url.startswith("http://") and host not in ("127.0.0.1", "::1", "localhost"):
        raise FeedConfigError(f"{where}: a token goes only over https:// (or to this machine)")
    return Endpoint(
        name,
        kind,
        url,
        base / token if token else None,
        tuple(depots) if depots is not None else None,
        frozenset(sends),
    )


def parse_config(doc: Mapping[str, Any], base: Path) -> FeedConfig:
    """The feed's configuration from its TOML document; relative files are under `base`."""
    raw = doc.get("endpoint", [])
    if not isinstance(raw, list) or not raw:
        raise FeedConfigError("the feed names at least one [[endpoint]]")
    endpoints = tuple(_endpoint(e, base, n) for n, e in enumerate(raw, start=1))
    names = [e.name for e in endpoints]
    if len(set(names)) != len(names):
        raise FeedConfigError("each endpoint has a name of its own")
    return FeedConfig(
        endpoints,
        _seconds(doc, "retry_max_seconds", RETRY_MAX, 86400),
        _seconds(doc, "every_seconds", EVERY, 3600),
    )


def _seconds(doc: Mapping[str, Any], key: str, default: float, most: float) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.1 <= value <= most:
        raise FeedConfigError(f"{key} must be a number of seconds from 0.1 to {most:g}")
    return float(value)


def wait_after(failures: int, retry_max: float) -> timedelta:
    """The wait before the next try after `failures` failed tries in a row: 5 s doubling, up
    to `retry_max` (the platform may be down for days: it is tried at least that often)."""
    return timedelta(seconds=min(retry_max, FIRST_WAIT * 2 ** min(max(0, failures - 1), 30)))


def monthly_due(month: str) -> date:
    """The day a month's report (YYYY-MM) is due: the 10th of the month after."""
    year, number = (int(p) for p in month.split("-"))
    return date(year + (number == 12), number % 12 + 1, REPORT_DAY)


def events_body(
    endpoint: Endpoint, depot: str, first: int, last: int, document: Mapping[str, Any]
) -> dict[str, Any]:
    """What an endpoint is sent of a depot's events `first`..`last` (in its ledger's order):
    the EPCIS document itself for a capture interface, or a webhook's object around it."""
    if endpoint.kind == "epcis":
        return dict(document)
    return {"kind": EVENTS, "depot": depot, "first": first, "last": last, "document": document}


@dataclass(frozen=True, slots=True)
class Clock:
    """A report's due clock as the dashboard shows it: `state` is delivered (on time or
    late), waiting (not yet due, or overdue) or unsent (no endpoint takes it); `minutes`
    how far from the due moment (positive: that much before it)."""

    state: str  # on_time, late, waiting, overdue, unsent
    due: datetime
    delivered_at: datetime | None
    minutes: int


def clock(due: datetime, delivered_at: datetime | None, queued: bool, now: datetime) -> Clock:
    """The clock of a report due at `due`: delivered at `delivered_at` (to every endpoint
    that takes it), or not; `queued` whether any endpoint takes it at all."""
    if delivered_at is not None:
        state = "on_time" if delivered_at <= due else "late"
        return Clock(state, due, delivered_at, int((due - delivered_at).total_seconds() // 60))
    minutes = int((due - now).total_seconds() // 60)
    if not queued:
        return Clock("unsent", due, None, minutes)
    return Clock("waiting" if now < due else "overdue", due, None, minutes)
