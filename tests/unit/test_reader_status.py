"""What a device's status message says about its reader."""

from __future__ import annotations

import json

from edge.station.agent import MAX_READER_DETAIL, status_detail
from kernel.contract import parse_status, status_payload


def test_a_reader_state_is_carried_as_it_is() -> None:
    assert status_detail("reading /dev/ttyACM0") == "reading /dev/ttyACM0"


def test_a_long_reader_state_is_cut_to_its_bound() -> None:
    detail = status_detail("scanner on /dev/" + "x" * 5000 + " unavailable")
    assert len(detail) == MAX_READER_DETAIL and detail.startswith("scanner on /dev/x")


def test_an_undecodable_path_in_an_os_error_still_makes_a_valid_status() -> None:
    detail = status_detail("keyboard scanner /dev/input/by-id/\udcff unavailable")
    payload = status_payload("online", ready=False, reader=detail)
    assert json.loads(payload.decode("utf-8"))["reader"].startswith("keyboard scanner")


def test_whatever_a_reader_says_makes_a_status_the_gateway_keeps() -> None:
    for said in ("port\n/dev/ttyACM0 gone", "\x1b[31mred\x1b[0m", "path \udcff", "x" * 5000):
        payload = status_payload("online", ready=False, reader=status_detail(said))
        assert parse_status(payload)["reader"]  # not dropped as unclean or too long
