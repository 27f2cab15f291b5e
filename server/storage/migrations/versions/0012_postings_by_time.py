"""postings by time: a month's postings read through an index (monthly reports roll forward)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_postings_posted_at", "postings", ["posted_at"])


def downgrade() -> None:
    op.drop_index("ix_postings_posted_at", table_name="postings")
