"""Organizations (a company, a department, a site), who belongs to them, and their contracts.

Organizations nest through `parent_id`; a child inherits what its parent's contracts give
(core.organizations.subtree walks the tree with a recursive CTE, so nothing has to be kept
in step when an organization moves). A mail domain names at most one organization: a sender
of that domain who is a member of none is filed under it (core.contracts.placement).

A contract links an organization to the service: which groups and categories it covers (none
named: all of them), while it is valid, and two sets of people with rights from it: customer
managers (see and comment on every ticket of the organization and its children, in the portal)
and support managers (see and work every ticket under the contract, in the panel). What those
rights mean is decided in one place, core.permissions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, utcnow
from core.models.catalog import Category, Group
from core.models.sla import SlaPolicy
from core.models.tickets import Ticket
from core.models.users import User

organization_members = Table(
    "organization_members",
    Base.metadata,
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

contract_groups = Table(
    "contract_groups",
    Base.metadata,
    Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)

contract_categories = Table(
    "contract_categories",
    Base.metadata,
    Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)

contract_customer_managers = Table(
    "contract_customer_managers",
    Base.metadata,
    Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

contract_support_managers = Table(
    "contract_support_managers",
    Base.metadata,
    Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The portal's "my organization" list and the permission filter look tickets up by these and
# page them newest-updated first (keyset on updated_at, id), like views.py's list index.
Index("ix_tickets_organization_updated", Ticket.organization_id, Ticket.updated_at, Ticket.id)
Index("ix_tickets_contract_updated", Ticket.contract_id, Ticket.updated_at, Ticket.id)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent", order_by="Organization.name")
    domains: Mapped[list[OrganizationDomain]] = relationship(
        back_populates="organization", order_by="OrganizationDomain.domain", cascade="all, delete-orphan"
    )
    members: Mapped[list[User]] = relationship(secondary=organization_members, order_by=User.email)
    contracts: Mapped[list[Contract]] = relationship(back_populates="organization", order_by="Contract.name")


class OrganizationDomain(Base):
    """A mail domain (`corp.example`) whose senders belong to the organization unless they are
    members of one; subdomains (`lab.corp.example`) follow it unless they are named themselves."""

    __tablename__ = "organization_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    organization: Mapped[Organization] = relationship(back_populates="domains")


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    """The SLA policy of the tickets under this contract; it wins over the catalog's choice
    (core.contracts.contract_policy, called by core.sla's policy selection)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="contracts")
    sla_policy: Mapped[SlaPolicy | None] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=contract_groups, order_by=Group.name)
    categories: Mapped[list[Category]] = relationship(secondary=contract_categories, order_by=Category.name)
    customer_managers: Mapped[list[User]] = relationship(secondary=contract_customer_managers, order_by=User.email)
    support_managers: Mapped[list[User]] = relationship(secondary=contract_support_managers, order_by=User.email)

    @property
    def covers_everything(self) -> bool:
        """No group or category named: the contract covers the whole catalog, and uncategorised tickets."""
        return not self.groups and not self.categories

    def in_force(self, today: date) -> bool:
        """Active and within its dates (both inclusive): new tickets may be opened under it."""
        if not self.active:
            return False
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_until is None or today <= self.valid_until
        )
