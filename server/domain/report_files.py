"""The quality report's file (质量检验报告) as it is uploaded with a decision (pure).

The testing agency's report is the basis for accepting goods (art. 8), for a re-inspection
and for scrapping (art. 25); it is kept with the decision
(server.services.decision_files), scanned or as the agency sent it: a PDF, or a photo or scan
as JPEG or PNG, up to `MAX_BYTES`. The type is decided from the file's first bytes, never from
its name or the type the browser claims, so a file of any other kind (a renamed spreadsheet, a
script) is refused with its reason, and so is an empty one. The name is kept for the person
who opens it again, trimmed to printable text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from server.domain.floor import Rejection

MAX_BYTES = 10 * 2**20  # 10 MiB: a scanned report of some pages
MAX_NAME = 200
# the file's first bytes and the type they mark
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
SUFFIX = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@dataclass(frozen=True, slots=True)
class ReportFile:
    """An uploaded file as it came: its name and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CheckedReport:
    """A report file that may be kept: its kind decided from its bytes, its name made safe."""

    name: str
    media_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def media_type_of(content: bytes) -> str | None:
    return next((kind for mark, kind in SIGNATURES if content.startswith(mark)), None)


def safe_name(name: str, media_type: str) -> str:
    """The file's name without paths, controls, surrogates or unassigned characters (other
    spaces become plain ones), at most MAX_NAME characters;
    a name left empty becomes `quality-report.<suffix>`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c if c.isprintable() else " " if c.isspace() else "" for c in base)
    return kept.strip()[-MAX_NAME:].strip() or f"quality-report.{SUFFIX[media_type]}"


def check_file(file: ReportFile) -> CheckedReport:
    """The file if it may be kept, else the refusal: empty or larger than MAX_BYTES
    (report_too_large), or not a PDF, JPEG or PNG (report_type)."""
    if len(file.content) > MAX_BYTES:
        raise Rejection(
            "report_too_large", f"a quality report may be {MAX_BYTES // 2**20} MiB at most"
        )
    kind = media_type_of(file.content)
    if kind is None:
        raise Rejection("report_type", "the quality report must be a PDF, JPEG or PNG file")
    digest = hashlib.sha256(file.content).hexdigest()
    return CheckedReport(safe_name(file.name, kind), kind, file.content, digest)
