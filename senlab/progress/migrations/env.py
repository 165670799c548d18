"""Alembic environment of the progress database, configured in code (no alembic.ini).

``senlab.progress.db.migrate`` passes an open connection in ``config.attributes``.
"""

from alembic import context

from senlab.progress.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
