"""The acceptance screen's forms over plain HTTP, as a browser posts them, on a real server:
the form's bounds (a sample larger than the quantity decided, beside its field), the quality
report's file (only a PDF, JPEG or PNG by its content, 10 MiB at most, kept byte for byte
with the decision, once), the rules' refusals (more than waits, a second report), who may
post (the depot head of the depot; a keeper and another depot's head are refused) and the
written report with its clock. A refused post decides nothing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from harness.depot import ServerProcess
from harness.forms import signed_in as login_form
from harness.forms import submit
from harness.scope_world import HERE, PASSWORD, THERE, World, username, world_of
from server.domain.report_files import MAX_BYTES
from server.storage.tables import approvals, audit_log

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(tmp_path: Path) -> World:
    return world_of(f"sqlite:///{tmp_path / 'server.sqlite'}")


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(world.depot.db_url, tmp_path).start()
    yield process
    process.stop()


def signed_in(server: ServerProcess, user: str) -> httpx.Client:
    return login_form(server.url, user, PASSWORD)


def decide_page(world: World) -> str:
    s = world.stack("P")
    return (
        f"/acceptance/decide?warehouse={HERE}&location={s.location}"
        f"&item={s.item.code}&batch={s.batch}"
    )


def form(world: World, record_no: str, qty: int = 10, sampled: int = 2) -> dict[str, str]:
    s = world.stack("P")
    return {
        "warehouse": HERE,
        "location": s.location,
        "item": s.item.code,
        "batch": s.batch,
        "qty": str(qty),
        "decision": "accepted",
        "inspection.record_no": record_no,
        "inspection.sampled": str(sampled),
        "inspection.result": "pass",
        "inspection.quality_report": "ZJ-2026-07",
        "inspection.inspectors.0": "张工",
        "inspection.inspectors.1": "",
        "inspection.inspectors.2": "李工",
    }


def decided(world: World) -> int:
    with world.engine.connect() as conn:
        query = select(func.count()).select_from(approvals).where(approvals.c.kind == "acceptance")
        return int(conn.execute(query).scalar_one())


def waiting(world: World, client: httpx.Client) -> int:
    found = re.search(r'id="waiting-line" data-qty="(\d+)"', client.get(decide_page(world)).text)
    assert found is not None
    return int(found.group(1))


def test_the_depot_head_decides_with_the_report_file_and_files_the_written_report(
    world: World, server: ServerProcess
) -> None:
    head = signed_in(server, username("supervisor", HERE))
    page = decide_page(world)
    listing = head.get("/acceptance")
    assert listing.status_code == 200
    assert f'data-batch="{world.stack("P").batch}"' in listing.text
    before, pending = decided(world), waiting(world, head)
    assert pending == 500

    # a sample larger than the quantity decided: beside the field, as typed
    big = submit(head, page, "/acceptance", form(world, "YS-1", qty=10, sampled=11))
    assert big.status_code == 422
    assert 'id="e-f-inspection-sampled"' in big.text
    assert "不能大于验收数量 10" in big.text and "at most the quantity decided, 10" in big.text
    assert 'value="YS-1"' in big.text and 'value="李工"' in big.text
    # a quantity out of the API's bounds, beside its field
    zero = submit(head, page, "/acceptance", form(world, "YS-1", qty=0, sampled=1))
    assert zero.status_code == 422 and 'id="e-f-qty"' in zero.text

    # the report's file must be a PDF or an image by its content, whatever its name says
    text = {"report_file": ("report.pdf", b"not a pdf at all", "application/pdf")}
    wrong = submit(head, page, "/acceptance", form(world, "YS-1"), files=text)
    assert wrong.status_code == 422
    assert 'data-reason="report_type"' in wrong.text
    assert "检验报告须为 PDF 或图片" in wrong.text
    huge = {"report_file": ("big.pdf", b"%PDF-" + b"0" * MAX_BYTES, "application/pdf")}
    large = submit(head, page, "/acceptance", form(world, "YS-1"), files=huge)
    assert large.status_code == 422 and 'data-reason="report_too_large"' in large.text
    # more than waits there: the service's refusal as the next step
    over = submit(head, page, "/acceptance", form(world, "YS-1", qty=501), files=None)
    assert over.status_code == 409 and 'data-reason="insufficient_stock"' in over.text
    assert "库存不足" in over.text
    assert decided(world) == before and waiting(world, head) == pending

    # accepted with its report: the file kept byte for byte, the audit trail says so
    files = {"report_file": ("质检报告 ZJ-2026-07.pdf", PDF, "application/pdf")}
    done = submit(head, page, "/acceptance", form(world, "YS-2", qty=30), files=files)
    assert done.status_code == 303
    to = done.headers["location"]
    approval_id = int(to.rsplit("/", 1)[1])
    shown = head.get(to)
    assert "已记录验收决定：合格入库" in shown.text and "YS-2" in shown.text
    assert "质检报告 ZJ-2026-07.pdf" in shown.text
    assert hashlib.sha256(PDF).hexdigest()[:12] in shown.text
    assert "张工、李工" in shown.text
    kept = head.get(f"/api/v1/acceptances/{approval_id}/quality-report")
    assert kept.status_code == 200 and kept.content == PDF
    assert kept.headers["content-type"] == "application/pdf"
    assert kept.headers["x-content-type-options"] == "nosniff"
    paper = head.get(f"/api/v1/acceptances/{approval_id}/form.pdf")
    assert paper.status_code == 200 and paper.content.startswith(b"%PDF-")
    assert waiting(world, head) == pending - 30
    # the decision keeps one file: a second is refused
    again = submit(
        head, to, f"{to}/quality-report", {}, files={"report_file": ("p.png", PNG, "image/png")}
    )
    assert again.status_code == 303
    assert 'data-reason="report_attached"' in head.get(to).text
    assert head.get(f"/api/v1/acceptances/{approval_id}/quality-report").content == PDF
    # and so through the route of any decision's file, by the one who decided: one file
    token = httpx.post(
        f"{server.url}/api/v1/sessions",
        json={"username": username("supervisor", HERE), "password": PASSWORD},
    ).json()["token"]
    by_api = httpx.post(
        f"{server.url}/api/v1/approvals/{approval_id}/report-file",
        files={"file": ("p.png", PNG, "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_api.status_code == 409 and by_api.json()["detail"]["reason"] == "report_attached"
    assert head.get(f"/api/v1/acceptances/{approval_id}/quality-report").content == PDF
    with world.engine.connect() as conn:
        actions = set(
            conn.execute(
                select(audit_log.c.action).where(audit_log.c.target == f"approval {approval_id}")
            ).scalars()
        )
    assert {"acceptance_accepted", "quality_report_kept"} <= actions

    # the written report: its clock on the list, filed once
    due = head.get("/acceptance").text
    assert f'data-acceptance="{approval_id}"' in due
    assert 'id="report-clock" data-left="10" data-filed="no"' in shown.text
    filed = submit(head, to, f"{to}/report", {"reference": "发改报〔2026〕7号"})
    assert filed.status_code == 303
    after = head.get(to).text
    assert "已登记书面报告" in after and 'data-filed="yes"' in after
    assert 'id="report-form"' not in after
    twice = submit(head, page, f"{to}/report", {"reference": "发改报〔2026〕8号"})
    assert twice.status_code == 303
    assert 'data-reason="already_decided"' in head.get(to).text


def test_a_decision_without_its_file_takes_one_later_and_others_may_not_post(
    world: World, server: ServerProcess
) -> None:
    head = signed_in(server, username("supervisor", HERE))
    page = decide_page(world)
    done = submit(head, page, "/acceptance", form(world, "YS-3", qty=5))
    assert done.status_code == 303
    to = done.headers["location"]
    assert 'id="attach-form"' in head.get(to).text
    png = {"report_file": ("scan.png", PNG, "image/png")}
    assert submit(head, to, f"{to}/quality-report", {}, files=png).status_code == 303
    shown = head.get(to).text
    assert "已保存检验报告文件" in shown and "scan.png" in shown
    assert 'id="attach-form"' not in shown

    # a keeper reads the line and the decision, with no form; their posts are refused
    keeper = signed_in(server, username("keeper", HERE))
    line = keeper.get(page)
    assert line.status_code == 200 and 'id="decide-form"' not in line.text
    assert 'id="report-form"' not in keeper.get(to).text
    before = decided(world)
    assert submit(keeper, "/acceptance", "/acceptance", form(world, "YS-4")).status_code == 403
    assert submit(keeper, to, f"{to}/report", {"reference": "R-1"}).status_code == 403
    # another depot's head may not name this depot, nor open its decision
    there = signed_in(server, username("supervisor", THERE))
    assert submit(there, "/acceptance", "/acceptance", form(world, "YS-5")).status_code == 403
    assert there.get(to).status_code == 404
    assert decided(world) == before
