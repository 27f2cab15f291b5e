"""The central ledger's tables (SQLAlchemy Core). Alembic migrations create them.

Stock is never stored by hand: `stock` is a projection of `postings`, updated in the same
transaction as each posting, and `postings` is append-only with a hash chain per warehouse.
Decisions (`approvals`) and the audit trail (`audit_log`) are append-only hash chains too,
one per depot (server.services.chain); `checkpoints` are the chains' ends, signed
(server.services.checkpoints).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from server.domain.bounds import MAX_STOCK

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("level", String(16), nullable=False),  # central, province, city, county
    Column("kind", String(16), nullable=False),  # depot, agency (代储点, under contract)
    Column("lat", Float),
    Column("lon", Float),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("zone", String(32), nullable=False),
    Column("walk_order", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    UniqueConstraint("warehouse", "code", name="uq_locations_warehouse_code"),
    # migration 0025: a depot's dock doors in walk order (server.storage.queries)
    Index("ix_locations_kind", "kind", "warehouse", "walk_order"),
)

items = Table(
    "items",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("spec", String(200), nullable=False),
    Column("unit_zh", String(16), nullable=False),
    Column("unit_en", String(16), nullable=False),
    Column("category", String(32), nullable=False),
    Column("reusable", Boolean, nullable=False),
    Column("storage_years", Integer, nullable=False),
    Column("unit_price_cents", BigInteger, nullable=False),
    Column("national_code", String(7), ForeignKey("material_codes.code")),  # GB/T 38565, 0029
)

item_gtins = Table(
    "item_gtins",
    metadata,
    Column("gtin", String(14), primary_key=True),
    Column("item_code", String(32), ForeignKey("items.code"), nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_code", String(32), ForeignKey("items.code"), nullable=False),
    Column("batch_no", String(32), nullable=False),
    Column("manufacturer", String(200)),
    Column("prod_date", Date),
    Column("inbound_date", Date),
    Column("unit_price_cents", BigInteger),
    Column("reinspected_on", Date),  # passed a quality check after its storage years (art. 25(4))
    Column("reinspection_valid_until", Date),  # that check counts until this day (migration 0017)
    # the level of government that bought and owns it (art. 17; server.domain.levels; 0030)
    Column("owner_level", String(16), nullable=False),
    UniqueConstraint("item_code", "batch_no", name="uq_batches_item_batch"),
    # migration 0019: the overview's look-ups (server.storage.dashboard, server.storage.urgent)
    Index("ix_batches_reinspection_valid_until", "reinspection_valid_until"),
    Index("ix_batches_item_prod_date", "item_code", "prod_date"),
    Index("ix_batches_item_inbound_date", "item_code", "inbound_date"),
    # migration 0025: the ledger's stock lines by batch, oldest inbound first (storage.queries)
    Index("ix_batches_inbound_date", "inbound_date", "id"),
    Index("ix_batches_batch_no", "batch_no"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("warehouse", String(32), nullable=False),
    Column("source", String(64), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("payload", Text, nullable=False),
    Index("ix_events_warehouse_received", "warehouse", "received_at"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("location_id", Integer, ForeignKey("locations.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("status", String(24), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("event_id", String(36), ForeignKey("events.event_id")),
    Column("approval_id", Integer, ForeignKey("approvals.id")),
    Column("author", String(64), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # what allows it (server.domain.basis): the kind, and the pick line, stocktake or order it
    # names beside its event or approval; None only for postings made before 0016
    Column("basis_kind", String(24)),
    Column("basis_ref", String(64)),
    Index("ix_postings_event", "event_id"),
    Index("ix_postings_batch", "batch_id"),
    Index("ix_postings_posted_at", "posted_at"),
    Index("ix_postings_approval", "approval_id"),  # a decision's postings (migration 0023)
    Index(
        "ix_postings_basis_ref",
        "basis_kind",
        "basis_ref",
        sqlite_where=text("basis_ref IS NOT NULL"),
        postgresql_where=text("basis_ref IS NOT NULL"),
    ),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # acceptance, adjustment, scrapping, ...
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("reference", String(64)),  # the paper's number: inspection record, notice ...
    Column("decided_by", String(64), ForeignKey("users.username"), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("decision", String(16), nullable=False),  # accepted, rejected, approved ...
    Column("payload", Text, nullable=False),
    # the decision this one completes: the proposal it approves, the acceptance whose report it
    # files, the rejection whose goods it sends back (migration 0017; the payload, which the
    # chain's hash covers, names it too)
    Column("parent_id", Integer, ForeignKey("approvals.id")),
    Column("prev_hash", String(64), nullable=False),  # the depot's chain of decisions
    Column("hash", String(64), nullable=False),
    Index("ix_approvals_warehouse_kind", "warehouse", "kind"),
    Index("ix_approvals_warehouse_id", "warehouse", "id"),
    Index("ix_approvals_parent", "parent_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200)),
    Column("detail", Text),
    # the depot the entry is about (None: the network, or no depot)
    Column("warehouse", String(32), ForeignKey("warehouses.code")),
    Column("prev_hash", String(64), nullable=False),  # the depot's (or network's) chain
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_warehouse", "warehouse", "id"),
)

# Failed logins (and attempts under way), by the name tried and the address it came from
# (kernel/guessing.py); a name need not exist.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("source", String(64), nullable=False, server_default=""),
    Index("ix_login_failures_user_at", "username", "at"),
    Index("ix_login_failures_source_at", "source", "at"),
    Index("ix_login_failures_at", "at"),
)

# The addresses each person signed on from: failures elsewhere never hold them up there.
known_sources = Table(
    "known_sources",
    metadata,
    Column("username", String(64), ForeignKey("users.username"), primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("last_login", DateTime(timezone=True), nullable=False),
)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("last_posting_id", Integer),
    Column("last_hash", String(64), nullable=False),
)

# The ends of the decisions' and the audit trail's chains (server.services.chain): chain "approvals"
# or "audit", scope a depot's code or "*" (audit entries about no depot).
chain_heads = Table(
    "chain_heads",
    metadata,
    Column("chain", String(16), primary_key=True),
    Column("scope", String(32), primary_key=True),
    Column("last_id", Integer),
    Column("last_hash", String(64), nullable=False),
)

# The public halves of the keys that sign checkpoints (Ed25519, server.services.checkpoints).
checkpoint_keys = Table(
    "checkpoint_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),  # SHA-256 of the raw public key, hex
    Column("public_key", String(64), nullable=False),  # the raw public key, base64
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Signed chain ends: `body` is the canonical JSON that `signature` (base64) signs.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(32), nullable=False),  # a depot's code, or "*" (the network)
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(64), ForeignKey("checkpoint_keys.key_id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("signature", String(128), nullable=False),
    Index("ix_checkpoints_scope", "scope", "id"),
)

# A stock line waiting for acceptance, as SQL with its values inline: a partial index is used
# only by a query whose conditions name the same values (server.storage.queries.
# waiting_for_acceptance writes them so)
WAITING_SQL = "status = 'pending_acceptance' AND qty > 0"

stock = Table(
    "stock",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("location_id", Integer, ForeignKey("locations.id"), primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), primary_key=True),
    Column("status", String(24), primary_key=True),
    Column("qty", BigInteger, nullable=False),
    CheckConstraint("qty >= 0", name="qty_not_negative"),
    CheckConstraint(f"qty <= {MAX_STOCK}", name="qty_within_limit"),  # migration 0014
    Index("ix_stock_batch", "batch_id"),
    # what waits for acceptance at a depot (server.storage.acceptance_views; migration 0021)
    Index("ix_stock_status_warehouse", "status", "warehouse"),
    # the lines waiting for acceptance by batch, and only those (a few per cent of the stock):
    # the acceptance list walks the batches oldest first and looks each up here (0027)
    Index(
        "ix_stock_waiting",
        "batch_id",
        sqlite_where=text(WAITING_SQL),
        postgresql_where=text(WAITING_SQL),
    ),
)

# The overview's figures kept as postings move them (server.services.stock_summary, in the
# ledger writer's transaction): quantity and positive stock lines per depot, item, status and
# the day the stock was made (production, else inbound; UNKNOWN_MADE if neither). The age and
# storage-years bands depend on today and are decided from these rows when read (migration 0019).
stock_summary = Table(
    "stock_summary",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("item_code", String(32), ForeignKey("items.code"), primary_key=True),
    Column("status", String(24), primary_key=True),
    Column("made", Date, primary_key=True),
    Column("lines", BigInteger, nullable=False),
    Column("qty", BigInteger, nullable=False),
    # the batches due soon, in order (server.storage.urgent)
    Index("ix_stock_summary_made", "made", "item_code", "status", "warehouse"),
    Index("ix_stock_summary_warehouse_made", "warehouse", "made", "item_code", "status"),
)

# The same stock sorted into the overview's age and storage-years bands as of one day
# (server.storage.stock_bands): moved by the writer while that day is today, made again from
# the summary by the first reader of another day (migration 0019).
stock_bands = Table(
    "stock_bands",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("item_code", String(32), ForeignKey("items.code"), primary_key=True),
    Column("status", String(24), primary_key=True),
    Column("age", Integer, primary_key=True),  # index into AGE_BANDS
    Column("remaining", String(16), primary_key=True),  # a REMAINING_BANDS key
    Column("lines", BigInteger, nullable=False),
    Column("qty", BigInteger, nullable=False),
)
stock_bands_day = Table(
    "stock_bands_day",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("day", Date, nullable=False),
)

# A number per depot that moves whenever its summary or its bands do, in the same transaction
# (server.storage.figures_version): the overview's figures are kept under it between changes,
# and a move that leaves them as they were does not move it (migration 0026).
stock_figures_versions = Table(
    "stock_figures_versions",
    metadata,
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code")),
    Column("password_hash", String(256), nullable=False),
    Column("active", Boolean, nullable=False),
    # The floor credential (a PIN for the gateway's floor pages), its own scrypt hash: the
    # only credential a gateway receives. None: this person cannot sign on to any floor.
    Column("floor_hash", String(256)),
)

# Floor access to a depot for a person not bound to it (an unbound administrator or
# supervisor); a person bound to a depot has its floor without a grant.
floor_grants = Table(
    "floor_grants",
    metadata,
    Column("username", String(64), ForeignKey("users.username"), primary_key=True),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), primary_key=True),
    Column("granted_by", String(64), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("warehouse", String(32), ForeignKey("warehouses.code"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
)

# rejected: refused at acceptance, waiting to go back to the supplier (never available)
STOCK_STATUSES = (
    "pending_acceptance",
    "available",
    "reserved",
    "on_hold",
    "scrap_pending",
    "rejected",
)
