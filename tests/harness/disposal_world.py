"""Records of LC01's re-inspection, scrapping, rotation and returns for requests that use one
up (tests/harness/scope_cases.py): a stock line picked as the pages' forms pick it, a
decision made by the caller itself (whose report file only its maker may keep), one that
keeps its report file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf

from harness.depot import ServerProcess
from harness.scope_world import HERE, PROPOSER, World, username, world_of
from kernel.clock import system_clock
from server.domain.evidence import Policy
from server.domain.report_files import ReportFile
from server.services import decision_files, disposal


def _blank_pdf() -> bytes:
    """A quality report as a PDF reader opens it: one blank page."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


def picked(w: World, kind: str, status: str = "available") -> dict[str, str]:
    """A stack of the world as the pages' stock list offers it: the item, and the stock line
    as batch|location|status."""
    s = w.stack(kind)
    return {"warehouse": HERE, "item": s.item.code, "stack": f"{s.batch}|{s.location}|{status}"}


def reinspection_by(w: World, person: str) -> int:
    """A passed re-inspection of LC01's overdue stack "O", recorded by `person`."""
    s = w.stack("O")
    return disposal.reinspect(
        w.engine, person, HERE, s.item.code, s.batch, w.number(HERE, "复检"), True, Policy(),
        now=system_clock(),
    )  # fmt: skip


def own_reinspection(w: World, role: str | None, depot: str | None) -> int:
    """A re-inspection by the caller if it may record one (its report is its to keep), else
    by LC01's proposer."""
    maker = username(role, depot) if role in ("admin", "supervisor") else PROPOSER
    return reinspection_by(w, maker)


def with_report_file(w: World) -> int:
    """A re-inspection of LC01 that keeps its report file."""
    found = reinspection_by(w, PROPOSER)
    report = ReportFile("复检报告.pdf", PDF)
    decision_files.attach(
        w.engine, PROPOSER, found, report, system_clock(), decision_files.BY_ITS_MAKER
    )
    return found


@contextmanager
def served(folder: Path) -> Iterator[tuple[World, ServerProcess]]:
    """The two depots' world on SQLite, and a real server process over it."""
    world = world_of(f"sqlite:///{folder / 'server.sqlite'}")
    process = ServerProcess(world.depot.db_url, folder).start()
    try:
        yield world, process
    finally:
        process.stop()
