"""Whose reserve a depot keeps when nothing names another (art. 9, 17)."""

from __future__ import annotations

from server.domain.levels import BUREAU_LEVEL, LEVELS, held_for


def test_a_depot_keeps_its_own_level_and_an_agency_point_the_bureau_s() -> None:
    assert [held_for(level, "depot") for level in LEVELS] == list(LEVELS)
    assert {held_for(level, "agency") for level in LEVELS} == {BUREAU_LEVEL}
