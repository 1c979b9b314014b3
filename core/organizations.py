"""Organization services: the tree, its mail domains, its members, and which organizations a
person belongs to.

The tree is walked with a recursive CTE (`subtree`) rather than kept in a closure table: the
organizations are few (hundreds), a CTE over them costs well under a millisecond, and there
is nothing to keep in step when an organization moves under another parent. A move that
would make an organization its own ancestor is refused, and the CTE uses UNION (not UNION
ALL), so even a cycle written into the database by hand could not make it loop.

A person's organizations are their memberships; someone who is a member of none belongs to the
active organization of their address's domain (`corp.example`, also for `lab.corp.example`
unless that is named itself). That membership is not written down: the domain stays a rule an
admin can change, which then holds at once for everyone it names, and the member list shows
only the people an admin added."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import CTE, ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from core.errors import AlreadyExists, InvalidInput
from core.models import Organization, OrganizationDomain, User
from core.models.orgs import organization_members
from core.sla.refusals import FieldRefused

NAME_MAX = 200
_DOMAIN = re.compile(r"(?=.{4,255}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One organization in the tree as the admin page lists it: depth 0 is a top-level one."""

    organization: Organization
    depth: int


def subtree(roots: Select[tuple[int]] | ColumnElement[int], name: str = "organization_tree") -> CTE:
    """The ids of the organizations `roots` selects and of all their descendants (column `id`)."""
    top = select(Organization.id.label("id")).where(Organization.id.in_(roots))
    tree = top.cte(name, recursive=True)
    return tree.union(select(Organization.id).where(Organization.parent_id == tree.c.id))


def descendant_ids(session: Session, root_ids: Iterable[int]) -> frozenset[int]:
    """The given organizations and everything under them."""
    roots = sorted(set(root_ids))
    if not roots:
        return frozenset()
    tree = subtree(select(Organization.id).where(Organization.id.in_(roots)))
    return frozenset(session.scalars(select(tree.c.id)))


def lineage(organization: Organization) -> list[Organization]:
    """The organization, its parent, its grandparent ... up to the top (nearest first)."""
    chain: list[Organization] = []
    current: Organization | None = organization
    while current is not None and current not in chain:
        chain.append(current)
        current = current.parent
    return chain


def organization_tree(session: Session) -> list[TreeRow]:
    """Every organization, each parent before its children, siblings by name."""
    everything = list(session.scalars(select(Organization).order_by(Organization.name)))
    children: dict[int | None, list[Organization]] = {}
    for organization in everything:
        children.setdefault(organization.parent_id, []).append(organization)
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for organization in children.get(parent_id, []):
            rows.append(TreeRow(organization, depth))
            walk(organization.id, depth + 1)

    walk(None, 0)
    return rows


def normalise_domain(text: str) -> str:
    """`@Corp.Example ` -> `corp.example`, or InvalidInput if it is not a domain name."""
    domain = text.strip().lower().removeprefix("@").rstrip(".")
    if not _DOMAIN.fullmatch(domain):
        raise InvalidInput(f"{text.strip()!r} is not a mail domain like corp.example")
    return domain


def parse_domains(text: str) -> list[str]:
    """The domains in a comma-, space- or line-separated list, normalised and deduplicated."""
    parts = (part for part in re.split(r"[\s,;]+", text) if part)
    return list(dict.fromkeys(normalise_domain(part) for part in parts))


def _check_name(session: Session, name: str, organization: Organization | None) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise FieldRefused("name", "an organization needs a name")
    if len(cleaned) > NAME_MAX:
        raise FieldRefused("name", f"a name has at most {NAME_MAX} characters")
    clash = session.scalar(select(Organization).where(func.lower(Organization.name) == cleaned.lower()))
    if clash is not None and clash is not organization:
        raise FieldRefused("name", f"an organization named {cleaned!r} exists already")
    return cleaned


def _check_parent(organization: Organization | None, parent: Organization | None) -> None:
    """A parent may not be the organization itself or one of its descendants."""
    if organization is None or parent is None:
        return
    if organization in lineage(parent):
        raise FieldRefused("parent", f"{parent.name} is inside {organization.name}; it cannot also be its parent")


def add_organization(
    session: Session, name: str, *, parent: Organization | None = None, active: bool = True
) -> Organization:
    """A new organization; FieldRefused names the field (`name`) a refusal is about, as the
    edits below do (`parent`, `domains`)."""
    organization = Organization(name=_check_name(session, name, None), parent=parent, active=active)
    session.add(organization)
    session.flush()
    return organization


def update_organization(
    session: Session, organization: Organization, *, name: str, parent: Organization | None, active: bool
) -> None:
    """An admin's edit. An inactive organization keeps its tickets, members and the rights its
    contracts give; it only stops being chosen for new tickets."""
    organization.name = _check_name(session, name, organization)
    _check_parent(organization, parent)
    organization.parent = parent
    organization.active = active
    session.flush()


def set_domains(session: Session, organization: Organization, domains: list[str]) -> None:
    """Replace the organization's mail domains; a domain of another organization is refused."""
    taken = session.execute(
        select(OrganizationDomain.domain, Organization.name)
        .join(Organization, Organization.id == OrganizationDomain.organization_id)
        .where(OrganizationDomain.domain.in_(domains), OrganizationDomain.organization_id != organization.id)
    ).all()
    if taken:
        raise FieldRefused("domains", "; ".join(f"{domain} belongs to {owner}" for domain, owner in taken))
    kept = {item.domain: item for item in organization.domains}
    organization.domains = [kept.get(domain) or OrganizationDomain(domain=domain) for domain in domains]
    session.flush()


def add_member(session: Session, organization: Organization, user: User) -> None:
    if user in organization.members:
        raise AlreadyExists(f"{user.email} is a member of {organization.name} already")
    organization.members.append(user)
    session.flush()


def remove_member(session: Session, organization: Organization, user: User) -> None:
    if user not in organization.members:
        raise InvalidInput(f"{user.email} is not a member of {organization.name}")
    organization.members.remove(user)
    session.flush()


def memberships(session: Session, user: User) -> list[Organization]:
    """The organizations the user was made a member of, by name."""
    query = (
        select(Organization)
        .join(organization_members, organization_members.c.organization_id == Organization.id)
        .where(organization_members.c.user_id == user.id)
        .order_by(Organization.name)
    )
    return list(session.scalars(query))


def _parent_domains(domain: str) -> list[str]:
    """`a.b.corp.example` -> itself, `b.corp.example`, `corp.example` (never the bare TLD)."""
    labels = domain.split(".")
    return [".".join(labels[index:]) for index in range(len(labels) - 1)]


def organization_for_domain(session: Session, email: str) -> Organization | None:
    """The active organization that owns the address's domain, the most specific domain first."""
    candidates = _parent_domains(email.rpartition("@")[2].lower())
    if not candidates:
        return None
    rows = session.execute(
        select(OrganizationDomain.domain, Organization)
        .join(Organization, Organization.id == OrganizationDomain.organization_id)
        .where(OrganizationDomain.domain.in_(candidates), Organization.active.is_(True))
    ).all()
    owners = {domain: organization for domain, organization in rows}
    return next((owners[domain] for domain in candidates if domain in owners), None)


@dataclass(frozen=True, slots=True)
class Affiliation:
    """The organizations a person belongs to, and how we know (for the ticket's history)."""

    organizations: list[Organization]
    via: str


def user_organizations(session: Session, user: User) -> Affiliation:
    """The user's active organizations: their memberships, else the one of their mail domain."""
    members_of = [organization for organization in memberships(session, user) if organization.active]
    if members_of:
        return Affiliation(members_of, "membership")
    by_domain = organization_for_domain(session, user.email)
    if by_domain is not None:
        return Affiliation([by_domain], f"mail domain {user.email.rpartition('@')[2]}")
    return Affiliation([], "no organization")
