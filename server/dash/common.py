"""What every dashboard page shares: the templates, the language, the menu, the refusal page.

Chinese is the default; `/lang/en` switches to English for this browser (a cookie) and
`/lang/zh` back. Templates write every text once in both languages with `t("库存", "Stock")`:
Chinese first with the English beside it, or English alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from kernel import csrf
from server.domain import depot_time
from server.domain.levels import LABELS as LEVEL_LABELS
from server.domain.permissions import allowed
from server.services import auth
from server.web.deps import SESSION_COOKIE


def _csrf_context(request: Request) -> dict[str, Any]:
    """Every page's forms carry the token that the app's forgery check expects of them."""
    token = getattr(request.state, "csrf_token", None)
    return {"csrf_token": token or csrf.expected_token(request.cookies, SESSION_COOKIE) or ""}


templates = Jinja2Templates(
    directory=str(Path(__file__).parents[1] / "templates"), context_processors=[_csrf_context]
)
LANG_COOKIE = "depot_lang"
LANGS = ("zh", "en")


def local(moment: datetime | str | None, seconds: bool = False) -> str:
    """A stored moment as the depot reads it: 2026-11-24 12:11 (in the depots' time zone,
    server.domain.depot_time)."""
    if moment is None or moment == "":
        return ""
    try:
        when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    except ValueError:
        return str(moment)  # a device's own time text, shown as it came
    return depot_time.local(when).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


templates.env.globals["local"] = local
templates.env.globals["levels"] = LEVEL_LABELS  # {{ t(*levels[x]) }}: 市级 city


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGS else "zh"


def translator(lang: str) -> Any:
    def t(zh: str, en: str) -> Markup:
        if lang == "en":
            return Markup('<span lang="en">{}</span>').format(en)
        return Markup('{} <span class="en" lang="en">{}</span>').format(zh, en)

    return t


@dataclass(frozen=True, slots=True)
class MenuItem:
    path: str
    zh: str
    en: str
    permission: str
    network: bool = False  # the whole network's screens: not for people bound to a depot

    def shown_to(self, user: auth.User) -> bool:
        return allowed(user.role, self.permission) and not (self.network and user.warehouse)


MENU = (
    MenuItem("/", "总览", "Overview", "read"),
    MenuItem("/doors", "库门与设备", "Doors and devices", "read"),
    MenuItem("/inbound", "入库通知", "Inbound notices", "read"),
    MenuItem("/acceptance", "入库验收", "Acceptance", "read"),
    MenuItem("/orders", "调运", "Dispatch", "read"),
    MenuItem("/handovers", "交接单", "Handover notes", "read"),
    MenuItem("/labels", "标签打印", "Labels", "read"),
    MenuItem("/stocktakes", "盘点", "Stocktakes", "read"),
    MenuItem("/ledger", "台账", "Ledger", "read"),
    MenuItem("/agency", "代储点", "Agency points", "read"),
    MenuItem("/reports", "月报", "Monthly report", "read"),
    MenuItem("/upward", "上报", "Reporting upward", "read"),
    MenuItem("/coverage", "调运覆盖", "Dispatch coverage", "read"),
    MenuItem("/disposal", "复检报废", "Re-inspection and scrapping", "read"),
    MenuItem("/approvals", "审批", "Approvals", "approve"),
    MenuItem("/audit", "审计", "Audit trail", "audit"),
    MenuItem("/masterdata", "基础数据与人员", "Master data and people", "masterdata", True),
)


def forbidden(request: Request, reason: str, status_code: int = 403) -> Response:
    """The page a refusal answers with: 403 (not for this role or depot) or 404 (no such
    record, or not one of this person's depot)."""
    lang = lang_of(request)
    context = {"lang": lang, "t": translator(lang), "reason": reason, "status": status_code}
    return templates.TemplateResponse(
        request, "dash/forbidden.html", context, status_code=status_code
    )


def page(
    request: Request, name: str, user: auth.User, status_code: int = 200, **values: Any
) -> Response:
    lang = lang_of(request)
    menu = [m for m in MENU if m.shown_to(user)]
    context = {
        "user": user,
        "lang": lang,
        "t": translator(lang),
        "menu": menu,
        "here": request.url.path,
        # where the language switch comes back to: this page, with its query
        "back": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **values,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def partial(request: Request, name: str, **values: Any) -> Response:
    lang = lang_of(request)
    return templates.TemplateResponse(
        request, name, {"lang": lang, "t": translator(lang), **values}
    )
