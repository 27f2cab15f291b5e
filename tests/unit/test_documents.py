"""The quality report's file as a decision may keep it (server/domain/documents.py): a PDF or
an image by its first bytes, bounded in size, its name kept printable."""

from __future__ import annotations

import pytest

from server.domain.documents import MAX_BYTES, check_file, clean_name
from server.domain.floor import Rejection

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


@pytest.mark.parametrize(
    ("content", "kind"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_the_type_is_read_from_the_first_bytes(content: bytes, kind: str) -> None:
    assert check_file("scan.txt", content).content_type == kind  # not from its name


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "bad_file_type"),
        (b"<html><script>alert(1)</script>", "bad_file_type"),
        (b"GIF89a", "bad_file_type"),
        (PDF + b"\x00" * MAX_BYTES, "too_large"),
    ],
)
def test_other_files_are_refused(content: bytes, reason: str) -> None:
    with pytest.raises(Rejection) as refused:
        check_file("report.pdf", content)
    assert refused.value.reason == reason


def test_the_largest_file_allowed_is_kept() -> None:
    content = PDF + b"\x00" * (MAX_BYTES - len(PDF))
    assert len(check_file("r.pdf", content).content) == MAX_BYTES


def test_names_are_kept_printable_and_short() -> None:
    assert clean_name("C:\\scans\\质检报告 2026.pdf") == "质检报告 2026.pdf"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("a\x00b\u202ec\ud800.pdf") == "abc.pdf"
    assert clean_name("\x07") == "report"
    assert len(clean_name("x" * 500)) == 128
    assert check_file("质检.pdf", PDF).sha256 == check_file("other", PDF).sha256
