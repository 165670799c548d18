"""The registry of parks and enterprises: its revisions, and the enterprises' tax codes.

Parks and enterprises keep their tables; the registry fills them with every park and
enterprise of the province, enrolled or not. ``registry_revisions`` records each import
and edit; a database with none has no registry yet (the roster's places stand).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enterprises") as batch:
        batch.add_column(sa.Column("tax_code", sa.String(14), nullable=True))
    op.create_table(
        "registry_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("made_at", sa.DateTime, nullable=False),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("what", sa.String(300), nullable=False),
        sa.Column("parks", sa.Integer, nullable=False),
        sa.Column("enterprises", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registry_revisions")
    with op.batch_alter_table("enterprises") as batch:
        batch.drop_column("tax_code")
