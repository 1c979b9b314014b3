"""`/admin/import` (admins): upload a CSV or XLSX of tickets or users, check it (dry run) or
import it. Either way the same checks run first; an import with any problem writes nothing
and shows the problems, row by row, just like the dry run."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from core.errors import InvalidInput
from core.importing.report import ImportReport
from core.importing.source import read_table
from core.importing.tickets import import_tickets
from core.importing.users import import_users
from webadmin.access import admins_only
from webadmin.db import get_runtime
from webadmin.reports.forms import ImportForm
from webadmin.staff.common import writing

bp = Blueprint("imports", __name__, url_prefix="/admin/import")
bp.before_request(admins_only)

IMPORTERS = {"tickets": import_tickets, "users": import_users}


@bp.route("/", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = _run(form, dry_run="import" not in request.form)
    status = 400 if form.errors or (report is not None and not report.ok) else 200
    return render_template("admin/import.html", form=form, report=report), status


def _run(form: ImportForm, *, dry_run: bool) -> ImportReport | None:
    upload: FileStorage = form.file.data
    try:
        table = read_table(upload.read(), upload.filename or "", sheet=form.kind.data)
    except InvalidInput as error:
        form.file.errors = [str(error)]
        return None
    importer = IMPORTERS[form.kind.data or "tickets"]
    if dry_run:
        with get_runtime().sessions() as session:
            return importer(session, table, dry_run=True)
    with writing() as (session, _me):
        return importer(session, table, dry_run=False)
