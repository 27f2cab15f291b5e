"""What each role may do. Every endpoint names the permission it needs; a user bound to a
warehouse acts on that warehouse only.

admin 管理员 · supervisor 仓库负责人 · keeper 保管员 · dispatcher 应急局调度
auditor 审计 (read only)

Who may propose and who may approve each kind of decision is the separation-of-duties table
(server/domain/duties.py); its permissions are `propose:<kind>` and `approve:<kind>`.
"""

from __future__ import annotations

from server.domain import duties

ALL_ROLES = frozenset({"admin", "supervisor", "keeper", "dispatcher", "auditor"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # see stock, decisions, reports, master data
    "read": ALL_ROLES,
    # the audit trail
    "audit": frozenset({"admin", "supervisor", "auditor"}),
    # record stocktake counts (blind)
    "count": frozenset({"admin", "supervisor", "keeper"}),
    # open and close stocktakes, see their variances, give reasons
    "stocktake": frozenset({"admin", "supervisor"}),
    # a stocktake's ledger quantities and variances (counters count blind)
    "see:variances": frozenset({"admin", "supervisor", "auditor"}),
    # the approvals inbox (what waits for the person's decision)
    "approve": frozenset({"admin", "supervisor"}),
    # a quality check of stock at its storage limit (art. 25(4))
    "reinspect": frozenset({"admin", "supervisor"}),
    # plan dispatches (art. 15)
    "dispatch": frozenset({"admin", "dispatcher", "supervisor"}),
    # hand goods over to a truck (handover note, annex 2)
    "handover": frozenset({"admin", "supervisor", "keeper"}),
    # import items and locations
    "masterdata": frozenset({"admin"}),
    # people's accounts (create, change, disable, reset a password) and gateways' tokens
    "people": frozenset({"admin"}),
    # sign on to a depot's floor pages at its gateway, with a floor PIN
    # (server/services/floor_access.py)
    "floor": frozenset({"admin", "supervisor", "keeper"}),
    # ask a depot's gateway to print labels or bin cards (server/domain/print_requests.py:
    # more than 100 labels at once for admins and supervisors only)
    "labels": frozenset({"admin", "supervisor", "keeper"}),
    # propose:<kind>, approve:<kind> for each kind of decision
    **duties.permissions(),
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())
