"""Courses carry their completion rule from course.yaml instead of one pass percent.

``courses.rule`` holds ``senlab.courses.CompletionRule`` as published; ``pass_percent``,
``courses.assignments`` and ``labs.checks`` (what the old rule read) go. A course published
before this revision has no rule until it is published again (``senlab course publish``);
until then it completes only by an explicit ``course.completed`` event. Completions and
certificates already issued stay as they are.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("rule", sa.JSON(none_as_null=True), nullable=True))
        batch.drop_column("pass_percent")
        batch.drop_column("assignments")
    with op.batch_alter_table("labs") as batch:
        batch.drop_column("checks")


def downgrade() -> None:
    # The old columns come back empty: the old rule cannot be rebuilt from a new one.
    with op.batch_alter_table("labs") as batch:
        batch.add_column(sa.Column("checks", sa.JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("assignments", sa.JSON, nullable=False,
                                   server_default="[]"))
        batch.add_column(sa.Column("pass_percent", sa.Float, nullable=False,
                                   server_default="50"))
        batch.drop_column("rule")
