"""Every refusal of the domain has a next step for the person (server/dash/refusals.py): each
reason code raised anywhere in the server, and each class of the error tree. A new code or
class without its step fails here."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from server.dash.refusals import BY_CLASS, BY_REASON, next_step
from server.domain import errors
from server.domain.errors import REASON_STATUS, DepotError, NotForRole, Rejection

SERVER = Path(__file__).parents[2] / "server"
RAISERS = {"Rejection", "BasisError", "Refused", "AccountError"}


def raised_reasons() -> dict[str, str]:
    """Each reason code written as a literal where the server raises a refusal: its file."""
    found: dict[str, str] = {}
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in RAISERS:
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args[:2]]
            if args and isinstance(args[0], int) and not isinstance(args[0], bool):
                args = args[1:]  # Refused(status, reason, detail)
            if args and isinstance(args[0], str):
                found.setdefault(args[0], str(path.relative_to(SERVER)))
    return found


def test_the_scan_finds_the_refusals_it_should() -> None:
    found = raised_reasons()
    assert found["same_person"] == "domain/duties.py"
    assert found["notice_closed"] == "services/inbound.py"
    assert len(found) > 60


def test_every_reason_code_raised_has_a_next_step() -> None:
    codes = set(raised_reasons()) | {r for rs in REASON_STATUS.values() for r in rs}
    missing = sorted(codes - set(BY_REASON))
    assert missing == [], f"add a next step to server/dash/refusals.py BY_REASON: {missing}"


def test_every_class_of_the_error_tree_has_a_next_step() -> None:
    tree = {
        kind
        for _, kind in inspect.getmembers(errors, inspect.isclass)
        if issubclass(kind, DepotError)
    }
    assert len(tree) > 20
    missing = sorted(k.__name__ for k in tree - set(BY_CLASS))
    assert missing == [], f"add a next step to server/dash/refusals.py BY_CLASS: {missing}"


def test_steps_are_written_in_both_languages() -> None:
    for step in [*BY_REASON.values(), *BY_CLASS.values()]:
        assert step.zh and step.en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in step.zh), step
        assert step.en.isascii(), step


def test_the_step_of_a_refusal_by_its_code_else_its_class() -> None:
    step = next_step(Rejection("same_person", "you proposed it"))
    assert (step.zh, step.en) == ("需由另一位主管审批", "must be approved by another supervisor")
    assert next_step(Rejection("a_code_of_tomorrow", "?")) == BY_CLASS[Rejection]
    assert next_step(NotForRole("no")) == BY_REASON["role_not_allowed"]
    assert next_step(errors.TableError("not a table")) == BY_CLASS[errors.TableError]
