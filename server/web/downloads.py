"""The files the server gives (the PDF papers, the CSV and XLSX tables), named in one place.

Every such answer names its file in a Content-Disposition header (RFC 6266) twice:
`filename*=UTF-8''...` (RFC 8187) with the name as it is, percent-encoded, so that the
handover note of order 绵应急调〔2026〕12号 is saved under that name; and `filename="..."`, an
ASCII stand-in for a client that knows no `filename*`. A name may hold whatever an order
number may (quotes, semicolons, percent signs, backslashes, slashes): characters that no file
name can hold (`/`, `\\`, control characters) become `_` in both; the stand-in also turns each
run of characters outside printable ASCII, and those that would end or escape its quoted
string (`"` `\\` `;` `%`), into one `_`. The header itself is plain ASCII whatever the name.

PDFs open in the browser, to be printed (inline); tables are saved (attachment).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.responses import Response

from server.web.errors import XLSX

MEDIA = {"pdf": "application/pdf", "csv": "text/csv", "xlsx": XLSX}
_NOT_IN_A_NAME = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]")
_NOT_IN_THE_FALLBACK = re.compile(r"[^ !#$&-.0-:<-\[\]-~]+")  # printable ASCII but " % ; \


def file_name(stem: str, kind: str) -> str:
    """The file's name: `stem.kind`, with what no file name may hold replaced."""
    return _NOT_IN_A_NAME.sub("_", f"{stem}.{kind}")


def disposition(name: str, inline: bool) -> str:
    """The Content-Disposition value for a file called `name` (any text)."""
    fallback = _NOT_IN_THE_FALLBACK.sub("_", name)
    return (
        f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def download(data: bytes, stem: str, kind: str) -> Response:
    """`data` as the file `stem`.`kind` (pdf, csv or xlsx)."""
    return Response(
        data,
        media_type=MEDIA[kind],
        headers={"Content-Disposition": disposition(file_name(stem, kind), kind == "pdf")},
    )


def kept_file(name: str, media_type: str, content: bytes) -> Response:
    """A file kept as it was uploaded (a decision's quality report): of its own type, never
    sniffed, offered for download under its name."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition(name, False),
            "X-Content-Type-Options": "nosniff",
        },
    )
