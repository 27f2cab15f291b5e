"""The ledger (台账) from a number down to what made it: stock lines, the postings behind a
line, the event or approval behind a posting; and the audit trail of who did what (审计).

Every list is paged (50 a page); drill-down goes by ids, so each step reads by an index."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import and_, func, select

from server.dash.common import page
from server.dash.overview import STATUS_NAMES, THE_DEPOT
from server.domain.bounds import Code, Filter, Id, Page, Ref
from server.domain.errors import NotFoundPage
from server.domain.scope import Of, Own
from server.services import audit
from server.storage import queries
from server.storage.tables import approvals, batches, events, items, locations, postings
from server.web.deps import engine_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
PAGE = 50


def _page_number(value: Page | None) -> int:
    return max(1, value or 1)


@router.get("/ledger", response_class=HTMLResponse)
def stock_lines(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
    item: Filter | None = None,
    batch: Filter | None = None,
    location: Filter | None = None,
    status: Filter | None = None,
    p: Page | None = None,
) -> Response:
    """Stock lines matching a filter, oldest inbound first; each quantity opens its postings."""
    where = scope.depot
    number = _page_number(p)
    status = status if status in STATUS_NAMES else None
    f = queries.StockFilter(where, item or None, batch or None, location or None,
                            status or None, PAGE, (number - 1) * PAGE)  # fmt: skip
    total, rows = queries.stock_rows(engine_of(request), f)
    filters = {"depot": where or "", "item": item or "", "batch": batch or "",
               "location": location or "", "status": status or ""}  # fmt: skip
    return page(request, "dash/ledger.html", scope.user, rows=rows, total=total, number=number,
                pages=max(1, -(-total // PAGE)), filters=filters, statuses=STATUS_NAMES,
                depot=where)  # fmt: skip


def _line_ids(
    request: Request, depot: str, location: str, item: str, batch: str
) -> tuple[int, int]:
    with engine_of(request).connect() as conn:
        row = conn.execute(
            select(locations.c.id, batches.c.id)
            .select_from(locations)
            .join(batches, and_(batches.c.item_code == item, batches.c.batch_no == batch))
            .where(locations.c.warehouse == depot, locations.c.code == location)
        ).first()
    if row is None:
        raise NotFoundPage(f"no stock line {location} {item} {batch} in {depot}")
    return int(row[0]), int(row[1])


@router.get("/ledger/postings", response_class=HTMLResponse)
def line_postings(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Code,
    location: Ref,
    item: Code,
    batch: Code,
    status: Filter | None = None,
    p: Page | None = None,
) -> Response:
    """The postings of one stock line (location, batch, and status if given), newest first,
    with the running balance they add up to."""
    where = scope.named
    status = status if status in STATUS_NAMES else None
    location_id, batch_id = _line_ids(request, where, location, item, batch)
    number = _page_number(p)
    condition = and_(
        postings.c.warehouse == where,
        postings.c.location_id == location_id,
        postings.c.batch_id == batch_id,
        *( [postings.c.status == status] if status else [] ),
    )  # fmt: skip
    with engine_of(request).connect() as conn:
        total = conn.execute(select(func.count()).where(condition)).scalar_one()
        balance = conn.execute(
            select(func.coalesce(func.sum(postings.c.qty), 0)).where(condition)
        ).scalar_one()
        rows = [
            dict(r)
            for r in conn.execute(
                select(postings, events.c.type.label("event_type"))
                .outerjoin(events, events.c.event_id == postings.c.event_id)
                .where(condition)
                .order_by(postings.c.id.desc())
                .limit(PAGE)
                .offset((number - 1) * PAGE)
            ).mappings()
        ]
        # the balance after each posting shown: the total, less the newer ones
        newer = conn.execute(
            select(func.coalesce(func.sum(postings.c.qty), 0)).where(
                condition, postings.c.id > (rows[0]["id"] if rows else 0)
            )
        ).scalar_one()
    running = int(balance) - int(newer)
    for r in rows:
        r["balance"] = running
        running -= int(r["qty"])
    return page(request, "dash/postings.html", scope.user, rows=rows, total=total, number=number,
                pages=max(1, -(-total // PAGE)), line={"depot": where, "location": location,
                "item": item, "batch": batch, "status": status, "qty": int(balance)},
                statuses=STATUS_NAMES)  # fmt: skip


@router.get("/ledger/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    event_id: Ref,
    scope: Annotated[Scope, screen("read", Of("event", "event_id"))],
) -> Response:
    """One event from the floor: what the gateway sent, the verdict, its postings."""
    with engine_of(request).connect() as conn:
        event = conn.execute(select(events).where(events.c.event_id == event_id)).mappings().one()
        lines = _postings_of(conn, postings.c.event_id == event_id)
    payload = json.dumps(json.loads(event["payload"]), ensure_ascii=False, indent=1)
    return page(request, "dash/event.html", scope.user, event=event, payload=payload, lines=lines,
                statuses=STATUS_NAMES)  # fmt: skip


@router.get("/ledger/approvals/{approval_id}", response_class=HTMLResponse)
def approval_page(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("read", Of("approval", "approval_id"))],
) -> Response:
    """One decision (acceptance, adjustment, scrapping ...): who, when, what, its postings."""
    with engine_of(request).connect() as conn:
        decision = conn.execute(
            select(approvals).where(approvals.c.id == approval_id)
        ).mappings().one()  # fmt: skip
        lines = _postings_of(conn, postings.c.approval_id == approval_id)
    payload = json.dumps(json.loads(decision["payload"]), ensure_ascii=False, indent=1)
    return page(request, "dash/approval.html", scope.user, decision=decision, payload=payload,
                lines=lines, statuses=STATUS_NAMES)  # fmt: skip


def _postings_of(conn: Any, condition: Any) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in conn.execute(
            select(
                postings,
                locations.c.code.label("location"),
                batches.c.item_code.label("item"),
                batches.c.batch_no.label("batch"),
                items.c.name_zh,
                items.c.name_en,
            )
            .join(locations, locations.c.id == postings.c.location_id)
            .join(batches, batches.c.id == postings.c.batch_id)
            .join(items, items.c.code == batches.c.item_code)
            .where(condition)
            .order_by(postings.c.id)
            .limit(500)
        ).mappings()
    ]


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(
    request: Request,
    scope: Annotated[Scope, screen("audit", Own())],
    actor: Filter | None = None,
    p: Page | None = None,
) -> Response:
    """Who did what and when, newest first (paged); a depot's people see their depot's."""
    number = _page_number(p)
    rows = audit.entries(
        engine_of(request), scope.depot, actor=actor, limit=PAGE + 1, offset=(number - 1) * PAGE
    )
    more = len(rows) > PAGE
    return page(request, "dash/audit.html", scope.user, rows=rows[:PAGE], number=number, more=more,
                actor=actor or "")  # fmt: skip
