"""Fixtures shared by the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_floor_pages import FLOOR_PIN

from harness.depot import Depot
from harness.dispatch_stock import Stocked, stock_for_dispatch
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

KEEPER_PASSWORD = "a-long-enough-password"


@pytest.fixture
def stocked(depot: Depot) -> Iterator[Stocked]:
    """The dispatch screens' stock, place and people (tests/harness/dispatch_stock.py)."""
    engine = make_engine(depot.db_url)
    yield stock_for_dispatch(engine, depot)
    engine.dispose()


@pytest.fixture
def keeper(depot: Depot) -> None:
    """Keeper li of LC01, with her floor PIN (the floor pages)."""
    engine = make_engine(depot.db_url)
    create_user(engine, "li", KEEPER_PASSWORD, role="keeper", warehouse="LC01",
                floor_pin=FLOOR_PIN["li"], now=system_clock())  # fmt: skip
    engine.dispose()
