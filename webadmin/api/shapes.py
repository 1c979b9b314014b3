"""Rows of the database as the API's reply models.

Tickets and messages go through core.serialize, the command line's JSON (a public interface),
so the API and `postdesk tickets show --json` cannot disagree about what a field means."""

from __future__ import annotations

from collections.abc import Iterable

from core.catalog import CatalogEntry
from core.models import Category, Group, Message, Subcategory, Ticket, User
from core.serialize import message_detail, ticket_summary
from core.ticket_queries import Cursor, TicketPage
from webadmin.api.schemas.catalog import (
    CatalogChoices,
    CatalogTree,
    CategoryChoice,
    CategoryItem,
    GroupChoice,
    GroupItem,
    SubcategoryChoice,
    SubcategoryItem,
)
from webadmin.api.schemas.tickets import (
    EventOut,
    MessageOut,
    StaffTicketDetail,
    TicketDetail,
    TicketSummary,
)
from webadmin.api.schemas.tickets import TicketPage as TicketPageOut
from webadmin.api.schemas.users import UserOut


def summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary.model_validate(ticket_summary(ticket))


def _messages(messages: Iterable[Message]) -> list[MessageOut]:
    return [MessageOut.model_validate(message_detail(message)) for message in messages]


def detail(ticket: Ticket, messages: Iterable[Message]) -> TicketDetail:
    """The ticket with `messages` (for a client: the public ones only)."""
    return TicketDetail(
        **ticket_summary(ticket),
        watchers=[watcher.email for watcher in ticket.watchers],
        messages=_messages(messages),
    )


def staff_detail(ticket: Ticket) -> StaffTicketDetail:
    events = [
        EventOut(field=event.field, old=event.old_value, new=event.new_value,
                 actor=event.actor.email if event.actor else None, at=event.created_at)
        for event in ticket.events
    ]  # fmt: skip
    return StaffTicketDetail(**detail(ticket, ticket.messages).model_dump(), events=events)


def cursor_text(cursor: Cursor | None) -> str | None:
    """A page cursor as the API hands it out: `after:KEY` (older) or `before:KEY` (newer)."""
    if cursor is None:
        return None
    return ("before:" if cursor.before else "after:") + cursor.token()


def page(found: TicketPage) -> TicketPageOut:
    return TicketPageOut(
        tickets=[summary(ticket) for ticket in found.tickets],
        next_cursor=cursor_text(found.older),
        prev_cursor=cursor_text(found.newer),
    )


def user(person: User) -> UserOut:
    return UserOut(
        id=person.id, email=person.email, name=person.name, role=person.role, department=person.department,
        active=person.active, undeliverable=person.undeliverable, has_password=bool(person.password_hash),
        groups=[group.name for group in person.groups], created_at=person.created_at,
    )  # fmt: skip


def choices(entries: Iterable[CatalogEntry]) -> CatalogChoices:
    """The entries someone may choose (in catalog order, a group before its categories, a
    category before its subcategories: core.portal_intake.active_entries) as the tree, each
    with the path to pass as a ticket's `category`. A group or category with chosen entries
    under it but not chosen itself is there for them, not `choosable`."""
    groups: dict[int, GroupChoice] = {}
    categories: dict[int, CategoryChoice] = {}
    for entry in entries:
        group = groups.get(entry.group.id)
        if group is None:
            group = GroupChoice(name=entry.group.name, path=entry.group.name, choosable=False, categories=[])
            groups[entry.group.id] = group
        if entry.category is None:
            group.choosable = True
            continue
        category = categories.get(entry.category.id)
        if category is None:
            path = f"{group.path}/{entry.category.name}"
            category = CategoryChoice(name=entry.category.name, path=path, choosable=False, subcategories=[])
            categories[entry.category.id] = category
            group.categories.append(category)
        if entry.subcategory is None:
            category.choosable = True
        else:
            category.subcategories.append(SubcategoryChoice(name=entry.subcategory.name, path=entry.path, choosable=True))
    return CatalogChoices(groups=list(groups.values()))


def subcategory_item(sub: Subcategory) -> SubcategoryItem:
    return SubcategoryItem(id=sub.id, name=sub.name, active=sub.active)


def category_item(category: Category) -> CategoryItem:
    return CategoryItem(
        id=category.id, name=category.name, active=category.active,
        subcategories=[subcategory_item(sub) for sub in category.subcategories],
    )  # fmt: skip


def group_item(group: Group) -> GroupItem:
    return GroupItem(
        id=group.id, name=group.name, active=group.active, display_name=group.display_name,
        notify_new_tickets=group.notify_new_tickets, members=[member.email for member in group.members],
        categories=[category_item(category) for category in group.categories],
    )  # fmt: skip


def tree(groups: Iterable[Group]) -> CatalogTree:
    """Everything, inactive entries included, with the ids the admin routes take."""
    return CatalogTree(groups=[group_item(group) for group in groups])
