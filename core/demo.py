"""The demo admin that `postdesk run --demo` creates on a fresh installation.

Its password is generated once and kept in the data dir (mode 0600), never a constant."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from core.models import Role
from core.users import add_user, find_user

CREDENTIALS_FILE = "demo-admin.txt"


@dataclass(frozen=True, slots=True)
class DemoAdmin:
    email: str
    password: str | None
    """None when the account existed before and its password is not ours to show."""


def ensure_demo_admin(session: Session, data_dir: Path, mail_domain: str) -> DemoAdmin:
    email = f"admin@{mail_domain}"
    saved = data_dir / CREDENTIALS_FILE
    if find_user(session, email) is not None:
        return DemoAdmin(email, saved.read_text().strip() if saved.exists() else None)
    password = secrets.token_urlsafe(12)
    add_user(session, email, role=Role.ADMIN, name="Demo Admin", password=password)
    fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return DemoAdmin(email, password)
