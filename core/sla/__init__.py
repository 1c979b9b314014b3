"""Service levels (issue #8): the clocks of first response, workaround and resolution.

- `calendar`, `clock`: the business-time arithmetic and one clock's reading (pure).
- `selection`: which policy a ticket gets (pure); `policies`, `calendars`, `services`,
  `pausing`, `leads`: what admins keep, with its checks.
- `tracking`: a ticket's clocks as the ticket changes (called by core.tickets); `ticks`: the
  explicit records of workaround and resolution; `check`: the worker's warnings and breaches.
- `readings`, `list_queries`, `durations`: what pages show and how the list filters and sorts.
- `timesource`: the SLA's "now", which a session may carry (tests drive the clocks with it).

The stored figures (for reports) are described in core.models.sla."""
