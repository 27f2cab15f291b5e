"""gateway.toml's [labels] and [printers.NAME]: what the print worker is built from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gateway.config import PrinterSettings, parse_config
from gateway.entrypoints.process import label_printer, receiving_labels
from gateway.services.print_worker import PdfDevice, ZplDevice
from gateway.storage.received_labels import NONE, PRINTER, DoorPrinter
from kernel.config import ConfigError

BASE = """
site = "LC01"
database = "gw.sqlite"
[server]
url = "https://central.example/"
token_file = "token"
"""
PRINTING = """
[labels]
company_prefix = "6901234"
extension = 3
gtin_prefixes = ["6912345", "691234567"]

[printers.D01]
kind = "zpl"
host = "10.20.1.31"
rfid = true

[printers.office]
kind = "pdf"
spool = "spool/labels"
command = "lp -d LABELS"
"""


def test_printers_and_the_depots_prefix_are_read(tmp_path: Path) -> None:
    config = parse_config(tomllib.loads(BASE + PRINTING), tmp_path)
    assert config.labels is not None
    assert (config.labels.company_prefix, config.labels.extension) == ("6901234", 3)
    assert config.labels.gtin_prefixes == ("6912345", "691234567")
    zpl, pdf = config.printers
    assert zpl == PrinterSettings("D01", "zpl", host="10.20.1.31", rfid=True, door="D01")
    assert (pdf.spool, pdf.command) == (tmp_path / "spool" / "labels", "lp -d LABELS")
    assert isinstance(label_printer(zpl), ZplDevice) and isinstance(label_printer(pdf), PdfDevice)
    assert parse_config(tomllib.loads(BASE), tmp_path).printers == ()


PREFIX = '[labels]\ncompany_prefix = "6901234"\n'


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ('[labels]\ncompany_prefix = "12345"', "company_prefix"),
        ('[labels]\ncompany_prefix = "6901234"\nextension = 10', "extension"),
        (PREFIX + '[printers.P1]\nkind = "zpl"\nhost = ""', "host is required"),
        (PREFIX + '[printers.P1]\nkind = "ipp"', "kind must be zpl or pdf"),
        (PREFIX + '[printers.P1]\nkind = "pdf"', "spool is required"),
        (PREFIX + '[printers.P1]\nkind = "zpl"\nhost = "p"\ntimeout = 600', "timeout"),
        (PREFIX + '[printers.P1]\nkind = "zpl"\nhost = "p"\nsettle = 2', "settle must be 5..600"),
        (PREFIX + "supervisor_over = 0", "supervisor_over must be a whole number 1..10000"),
        (PREFIX + "queue_cap = 5", "queue_cap must be a whole number 10..100000"),
        (PREFIX + 'queue_cap = "many"', "queue_cap"),
        (PREFIX + 'gtin_prefixes = ["69123"]', "gtin_prefixes must be at most 200 prefixes"),
        (PREFIX + 'gtin_prefixes = "6912345"', "gtin_prefixes"),
        (PREFIX + '[printers."Door 1"]\nkind = "zpl"\nhost = "p"\ndoor = ""', "a printer's name"),
        (PREFIX + f'[printers.{"P" * 41}]\nkind = "zpl"\nhost = "p"\ndoor = ""', "1 to 40"),
        ('[printers.P1]\nkind = "zpl"\nhost = "p"', r"\[labels\]"),
    ],
)
def test_printing_set_wrong_is_refused_with_what_is_wrong(
    tmp_path: Path, section: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_config(tomllib.loads(BASE + section + "\n"), tmp_path)


def test_each_door_with_a_printer_labels_what_it_receives(tmp_path: Path) -> None:
    more = '\n[printers.P2]\nkind = "zpl"\nhost = "10.20.1.32"\ndoor = "D02"\n'
    config = parse_config(tomllib.loads(BASE + PRINTING + more), tmp_path)
    plan = receiving_labels(config, lambda: None)
    assert plan is not None and (plan.company_prefix, plan.extension) == ("6901234", 3)
    assert plan.doors == {"D01": DoorPrinter("D01", PRINTER), "office": DoorPrinter("office"),
                          "D02": DoorPrinter("P2", NONE)}  # fmt: skip
    assert receiving_labels(parse_config(tomllib.loads(BASE), tmp_path), lambda: None) is None
    with pytest.raises(ConfigError, match=r"printers\.P2: door"):
        parse_config(tomllib.loads(BASE + PRINTING + more.replace("D02", "D 2")), tmp_path)


def test_a_depot_sets_how_many_labels_wait_and_how_long_one_may_take(tmp_path: Path) -> None:
    labels = PREFIX + "supervisor_over = 20\nqueue_cap = 200\n"
    zpl = '[printers.P1]\nkind = "zpl"\nhost = "10.20.1.31"\nsettle = 180\n'
    config = parse_config(tomllib.loads(BASE + labels + zpl), tmp_path)
    assert config.labels is not None
    assert (config.labels.supervisor_over, config.labels.queue_cap) == (20, 200)
    (printer,) = config.printers
    device = label_printer(printer)
    assert isinstance(device, ZplDevice) and device.printer.settle == 180.0
    defaults = parse_config(tomllib.loads(BASE + PRINTING), tmp_path)
    assert defaults.labels is not None and defaults.labels.queue_cap == 1000
