"""Receiving at the door: a read of a goods label becomes a receiving event (pure).

Received goods are not yet stock anyone may use: the server books them as pending
acceptance (art. 8) until the inspection group accepts them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from edge.contract import Answer, ScanMessage

EVENT_NAMESPACE = uuid.UUID("5b0f3a6e-2f4c-4f7e-9d43-6f1c2a8e0d11")

REASONS: dict[str, tuple[str, str]] = {
    "unreadable": ("无法识别的条码", "Unreadable code"),
    "not_goods": ("请扫描货物标签", "Scan a goods label"),
    "incomplete": ("标签缺少批号或数量", "Label lacks batch or quantity"),
    "no_door": ("本设备未绑定库门", "This device is not assigned to a door"),
}


@dataclass(frozen=True, slots=True)
class Decision:
    answer: Answer
    event: dict[str, Any] | None


def event_id_for(read_id: str, kind: str) -> str:
    """The domain event's id follows from the read's: a resent read makes the same event."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{read_id}:{kind}"))


def refuse(read_id: str, reason: str, detail: str | None = None) -> Decision:
    zh, en = REASONS[reason]
    suffix = f" ({detail})" if detail else ""
    return Decision(Answer(read_id, "refused", zh + suffix, en + suffix, "error"), None)


def receive(scan: ScanMessage) -> Decision:
    """Decide what a read at a receiving door means."""
    if not scan.valid:
        return refuse(scan.event_id, "unreadable", scan.error)
    data = scan.data
    if data.kind != "gs1" or data.gtin is None:
        return refuse(scan.event_id, "not_goods")
    if not data.batch or not data.qty or data.qty <= 0:
        return refuse(scan.event_id, "incomplete")
    if not scan.door:
        return refuse(scan.event_id, "no_door")
    event = {
        "event_id": event_id_for(scan.event_id, "receiving"),
        "type": "receiving",
        "warehouse": scan.site,
        "occurred_at": scan.ts,
        "read_id": scan.event_id,
        "device": scan.device,
        "location": scan.door,
        "gtin": data.gtin,
        "batch": data.batch,
        "prod_date": data.prod_date,
        "expiry": data.expiry,
        "qty": data.qty,
    }
    answer = Answer(
        re=scan.event_id,
        result="ok",
        text_zh=f"已收货：批次 {data.batch}，数量 {data.qty}",
        text_en=f"Received batch {data.batch}, qty {data.qty}",
        beep="ok",
        task={"kind": "receiving", "id": event["event_id"]},
    )
    return Decision(answer, event)
