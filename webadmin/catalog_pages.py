"""The catalog editor for admins: groups, their categories and subcategories, and group members.

`/admin/catalog` lists the groups; `/admin/catalog/groups/<id>` edits one group and its tree.
Entries are renamed in place and deactivated rather than deleted once tickets use them
(core.catalog.delete_unused refuses), so a ticket's history never loses its category."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from core.catalog import (
    GROUP_ORDER,
    CatalogItem,
    add_under,
    delete_unused,
    move,
    rename,
    routes_using,
    set_members,
    ticket_counts,
)
from core.models import Category, Group, Subcategory, User
from core.models.users import group_members
from core.sla.leads import lead_ids, set_leads
from webadmin.access import admins_only
from webadmin.actions import action
from webadmin.db import get_session
from webadmin.staff.common import staff_members

bp = Blueprint("catalog", __name__, url_prefix="/admin/catalog")
bp.before_request(admins_only)

KINDS: dict[str, type[CatalogItem]] = {"groups": Group, "categories": Category, "subcategories": Subcategory}
STEPS = {"up": -1, "down": 1}


@bp.route("")
def index() -> ResponseReturnValue:
    session = get_session()
    groups = list(session.scalars(select(Group).order_by(*GROUP_ORDER)))
    counted = select(group_members.c.group_id, func.count()).group_by(group_members.c.group_id)
    members: dict[int, int] = {group_id: count for group_id, count in session.execute(counted)}
    tickets = ticket_counts(session, Group, [group.id for group in groups])
    return render_template("admin/catalog.html", groups=groups, members=members, tickets=tickets)


@bp.route("/groups", methods=["POST"])
def add_group() -> ResponseReturnValue:
    name = request.form.get("name", "")
    with action(f"Group {name.strip()!r} added.") as session:
        group = add_under(session, None, name).group
        return redirect(url_for("catalog.group", group_id=group.id))
    return redirect(url_for("catalog.index"))


def _group(session: Session, group_id: int) -> Group:
    found = session.get(
        Group, group_id,
        options=[selectinload(Group.categories).selectinload(Category.subcategories), selectinload(Group.members)],
    )
    if found is None:
        abort(404)
    return found


@bp.route("/groups/<int:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    session = get_session()
    found = _group(session, group_id)
    categories = [category.id for category in found.categories]
    subcategories = [sub.id for category in found.categories for sub in category.subcategories]
    return render_template(
        "admin/catalog_group.html",
        group=found,
        staff=staff_members(session),
        member_ids={member.id for member in found.members},
        lead_ids=lead_ids(session, found.id),
        usage={
            "groups": ticket_counts(session, Group, [found.id]),
            "categories": ticket_counts(session, Category, categories),
            "subcategories": ticket_counts(session, Subcategory, subcategories),
        },
        routes=routes_using(session, found),
    )


@bp.route("/groups/<int:group_id>/settings", methods=["POST"])
def group_settings(group_id: int) -> ResponseReturnValue:
    """Display name (the `From` name of its mails), new-ticket notices, and the members."""
    with action("Group saved.") as session:
        found = _group(session, group_id)
        found.display_name = request.form.get("display_name", "").strip()[:200]
        found.notify_new_tickets = request.form.get("notify_new_tickets") == "on"
        chosen = [int(value) for value in request.form.getlist("members") if value.isdigit()]
        set_members(session, found, list(session.scalars(select(User).where(User.id.in_(chosen)))))
        set_leads(session, found, [int(value) for value in request.form.getlist("leads") if value.isdigit()])
    return redirect(url_for("catalog.group", group_id=group_id))


@bp.route("/groups/<int:group_id>/categories", methods=["POST"])
def add_category(group_id: int) -> ResponseReturnValue:
    name = request.form.get("name", "")
    with action(f"Category {name.strip()!r} added.") as session:
        add_under(session, _group(session, group_id), name)
    return redirect(url_for("catalog.group", group_id=group_id))


@bp.route("/categories/<int:category_id>/subcategories", methods=["POST"])
def add_subcategory(category_id: int) -> ResponseReturnValue:
    name = request.form.get("name", "")
    with action(f"Subcategory {name.strip()!r} added.") as session:
        category = session.get(Category, category_id)
        if category is None:
            abort(404)
        add_under(session, category, name)
    return redirect(url_for("catalog.group", group_id=category.group_id))


def _item(session: Session, kind: str, item_id: int) -> CatalogItem:
    model = KINDS.get(kind)
    found = session.get(model, item_id) if model is not None else None
    if found is None:
        abort(404)
    return cast(CatalogItem, found)


def _back_to(item: CatalogItem) -> Response:
    """The page of the group the item belongs to."""
    if isinstance(item, Group):
        group_id = item.id
    elif isinstance(item, Category):
        group_id = item.group_id
    else:
        group_id = item.category.group_id
    return redirect(url_for("catalog.group", group_id=group_id))


@bp.route("/<kind>/<int:item_id>/rename", methods=["POST"])
def rename_item(kind: str, item_id: int) -> ResponseReturnValue:
    with action("Renamed.") as session:
        item = _item(session, kind, item_id)
        back = _back_to(item)
        rename(session, item, request.form.get("name", ""))
    return back


@bp.route("/<kind>/<int:item_id>/active", methods=["POST"])
def set_active(kind: str, item_id: int) -> ResponseReturnValue:
    """Deactivated entries stay on their tickets but are not offered for new ones."""
    active = request.form.get("active") == "1"
    with action("Activated." if active else "Deactivated.") as session:
        item = _item(session, kind, item_id)
        back = _back_to(item)
        item.active = active
    return back


@bp.route("/<kind>/<int:item_id>/move", methods=["POST"])
def move_item(kind: str, item_id: int) -> ResponseReturnValue:
    """One place up or down among its siblings; groups are ordered on the catalog page itself."""
    steps = STEPS.get(request.form.get("direction", ""))
    if steps is None:
        abort(400, "direction must be 'up' or 'down'")
    with action("Moved.") as session:
        item = _item(session, kind, item_id)
        back = redirect(url_for("catalog.index")) if isinstance(item, Group) else _back_to(item)
        move(session, item, steps)
    return back


@bp.route("/<kind>/<int:item_id>/delete", methods=["POST"])
def delete_item(kind: str, item_id: int) -> ResponseReturnValue:
    with action("Deleted.") as session:
        item = _item(session, kind, item_id)
        back = redirect(url_for("catalog.index")) if isinstance(item, Group) else _back_to(item)
        delete_unused(session, item)
    return back
