"""Make the test's database really unavailable for a while, on either backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.runtime import Runtime


@contextmanager
def database_down(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[None]:
    """PostgreSQL: stop the server (immediate), start it again afterwards.
    SQLite: move the database file away so it cannot be opened, then put it back."""
    runtime.engine.dispose()
    if runtime.engine.dialect.name == "postgresql":
        server = request.getfixturevalue("postgres_server")
        server.stop("immediate")
        try:
            yield
        finally:
            server.start()
            runtime.engine.dispose()
        return
    database = Path(runtime.engine.url.database or "")
    hidden = database.parent.with_name(database.parent.name + "-away")
    database.parent.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(database.parent)
        runtime.engine.dispose()
