"""The workflows' tables: stocktakes, dispatch orders and their pick lines, inbound notices,
suppliers, places and road distances, handover notes, notifications, the gateways' reports and
the kept monthly reports. On the ledger's metadata (server.storage.tables.ledger)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from server.storage.tables.ledger import metadata

stocktakes = Table(
    "stocktakes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("zone", String(32)),  # null: the whole warehouse
    Column("status", String(16), nullable=False),  # counting, closed, adjusted
    Column("tolerance", Integer, nullable=False),  # |variance| above this asks for a recount
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", String(64)),
    Column("closed_at", DateTime(timezone=True)),
    Column("approval_id", Integer, ForeignKey("approvals.id")),
)

stocktake_counts = Table(
    "stocktake_counts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stocktake_id", Integer, ForeignKey("stocktakes.id"), nullable=False),
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("round", Integer, nullable=False),  # 1 blind count, 2 recount
    Column("counted", BigInteger, nullable=False),
    Column("card", BigInteger),  # what the stack's bin card says (账卡)
    Column("counted_by", String(64), nullable=False),
    Column("counted_at", DateTime(timezone=True), nullable=False),
    Column("event_id", String(36)),
    Index("ix_stocktake_counts_line", "stocktake_id", "location_id", "batch_id"),
)

# Derived rows, written 100,000 at a time by the close: their keys come from stock and counts,
# which already hold to their foreign keys, so these rows carry none (no per-row checks).
stocktake_lines = Table(
    "stocktake_lines",
    metadata,
    Column("stocktake_id", Integer, primary_key=True),
    Column("location_id", Integer, primary_key=True),
    Column("batch_id", Integer, primary_key=True),
    Column("expected", BigInteger, nullable=False),  # the ledger (账)
    Column("counted", BigInteger),  # the goods (物); null: never counted
    Column("card", BigInteger),  # the bin card (卡)
    Column("rounds", Integer, nullable=False),
    Column("variance", BigInteger),  # counted - expected
    Column("state", String(16), nullable=False),  # ok, variance, recount, not_counted
    Column("reason", String(32)),  # reason code given for a variance
)

# Lines of a stocktake that were not counted, marked so with a reason before it closes
# (migration 0017): a stocktake closes only when every line is counted or marked.
stocktake_skips = Table(
    "stocktake_skips",
    metadata,
    Column("stocktake_id", Integer, ForeignKey("stocktakes.id"), primary_key=True),
    Column("location_id", Integer, ForeignKey("locations.id"), primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), primary_key=True),
    Column("reason", String(32), nullable=False),
    Column("note", String(500)),
    Column("marked_by", String(64), nullable=False),
    Column("marked_at", DateTime(timezone=True), nullable=False),
)

# A round's progress by zone (migration 0021), kept as counts are written, in the same
# transaction (server.storage.stocktake_progress): the lines to count (the ledger's stacks in
# scope when the round opened; after a close, its lines), those counted, and after a close the
# variances, recounts asked and variances still without a reason.
stocktake_progress = Table(
    "stocktake_progress",
    metadata,
    Column("stocktake_id", Integer, ForeignKey("stocktakes.id"), primary_key=True),
    Column("zone", String(32), primary_key=True),
    Column("lines", Integer, nullable=False),
    Column("counted", Integer, nullable=False),
    Column("variances", Integer, nullable=False),
    Column("recounts", Integer, nullable=False),
    Column("open_reasons", Integer, nullable=False),
)

# The lines of a round counted at least once (the progress's `counted`, each line once).
stocktake_counted = Table(
    "stocktake_counted",
    metadata,
    Column("stocktake_id", Integer, ForeignKey("stocktakes.id"), primary_key=True),
    Column("location_id", Integer, ForeignKey("locations.id"), primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), primary_key=True),
)

dispatch_orders = Table(
    "dispatch_orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(64), nullable=False, unique=True),  # 调拨通知编号
    Column("kind", String(24), nullable=False),  # request, prepositioning, emergency, winter_spring
    Column("basis", String(200), nullable=False),  # the notice, or "phone instruction"
    Column("destination", String(200), nullable=False),
    Column("dest_lat", Float, nullable=False),
    Column("dest_lon", Float, nullable=False),
    Column("notified_at", DateTime(timezone=True), nullable=False),  # the 8-hour clock starts
    Column("written_order_due", DateTime(timezone=True)),  # phone orders: notice + 48 h
    Column("written_order", String(64)),
    Column("first_arrival_at", DateTime(timezone=True)),  # the first batch reached the area
    Column("status", String(16), nullable=False),  # open, cancelled, closed
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approval_id", Integer, ForeignKey("approvals.id")),
    # planned by a depot's own people from its own stock (None: by the bureau, network-wide)
    Column("warehouse", String(32), ForeignKey("warehouses.code")),
    # the level that asks: its own reserve is taken first (art. 17; migration 0030)
    Column("requesting_level", String(16), nullable=False),
)

# An emergency dispatch a depot made on a phone order while it could not reach the centre
# (server/services/depot_orders.py): the call as the depot recorded it, and the fingerprint
# of what its gateway sent, so that the same order sent again is known for a duplicate.
depot_phone_orders = Table(
    "depot_phone_orders",
    metadata,
    Column("order_id", Integer, ForeignKey("dispatch_orders.id"), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("gateway", String(64), nullable=False),  # the device that sent it
    Column("caller_name", String(200), nullable=False),
    Column("caller_unit", String(200), nullable=False),
    Column("caller_phone", String(40), nullable=False),
    Column("notice", String(64)),
    Column("recorded_by", String(64), nullable=False),  # as the depot sent it
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("fingerprint", String(64), nullable=False),
)

# The report to the bureaus that art. 14 asks for "immediately after an emergency dispatch":
# drafted when the centre learns of the order (its own, or one a depot made while cut off);
# its text is worked out from the order as it stands (server/domain/emergency_report.py).
emergency_reports = Table(
    "emergency_reports",
    metadata,
    Column("order_id", Integer, ForeignKey("dispatch_orders.id"), primary_key=True),
    Column("drafted_at", DateTime(timezone=True), nullable=False),
)

dispatch_lines = Table(
    "dispatch_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("dispatch_orders.id"), nullable=False),
    Column("item_code", String(32), ForeignKey("items.code"), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("shortfall", BigInteger, nullable=False),
)

pick_lines = Table(
    "pick_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("dispatch_orders.id"), nullable=False),
    Column("line_id", Integer, ForeignKey("dispatch_lines.id"), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("loaded", BigInteger, nullable=False, server_default="0"),  # loading events
    Column("seq", Integer, nullable=False),  # the FIFO order within the warehouse
    Index("ix_pick_lines_warehouse", "warehouse", "order_id"),
)

inbound_notices = Table(
    "inbound_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(64), nullable=False, unique=True),  # 入库通知编号
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("supplier", String(32), ForeignKey("suppliers.code")),
    Column("expected_on", Date),
    # the level that owns what comes (art. 17): the batches received against it (0030)
    Column("owner_level", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # open, closed
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

inbound_lines = Table(
    "inbound_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("inbound_notices.id"), nullable=False),
    Column("item_code", String(32), ForeignKey("items.code"), nullable=False),
    Column("batch_no", String(32)),
    Column("qty", BigInteger, nullable=False),
    Column("accepted", BigInteger, nullable=False),  # accepted against this line so far
    Column("rejected", BigInteger, nullable=False),
    # received at the doors against this line (server.domain.receiving; migration 0020)
    Column("received", BigInteger, nullable=False, server_default="0"),
)

# The tagged units a notice lists (the supplier's dispatch advice; migration 0033): each
# unit's tag as the supplier encoded it, its GS1 key (SSCC, or GTIN and serial) and its line.
inbound_units = Table(
    "inbound_units",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("inbound_notices.id"), nullable=False),
    Column("line_id", Integer, ForeignKey("inbound_lines.id"), nullable=False),
    Column("epc", String(128), nullable=False),  # once among a depot's open notices
    Column("sscc", String(18)),
    Column("gtin", String(14)),
    Column("serial", String(64)),
    Column("item_code", String(32), ForeignKey("items.code"), nullable=False),
    Column("batch_no", String(32), nullable=False),
    Column("prod_date", Date),
    Column("expiry", Date),
    Column("qty", BigInteger, nullable=False),
    # the receiving event that received it at a door (once: a second one is refused)
    Column("received_event", String(36)),
    Column("received_at", DateTime(timezone=True)),
    Index("ix_inbound_units_notice", "notice_id"),
    Index("ix_inbound_units_line", "line_id"),
    Index("ix_inbound_units_sscc", "sscc"),
    Index("ix_inbound_units_gtin", "gtin", "serial"),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("contact", String(100), nullable=False),
    Column("phone", String(40), nullable=False),
)

places = Table(
    "places",
    metadata,
    Column("code", String(32), primary_key=True),  # a county seat, a shelter, a disaster area
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
)

road_distances = Table(
    "road_distances",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("place", String(32), ForeignKey("places.code"), primary_key=True),
    Column("km", Float, nullable=False),
)

handovers = Table(
    "handovers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # 交接单编号, JJ-<order's number>-<depot>-<n> (migration 0018 widened it from 64)
    Column("number", String(128), nullable=False, unique=True),
    Column("order_id", Integer, ForeignKey("dispatch_orders.id"), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("carrier", String(200), nullable=False),
    Column("driver", String(100), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("plate", String(20), nullable=False),
    Column("receiver", String(200), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # issued, confirmed, discrepancy: the receiver's confirmation (migration 0024)
    Column("state", String(16), nullable=False, server_default="issued"),
    Column("received_by", String(100)),  # 接收人
    Column("received_phone", String(40)),  # 联系电话
    Column("received_on", Date),  # 接收时间
    Column("confirmed_by", String(64)),  # who recorded the confirmation
    Column("confirmed_at", DateTime(timezone=True)),
    Index("ix_handovers_warehouse", "warehouse", "id"),
    Index("ix_handovers_order", "order_id", "id"),
)

# What a handover note handed over, line by line, as loaded when it was issued, and what the
# receiver counted (migration 0024)
handover_lines = Table(
    "handover_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("handover_id", Integer, ForeignKey("handovers.id"), nullable=False),
    Column("pick_line_id", Integer, ForeignKey("pick_lines.id"), nullable=False),
    Column("qty", BigInteger, nullable=False),  # handed over
    Column("received", BigInteger),  # counted by the receiver; null until confirmed
    Column("discrepancy", String(500)),  # the receiver's note where received < qty
    Index("ix_handover_lines_handover", "handover_id", "id"),
)

# What a person is told about a record of theirs (migration 0017): e.g. a dispatcher, that a
# stocktake loss took stock reserved for their order and what was planned instead.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(64), ForeignKey("users.username"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code")),
    Column("order_id", Integer, ForeignKey("dispatch_orders.id")),
    Column("detail", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_notifications_recipient", "recipient", "id"),
    Index("ix_notifications_order", "order_id"),
)

# What each depot's gateway last reported (devices, outbox, disk) and when it last synced.
gateway_status = Table(
    "gateway_status",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("reported_at", DateTime(timezone=True)),
    Column("last_sync_at", DateTime(timezone=True)),
    Column("payload", Text),
)

# Finished months' reports (art. 14), made once: the ledger only grows and postings are dated
# when made, so a finished month cannot change. scope: a warehouse code, or "*" for all.
monthly_reports = Table(
    "monthly_reports",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("scope", String(32), primary_key=True),
    # the time zone its months were counted in (server.domain.depot_time; migration 0018)
    Column("zone", String(64), primary_key=True),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("rows", Text, nullable=False),
)

# The quality report of the testing agency (质量检验报告) as uploaded with the decision that
# stands on it (an acceptance, art. 8; a re-inspection, a scrapping proposal, a return's
# inspection, art. 25): a PDF or an image, once per decision, with its SHA-256 (the audit
# entry of its upload names it too; migration 0023; server.services.decision_files).
decision_files = Table(
    "decision_files",
    metadata,
    Column("approval_id", Integer, ForeignKey("approvals.id"), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("content_type", String(32), nullable=False),  # application/pdf, image/png, image/jpeg
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", String(64), ForeignKey("users.username"), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)
