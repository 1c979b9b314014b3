"""The migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from core.migrate import schema_drift, upgrade
from core.models import Base
from core.runtime import Runtime


def test_migrated_schema_matches_the_models(runtime: Runtime) -> None:
    assert schema_drift(runtime.engine) == []


def test_every_model_table_exists_and_upgrade_is_idempotent(runtime: Runtime) -> None:
    upgrade(runtime.engine)
    tables = set(inspect(runtime.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
