"""Label printers in the site description (gateway.labels, gateway.printers): checked with
the rest of the site, and written into the gateway's file by `depot config build` as the
gateway reads them (gateway/config.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from gateway.config import PrinterSettings, parse_config
from kernel.tomlfile import dumps
from siteconfig.model import site_from
from siteconfig.parts import gateway_doc
from siteconfig.validate import problems
from siteconfig.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "firmware-config" / "sites" / "LC01.yaml"
PRINTING = """
  labels: {company_prefix: "6901234", extension: 3, gtin_prefixes: ["6912345"]}
  printers:
    - {id: PR-D01, door: D01, kind: zpl, host: 10.20.1.31, rfid: true}
    - {id: PR-OFFICE, kind: pdf, command: lp -d LABELS}
"""


def without_printing(text: str) -> str:
    """The example site with none of its own labels and printers."""
    start = text.index("  # each unit dock 1 receives")
    end = text.index("\n", text.index("    - {id: PR-D01, door: D01, kind: pdf}")) + 1
    return text[:start] + text[end:]


def site_text(printing: str = PRINTING) -> str:
    text = without_printing(EXAMPLE.read_text(encoding="utf-8"))
    anchor = "  rfid: {window: 2.0, rssi_floor: -70, min_reads: 2}\n"
    assert anchor in text
    return text.replace(anchor, anchor + printing.lstrip("\n"))


def built(text: str) -> dict[str, object]:
    """The gateway's file as `depot config build` writes it, on a loopback address (its TLS
    files are another test's)."""
    doc: dict[str, object] = tomllib.loads(dumps(gateway_doc(site_from(yaml.safe_load(text)))))
    return doc | {"http": {"host": "127.0.0.1"}}


def found(text: str) -> list[str]:
    return [f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems(load_yaml(text))]


def test_the_printers_go_into_the_gateways_file_as_it_reads_them(tmp_path: Path) -> None:
    text = site_text()
    assert found(text) == []
    site = site_from(yaml.safe_load(text))
    config = parse_config(built(text), tmp_path)
    assert config.labels is not None
    assert (config.labels.company_prefix, config.labels.extension) == ("6901234", 3)
    assert config.labels.gtin_prefixes == ("6912345",)  # suppliers' prefixes, for SGTIN tags
    zpl, pdf = config.printers
    assert zpl == PrinterSettings("PR-D01", "zpl", host="10.20.1.31", rfid=True, door="D01")
    assert pdf.door == ""  # at no door: it prints on demand only
    assert pdf.spool == Path(f"{site.install.state_dir}/gateway/labels-PR-OFFICE")
    assert pdf.command == "lp -d LABELS"


READER = """
  - id: ST-D02B
    host: 10.20.0.22
    devices:
      - id: LC01-D02-ENC1
        kind: rfid_reader
        door: D02
        connection: {protocol: llrp, host: 10.20.0.42}
"""
ENCODING = """
  labels: {company_prefix: "6901234"}
  printers:
    - {id: PR-D02, door: D02, kind: zpl, host: 10.20.1.32, encoder: LC01-D02-ENC1}
"""


def test_a_printer_whose_doors_reader_encodes_its_tags(tmp_path: Path) -> None:
    text = site_text(ENCODING) + READER
    assert found(text) == []
    (printer,) = parse_config(built(text), tmp_path).printers
    assert (printer.door, printer.rfid, printer.encoder) == ("D02", False, "LC01-D02-ENC1")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("LC01-D02-ENC1", "LC01-D09-ENC1"), "no device 'LC01-D09-ENC1'"),
        (("encoder: LC01-D02-ENC1", "encoder: LC01-D02-FIX1"), "is not an RFID reader on LLRP"),
        (("door: D02, kind: zpl", "door: D01, kind: zpl"), "is not at the printer's door"),
        (("host: 10.20.1.32,", "host: 10.20.1.32, rfid: true,"), "needs no reader's"),
    ],
)  # fmt: skip
def test_an_encoder_described_wrong_is_refused(change: tuple[str, str], says: str) -> None:
    text = site_text(ENCODING.replace(*change)) + READER
    assert any(says in problem for problem in found(text)), found(text)


def test_a_site_without_printers_builds_no_printing(tmp_path: Path) -> None:
    doc = built(without_printing(EXAMPLE.read_text(encoding="utf-8")))
    assert "printers" not in doc and parse_config(doc, tmp_path).printers == ()


def test_the_example_depot_labels_what_dock_1_receives_as_pdf_files(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert found(text) == []
    config = parse_config(built(text), tmp_path)
    (printer,) = config.printers
    assert (printer.name, printer.door, printer.kind) == ("PR-D01", "D01", "pdf")
    assert config.labels is not None and config.labels.company_prefix == "6901234"


@pytest.mark.parametrize(
    ("printing", "says"),
    [
        ('  labels: {company_prefix: "12345"}\n', "gateway.labels.company_prefix"),
        ("  printers:\n    - {id: P1, kind: zpl, host: p1}\n", "printers need gateway.labels"),
        ('  labels: {company_prefix: "6901234"}\n  printers:\n    - {id: P1, kind: zpl}\n',
         "gateway.printers.0.host: is required here"),
        ('  labels: {company_prefix: "6901234"}\n  printers:\n'
         "    - {id: P1, kind: zpl, host: p1, door: D09}\n", "door 'D09' is not among"),
        ('  labels: {company_prefix: "6901234"}\n  printers:\n'
         "    - {id: P1, kind: pdf}\n    - {id: P1, kind: pdf}\n", "printer 'P1' appears twice"),
        ('  labels: {company_prefix: "6901234"}\n  printers:\n    - {id: P1, kind: ipp}\n',
         "gateway.printers.0.kind"),
    ],
)  # fmt: skip
def test_a_printer_described_wrong_is_refused_with_where_and_why(printing: str, says: str) -> None:
    assert any(says in problem for problem in found(site_text(printing))), found(
        site_text(printing)
    )
