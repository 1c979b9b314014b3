"""The staff panel's blueprint, under the name the app factory registers (`admin.bp`).

The views live in the `webadmin.staff` package, one module per page or concern."""

from __future__ import annotations

from webadmin.staff import bp

__all__ = ["bp"]
