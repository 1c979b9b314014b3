"""`/admin/export/tickets`: the ticket list with the filter in its query string (exactly the
list's filter, search included), or the whole tickets with their conversations, as CSV,
XLSX or JSON lines. CSV and JSON lines stream as they are read, so a list of a million
tickets starts downloading at once and never sits in memory."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, request, stream_with_context
from flask.typing import ResponseReturnValue

from core.export.tickets import Format, Scope, export_chunks, export_filename
from core.models import User, utcnow
from core.ticket_queries import TicketFilter
from webadmin.access import staff_only
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime, get_session
from webadmin.staff.common import active_groups, staff_members
from webadmin.staff.ticket_list import requested_filter

bp = Blueprint("exports", __name__, url_prefix="/admin/export")
bp.before_request(staff_only)


def _choice(name: str, enum: type[Format | Scope], default: str) -> Format | Scope:
    value = request.args.get(name, default)
    try:
        return enum(value)
    except ValueError:
        abort(400, f"{name} must be one of: {', '.join(member.value for member in enum)}")


@bp.route("/tickets")
def tickets() -> ResponseReturnValue:
    session = get_session()
    _form, spec = requested_filter(staff_members(session), active_groups(session))
    fmt = Format(_choice("format", Format, Format.CSV.value))
    scope = Scope(_choice("scope", Scope, Scope.LIST.value))
    filename = export_filename(scope, fmt, utcnow().strftime("%Y%m%d-%H%M%S"))
    return Response(
        stream_with_context(_chunks(spec, scope, fmt, signed_in_user().id)),
        mimetype=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _chunks(spec: TicketFilter, scope: Scope, fmt: Format, viewer_id: int) -> Iterator[bytes]:
    """A session of the export's own: it drops each batch of tickets once written. The viewer
    is read in it, so only the tickets they may see in the panel are exported."""
    with get_runtime().sessions() as session:
        viewer = session.get_one(User, viewer_id)
        yield from export_chunks(session, spec, scope, fmt, viewer=viewer)
