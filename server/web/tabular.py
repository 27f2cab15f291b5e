"""Tables in and out as CSV and XLSX (UTF-8 with BOM for CSV, so Excel shows Chinese)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from server.domain.errors import TableError


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column) + 2
        sheet.column_dimensions[column[0].column_letter].width = min(40, width)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by the header row (row numbers start at 2)."""
    if filename.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TableError(f"not a readable XLSX file: {exc}") from exc
        sheet = book.worksheets[0]
        values = [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TableError("a CSV file must be UTF-8") from exc
        try:
            values = [[v.strip() for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise TableError(f"not a readable CSV file: {exc}") from exc
    if not values:
        raise TableError("the file is empty")
    header = [h.strip().lower() for h in values[0]]
    return [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
        for row in values[1:]
        if any(row)
    ]
