"""POST /api/v1/enrol: a station fetches its device's sealed bundle, once per sheet.

The build (`depot config build`) leaves one record per device in the gateway's enrolment
folder (kernel/enrolment.py says what it holds). `GET /api/v1/enrol/ca` gives the depot CA's
certificate, which the station pins to the fingerprint on its sheet before it trusts this
gateway's HTTPS. The station proves it knows the sheet's code;
the gateway hands out the sealed bundle and marks the sheet used. A second use, a wrong
code and an unknown device are refused with a reason; repeated failures from one address are
throttled.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from gateway.entrypoints.throttle import Throttle
from gateway.storage.store import GatewayStore
from kernel.clock import Clock, seconds
from kernel.contract import ContractError, check_name
from kernel.enrolment import proof_matches

log = logging.getLogger(__name__)


class EnrolRequest(BaseModel):
    site: str
    device: str
    proof: str


def enrolment_router(
    site: str, folder: Path, store: GatewayStore, clock: Clock, ca_pem: str | None = None
) -> APIRouter:
    router = APIRouter()
    throttle = Throttle(limit=10, period=600.0)

    @router.get("/api/v1/enrol/ca", response_class=PlainTextResponse)
    def depot_ca() -> str:
        """The depot CA's certificate (public): a station takes it only if its fingerprint is
        the one on its sheet, then checks this gateway's HTTPS certificate against it."""
        if ca_pem is None:
            raise HTTPException(404, "this gateway serves plain HTTP on loopback: no CA")
        return ca_pem

    @router.post("/api/v1/enrol")
    def enrol(body: EnrolRequest, request: Request) -> dict[str, Any]:
        peer, now = (request.client.host if request.client else None), seconds(clock)
        if throttle.blocked(peer or "?", now):
            raise HTTPException(429, "too many failed enrolments from this address; wait")
        try:
            device = check_name("device", body.device)
        except ContractError as exc:
            raise HTTPException(422, str(exc)) from exc
        if body.site != site:
            raise HTTPException(404, f"this gateway serves depot {site}, not {body.site}")
        path = folder / f"{device}.json"
        if not path.is_file():
            throttle.failed(peer or "?", now)
            raise HTTPException(404, f"no enrolment for device {device} at this gateway")
        record = json.loads(path.read_text(encoding="utf-8"))
        if not proof_matches(body.proof, str(record["verifier"])):
            throttle.failed(peer or "?", now)
            log.warning("enrolment of %s from %s: wrong code", device, peer)
            raise HTTPException(403, "wrong enrolment code for this device")
        if not store.claim_enrolment(device, str(record["verifier"]), peer):
            log.warning("enrolment of %s from %s: sheet already used", device, peer)
            raise HTTPException(
                409, "this sheet was used already; print a new one (depot config build --reissue)"
            )
        log.info("device %s enrolled from %s", device, peer)
        return {"nonce": record["nonce"], "sealed": record["sealed"]}

    return router
