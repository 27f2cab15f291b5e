"""What a supervisor or keeper may do to a device's task from the floor pages (pure).

A task is set from the page as a card would set it; a first-in-first-out refusal is
overridden by a supervisor (or an administrator) only, with one of the reasons below, and only
while the device is picking. The override is kept in the task's state and is used by the next
unit the picker scans (gateway/domain/workflows/picking.py).
"""

from __future__ import annotations

from gateway.domain.errors import Conflict, NotAllowed, Unknown
from gateway.domain.floor import Task
from gateway.domain.workflows import TASKS

OVERRIDE_ROLES = ("supervisor", "admin")
# Why a supervisor lets a picker take another batch than first-in-first-out offers.
OVERRIDE_REASONS: dict[str, tuple[str, str]] = {
    "blocked": ("先进批次被压住无法取出", "Older batch blocked in the stack"),
    "damaged": ("先进批次包装破损", "Older batch damaged"),
    "urgent": ("紧急调运，就近取货", "Emergency: take the nearest"),
    "quality": ("先进批次待复检", "Older batch awaiting re-inspection"),
    "other": ("其他（已口头说明）", "Other (explained in person)"),
}


def assign(current: Task | None, kind: str, ref: str | None) -> Task:
    """The device's new task, set from the page; its operator stays signed on."""
    if kind not in TASKS:
        raise Unknown(f"未知任务 {kind!r}", f"unknown task {kind!r}")
    return Task(kind, ref, {}, current.operator if current else None)


def override(current: Task | None, by: str, role: str, reason: str, now: float) -> Task:
    """The picking task with a supervisor's override for the next unit."""
    if role not in OVERRIDE_ROLES:
        raise NotAllowed(
            "只有主管可以放行先进先出", "only a supervisor may override first-in-first-out"
        )
    if reason not in OVERRIDE_REASONS:
        raise Unknown(f"未知原因 {reason!r}", f"unknown reason {reason!r}")
    if current is None or current.kind != "pick":
        raise Conflict("该设备不在拣货", "the device is not picking")
    granted = {"by": by, "reason": reason, "text": " / ".join(OVERRIDE_REASONS[reason]), "at": now}
    return current._replace(state={**current.state, "override": granted})
