"""Hints taken: one row per trainee, lab and check whose hint the trainee was given.

``hint.taken`` events fill it; the first time a hint was taken is kept, so a hint asked
for again costs nothing more. Nothing is rebuilt for the past: before this revision no
hint could be taken.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hints_taken",
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), primary_key=True),
        sa.Column("lab_id", sa.String(64), primary_key=True),
        sa.Column("check_id", sa.String(100), primary_key=True),
        sa.Column("taken_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hints_taken")
