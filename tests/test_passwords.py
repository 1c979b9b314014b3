"""Passwords: argon2id with argon2-cffi's recommended parameters in production (the suite
hashes with the cheapest ones, tests/conftest.py), and a hash made with other parameters is
upgraded the next time its owner signs in."""

from __future__ import annotations

import subprocess
import sys

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from core.db import unit_of_work
from core.models import Role, User
from core.runtime import Runtime
from core.users import add_user
from tests.test_web_auth import sign_in
from tests.web_helpers import make_app

PRODUCTION_PARAMETERS = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_production_hashes_use_the_recommended_parameters() -> None:
    probe = "from core.passwords import hash_password; print(hash_password('a passphrase'))"
    hashed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert hashed.startswith(PRODUCTION_PARAMETERS)


def test_a_cheaper_hash_is_upgraded_at_sign_in(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, "old@corp.example", role=Role.AGENT, password="an old passphrase")
    monkeypatch.setattr("core.passwords._hasher", PasswordHasher())
    client = make_app(runtime).test_client()
    assert sign_in(client, "old@corp.example", "an old passphrase")
    with runtime.sessions() as session:
        stored = session.scalar(select(User.password_hash).where(User.email == "old@corp.example"))
    assert stored is not None and stored.startswith(PRODUCTION_PARAMETERS)
