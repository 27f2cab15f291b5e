"""Doors and devices (库门与设备): each depot's doors with their devices, online or not,
when last seen, how many reads and how many broken messages in the last ten minutes (a
device sending broken messages at a rate shows as flooding); each gateway's outbox depth and
age, its disk, and how long ago it last reported and last synced. From the gateways' own
reports (server/services/gateways.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import lang_of, page, partial
from server.dash.overview import THE_DEPOT
from server.domain.bounds import Filter
from server.services import gateways
from server.storage import queries
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
SILENT_AFTER = 120  # seconds without a report: the gateway is shown as silent
STALE_SYNC_AFTER = 600  # seconds since the last sync before it shows in red


def _age(moment: datetime | str | None, now: datetime) -> float | None:
    if moment is None:
        return None
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (now - when).total_seconds()


def doors_values(request: Request, where: str | None) -> dict[str, Any]:
    engine = engine_of(request)
    now = now_of(request)
    status = gateways.statuses(engine, where)
    depots, docks = queries.depots_and_doors(engine, where)
    out = []
    for code, name_zh, name_en in depots:
        s = status.get(code, {})
        report = s.get("report", {})
        devices = report.get("devices", [])
        doors: dict[str, dict[str, Any]] = {
            d.code: {
                "door": d.code,
                "devices": [],
                "reads": 0,
                "last_read": None,
                "broken": 0,
                "flooding": False,
            }
            for d in docks
            if d.warehouse == code
        }
        roaming = []
        for device in devices:
            device["age"] = _age(device.get("last_seen"), now)
            door = doors.get(device.get("door") or "")
            if door is None:
                roaming.append(device)
                continue
            door["devices"].append(device)
            door["reads"] += int(device.get("reads_10min") or 0)
            door["broken"] += int(device.get("broken_10min") or 0)
            door["flooding"] = door["flooding"] or bool(device.get("flooding"))
            if device.get("last_read") and (door["last_read"] or "") < device["last_read"]:
                door["last_read"] = device["last_read"]
        reported = _age(s.get("reported_at"), now)
        synced = _age(s.get("last_sync_at"), now)
        out.append({
            "code": code, "name_zh": name_zh, "name_en": name_en,
            "reported_age": reported, "silent": reported is None or reported > SILENT_AFTER,
            "synced_age": synced, "stale_sync": synced is None or synced > STALE_SYNC_AFTER,
            "outbox": report.get("outbox", {}), "disk": report.get("disk", {}),
            "doors": list(doors.values()), "roaming": roaming,
            "online": sum(1 for d in devices if d.get("state") == "online"),
            "devices": len(devices),
            "flooding": [d["device"] for d in devices if d.get("flooding")],
        })  # fmt: skip
    lang = lang_of(request)
    return {"depots": out, "depot": where, "ago": lambda seconds: ago(seconds, lang)}


def ago(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "从未" if lang == "zh" else "never"
    s = int(seconds)
    if s < 60:
        text = f"{s} 秒" if lang == "zh" else f"{s} s"
    elif s < 3600:
        text = f"{s // 60} 分钟" if lang == "zh" else f"{s // 60} min"
    elif s < 86400:
        text = f"{s // 3600} 小时" if lang == "zh" else f"{s // 3600} h"
    else:
        text = f"{s // 86400} 天" if lang == "zh" else f"{s // 86400} days"
    return f"{text}前" if lang == "zh" else f"{text} ago"


@router.get("/doors", response_class=HTMLResponse)
def doors_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    return page(request, "dash/doors.html", scope.user, **doors_values(request, scope.depot))


@router.get("/partials/doors", response_class=HTMLResponse)
def doors_partial(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    return partial(request, "dash/doors_live.html", **doors_values(request, scope.depot))
