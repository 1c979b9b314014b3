"""Alembic environment: runs on the connection that `core.migrate` hands over."""

from __future__ import annotations

from alembic import context

from core.models import Base
from core.ticket_queries import include_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `postdesk db upgrade` (core.migrate), not bare alembic")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
