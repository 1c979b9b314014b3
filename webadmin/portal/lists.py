"""The lists: tickets I asked for, tickets I watch, and (for a customer manager) the tickets
of my organizations. Search and pages of 25.

Search and paging are GET parameters (`q`, `older`, `newer`), so a list can be bookmarked and
the back button works; a page continues from the sort key of the previous one (keyset), so
a ticket updated while someone pages does not make others skip or repeat."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from core.errors import InvalidInput
from core.permissions import manages_organizations
from core.portal_tickets import COUNT_CAP, Tab, tab_count, ticket_page
from core.ticket_queries import Cursor, Sort
from webadmin.auth import signed_in_user
from webadmin.db import get_session
from webadmin.portal import bp

SEARCH_MAX = 200


def _cursor() -> Cursor | None:
    older, newer = request.args.get("older", ""), request.args.get("newer", "")
    try:
        if newer:
            return Cursor.parse(Sort.UPDATED, newer, before=True)
        return Cursor.parse(Sort.UPDATED, older) if older else None
    except InvalidInput:
        abort(400, "That page link is not valid.")


def _list(tab: Tab) -> ResponseReturnValue:
    session, me = get_session(), signed_in_user()
    text = request.args.get("q", "").strip()[:SEARCH_MAX]
    if tab is Tab.ORGANIZATION and not manages_organizations(session, me):
        abort(404)
    count = tab_count(session, tab, me)
    counts = {tab: f"{COUNT_CAP:,}+" if count > COUNT_CAP else count}
    page = ticket_page(session, me, tab, text=text, cursor=_cursor())
    return render_template("portal/tickets.html", tab=tab.value, q=text, page=page, counts=counts)


@bp.route("/tickets")
def tickets() -> ResponseReturnValue:
    return _list(Tab.MINE)


@bp.route("/watching")
def watching() -> ResponseReturnValue:
    return _list(Tab.WATCHING)


@bp.route("/organization")
def organization() -> ResponseReturnValue:
    """A customer manager's list; anyone else has no such list (404)."""
    return _list(Tab.ORGANIZATION)
