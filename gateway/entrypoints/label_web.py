"""The floor page that asks for labels: a GTIN and batch, what each unit holds, how many
units, on which printer; the labels are queued with their SSCCs and printed by the gateway's
print worker (gateway/services/label_queue.py). The pages' frame (sign-on, rendering, the
forgery check) is gateway/entrypoints/floor_web.py, which includes these routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.services import label_queue

if TYPE_CHECKING:
    from gateway.entrypoints.floor_web import Pages

Typed = Annotated[str, Form(max_length=200)]


def label_routes(pages: Pages) -> APIRouter:
    router = APIRouter()

    def desk() -> label_queue.LabelDesk:
        if pages.ctx.labels is None:
            raise HTTPException(404, "no label printers at this depot")
        return pages.ctx.labels

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
    ) -> Response:
        user = pages.signed_in(request)
        given = (printer, gtin, batch, qty, units, prod_date, expiry)
        typed = dict(zip(label_queue.LABEL_FIELDS, given, strict=True))
        done = label_queue.request_labels(
            pages.ctx.store, desk(), typed, pages.ctx.site, role=user.role
        )
        if done and isinstance(done[0], int):
            return RedirectResponse("/floor", status_code=303)
        problems = {p.field: p for p in done if not isinstance(p, int)}
        response = pages.page(request, "labels_new.html", user, printers=sorted(desk().printers),
                              typed=typed, problems=problems)  # fmt: skip
        response.status_code = 422
        return response

    return router
