"""The floor pages of a phone order taken while the depot cannot reach the centre (art.
19(4)): recording the call, the order's page, its pick list with task cards, its handover
notes and their paper, and withdrawing one recorded by mistake. The rules and the book are
gateway/services/phone_orders.py; the pages' frame (sign-on, rendering, the forgery check)
is gateway/entrypoints/floor_web.py, which includes these routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from gateway.domain.errors import Conflict, NotAllowed
from gateway.domain.form_checks import Problem
from gateway.services import phone_orders as phone_order_service
from gateway.services.floor_pages import User
from kernel import depot_time
from kernel.paperfont import FontMissing

if TYPE_CHECKING:
    from gateway.entrypoints.floor_web import Pages


def _pdf(pdf: bytes, name: str) -> Response:
    """A paper for the browser to show and print (the names made here are ASCII)."""
    headers = {"Content-Disposition": f'inline; filename="{name}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


NOTE_FIELDS = ("carrier", "driver", "phone", "plate", "receiver")
CALL_FIELDS = ("caller_name", "caller_unit", "caller_phone", "notice", "destination", "called_at")
Typed = Annotated[str, Form(max_length=400)]


def phone_order_routes(pages: Pages) -> APIRouter:
    """A phone order taken while the depot cannot reach the centre (art. 19(4)): recorded by
    a supervisor, planned over the depot's own stock, picked and loaded like any order."""
    router = APIRouter()
    store = pages.ctx.store

    def supervisor(request: Request) -> User:
        user = pages.signed_in(request)
        if not phone_order_service.may_record(user):
            raise NotAllowed(
                "只有主管可以记录电话调拨指令", "only a supervisor may record a phone order"
            )
        return user

    @router.get("/floor/phone-orders/new", response_class=HTMLResponse)
    def new_phone_order(request: Request) -> Response:
        user = supervisor(request)
        now = datetime.fromtimestamp(pages.now(), depot_time.zone())
        typed = {"called_at": now.strftime("%Y-%m-%dT%H:%M")}
        return pages.page(request, "phone_order_new.html", user, typed=typed, rows=[("", "")],
                          problems={})  # fmt: skip

    @router.post("/floor/phone-orders", response_class=HTMLResponse)
    def record_phone_order(
        request: Request,
        caller_name: Typed = "",
        caller_unit: Typed = "",
        caller_phone: Typed = "",
        notice: Typed = "",
        destination: Typed = "",
        called_at: Typed = "",
        item: Annotated[list[str], Form(max_length=300)] = [],  # noqa: B006 - FastAPI's form list
        qty: Annotated[list[str], Form(max_length=300)] = [],  # noqa: B006
    ) -> Response:
        user = supervisor(request)
        typed = dict(zip(CALL_FIELDS, (caller_name, caller_unit, caller_phone, notice,
                                       destination, called_at), strict=True))  # fmt: skip
        rows = [(i[:40], q[:20]) for i, q in zip(item, qty, strict=False) if i.strip() or q.strip()]
        try:
            done = phone_order_service.record_call(store, user, typed, rows, pages.ctx.site,
                                                   pages.now())  # fmt: skip
        except Conflict as refused:  # the day's numbers used up, a plan too large to send
            done = [Problem("", refused.zh, refused.en)]
        if isinstance(done, list):
            problems = {p.field: p for p in done}
            response = pages.page(request, "phone_order_new.html", user, typed=typed,
                                  rows=rows or [("", "")], problems=problems)  # fmt: skip
            response.status_code = 422
            return response
        return RedirectResponse(f"/floor/phone-orders/{done.number}", status_code=303)

    @router.get("/floor/phone-orders/{number}", response_class=HTMLResponse)
    def phone_order_page(request: Request, number: str) -> Response:
        user = pages.signed_in(request)
        order = phone_order_service.order_page(store, number[:64], pages.now())
        if order is None:
            raise HTTPException(404, f"no phone order {number[:64]}")
        return pages.page(request, "phone_order.html", user, o=order, zone=depot_time.zone(),
                          typed={"receiver": order["destination"]}, problems={},
                          may_hand_over=phone_order_service.may_record(user))  # fmt: skip

    @router.post("/floor/phone-orders/{number}/handovers", response_class=HTMLResponse)
    def make_handover(
        request: Request,
        number: str,
        carrier: Typed = "",
        driver: Typed = "",
        phone: Typed = "",
        plate: Typed = "",
        receiver: Typed = "",
    ) -> Response:
        """A handover note (annex 2) for what has been loaded of the order so far."""
        user = supervisor(request)
        typed = dict(zip(NOTE_FIELDS, (carrier, driver, phone, plate, receiver), strict=True))
        try:
            done = phone_order_service.hand_over(store, user, number[:64], typed, pages.ctx.site,
                                                 pages.now())  # fmt: skip
        except Conflict as refused:
            done = [Problem("", refused.zh, refused.en)]
        if isinstance(done, str):
            return RedirectResponse(f"/floor/phone-orders/{number[:64]}#handovers", status_code=303)
        order = phone_order_service.order_page(store, number[:64], pages.now())
        if order is None:
            raise HTTPException(404, f"no phone order {number[:64]}")
        response = pages.page(request, "phone_order.html", user, o=order, zone=depot_time.zone(),
                              typed=typed, problems={p.field: p for p in done},
                              may_hand_over=True)  # fmt: skip
        response.status_code = 422
        return response

    @router.post("/floor/phone-orders/{number}/withdraw")
    def withdraw_phone_order(request: Request, number: str, reason: Typed = "") -> Response:
        """Withdraw an order recorded by mistake, before the centre or the floor acted on it."""
        user = supervisor(request)
        phone_order_service.withdraw(store, user, number[:64], reason, pages.ctx.exchange,
                                     pages.now())  # fmt: skip
        return RedirectResponse(f"/floor/phone-orders/{number[:64]}", status_code=303)

    @router.get("/floor/phone-orders/{number}/pick-list.pdf")
    def pick_list_paper(request: Request, number: str) -> Response:
        """The pick list with its task cards, for the depot's printer."""
        pages.signed_in(request)
        try:
            pdf = phone_order_service.pick_list_pdf(store, number[:64], pages.ctx.site,
                                                    pages.now())  # fmt: skip
        except FontMissing as missing:
            return PlainTextResponse(f"无法打印 / Cannot print: {missing}", status_code=503)
        if pdf is None:
            raise HTTPException(404, f"no phone order {number[:64]}")
        return _pdf(pdf, f"{number[:64]}-pick-list")

    @router.get("/floor/handovers/{number}.pdf")
    def handover_paper(request: Request, number: str) -> Response:
        """The note's paper, for the depot's printer."""
        pages.signed_in(request)
        try:
            pdf = phone_order_service.note_pdf(store, number[:128], pages.ctx.site)
        except FontMissing as missing:
            return PlainTextResponse(f"无法打印 / Cannot print: {missing}", status_code=503)
        if pdf is None:
            raise HTTPException(404, f"no handover note {number[:128]}")
        return _pdf(pdf, number[:128])

    return router
