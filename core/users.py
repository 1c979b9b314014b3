"""User services: staff and employees, including the mail-only users created on first contact."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import Role, User
from core.passwords import hash_password


def normalise_email(email: str) -> str:
    """Lower-cased addr-spec, or InvalidInput if it is not one address."""
    candidate = email.strip()
    try:
        address = Address(addr_spec=candidate)
    except (HeaderParseError, ValueError, IndexError):
        raise InvalidInput(f"{email!r} is not an email address") from None
    if not address.username or "." not in address.domain:
        raise InvalidInput(f"{email!r} is not an email address")
    return address.addr_spec.lower()


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        roles = ", ".join(role.value for role in Role)
        raise InvalidInput(f"unknown role {value!r}; use one of: {roles}") from None


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise NotFound(f"no user {email!r}")
    return user


def add_user(
    session: Session,
    email: str,
    *,
    role: Role,
    name: str = "",
    department: str = "",
    password: str | None = None,
) -> User:
    address = normalise_email(email)
    if find_user(session, address) is not None:
        raise AlreadyExists(f"a user {address} already exists")
    user = User(
        email=address,
        role=role,
        name=name.strip(),
        department=department.strip(),
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def mail_user(session: Session, email: str, name: str = "") -> User:
    """The user behind a sender address; a mail-only client is created on first contact."""
    return sender_user(session, email, name)[0]


def sender_user(session: Session, email: str, name: str = "") -> tuple[User, bool]:
    """`mail_user`, and whether the address was known before (one lookup for the intake)."""
    address = normalise_email(email)
    user = find_user(session, address)
    if user is None:
        user = User(email=address, role=Role.CLIENT, name=name.strip()[:200])
        session.add(user)
        session.flush()
        return user, False
    if not user.name and name.strip():
        user.name = name.strip()[:200]
    return user, True


def _is_last_admin(session: Session, user: User) -> bool:
    if user.role is not Role.ADMIN or not user.active:
        return False
    others = select(User.id).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id).limit(1)
    return session.scalar(others) is None


def update_user(
    session: Session, user: User, *, name: str, role: Role, department: str, active: bool, undeliverable: bool
) -> None:
    """An admin's edit of a user. The last active admin can be neither demoted nor deactivated:
    nobody would be left to undo it. Deactivating ends the user's sessions (webadmin.auth); a
    client is in no group; clearing `undeliverable` lets mail go to the address again (after a
    hard bounce was fixed)."""
    if (role is not Role.ADMIN or not active) and _is_last_admin(session, user):
        raise InvalidInput(f"{user.email} is the only active admin; make someone else an admin first")
    user.name = name.strip()[:200]
    user.role = role
    user.department = department.strip()[:200]
    user.active = active
    user.undeliverable = undeliverable
    if not role.is_staff:
        user.groups = []
    session.flush()


def user_list_filters(role: str, text: str, after: str) -> list[ColumnElement[bool]]:
    """The user list's filters (admin page and API): `role` a role's name, `text` a part of the address, name or department, `after` an address."""
    filters = []
    if role:
        filters.append(User.role == parse_role(role))
    if text:
        pattern = f"%{text.lower()}%"
        filters.append(or_(User.email.like(pattern), User.name.ilike(pattern), User.department.ilike(pattern)))
    if after:
        filters.append(User.email > after)
    return filters
