"""What each role may do. Every endpoint names the permission it needs; a user bound to a
warehouse acts on that warehouse only.

admin 管理员 · supervisor 仓库负责人 · keeper 保管员 · dispatcher 应急局调度
auditor 审计 (read only)
"""

from __future__ import annotations

PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "supervisor", "keeper", "dispatcher", "auditor"}),
    "accept": frozenset({"admin", "supervisor"}),  # record an acceptance decision (art. 8)
    "audit": frozenset({"admin", "supervisor", "auditor"}),  # the audit trail, verify-ledger
    "count": frozenset({"admin", "supervisor", "keeper"}),  # record stocktake counts (blind)
    "stocktake": frozenset({"admin", "supervisor"}),  # open, close, see variances, reasons
    "approve": frozenset({"admin", "supervisor"}),
    "dispatch": frozenset(
        {"admin", "dispatcher", "supervisor"}
    ),  # plan dispatches (art. 15)  # approve adjustments (not one's own count)
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())
