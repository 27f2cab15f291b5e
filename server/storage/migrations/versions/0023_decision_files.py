"""decision files: the quality report's file kept with its decision

A decision that stands on a quality report (an acceptance, a re-inspection, a scrapping
proposal, a return's inspection) may keep the report itself (a PDF or an image,
server.domain.report_files) beside the report's number, once per decision, with its SHA-256
(server.services.decision_files). The postings that stand on a decision are found by their index
`ix_postings_approval` (a decision's page, the rejections still to send back).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_files",
        sa.Column("approval_id", sa.Integer(), sa.ForeignKey("approvals.id"), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_postings_approval", "postings", ["approval_id"])


def downgrade() -> None:
    op.drop_index("ix_postings_approval", table_name="postings")
    op.drop_table("decision_files")
