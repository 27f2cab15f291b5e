"""national classification codes of emergency materials (GB/T 38565)

`material_codes`: the code table a depot imports (7 digits, 4 levels, with the names of each
class); `items.national_code`: an item's class in it, nullable (items without one are
reported as unclassified).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

REFERENCE = "fk_items_national_code_material_codes"


def upgrade() -> None:
    op.create_table(
        "material_codes",
        sa.Column("code", sa.String(7), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_material_codes")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # added with its reference in place: a rebuilt items table could not be dropped
        # while batches and GTINs point at it
        op.execute(
            sa.text(
                f"ALTER TABLE items ADD COLUMN national_code VARCHAR(7) "
                f"CONSTRAINT {REFERENCE} REFERENCES material_codes (code)"
            )
        )
        return
    op.add_column("items", sa.Column("national_code", sa.String(7), nullable=True))
    op.create_foreign_key(REFERENCE, "items", "material_codes", ["national_code"], ["code"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite drops a column with a reference only by building the table anew, and the old
        # items table may be dropped only with the references to it off, which SQLite allows
        # only outside a transaction: its own steps for any ALTER TABLE (the transaction so
        # far is committed; the rebuild is one transaction of its own)
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
        with op.batch_alter_table("items") as batch:  # the column takes its reference with it
            batch.drop_column("national_code")
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").first()
        if broken is not None:
            raise RuntimeError(f"the rebuilt items table breaks a reference: {tuple(broken)}")
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        op.drop_constraint(REFERENCE, "items", type_="foreignkey")
        op.drop_column("items", "national_code")
    op.drop_table("material_codes")
