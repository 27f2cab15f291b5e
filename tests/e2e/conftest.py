"""Fixtures shared by the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.depot import Depot
from harness.dispatch_stock import Stocked, stock_for_dispatch
from server.storage.db import make_engine


@pytest.fixture
def stocked(depot: Depot) -> Iterator[Stocked]:
    """The dispatch screens' stock, place and people (tests/harness/dispatch_stock.py)."""
    engine = make_engine(depot.db_url)
    yield stock_for_dispatch(engine, depot)
    engine.dispose()
