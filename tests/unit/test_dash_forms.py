"""The workflow pages' form reading (server/dash/forms.py): a form's fields checked against the
API's own request model, what was typed kept, each field's error in both languages beside it."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from server.dash.forms import FLASH_COOKIE, FieldError, flash, flash_of, read, spent
from server.domain.bounds import MAX_QTY
from server.web.stocktakes import StocktakeIn
from server.web.workflows import AcceptanceIn, NoticeIn

GOOD = {
    "csrf_token": "x",
    "number": "IN-2026-001",
    "warehouse": "LC01",
    "supplier": "",
    "expected_on": "2026-12-03",
    "lines.0.item": "FZ-0001",
    "lines.0.qty": "40",
    "lines.0.batch": "",
    "lines.1.item": "",
    "lines.1.qty": "",
    "lines.2.item": "JC-0002",
    "lines.2.qty": "7",
}


def test_a_sound_form_is_the_apis_request() -> None:
    filled = read(NoticeIn, GOOD)
    assert filled.errors == {}
    assert filled.model is not None
    assert filled.model.number == "IN-2026-001"
    assert filled.model.supplier is None  # blank: the model's default
    assert filled.model.expected_on == date(2026, 12, 3)
    # the wholly blank row is dropped, the rows after it numbered again
    assert [(x.item, x.qty, x.batch) for x in filled.model.lines] == [
        ("FZ-0001", 40, None),
        ("JC-0002", 7, None),
    ]
    assert filled.values["lines.1.item"] == "JC-0002"
    assert "csrf_token" not in filled.values


def test_each_broken_bound_is_an_error_beside_its_field_in_both_languages() -> None:
    form = {
        **GOOD,
        "number": "N" * 65,
        "expected_on": "3/12/2026",
        "lines.0.qty": "0",
        "lines.2.qty": str(MAX_QTY + 1),
        "lines.2.item": "bad\x07code",
    }
    filled = read(NoticeIn, form)
    assert filled.model is None
    assert filled.errors == {
        "number": FieldError("最多 64 个字符", "at most 64 characters"),
        "expected_on": FieldError("请按 年-月-日 填写日期", "enter a date as YYYY-MM-DD"),
        "lines.0.qty": FieldError("不能小于 1", "at least 1"),
        "lines.1.qty": FieldError(f"不能大于 {MAX_QTY}", f"at most {MAX_QTY}"),
        "lines.1.item": FieldError("含有不能使用的字符", "contains characters that cannot be used"),
    }
    # what was typed comes back as typed, to be shown in the form again
    assert filled.values["number"] == "N" * 65
    assert filled.values["lines.1.qty"] == str(MAX_QTY + 1)


def test_a_bound_of_zero_is_named() -> None:
    filled = read(StocktakeIn, {"warehouse": "LC01", "tolerance": "-1"})
    assert filled.errors["tolerance"] == FieldError("不能小于 0", "at least 0")


def test_missing_fields_and_no_lines_are_named() -> None:
    filled = read(NoticeIn, {"number": "", "lines.0.item": "", "lines.0.qty": ""})
    assert filled.errors["number"] == FieldError("必填", "required")
    assert filled.errors["warehouse"] == FieldError("必填", "required")
    assert filled.errors["lines"] == FieldError("至少需要 1 行", "at least 1 line")
    assert filled.rows("lines", blank=5) == 5


def test_a_not_a_number_quantity_and_what_the_page_fixes() -> None:
    filled = read(
        NoticeIn, {**GOOD, "warehouse": "LC02", "lines.0.qty": "forty"}, {"warehouse": "LC01"}
    )
    assert filled.errors == {"lines.0.qty": FieldError("请填写整数", "enter a whole number")}
    fixed = read(NoticeIn, {**GOOD, "warehouse": "LC02"}, {"warehouse": "LC01"})
    assert fixed.model is not None and fixed.model.warehouse == "LC01"  # the guard's depot wins


def test_odd_names_are_ignored_and_a_huge_form_refused_whole() -> None:
    odd = {**GOOD, "lines.x.item": "A", "lines.99999.item": "B", "a.b": "c", "lines.0.item.z": "d"}
    filled = read(NoticeIn, odd)
    assert filled.model is not None and len(filled.model.lines) == 2
    huge = {f"f{i}": "" for i in range(1001)}
    assert read(NoticeIn, huge).errors == {"": FieldError("表单太大", "the form is too large")}


def test_rows_offers_the_typed_rows_and_blank_ones() -> None:
    assert read(NoticeIn, GOOD).rows("lines", blank=2) == 4


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"{FLASH_COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_a_result_message_is_shown_once() -> None:
    redirect = flash("/inbound/7", "created", "IN|7 通知")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/inbound/7"
    cookie = redirect.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    request = _request(cookie)
    assert flash_of(request) == ("created", "IN|7 通知")
    shown = spent(request, Response("page"))
    assert f'{FLASH_COOKIE}=""' in shown.headers["set-cookie"]  # deleted as it is shown
    assert flash_of(_request(None)) is None
    assert "set-cookie" not in spent(_request(None), Response("page")).headers


ACCEPT = {
    "warehouse": "LC01",
    "item": "FZ-0001",
    "batch": "B1",
    "location": "D01",
    "qty": "30",
    "decision": "accepted",
    "inspection.record_no": "YS-1",
    "inspection.sampled": "3",
    "inspection.result": "pass",
    "inspection.quality_report": "",
    "inspection.inspectors.0": "",
    "inspection.inspectors.1": "张工",
    "inspection.inspectors.2": "李工",
}


def test_a_nested_models_fields_and_its_list_of_texts() -> None:
    filled = read(AcceptanceIn, ACCEPT)
    assert filled.errors == {}
    assert filled.model is not None
    got = filled.model.inspection
    assert (got.record_no, got.sampled, got.result) == ("YS-1", 3, "pass")
    assert got.quality_report is None  # blank: the model's default
    assert got.inspectors == ["张工", "李工"]  # blank names dropped, numbered again
    assert filled.values["inspection.inspectors.0"] == "张工"
    assert "inspection.inspectors.2" not in filled.values
    broken = read(AcceptanceIn, {**ACCEPT, "inspection.sampled": "0", "inspection.result": "?"})
    assert broken.errors["inspection.sampled"] == FieldError("不能小于 1", "at least 1")
    assert "inspection.result" in broken.errors
    assert broken.values["inspection.sampled"] == "0"  # as typed
    # a name that is both a field and a nested model's is the field
    odd = read(AcceptanceIn, {**ACCEPT, "qty.x": "1", "batch.inner.0": "2"})
    assert odd.model is not None and odd.model.qty == 30 and odd.model.batch == "B1"
