"""GS1 logistic labels: the SSCC of a unit, its GS1-128 element strings, the EPC its tag carries
(pure functions over frozen dataclasses; no IO, no clock).

A label carries two GS1-128 symbols, each under the 48 characters one symbol may hold, each
narrow enough for a 4-inch label, and each with a key, so that a station decoding either alone
knows the unit (a batch too long for the content symbol gets a third, under the GTIN again):

    content  (02) GTIN of the goods, (37) count, FNC1, (10) batch   (or (01) GTIN, (21) serial,
             FNC1, (10) batch for a unit that is itself the trade item, counted by item)
    unit     (00) SSCC, (11) production date, (17) expiry           (fixed lengths: no FNC1)

The EPC to encode is the SSCC-96 of the SSCC (the depot's own company prefix), or, where units
are counted by item, the SGTIN-96 of the item's GTIN and serial (EPC Tag Data Standard,
epcpy). An item's serial is its own (its supplier's label's (21)); an item of a GTIN under the
depot's own prefix without one gets the depot's (`depot_item_serial`); the depot numbers no
other owner's items (GS1: the brand owner gives serials). SGTIN-96 goes on the tag only where
it holds the serial and the GTIN's company prefix is known (the depot's, or a supplier's it
names); otherwise the tag carries the unit's SSCC-96 (docs/gateway.md, Counted by item).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue
from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue
from epcpy.utils.parsers import hex_to_tag_encodable

from gateway.domain.errors import FloorError
from kernel import bounds
from kernel.gs1 import check_digit, is_valid_gtin

GS = "\x1d"  # FNC1 as a separator in an element string (what a scanner transmits)
MAX_SYMBOL = 48  # data characters of one GS1-128 symbol, separators included
MAX_MODULES = 380  # a symbol 2 dots a module wide on a 4-inch label at 203 dpi, quiet zones apart
MAX_BATCH = 20  # AI (10)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # what YYMMDD names unambiguously
MAX_SGTIN_SERIAL = 2**38 - 1  # SGTIN-96: a numeric serial of 38 bits
# GS1's character set 82 (General Specifications 7.11), less the parentheses that mark an AI
# in the human-readable form and in ZPL's GS1 mode: what a batch may hold.
_BATCH = re.compile(r"[!\"%&'*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_SERIAL = _BATCH  # AI (21): the same characters and length


class LabelRefused(FloorError):
    """A label the rules cannot make: `reason` is a stable code, `zh` and `en` say why."""

    def __init__(self, reason: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.reason = reason


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def serial_capacity(company_prefix: str) -> int:
    """How many serials an SSCC under this prefix can number (16 - prefix length digits)."""
    return int(10 ** (16 - len(company_prefix)))


def sscc(company_prefix: str, extension: int, serial: int) -> str:
    """The 18-digit SSCC: extension digit, company prefix, serial reference, check digit."""
    if not _digits(company_prefix) or not 6 <= len(company_prefix) <= 12:
        raise LabelRefused(
            "company_prefix",
            f"GS1 厂商识别代码须为 6 至 12 位数字：{company_prefix!r}",
            f"a GS1 company prefix is 6 to 12 digits: {company_prefix!r}",
        )
    if not 0 <= extension <= 9:
        raise LabelRefused(
            "extension",
            f"扩展位须为 0 至 9：{extension}",
            f"the extension digit is 0..9: {extension}",
        )
    capacity = serial_capacity(company_prefix)
    if not 0 <= serial < capacity:
        raise LabelRefused(
            "serial_capacity",
            f"系列号 {serial} 超出范围（0 至 {capacity - 1}）",
            f"serial {serial} is beyond what the prefix can number (0..{capacity - 1})",
        )
    body = f"{extension}{company_prefix}{serial:0{16 - len(company_prefix)}d}"
    return body + check_digit(body)


def is_valid_sscc(code: str) -> bool:
    return len(code) == 18 and _digits(code) and check_digit(code[:-1]) == code[-1]


@dataclass(frozen=True, slots=True)
class LogisticLabel:
    """One unit's label: what it says, in both languages, and what its tag carries."""

    sscc: str
    gtin: str
    batch: str
    qty: int
    item_zh: str
    item_en: str = ""
    unit_zh: str = "件"
    unit_en: str = "pcs"
    prod_date: date | None = None
    expiry: date | None = None
    depot: str = ""
    door: str = ""  # the door or station whose printer prints it
    trade_item: bool = False  # the unit is itself the trade item: (01), no (37)
    serial: str | None = None  # a trade item's serial, (21)
    epc_hex: str | None = None  # the EPC to encode where the printer has an encoder

    def __post_init__(self) -> None:
        if not is_valid_sscc(self.sscc):
            _refuse("sscc", "SSCC 无效", f"not a valid SSCC: {self.sscc!r}")
        if not is_valid_gtin(self.gtin):
            _refuse("gtin", "GTIN 无效", f"not a valid GTIN: {self.gtin!r}")
        if not _BATCH.fullmatch(self.batch):
            _refuse(
                "batch", "批号须为 1 至 20 个字符", f"a batch is 1..20 characters: {self.batch!r}"
            )
        if not 1 <= self.qty <= bounds.MAX_QTY:
            _refuse("qty", f"数量超出范围：{self.qty}", f"quantity out of range: {self.qty}")
        for text in (self.item_zh, self.item_en, self.unit_zh, self.unit_en, self.depot, self.door):
            if len(text) > bounds.MAX_TEXT or any(c in text for c in "^~\x00\n\r"):
                _refuse("text", f"标签文字无效：{text!r}", f"label text refused: {text!r}")
        if not self.item_zh:
            _refuse("item", "缺少物资品名", "the item's name is missing")
        for day in (self.prod_date, self.expiry):  # (11), (17): YYMMDD, this century's
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                _refuse("date", "日期须在 2000 至 2099 年间", f"a label's date is 2000-2099: {day}")
        if self.serial is not None and not _SERIAL.fullmatch(self.serial):
            _refuse(
                "serial",
                "序列号须为 1 至 20 个字符",
                f"a serial is 1..20 characters: {self.serial!r}",
            )
        if self.epc_hex is not None and not re.fullmatch(r"(?:[0-9A-F]{4}){1,16}", self.epc_hex):
            _refuse(
                "epc", "EPC 须为大写十六进制", f"an EPC is upper-case hex words: {self.epc_hex!r}"
            )

    @property
    def gtin14(self) -> str:
        return self.gtin.zfill(14)


def _refuse(reason: str, zh: str, en: str) -> None:
    raise LabelRefused(reason, zh, en)


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def day_text(value: date | None) -> str:
    return value.isoformat() if value else "—"


def text_block(label: LogisticLabel) -> list[tuple[int, str]]:
    """The label's human-readable lines, (size in points, text), top down: the same on the
    ZPL and the PDF label."""
    qty = f"{label.qty} {label.unit_zh} {label.unit_en}".strip()
    return [
        (22, label.item_zh),
        (13, label.item_en),
        (10, f"{label.depot} {label.door}".strip()),
        (
            11,
            f"GTIN 商品代码 {label.gtin14}" + (f"  序列号 {label.serial}" if label.serial else ""),
        ),
        (11, f"批号 Batch {label.batch}"),
        (11, f"数量 Qty {qty}"),
        (11, f"生产日期 Produced {day_text(label.prod_date)}"),
        (11, f"有效期至 Expiry {day_text(label.expiry)}"),
        (11, f"SSCC 物流单元代码 {label.sscc}"),
    ]


def elements(label: LogisticLabel) -> list[list[tuple[str, str]]]:
    """The (AI, value) pairs of each symbol: content first, then the unit's SSCC. A batch that
    would make the content symbol wider than a label gets a symbol of its own, under the
    GTIN again, so that every symbol carries a key."""
    key = ("01", label.gtin14) if label.trade_item else ("02", label.gtin14)
    serial = [("21", label.serial)] if label.trade_item and label.serial else []
    count = serial if label.trade_item else [("37", str(label.qty))]
    content = [key, *count, ("10", label.batch)]
    unit = [("00", label.sscc)]
    if label.prod_date is not None:
        unit.append(("11", _yymmdd(label.prod_date)))
    if label.expiry is not None:
        unit.append(("17", _yymmdd(label.expiry)))
    if _fits(content):
        return [content, unit]
    split = [[key, *count], [key, ("10", label.batch)], unit]
    if not all(_fits(pairs) for pairs in split):
        _refuse("too_long", "条码内容过长", "a symbol of this label would not fit the label")
    return split


def _fits(pairs: list[tuple[str, str]]) -> bool:
    """Whether one symbol holds these pairs, in characters and in width."""
    text = "".join(ai + value for ai, value in pairs) + GS * (len(pairs) - 1)
    return len(text) <= MAX_SYMBOL and code128_modules(element_string(pairs)) <= MAX_MODULES


def code128_modules(text: str) -> int:
    """The width of a GS1-128 symbol of `text` (GS for FNC1), in modules, quiet zones left
    out: runs of four digits or more in subset C, the rest in B (what printers do, near
    enough to tell whether a symbol fits a label)."""
    chars = 1  # FNC1 after the start character
    for run in re.findall(r"\d+|[^\d]+", text):
        if run[0].isdigit() and len(run) >= 4:
            chars += len(run) // 2 + len(run) % 2 + 1  # the pairs, an odd digit, a shift
        else:
            chars += len(run) + 1
    return 11 * (chars + 2) + 2  # start and check characters, the stop's 13 modules


FIXED = {"00": 18, "01": 14, "02": 14, "11": 6, "17": 6}


def element_string(pairs: list[tuple[str, str]]) -> str:
    """The element string a scanner transmits: FNC1 (GS) after every variable-length field
    that is not the last."""
    out = []
    for index, (ai, value) in enumerate(pairs):
        out.append(ai + value)
        if ai not in FIXED and index < len(pairs) - 1:
            out.append(GS)
    text = "".join(out)
    if len(text) > MAX_SYMBOL:
        _refuse("too_long", "条码内容过长", f"a GS1-128 symbol holds {MAX_SYMBOL} characters")
    return text


def human_readable(pairs: list[tuple[str, str]]) -> str:
    """The human-readable interpretation: '(02)06901234567892(37)40(10)LOT1'."""
    return "".join(f"({ai}){value}" for ai, value in pairs)


def symbols(label: LogisticLabel) -> list[str]:
    """The element strings of the label's GS1-128 symbols (content, unit)."""
    return [element_string(pairs) for pairs in elements(label)]


# -- EPCs --------------------------------------------------------------------------------------


def sscc_epc(code: str, company_prefix: str) -> str:
    """The SSCC-96 EPC (hex) of an SSCC under the depot's company prefix (filter: unit load)."""
    if not is_valid_sscc(code) or code[1 : 1 + len(company_prefix)] != company_prefix:
        _refuse(
            "epc", "SSCC 与厂商识别代码不符", f"SSCC {code} is not under prefix {company_prefix}"
        )
    tag = SSCC.from_gs1_element_string(f"(00){code}", len(company_prefix))
    return str(tag.hex(filter_value=SSCCFilterValue.UNIT_LOAD)).upper()


def sgtin_epc(gtin: str, serial: int, company_prefix_length: int) -> str:
    """The SGTIN-96 EPC (hex) of one item: its GTIN and a numeric serial (filter: full case)."""
    if not is_valid_gtin(gtin) or not 6 <= company_prefix_length <= 12:
        _refuse("epc", "GTIN 无效", f"not a valid GTIN or prefix length: {gtin!r}")
    if not 0 <= serial <= MAX_SGTIN_SERIAL:
        _refuse("epc", "序列号超出 SGTIN-96 范围", f"serial {serial} does not fit SGTIN-96")
    tag = SGTIN.from_gs1_element_string(f"(01){gtin.zfill(14)}(21){serial}", company_prefix_length)
    coded = tag.hex(
        filter_value=SGTINFilterValue.FULL_CASE,
        binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
    )
    return str(coded).upper()


def epc_uri(epc_hex: str) -> str:
    """The pure-identity URI of an encoded EPC (urn:epc:id:sscc:...), as a station reports
    the tag when it reads it and as the book knows tagged units."""
    try:
        return str(hex_to_tag_encodable(epc_hex.upper()).epc_uri)
    except Exception as exc:  # epcpy raises several kinds for unknown headers and partitions
        raise LabelRefused("epc", "无法识别的 EPC", f"not an EPC: {exc}") from exc


@dataclass(frozen=True, slots=True)
class EpcKey:
    """What an encoded EPC names: an SSCC, or a GTIN and serial."""

    sscc: str | None = None
    gtin: str | None = None
    serial: str | None = None


def epc_key(epc_hex: str) -> EpcKey:
    """The GS1 key an SSCC-96 or SGTIN-96 EPC carries (the reverse of the two above)."""
    try:
        tag = hex_to_tag_encodable(epc_hex.upper())
    except Exception as exc:  # epcpy raises several kinds for unknown headers and partitions
        raise LabelRefused(
            "epc", "无法识别的 EPC", f"not an EPC this depot encodes: {exc}"
        ) from exc
    if isinstance(tag, SSCC):
        return EpcKey(sscc=str(tag.gs1_key()))
    if isinstance(tag, SGTIN):
        return EpcKey(gtin=str(tag.gtin()), serial=tag.epc_uri.rsplit(".", 1)[-1])
    raise LabelRefused("epc", "无法识别的 EPC", f"not an SSCC or SGTIN: {tag.epc_uri}")


# -- a delivery's labels -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitsToLabel:
    """`units` logistic units of the same goods, each to get its own SSCC and label."""

    units: int
    goods: LogisticLabel  # what every unit's label says; its SSCC is replaced
    encode: bool = False  # the printer has an encoder: each unit's EPC goes on its tag
    by_item: bool = False  # each unit is one trade item: (01) and its serial, an SGTIN tag


def unit_labels(
    request: UnitsToLabel,
    company_prefix: str,
    extension: int,
    first_serial: int,
    known: tuple[str, ...] = (),
) -> list[LogisticLabel]:
    """The labels of the request's units, serials from `first_serial` on (`known`: company
    prefixes besides the depot's whose GTINs' split is known: its suppliers')."""
    if not 1 <= request.units <= MAX_UNITS:
        _refuse("units", f"标签数量须为 1 至 {MAX_UNITS}", f"1..{MAX_UNITS} labels at once")
    if request.goods.serial and request.units > 1:
        _refuse("units", "带序列号的物品一件一张标签", "an item with a serial gets one label")
    out = []
    for serial in range(first_serial, first_serial + request.units):
        code = sscc(company_prefix, extension, serial)
        label = replace(request.goods, sscc=code)
        if request.by_item:
            own = item_serial(request.goods, code, company_prefix)
            label = replace(label, trade_item=own is not None, qty=1, serial=own)
        epc = tag_epc(label, company_prefix, known) if request.encode else None
        out.append(replace(label, epc_hex=epc))
    return out


def item_serial(goods: LogisticLabel, code: str, company_prefix: str) -> str | None:
    """The serial of a unit counted by item: its own (its supplier's), else, for a GTIN under
    the depot's own prefix, the depot's; else none (the depot numbers no other owner's items:
    the unit is then labelled as a logistic unit of one, (02) and (37) 1)."""
    if goods.serial:
        return goods.serial
    if goods.gtin14[1:].startswith(company_prefix):
        return depot_item_serial(code, company_prefix)
    return None


def depot_item_serial(code: str, company_prefix: str) -> str:
    """The serial the depot gives an item without one of its own: its SSCC's extension digit
    and serial reference, as a number (no leading zero; at most 11 digits, under 2^38)."""
    return str(int(code[0] + code[1 + len(company_prefix) : 17]))


def fits_sgtin96(serial: str) -> bool:
    """Whether SGTIN-96 holds this serial: digits, no leading zero, under 2^38."""
    return (
        serial.isascii() and serial.isdigit() and (serial == "0" or serial[0] != "0")
        and len(serial) <= 12 and int(serial) <= MAX_SGTIN_SERIAL
    )  # fmt: skip


def tag_epc(label: LogisticLabel, company_prefix: str, known: tuple[str, ...] = ()) -> str:
    """The EPC a unit's tag carries: a trade item's SGTIN-96, where SGTIN-96 holds its serial
    and its GTIN is under the depot's prefix or a known one (the split the item's own tag
    would be written under); else the unit's SSCC-96."""
    if label.trade_item and label.serial and fits_sgtin96(label.serial):
        fitting = [len(p) for p in (company_prefix, *known) if label.gtin14[1:].startswith(p)]
        if fitting:  # the longest prefix the GTIN is under
            return sgtin_epc(label.gtin14, int(label.serial), max(fitting))
    return sscc_epc(label.sscc, company_prefix)


MAX_UNITS = 1000  # labels of one request: a delivery's pallets, far below a serial range


def label_to_dict(label: LogisticLabel) -> dict[str, object]:
    """The label as JSON values (dates in ISO form), as the print queue keeps it."""
    values = {name: getattr(label, name) for name in label.__slots__}
    for name in ("prod_date", "expiry"):
        values[name] = values[name].isoformat() if values[name] else None
    return values


def label_from_dict(values: dict[str, object]) -> LogisticLabel:
    days = {
        name: date.fromisoformat(str(values[name])) if values.get(name) else None
        for name in ("prod_date", "expiry")
    }
    return LogisticLabel(**{**values, **days})  # type: ignore[arg-type]
