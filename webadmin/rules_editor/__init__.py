"""The routing-rules editor for admins, under `/admin/rules`: the ordered list (reorder by
buttons or by dragging, enable, disable, delete, export, import), the form for one rule, and
the two read-only dry runs (a raw mail against the rules; a rule against the last tickets).

Admins only: every request passes `admins_only` first. The rules themselves are core.rules;
this package only reads forms into rules and puts core's answers on the page."""

from __future__ import annotations

from flask import Blueprint

from webadmin.access import admins_only

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")
bp.before_request(admins_only)

# The view modules register their routes on `bp` when imported.
from webadmin.rules_editor import edit_views, list_views, try_views  # noqa: F401
