"""Separation of duties (pure): who may propose and who may approve each kind of decision.

The measures make unapproved moves and use without approval offences (art. 29) and give each
decision to a body: the storage centre (承储单位) receives, keeps, counts and proposes; the
development-and-reform commission (发改委) approves scrapping (art. 25(2)) and manages the
reserve; the emergency-management bureau (应急局) decides dispatch (art. 4). `BODIES` maps
them to the project's roles (server/domain/permissions.py), `DUTIES` is the table, one row per kind
of decision. Two rules hold for every kind: the person who proposed never approves, and a
person whose own act the decision accepts (their count, their receipt, their return) never
approves it either. The routes' permissions come from this table (`propose:<kind>`,
`approve:<kind>`), and every decision path asks it again with the people concerned
(`check_approval`), so a route or a page cannot forget it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server.domain.floor import Rejection

DEPOT_HEAD = frozenset({"supervisor", "admin"})
STORAGE_CENTRE = frozenset({"keeper", "supervisor", "admin"})
COMMISSION = frozenset({"admin"})
BUREAU = frozenset({"dispatcher", "admin"})


@dataclass(frozen=True, slots=True)
class Body:
    """A body the measures name, and the roles that act for it in the system."""

    name_zh: str
    name_en: str
    articles: str
    roles: tuple[str, ...]
    acts: str


BODIES: tuple[Body, ...] = (
    Body(
        "市综合储备中心（承储单位）",
        "the storage centre",
        "4, 9, 11, 12, 25(1)",
        ("supervisor", "keeper"),
        "keepers receive, count and take back returns; the depot head (仓库负责人, supervisor) "
        "decides acceptance for the inspection group, proposes scrapping and rotation, closes "
        "stocktakes and approves what others counted",
    ),
    Body(
        "市发改委（行政管理单位）",
        "the development-and-reform commission",
        "2, 4, 9, 25(2)",
        ("admin",),
        "manages the reserve: approves scrapping (报废通知单) and rotation; may stand in for "
        "the depot head, never on its own proposal",
    ),
    Body(
        "市应急局",
        "the emergency-management bureau",
        "4, 17-20",
        ("dispatcher",),
        "decides dispatch (调拨指令) and undoes it: orders and their cancellation",
    ),
    Body(
        "监督检查（审计）",
        "supervision and audit",
        "23, 30",
        ("auditor",),
        "reads every record and decides nothing",
    ),
)


@dataclass(frozen=True, slots=True)
class Duty:
    """One kind of decision: who may propose it, who may approve it, and who else may not."""

    kind: str
    name_zh: str
    name_en: str
    articles: str
    proposal: str  # what the proposal is, and so who proposed
    proposers: frozenset[str]
    approvers: frozenset[str]
    also_barred: str = ""  # whose own act the decision accepts: they may not approve it


DUTIES: Mapping[str, Duty] = {
    d.kind: d
    for d in (
        Duty(
            "acceptance",
            "验收入库",
            "acceptance",
            "8",
            "the receipt at the door (the receiving event's operator)",
            STORAGE_CENTRE,
            DEPOT_HEAD,
        ),
        Duty(
            "scrapping",
            "报废",
            "scrapping",
            "25",
            "the scrapping proposal (quality report, experts' opinions)",
            DEPOT_HEAD,
            COMMISSION,
        ),
        Duty(
            "rotation",
            "轮换",
            "rotation",
            "4, 14",
            "the rotation proposal (the rotation plan)",
            DEPOT_HEAD,
            COMMISSION,
        ),
        Duty(
            "adjustment",
            "盘盈亏调账",
            "stocktake adjustment",
            "12(3), 29(3)",
            "the closed stocktake (the person who closed it)",
            DEPOT_HEAD,
            DEPOT_HEAD,
            "whoever counted in the stocktake",
        ),
        Duty(
            "restock",
            "归还入库",
            "restock after return",
            "24",
            "the return at the door (the returning event's operator)",
            STORAGE_CENTRE,
            DEPOT_HEAD,
        ),
        Duty(
            "supplier_return",
            "退回供货方",
            "return to the supplier",
            "8",
            "the acceptance decision that rejected the goods",
            DEPOT_HEAD,
            DEPOT_HEAD,
        ),
        Duty(
            "cancellation",
            "撤销调拨",
            "dispatch cancellation",
            "4, 17-20",
            "the dispatch order (the person who planned it)",
            BUREAU | DEPOT_HEAD,
            BUREAU,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Approval:
    """An approval about to be made: by whom, of what, and the people concerned."""

    kind: str
    role: str
    person: str
    proposers: frozenset[str]  # whoever proposed (one person, or none known)
    barred: frozenset[str] = frozenset()  # whose own act it accepts (DUTIES[kind].also_barred)


def duty(kind: str) -> Duty:
    found = DUTIES.get(kind)
    if found is None:
        raise ValueError(f"no such kind of decision: {kind}")
    return found


def may_propose(kind: str, role: str) -> bool:
    return role in duty(kind).proposers


def may_approve(kind: str, role: str) -> bool:
    return role in duty(kind).approvers


def check_proposal(kind: str, role: str) -> None:
    """Refuse a proposal from a role that may not make it (role_not_allowed, 403)."""
    found = duty(kind)
    if role not in found.proposers:
        raise Rejection(
            "role_not_allowed",
            f"a {role} may not propose {found.name_en} ({found.name_zh}): "
            f"{', '.join(sorted(found.proposers))} may",
        )


def check_approval(approval: Approval) -> None:
    """Refuse an approval by a role that may not give it (role_not_allowed), by the person
    who proposed (same_person), or by a person whose own act it accepts (same_person)."""
    found = duty(approval.kind)
    if approval.role not in found.approvers:
        raise Rejection(
            "role_not_allowed",
            f"a {approval.role} may not approve {found.name_en} ({found.name_zh}): "
            f"{', '.join(sorted(found.approvers))} may",
        )
    if approval.person in approval.proposers:
        raise Rejection(
            "same_person",
            f"{approval.person} proposed this {found.name_en}: a second person approves it",
        )
    if approval.person in approval.barred:
        raise Rejection(
            "same_person",
            f"{found.also_barred} may not approve the {found.name_en} ({approval.person})",
        )


def permissions() -> dict[str, frozenset[str]]:
    """The routes' permissions this table gives: `propose:<kind>` and `approve:<kind>`."""
    found: dict[str, frozenset[str]] = {}
    for d in DUTIES.values():
        found[f"propose:{d.kind}"] = d.proposers
        found[f"approve:{d.kind}"] = d.approvers
    return found
