"""Deterministic example depot for the demo and the benchmarks.

`generate()` builds two warehouses of a municipal disaster-relief material reserve (a city-level
own depot and a county-level agency storage point), the five material categories, a catalogue of
real relief goods with valid GS1 GTINs (China prefixes 690-699) and their national classes
(GB/T 38565, demo.material_codes), dock and storage locations in
walking order, and batches inbound over several years. Some batches are deliberately past their
suggested storage life so that overdue-stock views have something to show.

The same `seed` and `today` always give the same depot. It stands on the catalogue's
categories (server.domain.catalogue) and the GS1 check digit (kernel.gs1).
"""

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

# The catalogue's categories and the GS1 rules, where the generator's users (the demo, the
# tests of every part) find them; each is written once, in the module named here.
from demo.examplecontracts import Contract, agency_contracts
from demo.exampleplaces import PLACES, ROADS, Place, Road
from demo.material_codes import NATIONAL_CODES
from kernel.gs1 import check_digit
from kernel.gs1 import is_valid_gtin as is_valid_gtin
from server.domain.catalogue import CATEGORIES as CATEGORIES
from server.domain.catalogue import Category as Category

gs1_check_digit = check_digit  # the name the stations' tests have always imported


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name_zh: str
    name_en: str
    spec: str
    unit_zh: str
    unit_en: str
    category: str
    reusable: bool
    storage_years: int
    gtin: str
    unit_price_cents: int
    national_code: str | None = None  # GB/T 38565 class (demo.material_codes)


@dataclass(frozen=True, slots=True)
class Warehouse:
    code: str
    name_zh: str
    name_en: str
    level: str
    kind: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Location:
    warehouse: str
    code: str
    zone: str
    walk_order: int
    kind: str


@dataclass(frozen=True, slots=True)
class Batch:
    warehouse: str
    item_code: str
    batch_no: str
    manufacturer: str
    prod_date: date
    inbound_date: date
    unit_price_cents: int
    quantity: int
    location: str
    owner_level: str = "city"  # the level of government that owns it (art. 17)


@dataclass(frozen=True, slots=True)
class ExampleDepot:
    warehouses: tuple[Warehouse, ...]
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    locations: tuple[Location, ...]
    batches: tuple[Batch, ...]
    places: tuple[Place, ...] = PLACES  # the city's places (demo.exampleplaces)
    roads: tuple[Road, ...] = ROADS  # road distances from the depots to some of them
    contracts: tuple[Contract, ...] = ()

    def item_by_gtin(self, gtin: str) -> Item:
        """The item with this GTIN; a GTIN-8/12/13 is accepted in its 14-digit form too."""
        wanted = gtin.zfill(14)
        for item in self.items:
            if item.gtin == wanted:
                return item
        raise KeyError(gtin)

    def locations_of(self, warehouse: str) -> tuple[Location, ...]:
        """The locations of one warehouse, in walking order."""
        return tuple(loc for loc in self.locations if loc.warehouse == warehouse)


class _Product(NamedTuple):
    name_zh: str
    name_en: str
    spec: str
    unit_zh: str
    unit_en: str
    storage_years: int
    price_yuan: int
    lot: int  # typical quantity of one procurement batch


# Per category: item-code prefix, GS1 company prefix of the main supplier, products in the
# order they are taken (the first four are the goods every reserve holds).
_CATALOGUE: dict[str, tuple[str, str, tuple[_Product, ...]]] = {
    "shelter": ("ZS", "6921734", (
        _Product("单帐篷", "Single-roof tent", "12㎡ 单帐篷 / 12 m² single-roof tent",
                 "顶", "tent", 8, 1280, 200),
        _Product("棉帐篷", "Padded winter tent", "12㎡ 棉帐篷 / 12 m² cotton-padded winter tent",
                 "顶", "tent", 8, 2650, 150),
        _Product("框架式帐篷", "Frame tent", "36㎡ 钢架 / 36 m² steel-frame tent",
                 "顶", "tent", 8, 5800, 60),
        _Product("充气帐篷", "Inflatable tent", "32㎡ 充气式 / 32 m² inflatable tent",
                 "顶", "tent", 8, 7200, 30),
        _Product("篷布", "Tarpaulin", "4×6 m PE 涂层 / 4×6 m PE-coated tarpaulin",
                 "张", "sheet", 8, 95, 1000),
    )),
    "bedding": ("CQ", "6935208", (
        _Product("折叠床", "Folding bed", "190×70 cm 钢管 / 190×70 cm steel-tube folding bed",
                 "张", "piece", 10, 268, 500),
        _Product("棉被", "Cotton quilt", "200×150 cm 3 kg / 200×150 cm 3 kg cotton quilt",
                 "床", "piece", 5, 185, 1000),
        _Product("毛毯", "Blanket", "200×150 cm 腈纶 / 200×150 cm acrylic blanket",
                 "床", "piece", 5, 118, 1000),
        _Product("毛巾被", "Towelling quilt", "200×150 cm 纯棉 / 200×150 cm cotton towelling",
                 "床", "piece", 5, 72, 800),
        _Product("床垫", "Mattress", "190×70×5 cm 海绵 / 190×70×5 cm foam mattress",
                 "张", "piece", 5, 96, 500),
    )),
    "toiletry": ("GX", "6947316", (
        _Product("洗漱包", "Toiletry kit", "牙刷 牙膏 香皂 梳子 / toothbrush, paste, soap, comb",
                 "套", "set", 3, 36, 2000),
        _Product("毛巾", "Towel", "70×34 cm 纯棉 / 70×34 cm cotton towel",
                 "条", "piece", 3, 9, 5000),
        _Product("脸盆", "Washbasin", "32 cm 塑料 / 32 cm plastic washbasin",
                 "个", "piece", 3, 12, 2000),
        _Product("香皂", "Soap", "100 g / 100 g bar soap", "块", "bar", 3, 4, 5000),
        _Product("卫生巾包", "Sanitary kit", "日用+夜用 20 片 / 20 pads, day and night",
                 "包", "pack", 3, 26, 1000),
    )),
    "clothing": ("FZ", "6952841", (
        _Product("棉大衣", "Padded overcoat", "军绿 170/88A / army green, size 170/88A",
                 "件", "piece", 5, 238, 800),
        _Product("雨衣", "Raincoat", "分体式 XL / two-piece, size XL", "件", "piece", 5, 38, 1500),
        _Product("棉衣裤", "Padded winter suit", "175/92A 棉衣+棉裤 / jacket and trousers",
                 "套", "set", 5, 265, 600),
        _Product("雨靴", "Rain boots", "PVC 42 码 / PVC, EU size 42", "双", "pair", 5, 46, 1000),
        _Product("棉鞋", "Padded shoes", "41 码 / EU size 41", "双", "pair", 5, 58, 1000),
    )),
    "gear": ("ZJ", "6970469", (
        _Product("应急灯", "Emergency lamp", "LED 10 W 充电式 / 10 W rechargeable LED",
                 "盏", "piece", 8, 88, 500),
        _Product("救生衣", "Life jacket", "成人 浮力≥75 N / adult, buoyancy ≥75 N",
                 "件", "piece", 8, 85, 500),
        _Product("睡袋", "Sleeping bag", "信封式 -5℃ / envelope type, comfort -5 °C",
                 "个", "piece", 6, 158, 500),
        _Product("防潮垫", "Moisture-proof mat", "180×60 cm 铝膜 / 180×60 cm foil-faced mat",
                 "张", "piece", 8, 42, 1000),
        _Product("便携式发电机", "Portable generator", "3 kW 汽油 / 3 kW petrol",
                 "台", "unit", 8, 4280, 10),
    )),
}  # fmt: skip

_MANUFACTURERS: dict[str, tuple[str, ...]] = {
    "shelter": ("浙江恒远帐篷有限公司", "江苏华盾户外用品有限公司", "河北安泰篷业有限公司"),
    "bedding": ("南通锦华家纺有限公司", "山东鲁康被服有限公司", "天津北辰钢木家具厂"),
    "toiletry": ("广州洁雅日化有限公司", "河北瑞丰毛巾厂", "浙江清源塑料制品有限公司"),
    "clothing": ("湖北汉江被装有限公司", "江西赣新服装有限公司", "福建晋安鞋业有限公司"),
    "gear": ("深圳光安照明科技有限公司", "宁波海星救生设备有限公司", "重庆渝安动力机械有限公司"),
}

# (warehouse, number of docks). Mianyang city and Zitong county, Sichuan, about 45 km apart.
# Every fifth batch at the city depot is the province's reserve it keeps (art. 17).
_WAREHOUSES: tuple[tuple[Warehouse, int], ...] = (
    (Warehouse("LC01", "绵阳市救灾物资储备库", "Mianyang Municipal Relief Material Depot",
               "city", "depot", 31.4452, 104.7418), 4),
    (Warehouse("LC02", "梓潼县救灾物资代储点", "Zitong County Relief Material Agency Store",
               "county", "agency", 31.6423, 105.1575), 2),
)  # fmt: skip

_MONTH_LETTERS = "ABCDEFGHJKLM"  # batch numbers skip I, which reads like 1
_SPARE_STORAGE = 1.15  # storage locations per batch, so that some slots stay empty


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def make_gtin14(company_prefix: str, item_reference: str, indicator: str = "0") -> str:
    """GTIN-14: indicator, company prefix and item reference (13 digits together), check digit."""
    body = indicator + company_prefix + item_reference
    if len(indicator) != 1 or len(body) != 13 or not _is_digits(body):
        raise ValueError(f"need 1 indicator digit and 12 prefix+reference digits: {body!r}")
    return body + check_digit(body)


def gs1_128_label(gtin: str, batch: str, prod_date: date, quantity: int) -> bytes:
    """What a serial scanner sends for a GS1-128 label (AIs 01, 10, 11, 30), without framing."""
    if not is_valid_gtin(gtin):
        raise ValueError(f"invalid GTIN: {gtin!r}")
    if not 1 <= len(batch) <= 20 or not batch.isascii() or not batch.isprintable():
        raise ValueError(f"batch must be 1-20 printable ASCII characters: {batch!r}")
    if not 0 <= quantity <= 99_999_999:
        raise ValueError(f"count must have at most 8 digits: {quantity}")
    text = f"]C101{gtin.zfill(14)}10{batch}\x1d11{prod_date:%y%m%d}30{quantity}"
    return text.encode("ascii")


def _catalogue(items_per_category: int) -> list[tuple[Item, _Product]]:
    """The first `items_per_category` products of each category as items with their GTINs."""
    result: list[tuple[Item, _Product]] = []
    for category in CATEGORIES:
        code_prefix, company_prefix, products = _CATALOGUE[category.code]
        for n, p in enumerate(products[:items_per_category], start=1):
            item_reference = f"{n * 137 + 10_000:05d}"
            item = Item(
                code=f"{code_prefix}-{n:04d}", name_zh=p.name_zh, name_en=p.name_en,
                spec=p.spec, unit_zh=p.unit_zh, unit_en=p.unit_en, category=category.code,
                reusable=category.reusable, storage_years=p.storage_years,
                gtin=make_gtin14(company_prefix, item_reference),
                unit_price_cents=p.price_yuan * 100, national_code=NATIONAL_CODES[p.name_en],
            )  # fmt: skip
            result.append((item, p))
    return result


def _storage_grid(needed: int) -> tuple[int, int, int]:
    """(zones, rows per zone, slots per row) giving at least `needed` storage slots."""
    zones = min(26, max(2, math.ceil(needed / 150)))
    per_zone = math.ceil(needed / zones)
    slots = min(99, max(6, math.ceil(math.sqrt(per_zone))))
    return zones, math.ceil(per_zone / slots), slots


def _locations(warehouse: str, docks: int, batches: int) -> list[Location]:
    """Docks first, then storage walked zone by zone, row by row, serpentine along the slots."""
    result = [Location(warehouse, f"D{n:02d}", "DOCK", n, "dock") for n in range(1, docks + 1)]
    zones, rows, slots = _storage_grid(math.ceil(batches * _SPARE_STORAGE))
    for zone in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:zones]:
        for row in range(1, rows + 1):
            order = range(1, slots + 1) if row % 2 else range(slots, 0, -1)
            for slot in order:
                code = f"{zone}-{row:02d}-{slot:02d}"
                result.append(Location(warehouse, code, zone, len(result) + 1, "storage"))
    return result


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _inbound_dates(rng: random.Random, start: date, end: date, count: int) -> Iterator[date]:
    """`count` increasing dates in [start, end], one in each of `count` equal strata."""
    span = (end - start).days
    for i in range(count):
        yield start + timedelta(days=int((i + rng.random()) * span / count))


def _batch_no(prod_date: date, seq: int) -> str:
    """Production year, month letter, sequence within the month: '2021A07'."""
    return f"{prod_date.year}{_MONTH_LETTERS[prod_date.month - 1]}{seq:02d}"


def _batch_price(rng: random.Random, base_cents: int, inbound: date, today: date) -> int:
    """The item price deflated about 2.5% a year back from `today`, ±5%, rounded to 10 fen."""
    years_ago = (today - inbound).days / 365.25
    factor = (1 - 0.025 * years_ago) * rng.uniform(0.95, 1.05)
    return max(10, round(base_cents * factor / 10) * 10)


def _quantity(rng: random.Random, lot: int) -> int:
    """A procurement quantity between a fifth of the usual lot and the whole lot."""
    quantity = lot * rng.uniform(0.2, 1.0)
    return max(1, round(quantity / 10) * 10 if lot >= 100 else round(quantity))


def _batches(
    rng: random.Random,
    warehouse: str,
    storage: Sequence[Location],
    catalogue: Sequence[tuple[Item, _Product]],
    count: int,
    start: date,
    today: date,
    sequences: dict[tuple[str, int, int], int],
) -> list[Batch]:
    """`count` batches inbound between `start` and `today`, each in its own storage slot.

    `sequences` holds the last batch sequence per (item, production year, month) and is
    shared between warehouses so that (item_code, batch_no) is unique across the depot.
    """
    slots = rng.sample(list(storage), count)
    result = []
    held = next(w for w, _ in _WAREHOUSES if w.code == warehouse)
    level = "city" if held.kind == "agency" else held.level  # an agency point keeps the city's
    dates = _inbound_dates(rng, start, today, count)
    for n, (inbound, slot) in enumerate(zip(dates, slots, strict=True)):
        item, product = rng.choice(catalogue)
        prod_date = inbound - timedelta(days=rng.randint(1, 120))
        key = (item.code, prod_date.year, prod_date.month)
        seq = sequences.get(key, rng.randint(0, 30)) + 1
        sequences[key] = seq
        batch = Batch(
            warehouse=warehouse, item_code=item.code, batch_no=_batch_no(prod_date, seq),
            manufacturer=rng.choice(_MANUFACTURERS[item.category]),
            prod_date=prod_date, inbound_date=inbound,
            unit_price_cents=_batch_price(rng, item.unit_price_cents, inbound, today),
            quantity=_quantity(rng, product.lot), location=slot.code,
            owner_level="province" if level == "city" and n % 5 == 4 else level,
        )  # fmt: skip
        result.append(batch)
    return result


def generate(
    *,
    seed: int = 2026,
    today: date | None = None,
    years: int = 6,
    batches_per_warehouse: int = 120,
    items_per_category: int = 4,
) -> ExampleDepot:
    """The example depot for `seed`, with batches inbound over the `years` years up to `today`.

    `today` defaults to 2026-11-01 so that the output does not depend on the clock. With
    `years` above the shortest storage life (3 years, toiletries) some batches are overdue.
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    if batches_per_warehouse < 1:
        raise ValueError("batches_per_warehouse must be at least 1")
    if not 1 <= items_per_category <= 5:
        raise ValueError("items_per_category must be between 1 and 5")
    today = today or date(2026, 11, 1)
    start = _years_before(today, years)
    rng = random.Random(seed)  # noqa: S311
    catalogue = _catalogue(items_per_category)
    sequences: dict[tuple[str, int, int], int] = {}
    locations: list[Location] = []
    batches: list[Batch] = []
    for warehouse, docks in _WAREHOUSES:
        here = _locations(warehouse.code, docks, batches_per_warehouse)
        storage = [loc for loc in here if loc.kind == "storage"]
        locations += here
        batches += _batches(
            rng, warehouse.code, storage, catalogue, batches_per_warehouse, start, today, sequences
        )
    return ExampleDepot(
        contracts=tuple(
            agency_contracts(batches, [w.code for w, _ in _WAREHOUSES if w.kind == "agency"], today)
        ),
        warehouses=tuple(w for w, _ in _WAREHOUSES),
        categories=CATEGORIES,
        items=tuple(item for item, _ in catalogue),
        locations=tuple(locations),
        batches=tuple(batches),
    )
