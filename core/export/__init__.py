"""Exports: tables as CSV and XLSX (`writers`), the ticket list and whole tickets with their
conversations (`tickets`), and the reports' tables (`reports`).

CSV and JSON lines are produced row by row, so a web response can stream a list of a million
tickets; XLSX is written with openpyxl's write-only workbook (rows go to a temporary file as
they come) and handed over once complete, because a zip file is finished only at its end."""
