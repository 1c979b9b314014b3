"""Reports over tickets, computed in SQL: one report per module, no Flask.

- `period`: the report filter (a UTC date range, group, category, agent) and the buckets
  (day, week, month) a long range is shown in.
- `sql`: the few expressions that differ between SQLite and PostgreSQL (a UTC day, seconds
  between two times, median and 90th percentile per group).
- `events`: which status changes count as a resolution and which as a reopening.
- `volume`, `speed`, `agents`, `dashboard`: the reports.
- `table`: what every report hands to the pages and the exports: titled tables.

Everything aggregates in the database (GROUP BY over indexed columns): the ticket rows never
travel to Python. Percentiles are `percentile_cont` on PostgreSQL and the same linear
interpolation written with window functions on SQLite.

A ticket is counted under its current group, category and assignee, not under the ones it had
when the counted thing happened: the events keep no catalog ids, and the filters mean "the
tickets of this team" as people read the list today."""
