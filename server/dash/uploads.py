"""The quality report's file on the workflow pages: read from a posted form no further than
its bound, checked (server.domain.documents), kept with its decision (server.services.documents)
and given back for download."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.datastructures import UploadFile

from server.dash.forms import FieldError, Filled, M
from server.dash.refusals import next_step
from server.domain.documents import MAX_BYTES, Document, check_file
from server.domain.errors import NotFoundPage
from server.domain.floor import Rejection
from server.services import documents

FIELD = "report_file"


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    content: bytes


async def upload_of(request: Request) -> Upload | None:
    """The form's report file, if one was chosen (read up to one byte past the bound)."""
    value = (await request.form()).get(FIELD)
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    return Upload(value.filename, await value.read(MAX_BYTES + 1))


def checked(upload: Upload | None) -> Document | FieldError | None:
    """The upload as a document, or the error to show beside the file's field."""
    if upload is None:
        return None
    try:
        return check_file(upload.name, upload.content)
    except Rejection as exc:
        step = next_step(exc)
        return FieldError(step.zh, step.en)


def with_file_error(form: Filled[M], error: FieldError) -> Filled[M]:
    return Filled(values=form.values, errors={**form.errors, FIELD: error}, model=form.model)


def download(engine: Engine, approval_id: int) -> Response:
    """The kept file, as an attachment of its own type (never shown inline)."""
    found = documents.content(engine, approval_id)
    if found is None:
        raise NotFoundPage(f"decision {approval_id} keeps no report file")
    name, kind, content = found
    ascii_name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")) or "report"
    return Response(
        content,
        media_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
