"""The ticket list: filters, search, sort, keyset pages, counts per status, saved views.

The filter lives in the query string, so a filtered list is a link that can be bookmarked,
shared and saved as a view. A value the form does not know (a status that does not exist, a
staff member who left) is a 400, not a silently wider list."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from core.errors import InvalidInput
from core.models import Group, Priority, Status, User, utcnow
from core.models.views import SavedView
from core.sla.list_queries import DueFilter
from core.ticket_queries import (
    COUNT_CAP,
    OPEN_STATUSES,
    Cursor,
    Sort,
    StatusCount,
    TicketFilter,
    status_counts,
    ticket_page,
)
from webadmin.auth import signed_in_user
from webadmin.db import get_session
from webadmin.forms import FILTER_FIELDS, BulkForm, FilterForm, SavedViewForm
from webadmin.staff import bp
from webadmin.staff.common import (
    active_groups,
    catalog_choices,
    staff_choices,
    staff_members,
    writing,
)

PAGE_SIZE = 50

STATUS_TABS = [("", "All"), ("open", "Open"), *((status.value, status.value.replace("_", " ").capitalize()) for status in Status)]
"""The list's tabs: (the `status` parameter, its label)."""


def filter_form(data: MultiDict[str, str], staff: list[User], groups: list[Group]) -> FilterForm:
    form = FilterForm(formdata=data)
    form.catalog.choices = catalog_choices(groups, none_label="Any category", subcategories=False)
    special = [SelectChoice("", "Anyone"), SelectChoice("mine", "Me"), SelectChoice("unassigned", "Unassigned")]
    form.assignee.choices = [*special, *staff_choices(staff, none_label="")[1:]]
    return form


def bulk_form(staff: list[User], groups: list[Group], **data: Any) -> BulkForm:
    """The bulk bar's form; `data` (e.g. formdata=None) as for any FlaskForm."""
    form = BulkForm(prefix="bulk", **data)
    form.assignee.choices = staff_choices(staff, none_label="Nobody (unassign)")
    form.catalog.choices = catalog_choices(groups, none_label="No category", subcategories=True)
    return form


def ticket_filter(form: FilterForm, me: User) -> TicketFilter:
    """The form's values as a TicketFilter: `open` is a set of statuses, `mine` is me."""
    status, assignee, catalog = form.status.data, form.assignee.data or "", form.catalog.data or ""
    kind, _, catalog_id = catalog.partition(":")
    return TicketFilter(
        statuses=OPEN_STATUSES if status == "open" else frozenset({Status(status)}) if status else frozenset(),
        priority=Priority(form.priority.data) if form.priority.data else None,
        group_id=int(catalog_id) if kind == "g" else None,
        category_id=int(catalog_id) if kind == "c" else None,
        assignee_id=me.id if assignee == "mine" else int(assignee) if assignee.isdigit() else None,
        unassigned=assignee == "unassigned",
        requester=form.requester.data or "",
        created_from=form.created_from.data,
        created_to=form.created_to.data,
        text=form.q.data or "",
        due=DueFilter(form.due.data) if form.due.data else None,
    )


def filter_args(data: MultiDict[str, str]) -> dict[str, str]:
    """The non-empty filter parameters of a query string: what links and saved views keep."""
    return {name: data[name] for name in FILTER_FIELDS if data.get(name)}


def _cursor(sort: Sort) -> Cursor | None:
    after, before = request.args.get("after"), request.args.get("before")
    try:
        if before:
            return Cursor.parse(sort, before, before=True)
        return Cursor.parse(sort, after) if after else None
    except InvalidInput as error:
        abort(400, str(error))


def tab_counts(counts: list[StatusCount]) -> dict[str, dict[str, int | bool]]:
    """Per tab: its count and whether it is capped. A sum that includes a capped count is the
    sum of what was counted, and capped too."""
    parts = {"": counts, "open": [count for count in counts if count.status in OPEN_STATUSES],
             **{count.status.value: [count] for count in counts}}  # fmt: skip
    return {
        value: {"count": sum(min(part.count, COUNT_CAP) for part in group), "capped": any(part.capped for part in group)}
        for value, group in parts.items()
    }


def requested_filter(staff: list[User], groups: list[Group]) -> tuple[FilterForm, TicketFilter]:
    """The filter in the query string, or 400 for a value the form does not offer."""
    form = filter_form(request.args, staff, groups)
    if not form.validate():
        abort(400, "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))
    return form, ticket_filter(form, signed_in_user())


@bp.route("/tickets")
def tickets() -> ResponseReturnValue:
    """The list. Its counts per status come from `ticket_counts`, fetched by the page's script
    once the list shows: counting never holds up the list (with filters that no index
    combines, counting a million tickets costs more than the page itself)."""
    session, me = get_session(), signed_in_user()
    staff, groups = staff_members(session), active_groups(session)
    form, spec = requested_filter(staff, groups)
    sort = Sort(form.sort.data)
    page = ticket_page(session, spec, sort, _cursor(sort), PAGE_SIZE, viewer=me)
    args = filter_args(request.args)
    bulk = bulk_form(staff, groups, formdata=None, back=request.full_path)
    return render_template(
        "admin/tickets.html",
        form=form, page=page, args=args, tabs=STATUS_TABS, now=utcnow(),
        bulk=bulk, views=saved_views(session, me), save_view=SavedViewForm(formdata=None, prefix="view", query=urlencode(args)),
    )  # fmt: skip


@bp.route("/tickets/counts")
def ticket_counts() -> ResponseReturnValue:
    """`{"counts": {tab: {"count": n, "capped": bool}}}` for the list's filter, or
    `{"counts": null}` while searching for a word too frequent to count."""
    session = get_session()
    _form, spec = requested_filter(staff_members(session), active_groups(session))
    counts = status_counts(session, spec, viewer=signed_in_user())
    return jsonify(counts=tab_counts(counts) if counts is not None else None)


def saved_views(session: Session, me: User) -> list[SavedView]:
    return list(session.scalars(select(SavedView).where(SavedView.user_id == me.id).order_by(SavedView.name)))


@bp.post("/views")
def save_view() -> ResponseReturnValue:
    """Save the list's current filter under a name; the same name again replaces it."""
    form = SavedViewForm(prefix="view")
    name = (form.name.data or "").strip()
    if not form.validate_on_submit() or not name:
        abort(400, "A view needs a name of at most 80 characters.")
    query = urlencode(filter_args(MultiDict(parse_qsl(form.query.data or ""))))
    with writing() as (session, me):
        view = session.scalar(select(SavedView).where(SavedView.user_id == me.id, SavedView.name == name))
        if view is None:
            session.add(SavedView(user_id=me.id, name=name, query=query))
        else:
            view.query = query
    flash(f"Saved the view “{name}”.", "success")
    return redirect(f"{url_for('admin.tickets')}?{query}", 303)


@bp.post("/views/<int:view_id>/delete")
def delete_view(view_id: int) -> ResponseReturnValue:
    """Only your own views: someone else's is a 404, like one that does not exist."""
    with writing() as (session, me):
        view = session.get(SavedView, view_id)
        if view is None or view.user_id != me.id:
            abort(404)
        session.delete(view)
    flash(f"Deleted the view “{view.name}”.", "success")
    return redirect(url_for("admin.tickets"), 303)
