"""The gateway's tables, in one place: the reads and the outbox, the book (the server's copy
and what the floor did since), enrolments. Created on start (no migrations: a column added
since the first release is added to an older file by GatewayStore: ADDED below); the
quarantine's tables are in gateway/storage/quarantine.py.

Only gateway/storage knows these tables.
"""

from __future__ import annotations

STORE = """
CREATE TABLE IF NOT EXISTS reads (
    event_id    TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    device      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          TEXT NOT NULL,
    received_at REAL NOT NULL,
    payload     BLOB NOT NULL,
    answer      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reads_device ON reads (device, received_at);
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   REAL NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    last_error   TEXT,
    result       TEXT,
    settled_at   REAL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_rejected ON outbox (id) WHERE state = 'rejected';
CREATE INDEX IF NOT EXISTS outbox_withdrawn ON outbox (id) WHERE state = 'withdrawn';
-- Each enrolment sheet (its code's verifier) is used once.
CREATE TABLE IF NOT EXISTS enrolments (
    device      TEXT NOT NULL,
    verifier    TEXT NOT NULL,
    enrolled_at REAL NOT NULL,
    peer        TEXT,
    PRIMARY KEY (device, verifier)
);
"""

BOOK = """
CREATE TABLE IF NOT EXISTS items (
    code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
    unit_zh TEXT NOT NULL, unit_en TEXT NOT NULL, reusable INTEGER NOT NULL,
    storage_years INTEGER NOT NULL, spec TEXT
);
CREATE TABLE IF NOT EXISTS gtins (gtin TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locations (
    code TEXT PRIMARY KEY, zone TEXT NOT NULL, walk_order INTEGER NOT NULL, kind TEXT NOT NULL,
    id INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS batches (
    item TEXT NOT NULL, batch TEXT NOT NULL, prod_date TEXT, inbound_date TEXT,
    reinspected_on TEXT, reinspection_valid_until TEXT, manufacturer TEXT,
    PRIMARY KEY (item, batch)
);
CREATE TABLE IF NOT EXISTS stock (
    location TEXT NOT NULL, item TEXT NOT NULL, batch TEXT NOT NULL, status TEXT NOT NULL,
    qty INTEGER NOT NULL, PRIMARY KEY (location, item, batch, status)
);
CREATE TABLE IF NOT EXISTS effects (
    event_id TEXT NOT NULL, location TEXT NOT NULL, item TEXT NOT NULL, batch TEXT NOT NULL,
    status TEXT NOT NULL, delta INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS effects_stack ON effects (location, item, batch);
CREATE TABLE IF NOT EXISTS pick_lines (
    id INTEGER PRIMARY KEY, order_no TEXT NOT NULL, seq INTEGER NOT NULL,
    location TEXT NOT NULL, item TEXT NOT NULL, batch TEXT NOT NULL, inbound_date TEXT,
    qty INTEGER NOT NULL, loaded INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS picks (
    read_id TEXT PRIMARY KEY, line_id INTEGER NOT NULL, qty INTEGER NOT NULL,
    device TEXT NOT NULL, operator TEXT, override TEXT, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS picks_line ON picks (line_id);
CREATE TABLE IF NOT EXISTS loads (
    event_id TEXT PRIMARY KEY, line_id INTEGER NOT NULL, qty INTEGER NOT NULL,
    device TEXT NOT NULL, at REAL NOT NULL, batch TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS loads_line ON loads (line_id);
CREATE TABLE IF NOT EXISTS stocktakes (
    id INTEGER PRIMARY KEY, zone TEXT, tolerance INTEGER NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stocktake_recounts (
    stocktake INTEGER NOT NULL, location TEXT NOT NULL, PRIMARY KEY (stocktake, location)
);
CREATE TABLE IF NOT EXISTS counts (
    stocktake INTEGER NOT NULL, location TEXT NOT NULL, item TEXT NOT NULL,
    batch TEXT NOT NULL, round INTEGER NOT NULL, counted INTEGER NOT NULL, card INTEGER,
    device TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stocktake, location, item, batch, round)
);
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL, status TEXT NOT NULL, expected_on TEXT
);
CREATE TABLE IF NOT EXISTS notice_lines (
    notice_id INTEGER NOT NULL, n INTEGER NOT NULL, item TEXT NOT NULL, batch TEXT,
    qty INTEGER NOT NULL, PRIMARY KEY (notice_id, n)
);
-- The tagged units the open notices list (the supplier's dispatch advice), as the server sent
-- them; `n` is the notice line a unit is on. A unit received at a door has its tag in `units`
-- with the state 'received', and its (notice, tag) in `listed_received`: received once on each
-- notice that lists it (a pallet sent out comes back on a new notice).
CREATE TABLE IF NOT EXISTS notice_units (
    epc TEXT PRIMARY KEY, notice_id INTEGER NOT NULL, n INTEGER NOT NULL, item TEXT NOT NULL,
    batch TEXT NOT NULL, qty INTEGER NOT NULL, sscc TEXT, gtin TEXT, serial TEXT,
    prod_date TEXT, expiry TEXT
);
CREATE INDEX IF NOT EXISTS notice_units_sscc ON notice_units (sscc);
CREATE INDEX IF NOT EXISTS notice_units_gtin ON notice_units (gtin, serial);
CREATE INDEX IF NOT EXISTS notice_units_notice ON notice_units (notice_id);
CREATE TABLE IF NOT EXISTS listed_received (
    notice_id INTEGER NOT NULL, epc TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (notice_id, epc)
);
-- One trade item counted by item (its GTIN and serial), received and not loaded out since:
-- its label scanned again is answered "already received", not counted twice.
CREATE TABLE IF NOT EXISTS received_items (
    gtin TEXT NOT NULL, serial TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (gtin, serial)
);
CREATE INDEX IF NOT EXISTS gtins_item ON gtins (item);
CREATE TABLE IF NOT EXISTS flagged_receipts (
    read_id TEXT PRIMARY KEY, notice_id INTEGER, item TEXT NOT NULL, batch TEXT NOT NULL,
    qty INTEGER NOT NULL, door TEXT NOT NULL, flag TEXT NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notice_received (
    notice_id INTEGER NOT NULL, n INTEGER NOT NULL, qty INTEGER NOT NULL,
    PRIMARY KEY (notice_id, n)
);
CREATE TABLE IF NOT EXISTS tasks (
    device TEXT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT, state TEXT NOT NULL,
    operator TEXT, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    epc TEXT PRIMARY KEY, item TEXT NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL,
    qty INTEGER NOT NULL, state TEXT NOT NULL, order_no TEXT, at REAL NOT NULL
);
-- Who may sign on to the floor pages, with their floor PIN hashes (never a central password's).
-- Books made before kept central password hashes in `people`: dropped.
DROP TABLE IF EXISTS people;
CREATE TABLE IF NOT EXISTS floor_people (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, role TEXT NOT NULL,
    floor_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS floor_sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires REAL NOT NULL
);
-- Sessions of no one on the list (all of them, in a book made before floor PINs) end.
DELETE FROM floor_sessions WHERE username NOT IN (SELECT username FROM floor_people);
-- Emergency dispatches ordered by phone and recorded at the depot while it could not reach
-- the centre (gateway/storage/phone_orders.py); their pick lines are in pick_lines with
-- negative ids, which no sync touches (the server's ids are positive).
CREATE TABLE IF NOT EXISTS phone_orders (
    number TEXT PRIMARY KEY, day TEXT NOT NULL, serial INTEGER NOT NULL,
    called_at TEXT NOT NULL, caller_name TEXT NOT NULL, caller_unit TEXT NOT NULL,
    caller_phone TEXT NOT NULL, notice TEXT, destination TEXT NOT NULL, lines TEXT NOT NULL,
    short TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at REAL NOT NULL,
    withdrawn TEXT,
    UNIQUE (day, serial)
);
-- Handover notes (annex 2) made at the depot for the orders it made while cut off
-- (gateway/storage/handover_notes.py): what each handed over, by stack, as printed.
CREATE TABLE IF NOT EXISTS handover_notes (
    number TEXT PRIMARY KEY, order_no TEXT NOT NULL, serial INTEGER NOT NULL,
    carrier TEXT NOT NULL, driver TEXT NOT NULL, phone TEXT NOT NULL, plate TEXT NOT NULL,
    receiver TEXT NOT NULL, lines TEXT NOT NULL, made_by TEXT NOT NULL, made_at REAL NOT NULL,
    UNIQUE (order_no, serial)
);
CREATE TABLE IF NOT EXISTS devices (
    device TEXT PRIMARY KEY, state TEXT NOT NULL, door TEXT, status TEXT NOT NULL,
    last_seen REAL NOT NULL
);
"""

# Columns of the server's copy added since the first release, for books made before them. A
# book that gains one forgets its sync cursor, so that its next sync takes the whole copy and
# fills the column for everything the depot holds (an incremental one would fill it only for
# what changed since).
BOOK_ADDED: dict[str, dict[str, str]] = {
    "batches": {
        "reinspection_valid_until": "TEXT",  # FIFO: a re-inspection pass's last day
        "manufacturer": "TEXT",  # a bin card's 生产厂家 (annex 3)
    },
    "items": {"spec": "TEXT"},  # a handover note's 规格型号 (annex 2)
}

# An outbox event (alias o) whose effect the server's copy does not show yet: waiting, or
# accepted after the last sync began (deliveries and syncs never overlap: upstream/worker.py).
LIVE_EVENT = (
    "(o.state = 'pending' OR (o.state = 'sent' AND o.settled_at >= "
    "coalesce((SELECT CAST(value AS REAL) FROM sync_state WHERE key = 'at'), 0)))"
)
# What has gone onto the truck from pick line p: the server's count and the live local loads;
# for a line of an order made here (negative id, gateway/storage/phone_orders.py), which no
# sync counts, every local load; and once the centre's line replaced it, the loads the centre
# refused too: the goods are on a truck all the same, and are never loaded twice. (These
# fragments are fixed SQL composed once; no value ever enters them.)
LOADED = (
    "p.loaded + coalesce((SELECT sum(d.qty) FROM loads d JOIN outbox o "  # noqa: S608
    f"ON o.event_id = d.event_id WHERE d.line_id = p.id AND (p.id < 0 OR {LIVE_EVENT} OR "
    "(o.state = 'rejected' AND p.order_no IN (SELECT number FROM phone_orders)))), 0)"
)
LIVE_EFFECTS = (
    f"SELECT e.* FROM effects e JOIN outbox o ON o.event_id = e.event_id WHERE {LIVE_EVENT}"  # noqa: S608
)
