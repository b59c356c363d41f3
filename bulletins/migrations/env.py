"""Alembic environment: runs on the connection handed over by bulletins.db.migrate."""

from alembic import context

from bulletins.db import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` CLI with a URL
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=True,
    version_table="bulletins_alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
