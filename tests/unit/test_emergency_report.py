"""The report of an emergency dispatch (art. 14) as drafted from the order: what it says of
the order's start, the depot that made it while cut off, what was loaded and the clocks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.emergency_report import draft

ZONE = ZoneInfo("Asia/Shanghai")
DRAFTED = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def order(**changed: Any) -> dict[str, Any]:
    return {
        "number": "YJ-2026-08", "basis": "川应急调〔2026〕8号", "destination": "北川县擂鼓镇安置点",
        "notified_at": "2026-12-02T01:10:00+00:00", "first_batch_due": "2026-12-02T09:10:00+00:00",
        "first_arrival_at": None, "first_batch_on_time": None, "written_order_due": None,
        "written_order": None, "made_at_depot": None,
        "lines": [{"item": "ZS-0001", "name_zh": "单帐篷", "qty": 50, "shortfall": 5}],
        "picks": [{"item": "ZS-0001", "warehouse": "LC01", "qty": 30, "loaded": 30},
                  {"item": "ZS-0001", "warehouse": "LC02", "qty": 15, "loaded": 0}],
        **changed,
    }  # fmt: skip


def test_a_centres_order_on_its_notice() -> None:
    text = draft(order(), DRAFTED, ZONE)
    assert text.startswith("关于紧急调运市级救灾物资的报告\n\n市发改委、市应急局：")
    assert "2026年12月02日 09:10，根据调拨通知（川应急调〔2026〕8号）" in text  # depot time
    assert "单帐篷：调运 50，已装车 30，缺口 5" in text
    assert "LC01：安排 30，已装车 30" in text and "LC02：安排 15，已装车 0" in text
    assert "首批物资应于2026年12月02日 17:10前运抵灾区（8 小时内）" in text
    assert "通信中断" not in text and text.endswith("市综合储备中心\n2026年12月02日")


def test_an_order_a_depot_made_while_cut_off_says_so_and_what_paper_is_owed() -> None:
    caller = {"name": "刘局长", "unit": "北川县应急管理局", "phone": "0816-4822110"}
    call = {"depot": "LC01", "received_at": "2026-12-02T05:30:00+00:00", "caller": caller}
    made = order(made_at_depot=call, written_order_due="2026-12-04T01:10:00+00:00",
                 basis="电话调令")  # fmt: skip
    text = draft(made, DRAFTED, ZONE)
    assert "接北川县应急管理局刘局长（0816-4822110）电话调拨指令" in text
    assert "因LC01与中心通信中断，由LC01凭电话指令先行组织出库发运" in text
    assert "于2026年12月02日 13:30报中心入账" in text
    assert "书面调拨指令待补办（应于2026年12月04日 09:10前）" in text
    written = draft({**made, "written_order": "川应急调〔2026〕9号"}, DRAFTED, ZONE)
    assert "书面调拨指令：川应急调〔2026〕9号" in written and "待补办" not in written


def test_the_first_batch_once_it_arrived() -> None:
    late = order(first_arrival_at="2026-12-02T10:00:00+00:00", first_batch_on_time=False)
    assert "首批物资已于2026年12月02日 18:00运抵灾区，超过 8 小时时限" in draft(late, DRAFTED, ZONE)
