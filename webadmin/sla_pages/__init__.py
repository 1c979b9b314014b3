"""The SLA settings for admins under `/admin/sla/`: policies (with the preview "a ticket
opened now here is due at ..."), business calendars, the affected-service catalog, and the
statuses that pause the clocks. Admins only: agents get 403 like on the other settings pages.

Forms show their refusals next to the field: shape checks in the forms (webadmin.sla_pages.forms),
the rest from core.sla (a FieldRefused names its field)."""

from __future__ import annotations

from flask import Blueprint

from webadmin.access import admins_only

bp = Blueprint("sla", __name__, url_prefix="/admin/sla")
bp.before_request(admins_only)

# The view modules register their routes on `bp` when imported.
from webadmin.sla_pages import calendars, policies, preview, settings  # noqa: F401
