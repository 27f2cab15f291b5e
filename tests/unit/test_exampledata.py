"""Unit tests for the deterministic example depot (demo.exampledata)."""

import math
import re
from collections import Counter
from datetime import date, timedelta

import biip
import pytest

from demo.exampledata import (
    CATEGORIES,
    Batch,
    ExampleDepot,
    Item,
    generate,
    gs1_128_label,
    is_valid_gtin,
    make_gtin14,
)
from kernel.gs1 import check_digit

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def depot() -> ExampleDepot:
    return generate()


def _item(depot: ExampleDepot, code: str) -> Item:
    return next(item for item in depot.items if item.code == code)


def _storage_deadline(batch: Batch, item: Item) -> date:
    prod = batch.prod_date
    if (prod.month, prod.day) == (2, 29):
        prod = prod.replace(day=28)
    return prod.replace(year=prod.year + item.storage_years)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


# --- GS1 check digits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("400638133393", "1"),  # GTIN-13 4006381333931
        ("690123456789", "2"),  # GTIN-13 6901234567892, GS1 China
        ("0690123456789", "2"),  # the same as GTIN-14
        ("03600029145", "2"),  # UPC-A 036000291452
        ("9638507", "4"),  # GTIN-8 96385074
        ("10614141234567890", "8"),  # SSCC 106141412345678908
    ],
)
def test_check_digit_of_known_codes(body: str, check: str) -> None:
    assert check_digit(body) == check


@pytest.mark.parametrize("body", ["", "12a4", "69012345678 ", "１２３４５６７", "-12345"])
def test_check_digit_rejects_non_digits(body: str) -> None:
    with pytest.raises(ValueError):
        check_digit(body)


@pytest.mark.parametrize(
    "gtin", ["4006381333931", "6901234567892", "06901234567892", "036000291452", "96385074"]
)
def test_known_gtins_are_valid(gtin: str) -> None:
    assert is_valid_gtin(gtin)


@pytest.mark.parametrize(
    "gtin",
    [
        "4006381333932",  # wrong check digit
        "06901234567891",  # wrong check digit
        "4006381333913",  # two digits swapped
        "400638133393",  # check digit missing
        "123456789",  # no GTIN length
        "",
        "69O1234567892",  # letter O
        "６９０１２３４５６７８９２",  # full-width digits
    ],
)
def test_invalid_gtins_are_rejected(gtin: str) -> None:
    assert not is_valid_gtin(gtin)


def test_make_gtin14() -> None:
    assert make_gtin14("6901234", "56789") == "06901234567892"
    case = make_gtin14("6901234", "56789", indicator="1")
    assert case.startswith("16901234567") and is_valid_gtin(case)
    with pytest.raises(ValueError):
        make_gtin14("6901234", "5678")  # 12 digits only
    with pytest.raises(ValueError):
        make_gtin14("6901234", "56789", indicator="12")
    with pytest.raises(ValueError):
        make_gtin14("690123X", "56789")


# --- GS1-128 labels -----------------------------------------------------------------------


def test_label_bytes() -> None:
    label = gs1_128_label("06901234567892", "2021A07", date(2021, 3, 15), 120)
    assert label == b"]C10106901234567892102021A07\x1d1121031530120"


def test_label_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        gs1_128_label("06901234567891", "2021A07", date(2021, 3, 15), 1)
    with pytest.raises(ValueError):
        gs1_128_label("06901234567892", "", date(2021, 3, 15), 1)
    with pytest.raises(ValueError):
        gs1_128_label("06901234567892", "X" * 21, date(2021, 3, 15), 1)
    with pytest.raises(ValueError):
        gs1_128_label("06901234567892", "2021A07", date(2021, 3, 15), 100_000_000)


def test_label_round_trip_through_biip(depot: ExampleDepot) -> None:
    first_batch: dict[str, Batch] = {}
    for batch in depot.batches:
        first_batch.setdefault(batch.item_code, batch)
    assert len(first_batch) == len(depot.items)
    for item in depot.items:
        batch = first_batch[item.code]
        label = gs1_128_label(item.gtin, batch.batch_no, batch.prod_date, batch.quantity)
        result = biip.parse(label.decode())
        assert result.gtin is not None and result.gtin.value == item.gtin
        assert result.gs1_message is not None
        strings = result.gs1_message.element_strings
        gtin, lot = strings.get(ai="01"), strings.get(ai="10")
        prod, count = strings.get(ai="11"), strings.get(ai="30")
        assert gtin is not None and gtin.value == item.gtin
        assert lot is not None and lot.value == batch.batch_no
        assert prod is not None and prod.date == batch.prod_date
        assert count is not None and int(count.value) == batch.quantity


# --- generate(): determinism and catalogue ------------------------------------------------


def test_same_seed_gives_same_depot(depot: ExampleDepot) -> None:
    assert generate(seed=2026) == depot
    assert generate(today=TODAY) == depot  # the default `today` is fixed, not the clock


def test_different_seed_gives_different_batches(depot: ExampleDepot) -> None:
    other = generate(seed=7)
    assert other.batches != depot.batches
    assert other.items == depot.items  # the catalogue (and its GTINs) does not depend on the seed


def test_items_have_valid_unique_china_gtins(depot: ExampleDepot) -> None:
    gtins = [item.gtin for item in depot.items]
    assert all(len(g) == 14 and is_valid_gtin(g) for g in gtins)
    assert all(690 <= int(g[1:4]) <= 699 for g in gtins)
    assert len(set(gtins)) == len(gtins)
    assert len({item.code for item in depot.items}) == len(depot.items)


def test_item_by_gtin(depot: ExampleDepot) -> None:
    for item in depot.items:
        assert depot.item_by_gtin(item.gtin) is item
        assert depot.item_by_gtin(item.gtin.lstrip("0")) is item  # GTIN-13 form
    with pytest.raises(KeyError):
        depot.item_by_gtin("06901234567892")


def test_all_five_categories_present(depot: ExampleDepot) -> None:
    codes = {c.code for c in CATEGORIES}
    assert codes == {"shelter", "bedding", "toiletry", "clothing", "gear"}
    assert depot.categories == CATEGORIES
    assert Counter(item.category for item in depot.items) == dict.fromkeys(codes, 4)
    reusable = {c.code: c.reusable for c in CATEGORIES}
    assert {code for code, r in reusable.items() if r} == {"shelter", "gear"}
    assert all(item.reusable == reusable[item.category] for item in depot.items)


def test_catalogue_holds_common_relief_goods(depot: ExampleDepot) -> None:
    names = {item.name_zh for item in depot.items}
    expected = "单帐篷 棉帐篷 折叠床 棉被 毛毯 棉大衣 雨衣 洗漱包 毛巾 应急灯 睡袋 防潮垫 救生衣"
    assert set(expected.split()) <= names
    tent = next(item for item in depot.items if item.name_zh == "单帐篷")
    assert (tent.unit_zh, tent.storage_years, tent.category) == ("顶", 8, "shelter")
    assert 50_000 <= tent.unit_price_cents <= 500_000
    assert all(item.name_en and item.spec and item.unit_en for item in depot.items)


def test_items_per_category() -> None:
    small = generate(items_per_category=2, batches_per_warehouse=30)
    assert len(small.items) == 10
    assert {b.item_code for b in small.batches} <= {i.code for i in small.items}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"years": 0},
        {"batches_per_warehouse": 0},
        {"items_per_category": 0},
        {"items_per_category": 99},
    ],
)
def test_generate_rejects_bad_arguments(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        generate(**kwargs)  # type: ignore[arg-type]


# --- warehouses and locations -------------------------------------------------------------


def test_two_warehouses(depot: ExampleDepot) -> None:
    lc01, lc02 = depot.warehouses
    assert (lc01.code, lc01.level, lc01.kind) == ("LC01", "city", "depot")
    assert (lc02.code, lc02.level, lc02.kind) == ("LC02", "county", "agency")
    for w in depot.warehouses:
        assert 18 < w.lat < 54 and 73 < w.lon < 135  # inside China
    assert 30 <= _distance_km(lc01.lat, lc01.lon, lc02.lat, lc02.lon) <= 80


def test_locations_per_warehouse(depot: ExampleDepot) -> None:
    assert len(depot.locations) == sum(len(depot.locations_of(w.code)) for w in depot.warehouses)
    for w in depot.warehouses:
        locs = depot.locations_of(w.code)
        orders = [loc.walk_order for loc in locs]
        assert len(set(orders)) == len(orders)
        assert orders == sorted(orders)
        assert len({loc.code for loc in locs}) == len(locs)
        docks = [loc.code for loc in locs if loc.kind == "dock"]
        assert 2 <= len(docks) <= 4 and docks[0] == "D01"
        storage = [loc for loc in locs if loc.kind == "storage"]
        assert all(re.fullmatch(r"[A-Z]-\d{2}-\d{2}", loc.code) for loc in storage)
        assert all(loc.code.startswith(loc.zone + "-") for loc in storage)
        assert {loc.zone for loc in storage} >= {"A", "B"}
        assert len(storage) >= 120
    assert depot.locations_of("LC99") == ()


# --- batches ------------------------------------------------------------------------------


def test_batch_counts_and_pairs(depot: ExampleDepot) -> None:
    assert Counter(b.warehouse for b in depot.batches) == {"LC01": 120, "LC02": 120}
    pairs = [(b.item_code, b.batch_no) for b in depot.batches]
    assert len(set(pairs)) == len(pairs)
    for b in depot.batches:
        assert re.fullmatch(r"\d{4}[A-M]\d{2,}", b.batch_no)
        assert b.batch_no.startswith(str(b.prod_date.year))
        assert b.manufacturer.endswith(("公司", "厂"))
        assert b.unit_price_cents > 0 and b.quantity > 0


def test_batch_dates(depot: ExampleDepot) -> None:
    start = date(2020, 11, 1)
    for b in depot.batches:
        assert 1 <= (b.inbound_date - b.prod_date).days <= 120
        assert start <= b.inbound_date <= TODAY
    years = {b.inbound_date.year for b in depot.batches}
    assert years == set(range(2020, 2027))  # every calendar year of the six-year window


def test_batch_dates_follow_years_and_today() -> None:
    depot = generate(today=date(2024, 3, 1), years=3, batches_per_warehouse=50)
    inbound = [b.inbound_date for b in depot.batches]
    assert min(inbound) >= date(2021, 3, 1) and max(inbound) <= date(2024, 3, 1)
    assert max(inbound) - min(inbound) > timedelta(days=2 * 365)


def test_batch_locations_are_storage_of_their_warehouse(depot: ExampleDepot) -> None:
    storage = {(loc.warehouse, loc.code) for loc in depot.locations if loc.kind == "storage"}
    slots = [(b.warehouse, b.location) for b in depot.batches]
    assert set(slots) <= storage
    assert len(set(slots)) == len(slots)  # one batch per storage slot


def test_some_batches_are_overdue(depot: ExampleDepot) -> None:
    overdue = [b for b in depot.batches if _storage_deadline(b, _item(depot, b.item_code)) < TODAY]
    assert 0 < len(overdue) < len(depot.batches)
    assert "toiletry" in {_item(depot, b.item_code).category for b in overdue}


def test_large_depot() -> None:
    big = generate(batches_per_warehouse=25_000)
    assert len(big.batches) == 50_000
    assert len({(b.item_code, b.batch_no) for b in big.batches}) == 50_000
    storage = {(loc.warehouse, loc.code) for loc in big.locations if loc.kind == "storage"}
    assert all((b.warehouse, b.location) in storage for b in big.batches)
    for w in big.warehouses:
        orders = [loc.walk_order for loc in big.locations_of(w.code)]
        assert len(set(orders)) == len(orders)


def test_places_of_mianyang_with_roads_from_the_depots(depot: ExampleDepot) -> None:
    codes = [p.code for p in depot.places]
    assert len(codes) == len(set(codes)) >= 9
    for p in depot.places:  # inside Mianyang prefecture
        assert 30.9 < p.lat < 32.9 and 103.7 < p.lon < 105.7, p
    warehouses = {w.code for w in depot.warehouses}
    pairs = [(r.warehouse, r.place) for r in depot.roads]
    assert len(pairs) == len(set(pairs))
    assert {w for w, _ in pairs} <= warehouses and {p for _, p in pairs} <= set(codes)
    assert all(r.km > 0 for r in depot.roads)
