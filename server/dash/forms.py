"""The workflow pages' forms: read where the input enters, against the API's own models.

A page's form names its fields by their place in the API's request model: `number`,
`lines.0.item`, `lines.0.qty`, a nested model's `inspection.sampled` and its list of texts
`inspection.inspectors.0`. `read(Model, form)` builds the nested request from those names
(blank fields left out, so the model's defaults apply; rows of a list left wholly blank
dropped) and validates it with the very pydantic model the API route takes, so a page and
the API hold an input to the same bounds. The answer, `Filled`, keeps what the person typed
(`values`, shown again in the form on error) and each field's error in Chinese with English
beside (`errors`, shown beside the field), or the request model (`model`) when it is sound.

After a change the page redirects (post-redirect-get) with a one-time message: `flash` sets
it on the redirect, `flash_of` reads it on the next page and `spent` deletes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from server.dash.refusals import next_step
from server.domain.bounds import PHONE
from server.domain.errors import Rejection

M = TypeVar("M", bound=BaseModel)
# A form with more fields is refused whole: the framework's own limit, which answers 400
# before the form is read (Starlette's max_fields); `read` holds forms it is given to it too.
MAX_FIELDS = 1000
MAX_ROWS = 500
FLASH_COOKIE = "depot_flash"
_INDEX = re.compile(r"^(0|[1-9][0-9]{0,3})$")


@dataclass(frozen=True, slots=True)
class FieldError:
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Filled(Generic[M]):
    """A form as read: what was typed, each field's error, the request model if sound."""

    values: dict[str, str]
    errors: dict[str, FieldError] = field(default_factory=dict)
    model: M | None = None

    def rows(self, name: str, blank: int = 1) -> int:
        """How many rows of the list `name` to show: those typed, and `blank` more."""
        prefix = name + "."
        indexes = [int(k[len(prefix) :].split(".")[0]) for k in self.values if k.startswith(prefix)]
        return (max(indexes) + 1 if indexes else 0) + blank


def empty() -> Filled[Any]:
    return Filled(values={})


def _messages(kind: str, ctx: Mapping[str, Any]) -> FieldError:
    """A pydantic error type as the person reads it."""
    bounds = ("max_length", "min_length", "le", "ge", "lt", "gt")
    n = next((ctx[k] for k in bounds if ctx.get(k) is not None), "")  # 0 is a bound too
    table = {
        "missing": ("必填", "required"),
        "string_too_short": ("必填", "required"),
        "string_too_long": (f"最多 {n} 个字符", f"at most {n} characters"),
        "string_pattern_mismatch": (
            "含有不能使用的字符",
            "contains characters that cannot be used",
        ),
        "value_error": ("含有不能使用的字符", "contains characters that cannot be used"),
        "int_parsing": ("请填写整数", "enter a whole number"),
        "int_from_float": ("请填写整数", "enter a whole number"),
        "greater_than_equal": (f"不能小于 {n}", f"at least {n}"),
        "greater_than": (f"须大于 {n}", f"more than {n}"),
        "less_than_equal": (f"不能大于 {n}", f"at most {n}"),
        "less_than": (f"须小于 {n}", f"less than {n}"),
        "date_parsing": ("请按 年-月-日 填写日期", "enter a date as YYYY-MM-DD"),
        "date_from_datetime_parsing": ("请按 年-月-日 填写日期", "enter a date as YYYY-MM-DD"),
        "too_short": (f"至少需要 {n} 行", f"at least {n} line{'' if n == 1 else 's'}"),
        "too_long": (f"最多 {n} 行", f"at most {n} lines"),
        "literal_error": ("请从列表中选择", "choose from the list"),
        "enum": ("请从列表中选择", "choose from the list"),
    }
    if kind == "string_too_short" and isinstance(n, int) and n > 1:  # a password's length
        table[kind] = (f"至少 {n} 个字符", f"at least {n} characters")
    zh, en = table.get(kind, ("填写的内容不能使用", "this value cannot be used"))
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == PHONE:
        zh, en = ("请填写电话号码，如 0816-2345678", "enter a phone number, e.g. 0816-2345678")
    return FieldError(zh, en)


def _nest(flat: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The request built from the form's names, and the typed values re-keyed to match it
    (wholly blank rows of a list dropped, the rest numbered again from 0)."""
    top: dict[str, Any] = {}
    lists: dict[str, dict[int, dict[str, str]]] = {}
    texts: dict[tuple[str, str], dict[int, str]] = {}  # a nested model's list of texts
    values = {k: v for k, v in flat.items() if "." not in k}
    for name, value in flat.items():
        parts = name.split(".")
        if len(parts) == 1:
            if value != "":
                top[name] = value
        elif len(parts) == 2 and not _INDEX.match(parts[1]):  # a nested model's field
            values[name] = value
            if value != "" and isinstance(top.setdefault(parts[0], {}), dict):
                top[parts[0]][parts[1]] = value
        elif len(parts) == 3 and _INDEX.match(parts[1]) and int(parts[1]) < MAX_ROWS:
            lists.setdefault(parts[0], {}).setdefault(int(parts[1]), {})[parts[2]] = value
        elif len(parts) == 3 and _INDEX.match(parts[2]) and int(parts[2]) < MAX_ROWS:
            texts.setdefault((parts[0], parts[1]), {})[int(parts[2])] = value
    for (outer, inner), typed in texts.items():
        kept = [typed[i] for i in sorted(typed) if typed[i] != ""]
        if isinstance(top.setdefault(outer, {}), dict):
            top[outer][inner] = kept
        values.update({f"{outer}.{inner}.{i}": v for i, v in enumerate(kept)})
    for name, by_index in lists.items():
        rows = [by_index[i] for i in sorted(by_index) if any(v != "" for v in by_index[i].values())]
        top[name] = [{k: v for k, v in row.items() if v != ""} for row in rows]
        for i, row in enumerate(rows):
            values.update({f"{name}.{i}.{k}": v for k, v in row.items()})
    return top, values


def read(
    model: type[M], form: Mapping[str, Any], fixed: Mapping[str, Any] | None = None
) -> Filled[M]:
    """The form checked against `model` (the API's request model). `fixed`: what the page
    itself sets (the depot the guard decided), over anything the form says."""
    if len(form) > MAX_FIELDS:
        return Filled(values={}, errors={"": FieldError("表单太大", "the form is too large")})
    flat = {k: v for k, v in form.items() if isinstance(k, str) and isinstance(v, str)}
    flat.pop("csrf_token", None)
    data, values = _nest(flat)
    data.update(fixed or {})
    try:
        return Filled(values=values, model=model.model_validate(data))
    except ValidationError as exc:
        errors: dict[str, FieldError] = {}
        for problem in exc.errors():
            name = ".".join(str(p) for p in problem["loc"])
            errors.setdefault(name, _messages(problem["type"], problem.get("ctx") or {}))
        return Filled(values=values, errors=errors)


async def form_of(request: Request) -> dict[str, str]:
    """The posted form's text fields (read once; the forgery check has read it already)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- post-redirect-get ------------------------------------------------------------------


def flash(to: str, key: str, arg: str = "") -> Response:
    """Redirect (303) to `to`, with a one-time message for the page there: `key` of the page's
    messages, and an argument shown with it (a notice's number)."""
    answer = RedirectResponse(to, status_code=303)
    value = quote(f"{key}|{arg}"[:300], safe="")
    answer.set_cookie(FLASH_COOKIE, value, max_age=60, httponly=True, samesite="lax")
    return answer


def flash_of(request: Request) -> tuple[str, str] | None:
    """The one-time message the last change left for this page: (key, argument)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if raw is None:
        return None
    key, _, arg = unquote(raw)[:300].partition("|")
    return key, arg


def message_of(
    request: Request, messages: Mapping[str, tuple[str, str]]
) -> tuple[str, str, Any] | None:
    """The one-time message of the last change, as `form.html`'s `message` shows it:
    ("ok", argument, (zh, en)) for a key of the page's `messages`, or ("refused", reason,
    the next step) for `flash(to, "refused", reason)`."""
    found = flash_of(request)
    if found is None:
        return None
    key, arg = found
    if key in messages:
        return ("ok", arg, messages[key])
    if key == "refused":
        return ("refused", arg, next_step(Rejection(arg, "")))
    return None


def spent(request: Request, answer: Response) -> Response:
    """`answer` with the one-time message deleted, once the page has shown it."""
    if FLASH_COOKIE in request.cookies:
        answer.delete_cookie(FLASH_COOKIE)
    return answer
