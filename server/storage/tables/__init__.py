"""The server's schema (SQLAlchemy Core), one `metadata`; Alembic's migrations create it.

Stock is never stored by hand: `stock` is a projection of `postings`, updated in the same
transaction as each posting, and `postings` is append-only with a hash chain per warehouse.
The ledger's tables, master data and people: `ledger.py`; the national material codes:
`codes.py`; the workflows': `workflows.py`.
"""

from __future__ import annotations

from server.storage.tables.agency import agency_contract_lines as agency_contract_lines
from server.storage.tables.agency import agency_contracts as agency_contracts
from server.storage.tables.codes import material_codes as material_codes
from server.storage.tables.labels import print_requests as print_requests
from server.storage.tables.labels import sscc_serials as sscc_serials
from server.storage.tables.ledger import STOCK_STATUSES as STOCK_STATUSES
from server.storage.tables.ledger import api_clients as api_clients
from server.storage.tables.ledger import approvals as approvals
from server.storage.tables.ledger import audit_log as audit_log
from server.storage.tables.ledger import batches as batches
from server.storage.tables.ledger import chain_heads as chain_heads
from server.storage.tables.ledger import checkpoint_keys as checkpoint_keys
from server.storage.tables.ledger import checkpoints as checkpoints
from server.storage.tables.ledger import events as events
from server.storage.tables.ledger import floor_grants as floor_grants
from server.storage.tables.ledger import item_gtins as item_gtins
from server.storage.tables.ledger import items as items
from server.storage.tables.ledger import known_sources as known_sources
from server.storage.tables.ledger import ledger_heads as ledger_heads
from server.storage.tables.ledger import locations as locations
from server.storage.tables.ledger import login_failures as login_failures
from server.storage.tables.ledger import metadata as metadata
from server.storage.tables.ledger import postings as postings
from server.storage.tables.ledger import sessions as sessions
from server.storage.tables.ledger import stock as stock
from server.storage.tables.ledger import stock_bands as stock_bands
from server.storage.tables.ledger import stock_bands_day as stock_bands_day
from server.storage.tables.ledger import stock_figures_versions as stock_figures_versions
from server.storage.tables.ledger import stock_summary as stock_summary
from server.storage.tables.ledger import users as users
from server.storage.tables.ledger import warehouses as warehouses
from server.storage.tables.reporting import epcis_events as epcis_events
from server.storage.tables.reporting import feed_leases as feed_leases
from server.storage.tables.reporting import feed_outbox as feed_outbox
from server.storage.tables.reporting import feed_positions as feed_positions
from server.storage.tables.workflows import decision_files as decision_files
from server.storage.tables.workflows import depot_phone_orders as depot_phone_orders
from server.storage.tables.workflows import dispatch_lines as dispatch_lines
from server.storage.tables.workflows import dispatch_orders as dispatch_orders
from server.storage.tables.workflows import emergency_reports as emergency_reports
from server.storage.tables.workflows import gateway_status as gateway_status
from server.storage.tables.workflows import handover_lines as handover_lines
from server.storage.tables.workflows import handovers as handovers
from server.storage.tables.workflows import inbound_lines as inbound_lines
from server.storage.tables.workflows import inbound_notices as inbound_notices
from server.storage.tables.workflows import inbound_units as inbound_units
from server.storage.tables.workflows import monthly_reports as monthly_reports
from server.storage.tables.workflows import notifications as notifications
from server.storage.tables.workflows import pick_lines as pick_lines
from server.storage.tables.workflows import places as places
from server.storage.tables.workflows import road_distances as road_distances
from server.storage.tables.workflows import stocktake_counted as stocktake_counted
from server.storage.tables.workflows import stocktake_counts as stocktake_counts
from server.storage.tables.workflows import stocktake_lines as stocktake_lines
from server.storage.tables.workflows import stocktake_progress as stocktake_progress
from server.storage.tables.workflows import stocktake_skips as stocktake_skips
from server.storage.tables.workflows import stocktakes as stocktakes
from server.storage.tables.workflows import suppliers as suppliers
