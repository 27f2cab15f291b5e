"""A new dispatch order (调运, arts. 15-21): the bureau's dispatcher or a supervisor (the
`dispatch` permission, as POST /api/v1/dispatch/orders) fills in the order from the request
or notice it answers, or an emergency's phone order, with the destination chosen from the
places and the level that asks (art. 17); sees the allocation preview (that level's own reserve
first, then nearest depot first, FIFO, overdue-but-passed first) with
why each batch was chosen; edits it (a batch's quantity changed, a batch dropped or another
added); and places it, which reserves the stock. The form is read against the API's own model
(server.web.dispatch.OrderIn) and the order is made by server.services.dispatch, which holds
an edited plan to the rules (server.domain.fifo.take_chosen) and writes the audit entry; a
refusal is shown as the person's next step (server.dash.refusals).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.forms import Filled, empty, flash, form_of, read
from server.dash.order_steps import local_to_aware
from server.dash.refusals import next_step
from server.domain.errors import DepotError, Rejection, status_of
from server.domain.fifo import Option, Take, why
from server.domain.levels import LABELS as LEVEL_LABELS
from server.domain.scope import Own
from server.services import allocation
from server.storage import order_forms
from server.web.deps import engine_of, now_of
from server.web.dispatch import OrderIn, place_order
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
MAY_DISPATCH = "dispatch"  # the permission of POST /api/v1/dispatch/orders
KINDS = (
    ("emergency", "紧急调运", "emergency"),
    ("request", "申请调运", "on request"),
    ("prepositioning", "前置储备", "pre-positioning"),
    ("winter_spring", "冬春救助", "winter-spring relief"),
)
BLANK_LINES = 2
TAKE_FIELDS = ("line", "warehouse", "location", "batch", "qty")


def _fixed(fields: dict[str, str], places: dict[str, str]) -> dict[str, Any]:
    """What the page decides over the form: the destination's name from the place chosen
    when none is typed, and the notice's local time read in the depots' zone."""
    fixed: dict[str, Any] = {}
    if not fields.get("destination") and fields.get("place") in places:
        fixed["destination"] = places[fields["place"]]
    if fields.get("notified_at"):
        fixed["notified_at"] = local_to_aware(fields["notified_at"])
    return fixed


def _takes(values: dict[str, str]) -> list[dict[str, str]]:
    """The plan's rows as typed (takes.N.*), in order."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in values.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "takes" and parts[1].isdigit():
            rows.setdefault(int(parts[1]), {})[parts[2]] = value
    return [rows[i] for i in sorted(rows)]


def _with_takes(values: dict[str, str], rows: list[dict[str, str]]) -> dict[str, str]:
    kept = {k: v for k, v in values.items() if not k.startswith("takes.")}
    for i, row in enumerate(rows):
        kept.update({f"takes.{i}.{k}": row.get(k, "") for k in TAKE_FIELDS})
    return kept


def _row(line: int, take: Take) -> dict[str, str]:
    return {
        "line": str(line),
        "warehouse": take.warehouse,
        "location": take.location,
        "batch": take.batch_no,
        "qty": str(take.qty),
    }


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row.get("warehouse", ""), row.get("location", ""), row.get("batch", ""))


def _plans(request: Request, scope: Scope, body: OrderIn) -> list[dict[str, Any]]:
    """Each line's plan by the rule and the stacks it could take instead, with why."""
    engine, now = engine_of(request), now_of(request)
    with engine.connect() as conn:
        where = allocation.destination(
            conn, body.lat, body.lon, body.place, scope.depot, body.requesting_level
        )
    plans = []
    for line in body.lines:
        plan, offered = allocation.preview_with_options(engine, line.item, line.qty, where, now)
        reasons: dict[tuple[str, str, str], dict[str, object]] = {
            (t.warehouse, t.location, t.batch_no): why(t) for t in plan.takes
        }
        plans.append({"plan": plan, "options": offered, "why": reasons})
    return plans


def _option_of(plans: list[dict[str, Any]], line: int, key: tuple[str, str, str]) -> Option | None:
    if line >= len(plans):
        return None
    for o in plans[line]["options"]:
        c = o.candidate
        if (c.warehouse, c.location, c.batch_no) == key:
            return o  # type: ignore[no-any-return]
    return None


def _render(
    request: Request,
    scope: Scope,
    form: Filled[Any],
    plans: list[dict[str, Any]] | None = None,
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    choices = order_forms.choices(engine_of(request))
    rows: list[dict[str, Any]] = [dict(r) for r in _takes(form.values)]
    for row in rows:
        line = int(row["line"]) if row.get("line", "").isdigit() else -1
        found = plans[line]["why"].get(_key(row)) if plans and 0 <= line < len(plans) else None
        row["why"] = found
        row["option"] = _option_of(plans, line, _key(row)) if plans else None
    return page(
        request,
        "dash/order_new.html",
        scope.user,
        status_code=status,
        form=form,
        plans=plans,
        takes=rows,
        kinds=KINDS,
        level_options=[(code, f"{zh} {en}") for code, (zh, en) in LEVEL_LABELS.items()],
        default_level="默认：本库级别，否则市级 default: the depot's level, else the city's",
        places=[(p["code"], f"{p['code']} {p['name']}") for p in choices["places"]],
        items=choices["items"],
        blank=BLANK_LINES,
        refusal=refusal,
        next_step=next_step,
    )


def _refused(exc: DepotError) -> int:
    return status_of(exc.reason) if isinstance(exc, Rejection) else 422


@router.get("/orders/new", response_class=HTMLResponse)
def new_order(request: Request, scope: Annotated[Scope, screen(MAY_DISPATCH, Own())]) -> Response:
    return _render(request, scope, empty())


def _read(request: Request, fields: dict[str, str]) -> Filled[OrderIn]:
    choices = order_forms.choices(engine_of(request))
    places = {p["code"]: p["name"] for p in choices["places"]}
    return read(OrderIn, fields, _fixed(fields, places))


@router.post("/orders/new", response_class=HTMLResponse)
def preview(
    request: Request,
    scope: Annotated[Scope, screen(MAY_DISPATCH, Own())],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """The allocation preview, and its edits: a batch dropped, another added, the plan made
    again by the rule. Nothing is reserved until the order is placed."""
    form = _read(request, fields)
    if form.model is None:
        return _render(request, scope, form, status=422)
    try:
        plans = _plans(request, scope, form.model)
    except DepotError as exc:
        return _render(request, scope, form, refusal=exc, status=_refused(exc))
    rows = [{k: v for k, v in r.items() if k in TAKE_FIELDS} for r in _takes(form.values)]
    if "drop" in fields and fields["drop"].isdigit():
        rows = [r for i, r in enumerate(rows) if i != int(fields["drop"])]
    elif "add" in fields:
        line, _, rest = fields["add"].partition("|")
        key = tuple(rest.split("|", 2))
        found = _option_of(plans, int(line), key) if line.isdigit() and len(key) == 3 else None
        if found is not None:
            asked = form.model.lines[int(line)].qty
            c = found.candidate
            take = Take(c.warehouse, c.location, c.batch_id, c.batch_no, min(c.qty, asked))
            rows.append(_row(int(line), take))
    else:  # the plan as the rule makes it
        rows = [_row(i, t) for i, p in enumerate(plans) for t in p["plan"].takes]
    values = {**_with_takes(form.values, rows), "edited": "true"}
    return _render(request, scope, Filled(values=values), plans)


@router.post("/orders", response_class=HTMLResponse)
def place(
    request: Request,
    scope: Annotated[Scope, screen(MAY_DISPATCH, Own())],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Place the order as previewed (and edited): the stock is reserved; a refusal shows the
    preview again, as typed, with the next step."""
    form = _read(request, fields)
    if form.model is None:
        return _render(request, scope, form, status=422)
    body = form.model
    try:
        order_id = place_order(request, body, scope)
    except DepotError as exc:
        try:
            plans = _plans(request, scope, body)
        except DepotError:
            plans = None
        return _render(request, scope, form, plans, refusal=exc, status=_refused(exc))
    return flash(f"/orders/{order_id}", "created", body.number)
