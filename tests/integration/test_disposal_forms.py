"""The re-inspection, scrapping, rotation and returns screens' forms over plain HTTP, as a
browser posts them, on a real server: every kind of decision through its form, the quality
report's file kept with its decision (its type and size bounded where it enters), the
field errors and the refusals of the rules shown as the person's next step, a proposal
approved and refused by another person, never its proposer, and the API's routes for the
refusal of a proposal and the report's file. A refused post changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from harness.depot import ServerProcess
from harness.disposal_world import PDF, picked, served
from harness.forms import origin, token_on
from harness.forms import signed_in as login_form
from harness.scope_world import HERE, PASSWORD, World, username
from server.domain.report_files import MAX_BYTES
from server.services.verify import verify_ledger
from server.storage.tables import approvals, batches, stock

SUPERVISOR = username("supervisor", HERE)
ADMIN_HERE = username("admin", HERE)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TO_DECISION = re.compile(r"^/disposal/(\d+)$")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[World, ServerProcess]]:
    with served(tmp_path) as found:
        yield found


def signed_in(server: ServerProcess, user: str) -> httpx.Client:
    return login_form(server.url, user, PASSWORD)


def decisions(world: World) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(approvals)).scalar_one())


def held(world: World, kind: str, status: str) -> int:
    s = world.stack(kind)
    with world.engine.connect() as conn:
        found = conn.execute(
            select(func.coalesce(func.sum(stock.c.qty), 0))
            .select_from(stock)
            .join(batches, batches.c.id == stock.c.batch_id)
            .where(stock.c.warehouse == HERE, stock.c.status == status)
            .where(batches.c.item_code == s.item.code, batches.c.batch_no == s.batch)
        ).scalar_one()
    return int(found)


def post(
    client: httpx.Client, action: str, data: dict[str, str], file: tuple[str, bytes] | None = None
) -> httpx.Response:
    """A form sent from the screen's own page, with its token, as a browser sends it."""
    token = token_on(client, f"/disposal?depot={HERE}")
    files: Any = {"report_file": (file[0], file[1], "application/octet-stream")} if file else None
    return client.post(
        action, data={**data, "csrf_token": token}, files=files, headers={"Origin": origin(client)}
    )


def decided(answer: httpx.Response) -> int:
    """The decision a post made, from where it sent the browser."""
    assert answer.status_code == 303, answer.text[:500]
    found = TO_DECISION.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def scrapping(world: World, qty: str = "3", experts: int = 3) -> dict[str, str]:
    names = ("专家甲", "专家乙", "专家丙", "专家丁")[:experts]
    return {
        **picked(world, "S"),
        "qty": qty,
        "reason": "damaged",
        "quality_report": world.number(HERE, "质检"),
        **{f"experts.{i}.name": n for i, n in enumerate(names)},
        **{f"experts.{i}.opinion": "包装破损，同意报废" for i in range(experts)},
    }


def test_scrapping_from_proposal_to_postings(site: tuple[World, ServerProcess]) -> None:
    world, server = site
    supervisor, admin = signed_in(server, SUPERVISOR), signed_in(server, ADMIN_HERE)
    page = supervisor.get(f"/disposal?depot={HERE}&item={world.stack('S').item.code}&do=scrap")
    assert page.status_code == 200 and 'id="scrap-form"' in page.text
    assert f"{world.stack('S').batch}|{world.stack('S').location}|available" in page.text
    available = held(world, "S", "available")
    before = decisions(world)

    # a field out of its bounds: beside the field, as typed; nothing recorded
    wrong = post(supervisor, "/disposal/scrapping", scrapping(world, qty="0"))
    assert wrong.status_code == 422
    assert 'id="e-f-qty"' in wrong.text and "不能小于 1" in wrong.text
    assert 'value="专家丙"' in wrong.text
    # two experts are too few (art. 25(1)): the rule's refusal as the next step
    few = post(supervisor, "/disposal/scrapping", scrapping(world, experts=2))
    assert few.status_code == 422
    assert 'data-reason="too_few_experts"' in few.text and "需至少三位专家评估" in few.text
    # the report's file: neither a PDF nor an image, or too large, is refused beside its field
    text = post(supervisor, "/disposal/scrapping", scrapping(world), ("report.pdf", b"hello"))
    assert text.status_code == 422 and 'id="e-f-report_file"' in text.text
    assert "检验报告须为 PDF 或图片" in text.text
    big = PDF + b"\x00" * MAX_BYTES
    huge = post(supervisor, "/disposal/scrapping", scrapping(world), ("report.pdf", big))
    assert huge.status_code == 422 and "检验报告文件不能超过 10 MB" in huge.text
    assert decisions(world) == before and held(world, "S", "available") == available

    proposal = decided(post(supervisor, "/disposal/scrapping", scrapping(world), ("质检.pdf", PDF)))
    assert held(world, "S", "scrap_pending") == 3
    shown = supervisor.get(f"/disposal/{proposal}")
    assert "已提交报废申请" in shown.text
    assert shown.text.count("包装破损，同意报废") == 3  # each expert's opinion
    assert 'id="approve-form"' not in shown.text  # a supervisor does not approve scrapping
    assert supervisor.get(f"/disposal/{proposal}/report").content == PDF
    # it waits in the approvals inbox, leading to its page
    assert f'href="/disposal/{proposal}"' in admin.get("/approvals").text

    # the commission (another person) approves it: the goods leave the books
    page = admin.get(f"/disposal/{proposal}")
    assert 'id="approve-form"' in page.text
    notice = world.number(HERE, "批复")
    approve = {"notice": notice, "disposal": "销毁", "residual_value_cents": "0"}
    done = post(admin, f"/disposal/{proposal}/approve-scrapping", approve)
    assert done.status_code == 303
    shown = admin.get(f"/disposal/{proposal}")
    found = re.search(r'<a href="/disposal/(\d+)">#\d+</a>', shown.text.split('id="outcome"')[1])
    assert found and notice in shown.text
    postings = admin.get(f"/ledger/approvals/{found.group(1)}")
    assert "-3" in postings.text and world.stack("S").batch in postings.text
    assert held(world, "S", "scrap_pending") == 0
    assert held(world, "S", "available") == available - 3
    # decided once
    again = post(admin, f"/disposal/{proposal}/approve-scrapping", approve)
    assert again.status_code == 409 and 'data-reason="already_decided"' in again.text
    assert held(world, "S", "available") == available - 3


def test_ones_own_proposal_is_approved_by_another(site: tuple[World, ServerProcess]) -> None:
    world, server = site
    admin, other = signed_in(server, ADMIN_HERE), signed_in(server, username("admin", None))
    rotation = {**picked(world, "S"), "qty": "2", "plan": world.number(HERE, "轮换")}
    proposal = decided(post(admin, "/disposal/rotations", rotation))
    before = decisions(world)
    own = post(admin, f"/disposal/{proposal}/approve-rotation", {"confirm": "yes"})
    assert own.status_code == 403
    assert 'data-reason="same_person"' in own.text
    assert "需由另一位主管审批" in own.text and "must be approved by another supervisor" in own.text
    assert decisions(world) == before
    available = held(world, "S", "available")
    unticked = post(other, f"/disposal/{proposal}/approve-rotation", {})
    assert unticked.status_code == 422 and "请先勾选确认框" in unticked.text
    assert (
        post(other, f"/disposal/{proposal}/approve-rotation", {"confirm": "yes"}).status_code == 303
    )
    assert held(world, "S", "available") == available - 2

    # a scrapping proposal refused by another person: its goods go back
    proposal = decided(post(admin, "/disposal/scrapping", scrapping(world, qty="4")))
    assert held(world, "S", "scrap_pending") == 4
    blank = post(other, f"/disposal/{proposal}/reject-scrapping", {"reason": ""})
    assert blank.status_code == 422 and 'id="e-f-reason"' in blank.text
    own = post(admin, f"/disposal/{proposal}/reject-scrapping", {"reason": "尚可使用"})
    assert own.status_code == 403 and "需由另一位主管审批" in own.text
    refused = post(other, f"/disposal/{proposal}/reject-scrapping", {"reason": "尚可使用"})
    assert refused.status_code == 303
    assert held(world, "S", "scrap_pending") == 0
    assert held(world, "S", "available") == available - 2
    assert "尚可使用" in other.get(f"/disposal/{proposal}").text
    # the refusal's postings stand on their basis, and the chains hold (verify-ledger)
    report = verify_ledger(world.engine)
    assert report.ok, report


def test_reinspection_and_returns(site: tuple[World, ServerProcess]) -> None:
    world, server = site
    supervisor, admin = signed_in(server, SUPERVISOR), signed_in(server, ADMIN_HERE)
    check = {**picked(world, "O"), "quality_report": world.number(HERE, "复检"), "passed": "true"}
    missing = post(supervisor, "/disposal/reinspections", {**check, "quality_report": ""})
    assert missing.status_code == 422 and 'id="e-f-quality_report"' in missing.text
    reinspection = decided(post(supervisor, "/disposal/reinspections", check, ("复检.png", PNG)))
    page = supervisor.get(f"/disposal/{reinspection}")
    assert "已记录复检" in page.text and 'id="valid-until"' in page.text
    assert "image/png" in page.text
    assert supervisor.get(f"/disposal/{reinspection}/report").content == PNG

    # returned goods inspected and restocked, against the order they came back from
    returned = supervisor.get(f"/returns?depot={HERE}&item={world.stack('B').item.code}")
    assert 'id="restock-form"' in returned.text
    on_hold = held(world, "B", "on_hold")
    inspection = {
        **picked(world, "B", "on_hold"),
        "qty": "1",
        "record_no": world.number(HERE, "归还"),
        "restock": "true",
        "order": world.returned_order,
    }
    restocked = decided(post(supervisor, "/returns/inspections", inspection))
    assert held(world, "B", "on_hold") == on_hold - 1
    assert "已记录归还检验" in supervisor.get(f"/disposal/{restocked}").text
    over = post(supervisor, "/returns/inspections", {**inspection, "qty": str(on_hold + 50)})
    assert over.status_code in (409, 422) and 'id="refusal"' in over.text

    # rejected goods back to the supplier, up to what was rejected
    page = admin.get(f"/returns?depot={HERE}")
    assert f'data-rejection="{world.rejection}"' in page.text
    back = {
        "warehouse": HERE,
        "acceptance": str(world.rejection),
        "note": world.number(HERE, "退货"),
    }
    sent = decided(post(admin, "/returns/supplier", {**back, "qty": "2"}))
    assert "已退回供货方" in admin.get(f"/disposal/{sent}").text
    too_many = post(admin, "/returns/supplier", {**back, "qty": "100000"})
    assert too_many.status_code == 409 and 'data-reason="over_rejected"' in too_many.text


def test_roles_without_the_permission_see_no_form(site: tuple[World, ServerProcess]) -> None:
    world, server = site
    keeper = signed_in(server, username("keeper", HERE))
    page = keeper.get(f"/disposal?depot={HERE}&item={world.stack('S').item.code}")
    assert page.status_code == 200
    assert 'id="scrap-form"' not in page.text and 'id="reinspect-form"' not in page.text
    token = token_on(keeper, "/inbound")  # a form the keeper has, for the token
    before = decisions(world)
    for action, data in (
        ("/disposal/scrapping", scrapping(world)),
        (
            "/disposal/reinspections",
            {**picked(world, "O"), "quality_report": "X", "passed": "true"},
        ),
        (
            "/returns/supplier",
            {"warehouse": HERE, "acceptance": str(world.rejection), "qty": "1", "note": "N"},
        ),
    ):
        answer = keeper.post(
            action, data={**data, "csrf_token": token}, headers={"Origin": origin(keeper)}
        )
        assert answer.status_code == 403, action
    assert decisions(world) == before


def test_the_api_refuses_a_proposal_and_keeps_its_report(site: tuple[World, ServerProcess]) -> None:
    world, server = site

    def api(user: str) -> httpx.Client:
        token = httpx.post(
            f"{server.url}/api/v1/sessions", json={"username": user, "password": PASSWORD}
        ).json()["token"]
        return httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    supervisor, admin = api(SUPERVISOR), api(ADMIN_HERE)
    s = world.stack("S")
    body = {"warehouse": HERE, "item": s.item.code, "batch": s.batch, "location": s.location}
    rotation = supervisor.post("/api/v1/rotations", json={**body, "qty": 1, "plan": "LC01ONLY-P"})
    proposal = rotation.json()["approval_id"]
    refuse = {"warehouse": HERE, "proposal": proposal, "reason": "计划未批"}
    assert supervisor.post("/api/v1/rotations/rejections", json=refuse).status_code == 403
    assert admin.post("/api/v1/rotations/rejections", json=refuse).status_code == 201
    assert admin.post("/api/v1/rotations/rejections", json=refuse).status_code == 409

    check = {"warehouse": HERE, "item": world.stack("O").item.code, "batch": world.stack("O").batch,
             "quality_report": "LC01ONLY-R", "passed": True}  # fmt: skip
    reinspection = supervisor.post("/api/v1/reinspections", json=check).json()["approval_id"]
    path = f"/api/v1/approvals/{reinspection}/report-file"
    files = {"file": ("r.pdf", PDF, "application/pdf")}
    assert admin.post(path, files=files).status_code == 403  # not the one who decided
    wrong = supervisor.post(path, files={"file": ("r.txt", b"text", "text/plain")})
    assert wrong.status_code == 422 and wrong.json()["detail"]["reason"] == "report_type"
    kept = supervisor.post(path, files=files)
    assert kept.status_code == 201 and len(kept.json()["sha256"]) == 64
    again = supervisor.post(path, files=files)  # once
    assert again.status_code == 409 and again.json()["detail"]["reason"] == "report_attached"
    # the one file of the decision, whichever route gives it back
    back = admin.get(f"/api/v1/acceptances/{reinspection}/quality-report")
    assert back.status_code == 200 and back.content == PDF
    assert back.headers["content-type"] == "application/pdf"
    # the acceptance's route keeps no file with a re-inspection
    other = supervisor.post(f"/api/v1/acceptances/{reinspection}/quality-report", files=files)
    assert other.status_code == 404 and other.json()["detail"]["reason"] == "unknown_acceptance"
