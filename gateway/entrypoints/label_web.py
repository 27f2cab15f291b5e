"""The floor pages that ask for labels (a GTIN and batch, what each unit holds, how many
units, on which printer: queued with their SSCCs) and for the bin cards of a location's
stacks, printed by the gateway's print worker (gateway/services/label_queue.py,
gateway/services/print_worker.py). The pages' frame (sign-on, rendering, the
forgery check) is gateway/entrypoints/floor_web.py, which includes these routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.domain.form_checks import Problem
from gateway.services import label_queue
from gateway.services.floor_pages import User

if TYPE_CHECKING:
    from gateway.entrypoints.floor_web import Pages

Typed = Annotated[str, Form(max_length=200)]


def label_routes(pages: Pages) -> APIRouter:
    router = APIRouter()

    def desk() -> label_queue.LabelDesk:
        if pages.ctx.labels is None:
            raise HTTPException(404, "no label printers at this depot")
        return pages.ctx.labels

    def answered(
        request: Request, user: User, template: str, typed: dict[str, str],
        done: list[int] | list[Problem],
    ) -> Response:  # fmt: skip
        """Queued: back to the floor; else the form again, what is wrong marked (422)."""
        if done and isinstance(done[0], int):
            return RedirectResponse("/floor", status_code=303)
        problems = {p.field: p for p in done if not isinstance(p, int)}
        response = pages.page(request, template, user, printers=sorted(desk().printers),
                              typed=typed, problems=problems)  # fmt: skip
        response.status_code = 422
        return response

    @router.get("/floor/labels/new", response_class=HTMLResponse)
    def new_labels(request: Request) -> Response:
        user = pages.signed_in(request)
        printers = sorted(desk().printers)
        typed = {"printer": printers[0], "units": "1"} if printers else {}
        return pages.page(request, "labels_new.html", user, printers=printers, typed=typed,
                          problems={})  # fmt: skip

    @router.post("/floor/labels", response_class=HTMLResponse)
    def ask_for_labels(
        request: Request,
        printer: Typed = "",
        gtin: Typed = "",
        batch: Typed = "",
        qty: Typed = "",
        units: Typed = "",
        prod_date: Typed = "",
        expiry: Typed = "",
        by_item: Typed = "",
    ) -> Response:
        user = pages.signed_in(request)
        given = (printer, gtin, batch, qty, units, prod_date, expiry, by_item)
        typed = dict(zip(label_queue.LABEL_FIELDS, given, strict=True))
        done = label_queue.request_labels(
            pages.ctx.store, desk(), typed, pages.ctx.site, role=user.role
        )
        return answered(request, user, "labels_new.html", typed, done)

    @router.get("/floor/cards/new", response_class=HTMLResponse)
    def new_cards(request: Request, location: Typed = "") -> Response:
        user = pages.signed_in(request)
        printers = sorted(desk().printers)
        typed = {"printer": printers[0] if printers else "", "location": location}
        return pages.page(request, "cards_new.html", user, printers=printers, typed=typed,
                          problems={})  # fmt: skip

    @router.post("/floor/cards", response_class=HTMLResponse)
    def ask_for_cards(request: Request, printer: Typed = "", location: Typed = "") -> Response:
        user = pages.signed_in(request)
        typed = {"printer": printer, "location": location}
        done = label_queue.request_cards(pages.ctx.store, desk(), typed, user.display)
        return answered(request, user, "cards_new.html", typed, done)

    return router
