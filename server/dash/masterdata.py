"""Master data (基础数据): the network's items, locations, depots, suppliers, places, road
distances, agency storage points' contracts and national material codes (GB/T 38565), for
its administrators (the `masterdata` permission, unbound people only, as the API's POST
/api/v1/master/{kind}).

Each kind shows its current rows a page at a time, the export (the API's own CSV and XLSX
downloads) and an upload of a CSV or XLSX file, imported through the same service as the
API's (server.web.master.import_kind): checked whole, every error shown by line and column in
Chinese with English beside, beside the line as it was uploaded; a file with any error
imports nothing. People and gateways are the next tabs (server/dash/people.py, gateways.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from server.dash.common import page
from server.dash.forms import flash, flash_of, spent
from server.dash.offsets import Pages
from server.dash.refusals import next_step
from server.domain.bounds import Offset
from server.domain.errors import ImportRefused, RowError
from server.domain.scope import Network
from server.services import agency_contracts, master_simple, masterfiles, material_codes
from server.storage.masterdata import PAGE_ROWS, rows_of
from server.web import master
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
MAY = "masterdata"  # the permission of POST /api/v1/master/{kind}
KIND = (
    "^(items|locations|warehouses|suppliers|places|road_distances|material_codes|agency_contracts)$"
)
NAMES = {
    "items": ("物资", "Items"),
    "locations": ("货位", "Locations"),
    "warehouses": ("仓库", "Depots"),
    "suppliers": ("供应商", "Suppliers"),
    "places": ("地点", "Places"),
    "road_distances": ("道路里程", "Road distances"),
    "material_codes": ("国家分类代码", "National codes"),
    "agency_contracts": ("代储协议", "Agency contracts"),
}
MAX_ERRORS_SHOWN = 500  # of one file; the count says how many there were


def _shown(
    request: Request,
    scope: Scope,
    kind: str,
    offset: int = 0,
    refused: ImportRefused | None = None,
    uploaded: list[dict[str, str]] | None = None,
    filename: str = "",
    status: int = 200,
) -> Response:
    found = rows_of(engine_of(request), kind, offset)
    message = flash_of(request)
    answer = page(
        request,
        "dash/masterdata.html",
        scope.user,
        status_code=status,
        kind=kind,
        kinds=NAMES,
        found=found,
        pages=Pages(f"/masterdata?kind={kind}&", offset, PAGE_ROWS, found.more),
        columns=_columns(kind),
        message=message if message and message[0] == "imported" else None,
        refused=refused,
        by_line=_by_line(refused, uploaded or []) if refused else [],
        filename=filename,
        next_step=next_step,
    )
    return spent(request, answer)


def _columns(kind: str) -> tuple[str, ...]:
    """The columns a file of `kind` has (as the service reads them)."""
    if kind == "items":
        return masterfiles.ITEM_EXPORT  # national_code may be left out
    if kind == "material_codes":
        return material_codes.COLUMNS  # level may be left out
    if kind == "locations":
        return masterfiles.LOCATION_COLUMNS
    if kind == "agency_contracts":
        return agency_contracts.COLUMNS
    return tuple(c.name for c in master_simple.SIMPLE[kind][1])


def _by_line(
    refused: ImportRefused, uploaded: list[dict[str, str]]
) -> list[tuple[int, dict[str, str] | None, list[RowError]]]:
    """The errors of a file grouped by line, each with the line's cells as uploaded (the
    header is line 1; line 0 is the file as a whole)."""
    lines: dict[int, list[RowError]] = {}
    for error in refused.errors[:MAX_ERRORS_SHOWN]:
        lines.setdefault(error.line, []).append(error)
    return [
        (line, uploaded[line - 2] if 2 <= line < len(uploaded) + 2 else None, errors)
        for line, errors in sorted(lines.items())
    ]


@router.get("/masterdata", response_class=HTMLResponse)
def masterdata_page(
    request: Request,
    scope: Annotated[Scope, screen(MAY, Network())],
    kind: Annotated[str, Query(pattern=KIND)] = "items",
    offset: Offset = 0,
) -> Response:
    return _shown(request, scope, kind, offset)


@router.post("/masterdata/{kind}", response_class=HTMLResponse)
async def upload(
    request: Request,
    kind: Annotated[str, Path(pattern=KIND)],
    scope: Annotated[Scope, screen(MAY, Network())],
) -> Response:
    """Import the uploaded file of `kind`: all of it, or nothing and every error by line."""
    file = (await request.form()).get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        refused = ImportRefused([RowError(0, "choose a file to upload", "", "请选择要上传的文件")])
        return _shown(request, scope, kind, refused=refused, status=422)
    rows: list[dict[str, str]] = []
    try:
        rows = await master.rows_of(file)
        count = await run_in_threadpool(
            master.import_kind, kind, engine_of(request), scope.user.username, rows, now_of(request)
        )
    except HTTPException:  # past the size limit
        too_big = RowError(0, "a file may be 20 MB at most", "", "文件不能超过 20 MB")
        return _shown(request, scope, kind, refused=ImportRefused([too_big]), status=413)
    except ImportRefused as exc:
        return _shown(
            request, scope, kind, refused=exc, uploaded=rows, filename=file.filename, status=422
        )
    return flash(f"/masterdata?kind={kind}", "imported", str(count))
