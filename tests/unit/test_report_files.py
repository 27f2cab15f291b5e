"""The quality report's file a decision keeps (server/domain/report_files.py): kept only as a
PDF, JPEG or PNG by its own first bytes, within its size, under a name without paths,
controls or surrogates."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.floor import Rejection
from server.domain.report_files import MAX_BYTES, MAX_NAME, ReportFile, check_file, safe_name

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


@pytest.mark.parametrize(
    ("content", "kind"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_a_pdf_or_image_is_kept_with_its_digest(content: bytes, kind: str) -> None:
    kept = check_file(ReportFile("scan.txt", content))  # the type is not read from its name
    assert kept.media_type == kind and kept.content == content
    assert kept.size == len(content) and kept.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"PK\x03\x04zip",
        b"<html><script>alert(1)</script>",
        b" %PDF-1.4",
        b"GIF89a",
        b"\x89PNG",
    ],
)
def test_any_other_file_is_refused_whatever_its_name(content: bytes) -> None:
    with pytest.raises(Rejection) as refused:
        check_file(ReportFile("report.pdf", content))
    assert refused.value.reason == "report_type"


def test_a_file_over_the_bound_is_refused_by_its_size() -> None:
    assert MAX_BYTES == 10 * 2**20
    assert check_file(ReportFile("a.pdf", b"%PDF-" + b"0" * (MAX_BYTES - 5))).size == MAX_BYTES
    with pytest.raises(Rejection) as refused:
        check_file(ReportFile("a.pdf", b"%PDF-" + b"0" * (MAX_BYTES - 4)))
    assert refused.value.reason == "report_too_large"


def test_the_name_is_kept_without_paths_or_controls() -> None:
    assert safe_name("C:\\scans\\质检报告 7.pdf", "application/pdf") == "质检报告 7.pdf"
    assert safe_name("../../etc/passwd\x00\n", "image/png") == "passwd"
    assert safe_name("a\x00b\u202ec\ud800.pdf", "application/pdf") == "abc.pdf"
    assert safe_name("", "image/jpeg") == "quality-report.jpg"
    assert safe_name("/", "application/pdf") == "quality-report.pdf"
    assert safe_name("\x07", "image/png") == "quality-report.png"
    long = safe_name("x" * 500 + ".pdf", "application/pdf")
    assert len(long) == MAX_NAME and long.endswith(".pdf")  # its end, with the suffix, kept


def test_the_digest_is_of_the_bytes_not_the_name() -> None:
    assert check_file(ReportFile("质检.pdf", PDF)).sha256 == check_file(ReportFile("x", PDF)).sha256


@given(st.text(max_size=500))
def test_any_name_becomes_a_short_printable_one(name: str) -> None:
    kept = safe_name(name, "application/pdf")
    assert 0 < len(kept) <= MAX_NAME
    assert "/" not in kept and "\\" not in kept
    assert all(c.isprintable() or c == " " for c in kept)
    kept.encode("utf-8")  # no lone surrogate
