"""Imports of tickets and users from CSV or XLSX (e.g. from a previous helpdesk).

Every import runs in two steps over the same checks: a dry run reports each row's problems
with the row number a spreadsheet shows (the header is row 1); the import itself writes
nothing unless every row passes, and writes everything in the caller's one transaction, so
it is all or nothing. Imported tickets keep their numbers where they are free and their
dates; they send no mail (no notification runs) and get their history written as events.

- `source`: reading rows from a CSV or XLSX file.
- `values`: parsing cells (times, numbers, yes/no).
- `report`: what a run reports: problems per row, the number mapping, counts.
- `users`, `tickets`: the two imports."""
