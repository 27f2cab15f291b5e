"""The server's one exception tree and its one handler: every error class is drawn in the
tree at the top of server/domain/errors.py, and each kind gets its answer (status, body,
headers) from server.web.errors.answer, with no route translating it."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest
from starlette.requests import Request

from server.domain import errors
from server.domain.errors import (
    BadCursor,
    DepotError,
    FloorAccessError,
    ImportRefused,
    LedgerError,
    NotSignedIn,
    Refused,
    Rejection,
    ReportError,
    RowError,
    TableError,
    Throttled,
)
from server.web.errors import answer

TREE = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, DepotError) and cls.__module__ == errors.__name__
]


def request(content_type: str = "application/json") -> Request:
    headers = [(b"content-type", content_type.encode())]
    return Request({"type": "http", "method": "POST", "path": "/api/v1/x", "headers": headers})


def answered(exc: Exception) -> tuple[int, object, dict[str, str]]:
    response = asyncio.run(answer(request(), exc))
    body = json.loads(bytes(response.body)) if response.body else None
    return response.status_code, body, dict(response.headers)


def test_every_error_class_is_drawn_in_the_tree_and_is_one_of_its_kind() -> None:
    drawing = errors.__doc__ or ""
    assert len(TREE) >= 19
    for cls in TREE:
        assert f" {cls.__name__} " in drawing, cls.__name__
    assert all(issubclass(cls, DepotError) for cls in TREE)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (Rejection("unknown_order", "there is no order 7"), 404),
        (Rejection("insufficient_stock", "3 asked, 2 held"), 409),
        (Rejection("same_person", "not the one who closed it"), 403),
        (Rejection("bad_kind", "kind is one of ..."), 422),
        (FloorAccessError("a floor PIN has 6 to 64 characters"), 422),
    ],
)
def test_a_refusal_answers_with_the_status_of_its_reason(exc: Rejection, status: int) -> None:
    code, body, _ = answered(exc)
    assert code == status
    assert body == {"detail": {"reason": exc.reason, "detail": str(exc)}}


def test_a_caller_outside_its_scope_is_challenged_or_refused() -> None:
    code, body, headers = answered(Refused(401, "no_token", "sign in first"))
    assert code == 401 and headers["www-authenticate"] == "Bearer"
    assert body == {"detail": {"reason": "no_token", "detail": "sign in first"}}
    code, _, headers = answered(Refused(404, "unknown_order", "no order 9 here"))
    assert code == 404 and "www-authenticate" not in headers


def test_a_page_without_a_session_goes_to_the_login_page() -> None:
    response = asyncio.run(answer(request("text/html"), NotSignedIn()))
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_throttled_logins_say_when_to_try_again() -> None:
    code, body, headers = answered(Throttled(40))
    assert code == 429 and headers["retry-after"] == "40"
    assert body == {"detail": "too many failed logins; try again in 40 s"}


def test_input_that_cannot_be_used_is_a_422_with_its_sentence() -> None:
    for exc in (BadCursor("a cursor this server did not make"), ReportError("not yet")):
        assert answered(exc)[:2] == (422, {"detail": str(exc)})


def test_a_refused_file_names_every_line() -> None:
    refused = ImportRefused(
        [RowError(3, "no such category", "category", "类别不存在"), RowError(5, "bad GTIN")]
    )
    assert answered(refused)[:2] == (
        422,
        {"detail": {"imported": 0, "errors": [
            {"line": 3, "message": "no such category", "column": "category",
             "message_zh": "类别不存在"},
            {"line": 5, "message": "bad GTIN", "column": "", "message_zh": ""},
        ]}},
    )  # fmt: skip
    assert answered(TableError("not a CSV or XLSX file"))[1] == {
        "detail": {
            "imported": 0,
            "errors": [
                {
                    "line": 0,
                    "message": "not a CSV or XLSX file",
                    "column": "",
                    "message_zh": "文件无法读取",
                }
            ],
        }
    }


def test_an_error_with_no_answer_of_its_own_takes_its_parents() -> None:
    assert answered(LedgerError("stock would go negative"))[:2] == (
        422,
        {"detail": "stock would go negative"},
    )
