"""One rule's form: create or edit it, and run either dry run on it as typed, saved or not.

The form posts with a `do` button: `save`, `try` (a raw mail against all the rules, this one
in its place and enabled), `backtest` (this rule against the last tickets), or the no-script
row buttons `add-conditions`, `add-actions`, `remove-conditions-N`, `remove-actions-N`,
which only show the form again. Whatever was typed is shown again, with each error of
core.rules next to its field; nothing but `save` writes."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import InvalidInput
from core.models import RoutingRule
from core.rules.spec import RuleSpec
from core.rules.store import RuleInvalid, save_rule, to_spec
from core.rules.validation import rule_errors
from webadmin.db import get_or_404, get_runtime, get_session
from webadmin.rules_editor import bp
from webadmin.rules_editor.dry_runs import (
    BACKTEST_SIZES,
    backtest,
    backtest_size,
    raw_mail,
    try_mail,
)
from webadmin.rules_editor.list_views import saved_rules
from webadmin.rules_editor.parts import editor_parts
from webadmin.rules_editor.rule_form import SECTIONS, RuleForm


def _page(rule: RoutingRule | None, form: RuleForm, status: int = 200, **results: Any) -> ResponseReturnValue:
    page = render_template(
        "admin/rules_form.html",
        rule=rule,
        form=form,
        sections=SECTIONS,
        editor=editor_parts(get_session()),
        backtest_sizes=BACKTEST_SIZES,
        last=backtest_size(request.form),
        raw_mail_text=request.form.get("raw_mail", ""),
        **results,
    )
    return page, status


def _with_row_button(form: RuleForm, do: str) -> bool:
    """Carry out an add/remove row button; False if `do` is none of them."""
    verb, _, rest = do.partition("-")
    section, _, number = rest.partition("-")
    if section not in SECTIONS or verb not in ("add", "remove"):
        return False
    if verb == "add":
        form.add_row(section)
    else:
        form.remove_row(section, number)
    return True


def _others(session: Session, rule_id: int | None) -> list[tuple[int, RuleSpec]]:
    return [(other_id, spec) for other_id, spec in saved_rules(session) if other_id != rule_id]


def _checked(form: RuleForm, session: Session, rule_id: int | None) -> RuleSpec | None:
    """The typed rule if it may be saved or tried, else None with its errors placed on the form."""
    spec = form.spec()
    errors = rule_errors(spec)
    if any(other.name == spec.name.strip() for _id, other in _others(session, rule_id)):
        errors["name"] = "another rule has this name"
    form.place(errors)
    return None if form.has_errors else spec


def _save(rule: RoutingRule | None, form: RuleForm, spec: RuleSpec) -> ResponseReturnValue:
    try:
        with unit_of_work(get_runtime().sessions) as session:
            save_rule(session, spec, rule.id if rule else None)
    except RuleInvalid as error:
        form.place(error.errors)
        return _page(rule, form, 400)
    flash(f"Rule {spec.name.strip()!r} saved." + ("" if spec.enabled else " It is disabled: new tickets skip it."), "success")
    return redirect(url_for("rules.index"))


def _try(rule: RoutingRule | None, form: RuleForm, spec: RuleSpec) -> ResponseReturnValue:
    """All rules in order with this one in its place (or last, if new), tried as if enabled."""
    session = get_session()
    try:
        raw = raw_mail(request.form, request.files)
    except InvalidInput as error:
        return _page(rule, form, 400, mail_error=str(error))
    trial = RuleSpec(spec.name, spec.conditions, spec.actions, spec.match, True, spec.stop)
    rules = [trial if rule and other_id == rule.id else other for other_id, other in saved_rules(session)]
    if rule is None:
        rules.append(trial)
    return _page(rule, form, mail_result=try_mail(session, raw, rules))


def _editor(rule: RoutingRule | None) -> ResponseReturnValue:
    if request.method == "GET":
        return _page(rule, RuleForm.from_spec(to_spec(rule)) if rule else RuleForm.blank())
    form = RuleForm.from_post(request.form)
    do = request.form.get("do", "save")
    if _with_row_button(form, do):
        return _page(rule, form)
    spec = _checked(form, get_session(), rule.id if rule else None)
    if spec is None:
        return _page(rule, form, 400)
    if do == "try":
        return _try(rule, form, spec)
    if do == "backtest":
        last = backtest_size(request.form)
        return _page(rule, form, backtest_result=backtest(get_session(), spec, last))
    return _save(rule, form, spec)


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    return _editor(None)


@bp.route("/<int:rule_id>", methods=["GET", "POST"])
def edit(rule_id: int) -> ResponseReturnValue:
    return _editor(get_or_404(get_session(), RoutingRule, rule_id))
