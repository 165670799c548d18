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


# Plain ALTER TABLE, not Alembic's batch mode: on SQLite that copies and drops `courses`,
# which the other tables' foreign keys refuse (and SQLite 3.35+ drops a column itself).


def upgrade() -> None:
    op.add_column("courses", sa.Column("rule", sa.JSON(none_as_null=True), nullable=True))
    op.drop_column("courses", "pass_percent")
    op.drop_column("courses", "assignments")
    op.drop_column("labs", "checks")


def downgrade() -> None:
    # The old columns come back empty: the old rule cannot be rebuilt from a new one.
    op.add_column("labs", sa.Column("checks", sa.JSON, nullable=False, server_default="[]"))
    op.add_column("courses", sa.Column("assignments", sa.JSON, nullable=False,
                                       server_default="[]"))
    op.add_column("courses", sa.Column("pass_percent", sa.Float, nullable=False,
                                       server_default="50"))
    op.drop_column("courses", "rule")
