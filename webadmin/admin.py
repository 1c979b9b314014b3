"""The staff panel's blueprint, under the name the app factory registers (`admin.bp`).

The views live in the `webadmin.staff` package, one module per page or concern; the landing
page `/admin/` is the dashboard (webadmin.dashboard)."""

from __future__ import annotations

from webadmin import dashboard  # noqa: F401 - registers `/admin/` on the staff blueprint
from webadmin.staff import bp

__all__ = ["bp"]
