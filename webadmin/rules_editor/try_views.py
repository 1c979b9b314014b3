"""Try a raw mail against the saved rules, as the intake would run them now. Writes nothing."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from core.errors import InvalidInput
from webadmin.db import get_session
from webadmin.rules_editor import bp
from webadmin.rules_editor.dry_runs import raw_mail, try_mail
from webadmin.rules_editor.list_views import saved_rules


@bp.route("/try", methods=["GET", "POST"])
def try_a_mail() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("admin/rules_try.html", raw_mail_text="")
    session = get_session()
    pasted = request.form.get("raw_mail", "")
    try:
        raw = raw_mail(request.form, request.files)
    except InvalidInput as error:
        return render_template("admin/rules_try.html", raw_mail_text=pasted, mail_error=str(error)), 400
    result = try_mail(session, raw, [spec for _id, spec in saved_rules(session)])
    return render_template("admin/rules_try.html", raw_mail_text=pasted, mail_result=result)
