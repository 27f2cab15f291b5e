"""Master data files over HTTP: import (all or nothing, errors by line) and export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from server.domain.bounds import Filter
from server.domain.scope import Named, Network, Shared
from server.services import agency_contracts, master_simple, masterfiles, material_codes
from server.web import tabular
from server.web.deps import engine_of, now_of
from server.web.downloads import download
from server.web.errors import TABLES, answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1/master", tags=["master data"], responses=answers(401, 403, 422))
MAX_BYTES = 20 * 1024 * 1024


async def rows_of(upload: StarletteUpload) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX file (413 past 20 MB)."""
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise HTTPException(413, "a master data file may be 20 MB at most")
    # parsing and importing run in the worker threads, never on the event loop
    return await run_in_threadpool(tabular.read_table, data, upload.filename or "upload.csv")


def _download(
    name: str, header: tuple[str, ...], rows: list[tuple[Any, ...]], fmt: str
) -> Response | dict[str, Any]:
    if fmt == "csv":
        return download(tabular.to_csv(header, rows), name, "csv")
    if fmt == "xlsx":
        return download(tabular.to_xlsx(header, rows, name), name, "xlsx")
    return {"header": list(header), "rows": [list(r) for r in rows]}


@router.get(
    "/items", response_model=None, responses=TABLES, dependencies=[person("read", Shared())]
)
def export_items(
    request: Request,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Response | dict[str, Any]:
    return _download(
        "items", masterfiles.ITEM_EXPORT, masterfiles.export_items(engine_of(request)), format
    )


@router.get("/locations", response_model=None, responses=TABLES)
def export_locations(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Filter | None = None,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Response | dict[str, Any]:
    rows = masterfiles.export_locations(engine_of(request), scope.depot)
    return _download("locations", masterfiles.LOCATION_COLUMNS, rows, format)


SIMPLE_KINDS = "^(warehouses|suppliers|places|road_distances|material_codes|agency_contracts)$"
ALL_KINDS = (
    "^(items|locations|warehouses|suppliers|places|road_distances|material_codes|agency_contracts)$"
)


def import_kind(
    kind: str, engine: Engine, username: str, rows: list[dict[str, str]], now: datetime
) -> int:
    """Import a file's rows of `kind` (all or nothing) through its service."""
    if kind == "items":
        return masterfiles.import_items(engine, username, rows, now)
    if kind == "locations":
        return masterfiles.import_locations(engine, username, rows, now)
    if kind == "material_codes":
        return material_codes.import_codes(engine, username, rows, now)
    if kind == "agency_contracts":
        return agency_contracts.import_contracts(engine, username, rows, now)
    return master_simple.import_simple(engine, username, kind, rows, now)


@router.post("/{kind}", responses=answers(413))
async def import_file(
    kind: Annotated[str, Path(pattern=ALL_KINDS)],
    request: Request,
    file: Annotated[UploadFile, File()],
    scope: Annotated[Scope, person("masterdata", Network())],
) -> dict[str, int]:
    """Items (with GTINs), locations, warehouses, suppliers, places, road distances, the
    national code table of emergency materials (GB/T 38565) and agency storage points'
    contracts from CSV or XLSX; all or nothing (columns: docs/server.md). The network's
    master data: only people bound to no depot change it."""
    rows = await rows_of(file)
    now = now_of(request)
    engine, who = engine_of(request), scope.user.username
    return {"imported": await run_in_threadpool(import_kind, kind, engine, who, rows, now)}


@router.get(
    "/{kind}", response_model=None, responses=TABLES, dependencies=[person("read", Shared())]
)
def export_simple(
    kind: Annotated[str, Path(pattern=SIMPLE_KINDS)],
    request: Request,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Response | dict[str, Any]:
    if kind == "material_codes":
        rows = material_codes.export_codes(engine_of(request))
        return _download(kind, material_codes.COLUMNS, rows, format)
    if kind == "agency_contracts":
        found = agency_contracts.export_contracts(engine_of(request))
        return _download(kind, agency_contracts.COLUMNS, found, format)
    header, rows = master_simple.export_simple(engine_of(request), kind)
    return _download(kind, header, rows, format)
