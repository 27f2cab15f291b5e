"""What the depots' gateways say about themselves: each reports its devices, outbox, disk and
printers (`POST /api/v1/gateway/report`), and each sync is noted. The dashboard's doors page
reads it, and the labels page the depot's printers.

One row per depot, replaced by each report: a status, not a history (the gateways' own
metrics keep the history). What a report says of the labels asked for at the centre
(`print_requests`) is written to those requests (server/services/print_requests.py), in the
same transaction, and not kept with the status."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from kernel.bounds import is_clean
from kernel.print_outcomes import PrintOutcome
from kernel.sscc_serials import UsedSerials
from server.domain.bounds import json_problem, shown
from server.domain.errors import ReportError
from server.domain.print_requests import outcomes_of, printers_of
from server.services.print_requests import take_outcomes
from server.storage.tables import gateway_status, sscc_serials
from server.storage.upsert import raise_to

MAX_DEVICES = 500
MAX_REJECTED_SHOWN = 20
MAX_REPORT_BYTES = 1024 * 1024
MAX_PROBLEMS_SAID = 20  # of the entries a report's answer says were left out


def _upsert(conn: Connection, warehouse: str, client_id: str, values: dict[str, Any]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(gateway_status).values(
        warehouse=warehouse, client_id=client_id, **values
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[gateway_status.c.warehouse],
            set_={"client_id": client_id, **values},
        )
    )


def check(report: dict[str, Any]) -> tuple[dict[str, Any], list[PrintOutcome], list[str]]:
    """The report as kept with the depot's status (its well-formed printers, without the
    requests' outcomes), those outcomes, and what was left out of both and why; ReportError
    says what else is malformed (the devices, the outbox: the report is refused)."""
    problem = json_problem(report, "report", 6, 1000, MAX_DEVICES)
    if problem is not None:
        raise ReportError(problem[1])
    devices = report.get("devices", [])
    if not isinstance(devices, list) or len(devices) > MAX_DEVICES:
        raise ReportError(f"devices must be a list of at most {MAX_DEVICES}")
    for device in devices:
        if not isinstance(device, dict) or not isinstance(device.get("device"), str):
            raise ReportError("each device needs its id ('device')")
        name = shown(device["device"], 64)
        for key in ("last_seen", "last_read"):
            if device.get(key) is not None and not _is_time(device[key]):
                raise ReportError(f"{name}: {key} must be an ISO 8601 time")
        for key in ("reads_10min", "broken_10min"):
            value = device.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53:
                raise ReportError(f"{name}: {key} must be a whole number")
        if not isinstance(device.get("flooding", False), bool):
            raise ReportError(f"{name}: flooding must be true or false")
        if device.get("door") is not None and not isinstance(device["door"], str):
            raise ReportError(f"{name}: door must be text")
    outbox = report.get("outbox", {})
    if not isinstance(outbox, dict) or not all(
        isinstance(outbox.get(k, 0), int | float | None)
        for k in ("pending", "rejected", "oldest_pending_age")
    ):
        raise ReportError("outbox must map pending, rejected, oldest_pending_age to numbers")
    recent = outbox.get("rejected_recent", [])
    if not isinstance(recent, list) or len(recent) > MAX_REJECTED_SHOWN:
        raise ReportError(f"outbox.rejected_recent must be a list of at most {MAX_REJECTED_SHOWN}")
    for event in recent:
        if not isinstance(event, dict) or not all(
            isinstance(event.get(k), str) and len(event[k]) <= 300 and is_clean(event[k])
            for k in ("event_id", "type", "result", "reason")
        ):
            raise ReportError("each rejected event needs event_id, type, result and reason")
        if event.get("at") is not None and not _is_time(event["at"]):
            raise ReportError("a rejected event's time must be ISO 8601")
    kept = {k: v for k, v in report.items() if k != "print_requests"}
    problems: list[str] = []
    if "printers" in report:
        kept["printers"], problems = printers_of(report["printers"])
    outcomes, refused = outcomes_of(report.get("print_requests", []))
    return kept, outcomes, problems + refused


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def record_report(
    engine: Engine, warehouse: str, client_id: str, report: dict[str, Any], now: datetime
) -> list[str]:
    """Keep the report as the depot's status and take what it says of the print requests;
    what was left out of its printers and outcomes, and why (the rest is taken: a bad entry
    never stops a depot's status)."""
    status, outcomes, problems = check(report)
    payload = json.dumps(status, ensure_ascii=False)
    if len(payload) > MAX_REPORT_BYTES:
        raise ReportError(f"a report may be {MAX_REPORT_BYTES} bytes at most")
    with engine.begin() as conn:
        _upsert(conn, warehouse, client_id, {"reported_at": now, "payload": payload})
        take_outcomes(conn, warehouse, outcomes, now)
    return problems[:MAX_PROBLEMS_SAID]


def record_sync(engine: Engine, warehouse: str, client_id: str, now: datetime) -> None:
    with engine.begin() as conn:
        _upsert(conn, warehouse, client_id, {"last_sync_at": now})


def record_serials(engine: Engine, warehouse: str, used: list[UsedSerials], now: datetime) -> None:
    """The SSCC serials the depot's gateway says it has used: the highest heard is kept."""
    rows = [
        {"warehouse": warehouse, "prefix": u.prefix, "extension": u.extension, "high": u.high,
         "reported_at": now}
        for u in used
    ]  # fmt: skip
    with engine.begin() as conn:
        raise_to(conn, sscc_serials, rows, ("warehouse", "prefix", "extension"), "high")


def statuses(engine: Engine, warehouse: str | None) -> dict[str, dict[str, Any]]:
    query = select(gateway_status)
    if warehouse:
        query = query.where(gateway_status.c.warehouse == warehouse)
    with engine.connect() as conn:
        return {
            r.warehouse: {
                "client_id": r.client_id,
                "reported_at": r.reported_at,
                "last_sync_at": r.last_sync_at,
                "report": json.loads(r.payload) if r.payload else {},
            }
            for r in conn.execute(query)
        }
