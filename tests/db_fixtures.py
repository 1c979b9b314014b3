"""Database fixtures: every test that asks for `runtime` runs once on SQLite and once on a
throwaway PostgreSQL (POSTDESK_TEST_BACKENDS=sqlite,postgres by default).

The schema is migrated once per backend into a template; each test gets a fresh copy
(a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings, load_settings
from core.db import make_engine
from core.migrate import upgrade
from core.runtime import Runtime
from mailgateway.intake import Gateway

BACKENDS = [name.strip() for name in os.environ.get("POSTDESK_TEST_BACKENDS", "sqlite,postgres").split(",") if name.strip()]
SUPPORT = "support@helpdesk.example.com"
_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server) -> str:  # type: ignore[no-untyped-def]
    postgres_server.create_database("postdesk_template")
    engine = make_engine(postgres_server.url("postdesk_template"))
    upgrade(engine)
    engine.dispose()
    return "postdesk_template"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "db" / "postdesk.sqlite3"
        target.parent.mkdir()
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    server = request.getfixturevalue("postgres_server")
    name = f"test_{os.getpid()}_{next(_counter)}"
    server.create_database(name, template=template)
    yield server.url(name)
    server.drop_database(name)


def environment_for(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "POSTDESK_DATA_DIR": str(data_dir),
        "POSTDESK_DATABASE_URL": database_url,
        "POSTDESK_MAIL_DOMAIN": "helpdesk.example.com",
        "POSTDESK_SUPPORT_ADDRESS": SUPPORT,
        "POSTDESK_SECRET_KEY": "test-secret-key-not-for-production",
        **extra,
    }


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(environment_for(tmp_path / "var", database_url))


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def gateway(runtime: Runtime) -> Gateway:
    return Gateway.from_runtime(runtime)
