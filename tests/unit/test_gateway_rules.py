"""The gateway's pure floor rules: FIFO offers, putaway placement, notice matching."""

from __future__ import annotations

import random
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.config import parse_config
from gateway.domain.direction import Zones
from gateway.domain.fifo import PickLine, held_back, next_pick, offer, why_held
from gateway.domain.floor import NoticeLine
from gateway.domain.placement import Slot, fits, suggest
from gateway.domain.smoothing import Rules
from gateway.domain.workflows.receiving import match
from gateway.upstream.worker import backoff
from kernel.config import ConfigError
from kernel.fifo import fifo_key, offerable, overdue

TODAY = date(2026, 11, 24)  # the depot's date the offers are made on
dates = st.one_of(
    st.none(), st.dates(date(2000, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat())
)
lines = st.lists(
    st.builds(
        PickLine,
        id=st.integers(1, 10_000),
        order=st.just("101"),
        item=st.sampled_from(["ZS-0001", "CQ-0001"]),
        batch=st.sampled_from(["B1", "B2", "B3", "B4"]),
        location=st.sampled_from(["A-01-01", "A-01-02", "B-01-01"]),
        walk_order=st.integers(1, 50),
        qty=st.integers(1, 40),
        done=st.integers(0, 40),
        inbound_date=dates,
        prod_date=dates,
        storage_years=st.one_of(st.none(), st.integers(1, 15)),
        pass_valid_until=dates,
    ),
    max_size=12,
    unique_by=lambda line: line.id,
)


@given(lines, st.sampled_from(["ZS-0001", "CQ-0001"]))
def test_the_offer_is_the_open_line_fifo_puts_first(pick: list[PickLine], item: str) -> None:
    chosen = offer(pick, item, TODAY)
    may_go = [x for x in pick if x.item == item and x.open > 0 and offerable(x.lot, TODAY)]
    if not may_go:
        assert chosen is None
        return
    assert chosen in may_go
    for other in may_go:
        assert fifo_key(chosen.lot, TODAY) <= fifo_key(other.lot, TODAY)
        # Design section 4: an overdue batch that passed first, then the earliest inbound date.
        if overdue(other.lot, TODAY) and not overdue(chosen.lot, TODAY):
            raise AssertionError("an overdue batch that passed a re-inspection was passed over")
        both_dated = other.inbound_date and chosen.inbound_date
        if overdue(other.lot, TODAY) == overdue(chosen.lot, TODAY) and both_dated:
            assert chosen.inbound_date <= other.inbound_date  # type: ignore[operator]


@given(lines)
def test_a_line_that_may_not_go_is_held_back_never_offered(pick: list[PickLine]) -> None:
    held = held_back(pick, TODAY)
    assert held == [x for x in pick if x.open > 0 and not offerable(x.lot, TODAY)]
    for line in held:  # overdue, without a pass valid today
        assert overdue(line.lot, TODAY)
        assert line.pass_valid_until is None or line.pass_valid_until < TODAY.isoformat()
        assert line not in (offer(pick, line.item, TODAY), next_pick(pick, TODAY))


@given(lines)
def test_the_next_pick_is_one_of_the_items_offers_nearest_on_the_walk(
    pick: list[PickLine],
) -> None:
    nxt = next_pick(pick, TODAY)
    offers = [o for o in (offer(pick, i, TODAY) for i in ("ZS-0001", "CQ-0001")) if o]
    if not offers:
        assert nxt is None
        return
    assert nxt in offers
    assert nxt is not None and nxt.walk_order == min(o.walk_order for o in offers)


def test_a_reinspected_overdue_batch_goes_before_an_older_inbound() -> None:
    old = PickLine(1, "9", "ZS-0001", "OLD", "A-01-01", 1, 5, 0, "2019-01-01", None, 8)
    passed = PickLine(
        2, "9", "ZS-0001", "RE", "A-01-09", 9, 5, 0, "2016-01-01", "2015-06-01", 8, "2027-01-31"
    )
    assert overdue(passed.lot, TODAY) and not overdue(old.lot, TODAY)
    assert offer([old, passed], "ZS-0001", TODAY) == passed
    assert offer([old, replace(passed, done=5)], "ZS-0001", TODAY) == old  # picked: the old one
    # A re-inspection that is not needed (the batch is not overdue) gives no priority.
    young = replace(passed, inbound_date="2020-07-01", prod_date="2020-06-01")
    assert offer([old, young], "ZS-0001", TODAY) == old


def test_a_lapsed_pass_is_not_offered_and_the_reason_names_the_day() -> None:
    old = PickLine(1, "9", "ZS-0001", "OLD", "A-01-01", 1, 5, 0, "2019-01-01", None, 8)
    lapsed = PickLine(
        2, "9", "ZS-0001", "RE", "A-01-09", 9, 5, 0, "2016-01-01", "2015-06-01", 8, "2026-11-23"
    )
    assert offer([old, lapsed], "ZS-0001", TODAY) == old
    assert offer([lapsed], "ZS-0001", TODAY) is None
    assert held_back([old, lapsed], TODAY) == [lapsed]
    assert offer([lapsed], "ZS-0001", date(2026, 11, 23)) == lapsed  # its last valid day
    zh, en = why_held("RE", lapsed.lot, TODAY)
    assert "复检合格有效期至 2026-11-23" in zh and "不能出库" in zh
    assert "storage limit (2023-06-01)" in en and "lapsed after 2026-11-23" in en
    never = replace(lapsed, pass_valid_until=None)
    zh, en = why_held("RE", never.lot, TODAY)
    assert "未经复检合格" in zh and "has not passed a re-inspection" in en


def test_a_batch_without_an_inbound_date_is_offered_last() -> None:
    undated = PickLine(1, "9", "ZS-0001", "U", "A-01-01", 1, 5, 0, None, None, 8)
    newest = PickLine(2, "9", "ZS-0001", "N", "A-01-09", 9, 5, 0, "2026-11-01", "2026-10-01", 8)
    assert offer([undated, newest], "ZS-0001", TODAY) == newest
    assert offer([undated, replace(newest, done=5)], "ZS-0001", TODAY) == undated


slots = st.lists(
    st.builds(
        Slot,
        code=st.text("ABC0123-", min_size=1, max_size=6),
        walk_order=st.integers(1, 100),
        kind=st.sampled_from(["dock", "storage"]),
        holds=st.frozensets(
            st.tuples(st.sampled_from(["ZS-0001", "CQ-0001"]), st.sampled_from(["B1", "B2", "B3"])),
            max_size=2,
        ),
    ),
    max_size=15,
    unique_by=lambda s: s.code,
)
inbound = st.dictionaries(st.sampled_from(["B1", "B2", "B3"]), dates)


@given(slots, st.sampled_from(["ZS-0001", "CQ-0001"]), st.sampled_from(["B1", "B2", "B3"]), inbound)
def test_a_suggestion_always_fits_and_keeps_a_batch_together(
    places: list[Slot], item: str, batch: str, dates_of: dict[str, str | None]
) -> None:
    hint = suggest(places, item, batch, dates_of)
    storage = [s for s in places if s.kind == "storage"]
    if hint is None:
        assert not any(not s.holds or (item, batch) in s.holds for s in storage)
        return
    assert hint.kind == "storage"
    assert not hint.holds or (item, batch) in hint.holds
    if any((item, batch) in s.holds for s in storage):
        assert (item, batch) in hint.holds


def test_older_batches_stay_earlier_on_the_walk() -> None:
    places = [
        Slot("A1", 1, "storage", frozenset()),
        Slot("A2", 2, "storage", frozenset({("ZS-0001", "OLD")})),
        Slot("A3", 3, "storage", frozenset()),
        Slot("D1", 0, "dock", frozenset()),
    ]
    hint = suggest(places, "ZS-0001", "NEW", {"OLD": "2019-01-01", "NEW": "2026-01-01"})
    assert hint is not None and hint.code == "A3"
    # Nothing empty after the older batch: the first empty one.
    hint = suggest(places[:2], "ZS-0001", "NEW", {"OLD": "2019-01-01"})
    assert hint is not None and hint.code == "A1"


def test_a_location_fits_only_when_storage_and_empty_or_the_same_batch() -> None:
    assert fits(Slot("A1", 1, "storage", frozenset()), "I", "B")
    assert fits(Slot("A1", 1, "storage", frozenset({("I", "B")})), "I", "B")
    assert not fits(Slot("A1", 1, "storage", frozenset({("I", "C")})), "I", "B")
    assert not fits(Slot("A1", 1, "storage", frozenset({("I", "B"), ("J", "B")})), "I", "B")
    assert not fits(Slot("D1", 1, "dock", frozenset()), "I", "B")
    assert not fits(None, "I", "B")


def test_notice_matching() -> None:
    line = NoticeLine(3, "RK-3", 0, "CQ-0001", None, 40, 30)
    named = NoticeLine(3, "RK-3", 1, "ZS-0001", "T1", 10, 0)
    assert match([line, named], "CQ-0001", "any", 10) == (line, None)
    assert match([line, named], "CQ-0001", "any", 11) == (line, "over")
    assert match([line, named], "ZS-0001", "T2", 1) == (None, "wrong")
    assert match([line, named], "ZS-0001", "T1", 10) == (named, None)
    assert match([], "ZS-0001", "T1", 1) == (None, None)  # no notice at all: nothing to flag


def test_backoff_doubles_to_its_ceiling_with_jitter() -> None:
    rng = random.Random(7)
    for failures, base in ((1, 0.5), (2, 1.0), (3, 2.0), (8, 60.0), (30, 60.0)):
        delays = [backoff(failures, 60.0, rng) for _ in range(200)]
        assert all(base * 0.5 <= d <= base * 1.5 for d in delays)
        assert max(delays) - min(delays) > base * 0.5  # spread, not one value


def test_gateway_configuration_with_rfid_rules(tmp_path: Path) -> None:
    doc = tomllib.loads(GatewayConfigDoc)
    config = parse_config(doc, tmp_path)
    assert config.rfid == Rules(window=1.5, rssi_floor=-68.0, min_reads=3)
    assert config.rfid_doors == {"D03": Rules(window=1.5, rssi_floor=-60.0, min_reads=3)}
    assert (config.disk_alarm_mb, config.disk_refuse_mb) == (2048, 200)
    assert config.server.sync_interval == 30.0
    bad = {**doc, "rfid": {"rssi_floor": 10}}
    with pytest.raises(ConfigError, match="rssi_floor"):
        parse_config(bad, tmp_path)


def test_a_door_portal_s_zones_are_taken_and_checked(tmp_path: Path) -> None:
    doc = tomllib.loads(GatewayConfigDoc)
    zones = {"outer": [1, 2], "inner": [3, 4]}
    doc["rfid"]["doors"]["D04"] = {"zones": zones}
    config = parse_config(doc, tmp_path)
    assert config.rfid_doors["D04"].zones == Zones(frozenset({1, 2}), frozenset({3, 4}))
    assert config.rfid_doors["D04"].min_reads == 3  # the rest from the depot's rules
    assert config.rfid_doors["D03"].zones is None
    for bad, words in (
        ({"outer": [1], "inner": [1, 2]}, "antenna 1 in both zones"),
        ({"outer": [1]}, "give outer and inner"),
        ({"outer": [], "inner": [2]}, "outer: a list of antenna ports"),
        ({"outer": ["1"], "inner": [2]}, "outer: a list of antenna ports"),
        ({"outer": [0], "inner": [2]}, "whole numbers 1 to 32"),
        ({"outer": [1], "inner": [33]}, "whole numbers 1 to 32"),
    ):
        doc["rfid"]["doors"]["D04"] = {"zones": bad}
        with pytest.raises(ConfigError, match=words):
            parse_config(doc, tmp_path)
    with pytest.raises(ConfigError, match="a door's portal's"):
        parse_config({**doc, "rfid": {"zones": zones}}, tmp_path)


def test_a_zoned_door_s_direction_settings_are_taken_within_bounds(tmp_path: Path) -> None:
    """A portal whose reader dwells on each antenna in turn needs a longer span."""
    doc = tomllib.loads(GatewayConfigDoc)
    zones = {"outer": [1, 2], "inner": [3, 4]}
    doc["rfid"]["doors"]["D04"] = {"zones": zones, "span": 1.0, "depth": 4, "linger": 30}
    ways = parse_config(doc, tmp_path).rfid_doors["D04"].ways()
    assert ways is not None and (ways.span, ways.depth, ways.linger, ways.drop) == (
        1.0, 4, 30.0, 6.0,
    )  # fmt: skip
    for bad, words in (
        ({"zones": zones, "span": 0}, "span: a number from 0.05 to 5.0"),
        ({"zones": zones, "depth": 2.5}, "depth: a number from 2 to 20"),
        ({"zones": zones, "drop": "6"}, "drop: a number"),
        ({"zones": zones, "linger": 1}, "linger: a number"),
        ({"span": 1.0}, "only for a door with zones"),
    ):
        doc["rfid"]["doors"]["D04"] = bad
        with pytest.raises(ConfigError, match=words):
            parse_config(doc, tmp_path)


def test_the_floor_pages_are_plain_http_only_on_loopback(tmp_path: Path) -> None:
    doc = tomllib.loads(GatewayConfigDoc)
    for host in ("127.0.0.1", "::1", "localhost"):
        assert not parse_config({**doc, "http": {"host": host}}, tmp_path).tls
    for host in ("0.0.0.0", "10.20.0.2", "::", "depot-lc01.lan"):
        with pytest.raises(ConfigError, match="plain HTTP only on a loopback address"):
            parse_config({**doc, "http": {"host": host}}, tmp_path)
    with pytest.raises(ConfigError, match="go together"):
        parse_config({**doc, "http": {"host": "0.0.0.0", "tls_cert": "gw.pem"}}, tmp_path)
    tls = {"host": "0.0.0.0", "tls_cert": "gw.pem", "tls_key": "gw.key"}
    with pytest.raises(ConfigError, match="no file"):
        parse_config({**doc, "http": tls}, tmp_path)
    (tmp_path / "gw.pem").write_text("chain")
    (tmp_path / "gw.key").write_text("key")
    config = parse_config({**doc, "http": tls}, tmp_path)
    assert config.tls and config.tls_cert == tmp_path / "gw.pem"


GatewayConfigDoc = """
site = "LC01"
database = "gw.sqlite"
[server]
url = "http://central:8000"
token_file = "token"
[rfid]
window = 1.5
rssi_floor = -68
min_reads = 3
[rfid.doors.D03]
rssi_floor = -60
"""
