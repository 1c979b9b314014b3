"""The one path of the SLA settings forms (a policy, a calendar): the form checks its shape,
the save runs in one unit of work, a refusal from core.sla is shown next to the field it
names and the form comes back with what was typed (400), a success is a flash and a redirect."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.sla.refusals import FieldRefused
from webadmin.db import get_runtime


def form_page(page: ResponseReturnValue, form: FlaskForm) -> ResponseReturnValue:
    """The rendered form, as a 400 while it shows errors."""
    return page, 400 if form.errors else 200


def save_form(
    form: FlaskForm, page: Callable[[], ResponseReturnValue], save: Callable[[Session], str], done: str, back: str
) -> ResponseReturnValue:
    """`save` returns the saved entry's name for the flash `done` (with `{name}` in it)."""
    if not form.is_submitted() or not form.validate():
        return page()
    try:
        with unit_of_work(get_runtime().sessions) as session:
            name = save(session)
    except FieldRefused as refused:
        form[refused.field].errors = [*form[refused.field].errors, str(refused)]
        return page()
    flash(done.format(name=name), "success")
    return redirect(back, 303)
