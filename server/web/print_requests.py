"""Labels and bin cards asked for at the centre, printed at the depot: a person asks a depot's
gateway to print GS1 logistic labels or a location's bin cards on one of its printers
(`POST /api/v1/print-requests`), and reads what the gateway reported of them
(`GET /api/v1/print-requests?depot=LC01`). The gateway takes them with its sync."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel, Field

from server.domain import print_requests as rules
from server.domain.bounds import Code, Filter, Qty, Ref
from server.domain.scope import Named
from server.services import print_requests
from server.storage import print_requests as listed
from server.storage import queries
from server.web.deps import engine_of, now_of
from server.web.errors import answers
from server.web.guard import Scope, person

router = APIRouter(
    prefix="/api/v1/print-requests", tags=["labels"], responses=answers(401, 403, 404, 422)
)
MAY_ASK = "labels"

Printer = Annotated[
    str,
    Field(min_length=1, max_length=40, pattern=f"^{rules.PRINTER}$",
          description="the printer's name in the depot gateway's configuration"),
]  # fmt: skip
Batch = Annotated[
    str,
    Field(min_length=1, max_length=20, pattern=f"^{rules.BATCH}$",
          description="GS1 AI (10): character set 82 without parentheses"),
]  # fmt: skip
Gtin = Annotated[
    str,
    Field(min_length=8, max_length=14, pattern=f"^({rules.GTIN})$",
          description="GTIN-8, -12, -13 or -14 with its check digit, in the catalogue"),
]  # fmt: skip


class LabelsIn(BaseModel):
    """GS1 logistic labels: `units` labels, each for `qty` of the item in the batch."""

    depot: Code
    kind: Literal["labels"]
    printer: Printer
    gtin: Gtin
    batch: Batch
    qty: Qty | None = Field(None, description="each label's quantity; 1 when counted by item")
    units: int = Field(
        ge=1,
        le=rules.MAX_UNITS,
        description=f"more than {rules.KEEPER_UNITS} for admins and supervisors only",
    )
    prod_date: date | None = None
    expiry: date | None = None
    by_item: bool = Field(
        False, description="each label one trade item, its own serial and SGTIN tag"
    )

    def asked(self) -> rules.Labels:
        return rules.Labels(self.printer, self.gtin, self.batch, self.qty, self.units,
                            self.prod_date, self.expiry, self.by_item)  # fmt: skip


class CardsIn(BaseModel):
    """The bin cards (标识牌, annex 3) of the stacks at one of the depot's locations."""

    depot: Code
    kind: Literal["cards"]
    printer: Printer
    location: Ref

    def asked(self) -> rules.Cards:
        return rules.Cards(self.printer, self.location)


@router.post("", status_code=201)
def ask(
    body: Annotated[LabelsIn | CardsIn, Body(discriminator="kind")],
    request: Request,
    scope: Annotated[Scope, person(MAY_ASK, Named("depot", "body"))],
) -> dict[str, Any]:
    """Ask the depot's gateway to print labels or bin cards; kept `asked` until the gateway,
    which takes it with its next sync, reports what came of it."""
    user = scope.user
    return print_requests.ask(
        engine_of(request), user.username, user.role, scope.named, body.asked(), now_of(request)
    )


@router.get("")
def recent(
    request: Request,
    scope: Annotated[Scope, person("read", Named("depot"))],
    depot: Filter | None = None,
) -> dict[str, Any]:
    """The depot's newest 100 requests, newest first, each with its state (asked, queued,
    printed, attention, refused), jobs, labels printed, SSCC range and reason; of every
    depot for a person of none who names none."""
    engine = engine_of(request)
    if scope.depot is not None and not queries.is_depot(engine, scope.depot):
        raise HTTPException(404, f"no depot {scope.depot}")
    return {"depot": scope.depot, "rows": listed.recent(engine, scope.depot)}
