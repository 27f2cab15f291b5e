"""The two clocks of an emergency dispatch, one rule for the server and the gateway (pure).

    first batch     the first batch of goods in the disaster area within 8 hours of the
                    dispatch notice (art. 21)
    written order   a dispatch begun on a phone order has its written order within 48 hours
                    (art. 19(4))

Both run from the moment the notice came: the call, for a phone order. Times are aware.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_BATCH_HOURS = 8  # art. 21
WRITTEN_ORDER_HOURS = 48  # art. 19(4)


def first_batch_due(notified: datetime) -> datetime:
    """When the first batch must have arrived in the disaster area."""
    return notified + timedelta(hours=FIRST_BATCH_HOURS)


def written_order_due(notified: datetime) -> datetime:
    """When the written order for a dispatch begun on a phone order is due."""
    return notified + timedelta(hours=WRITTEN_ORDER_HOURS)
