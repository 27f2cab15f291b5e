"""The quality report's file on the dashboard's pages: read from a posted form no further than
its bound, checked (server.domain.report_files), kept with its decision
(server.services.decision_files) and given back for download (server.web.papers)."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.datastructures import UploadFile

from server.dash.forms import FieldError, Filled, M
from server.dash.refusals import next_step
from server.domain.errors import NotFoundPage
from server.domain.floor import Rejection
from server.domain.report_files import MAX_BYTES, CheckedReport, ReportFile, check_file
from server.web.papers import report_download

FIELD = "report_file"


async def upload_of(request: Request) -> ReportFile | None:
    """The form's report file, if one was chosen (read up to one byte past the bound, so that
    a larger file is refused by its size)."""
    value = (await request.form()).get(FIELD)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return ReportFile(value.filename, await value.read(MAX_BYTES + 1))


def checked(upload: ReportFile | None) -> CheckedReport | FieldError | None:
    """The upload as it may be kept, or the error to show beside the file's field."""
    if upload is None:
        return None
    try:
        return check_file(upload)
    except Rejection as exc:
        step = next_step(exc)
        return FieldError(step.zh, step.en)


def with_file_error(form: Filled[M], error: FieldError) -> Filled[M]:
    return Filled(values=form.values, errors={**form.errors, FIELD: error}, model=form.model)


def download(engine: Engine, approval_id: int) -> Response:
    """The kept file as GET /api/v1/acceptances/{id}/quality-report gives it (the page's 404
    without one)."""
    try:
        return report_download(engine, approval_id)
    except HTTPException as exc:
        raise NotFoundPage(f"decision {approval_id} keeps no report file") from exc
