"""Reports, ticket export and import in the staff panel.

- `reports` (`/admin/reports/...`): admins and agents. Team leads are usually agents, and
  every figure is about tickets that every staff member can already open in the list.
- `exports` (`/admin/export/tickets`): admins and agents, the ticket list's own filter.
- `imports` (`/admin/import`): admins only: an import creates tickets and users in bulk.

The dashboard (`/admin/`) lives in webadmin.dashboard, on the staff blueprint."""

from __future__ import annotations

from webadmin.reports import exports, imports, pages

BLUEPRINTS = (pages.bp, exports.bp, imports.bp)
