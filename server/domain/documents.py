"""A quality report's file, as it may be kept with a decision (pure).

The measures ask for the testing agency's quality report behind acceptance (art. 8),
re-inspection and scrapping (art. 25); its number is part of the decision, and the report
itself may be kept with it: a PDF or an image (PNG, JPEG), at most `MAX_BYTES`. The type is
read from the file's first bytes, never from its name or the type the browser claims.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from server.domain.floor import Rejection

MAX_BYTES = 5 * 1024 * 1024
MAX_NAME = 128
KINDS = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean_name(name: str) -> str:
    """The file's name as kept: its last part, printable characters only, at most MAX_NAME."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in last if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    return kept.strip()[:MAX_NAME] or "report"


def check_file(name: str, content: bytes) -> Document:
    """The upload as a Document, or refused: empty or larger than MAX_BYTES (too_large), or
    neither a PDF nor an image (bad_file_type)."""
    if not content:
        raise Rejection("bad_file_type", "the file is empty")
    if len(content) > MAX_BYTES:
        raise Rejection("too_large", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    for magic, kind in KINDS:
        if content.startswith(magic):
            return Document(clean_name(name), kind, content)
    raise Rejection("bad_file_type", "the report must be a PDF, PNG or JPEG file")
