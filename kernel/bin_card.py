"""The bin card of a stack (标识牌, annex 3 of the measures; art. 12(1): a card by each batch
naming its item, spec, quantity, maker, production and inbound dates): what it says, the
same on the server's A4 sheets, a gateway's PDF printer and a ZPL label printer
(kernel/bin_card_paper.py and gateway/domain/zpl.py draw it).

Its QR code is the batch as a GS1 element string, (01) GTIN (10) batch, GS, (11) production
date, which a floor scanner reads as the stack's goods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

GS = "\x1d"


@dataclass(frozen=True, slots=True)
class BinCard:
    item: str  # 物资品名
    location: str  # 码放位置
    manufacturer: str  # 生产厂家
    spec: str  # 物资规格
    qty: int  # 储位数量
    unit: str
    prod_date: date | None  # 生产日期
    inbound_date: date | None  # 入库日期
    storage_years: int  # 建议储存年限
    keeper: str  # 物资保管员
    code: str  # the QR content: gs1_batch_code
    head: str = ""  # 仓库负责人


def gs1_batch_code(gtin: str | None, batch: str, prod_date: date | None, item: str = "") -> str:
    """What the card's QR says: (01) GTIN, (10) batch, GS, (11) production date; for an item
    with no GTIN in the catalogue, its code and the batch as plain text (no key to give)."""
    if not gtin:
        return f"{item} {batch}".strip()
    code = f"01{gtin.zfill(14)}10{batch}"
    return code + (f"{GS}11{prod_date:%y%m%d}" if prod_date else "")


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def card_rows(card: BinCard) -> list[tuple[str, str]]:
    """The card's rows, (what, value), in annex 3's order."""
    return [
        ("物资品名 Item", card.item),
        ("码放位置 Location", card.location),
        ("生产厂家 Manufacturer", card.manufacturer or "—"),
        ("物资规格 Spec", card.spec or "—"),
        ("储位数量 Quantity", f"{card.qty} {card.unit}"),
        ("生产日期 Produced", _day(card.prod_date)),
        ("入库日期 Inbound", _day(card.inbound_date)),
        ("建议储存年限 Storage years", str(card.storage_years)),
        ("仓库负责人 Depot head", card.head or "—"),
        ("物资保管员 Keeper", card.keeper or "—"),
    ]


TITLE = "市级救灾储备物资标识牌"


def card_to_dict(card: BinCard) -> dict[str, object]:
    """The card as JSON values (dates in ISO form), as a print queue keeps it."""
    values = {name: getattr(card, name) for name in card.__slots__}
    for name in ("prod_date", "inbound_date"):
        values[name] = values[name].isoformat() if values[name] else None
    return values


def card_from_dict(values: dict[str, object]) -> BinCard:
    days = {
        name: date.fromisoformat(str(values[name])) if values.get(name) else None
        for name in ("prod_date", "inbound_date")
    }
    return BinCard(**{**values, **days})  # type: ignore[arg-type]
