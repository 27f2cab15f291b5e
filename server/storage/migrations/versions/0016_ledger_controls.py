"""ledger controls: each posting's basis; decisions and the audit trail as hash chains per
depot; signed checkpoints of the chains' ends

Postings get the kind of their basis and the record it names (server.domain.basis); postings made
before stay without one, and their hashes, which never covered one, stay as they are. The
decisions (`approvals`) and audit entries made before are put on their depot's chain in id
order, as they stand at the upgrade, so that any later change to them is found. The new
tables keep the chains' ends (`chain_heads`), the signing keys' public halves and the signed
checkpoints (server.services.checkpoints).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.domain.chains import GENESIS, NETWORK
from server.storage.chains import APPROVALS, AUDIT, Chain, digest

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PAGE = 1000
heads = sa.table(
    "chain_heads",
    sa.column("chain", sa.String),
    sa.column("scope", sa.String),
    sa.column("last_id", sa.Integer),
    sa.column("last_hash", sa.String),
)


def upgrade() -> None:
    op.add_column("postings", sa.Column("basis_kind", sa.String(24), nullable=True))
    op.add_column("postings", sa.Column("basis_ref", sa.String(64), nullable=True))
    op.create_index(
        "ix_postings_basis_ref",
        "postings",
        ["basis_kind", "basis_ref"],
        sqlite_where=sa.text("basis_ref IS NOT NULL"),
        postgresql_where=sa.text("basis_ref IS NOT NULL"),
    )
    for table in ("approvals", "audit_log"):
        # NOT NULL from the start (SQLite cannot add the constraint later without copying a
        # table others refer to); the rows there get their hashes below.
        for column in ("prev_hash", "hash"):
            op.add_column(
                table, sa.Column(column, sa.String(64), nullable=False, server_default="")
            )
    op.create_index("ix_approvals_warehouse_id", "approvals", ["warehouse", "id"])
    op.create_table(
        "chain_heads",
        sa.Column("chain", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("chain", "scope", name=op.f("pk_chain_heads")),
    )
    op.create_table(
        "checkpoint_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_checkpoint_keys")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["checkpoint_keys.key_id"],
            name=op.f("fk_checkpoints_key_id_checkpoint_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    op.create_index("ix_checkpoints_scope", "checkpoints", ["scope", "id"])
    conn = op.get_bind()
    for chain in (APPROVALS, AUDIT):
        _chain_existing(conn, chain)
    if conn.dialect.name == "postgresql":  # a row written outside the chain has no hash
        for table in ("approvals", "audit_log"):
            for column in ("prev_hash", "hash"):
                op.alter_column(table, column, server_default=None)


def _chain_existing(conn: sa.Connection, chain: Chain) -> None:
    """Hash the rows there are, per depot in id order, a page at a time; start the heads."""
    table = sa.table(  # the fields the hash covers, with their types (times as times)
        chain.table.name,
        sa.column("id", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
        *(sa.column(name, chain.table.c[name].type) for name in chain.fields),
    )
    scopes = [r[0] for r in conn.execute(sa.select(table.c.warehouse).distinct())]
    for warehouse in scopes:
        which = table.c.warehouse.is_(None) if warehouse is None else table.c.warehouse == warehouse
        previous, last_id = GENESIS, 0
        while True:
            rows = conn.execute(
                sa.select(table)
                .where(which & (table.c.id > last_id))
                .order_by(table.c.id)
                .limit(PAGE)
            ).all()
            if not rows:
                break
            updates = []
            for row in rows:
                hashed = digest(chain, previous, row)
                updates.append({"i": row.id, "p": previous, "h": hashed})
                previous, last_id = hashed, row.id
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("i"))
                .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")),
                updates,
            )
        conn.execute(
            heads.insert().values(
                chain=chain.name, scope=warehouse or NETWORK, last_id=last_id, last_hash=previous
            )
        )


def downgrade() -> None:
    op.drop_index("ix_checkpoints_scope", table_name="checkpoints")
    op.drop_table("checkpoints")
    op.drop_table("checkpoint_keys")
    op.drop_table("chain_heads")
    op.drop_index("ix_approvals_warehouse_id", table_name="approvals")
    for table in ("approvals", "audit_log"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("hash")
            batch.drop_column("prev_hash")
    op.drop_index("ix_postings_basis_ref", table_name="postings")
    with op.batch_alter_table("postings") as batch:
        batch.drop_column("basis_ref")
        batch.drop_column("basis_kind")
