"""The list of rules in the order they run, and what is done to it as a whole: move (buttons,
or the order a drag and drop posts), enable/disable, delete (after a confirmation page),
export as YAML or JSON, import (all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import InvalidInput
from core.models import RoutingRule
from core.rules.history import last_fired
from core.rules.spec import RuleSpec
from core.rules.store import (
    delete_rule,
    move_rule,
    replace_all,
    set_enabled,
    set_order,
    to_spec,
)
from core.rules.transfer import RulesInvalid, dump, load
from webadmin.actions import action
from webadmin.db import get_runtime, get_session
from webadmin.rules_editor import bp
from webadmin.rules_editor.describe import action_text, condition_text

FORMATS = {"yaml": "application/yaml", "json": "application/json"}
MAX_IMPORT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ListedRule:
    id: int
    spec: RuleSpec
    conditions: list[str]
    actions: list[str]
    last_fired: datetime | None


def saved_rules(session: Session) -> list[tuple[int, RuleSpec]]:
    """(id, rule) in the order they run."""
    rows = session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))
    return [(row.id, to_spec(row)) for row in rows]


def _list_page(import_problems: list[str] | None = None) -> ResponseReturnValue:
    session = get_session()
    rules = saved_rules(session)
    fired = last_fired(session, [spec for _id, spec in rules])
    listed = [
        ListedRule(rule_id, spec, [condition_text(c) for c in spec.conditions], [action_text(a) for a in spec.actions],
                   fired.get(spec.name))
        for rule_id, spec in rules
    ]
    page = render_template("admin/rules.html", rules=listed, import_problems=import_problems or [])
    return page, 400 if import_problems else 200


@bp.route("")
def index() -> ResponseReturnValue:
    return _list_page()


@bp.route("/<int:rule_id>/move", methods=["POST"])
def move(rule_id: int) -> ResponseReturnValue:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, "direction must be up or down")
    with action(f"Rule moved {direction}.") as session:
        move_rule(session, rule_id, -1 if direction == "up" else 1)
    return redirect(url_for("rules.index"))


@bp.route("/order", methods=["POST"])
def order() -> ResponseReturnValue:
    """The whole order at once, as the drag and drop on the list posts it (`order`: ids)."""
    ids = request.form.getlist("order")
    with action("Order saved: the rules run as listed.") as session:
        if not ids or not all(value.isdigit() for value in ids):
            raise InvalidInput("the new order names no rules")
        set_order(session, [int(value) for value in ids])
    return redirect(url_for("rules.index"))


@bp.route("/<int:rule_id>/enabled", methods=["POST"])
def enabled(rule_id: int) -> ResponseReturnValue:
    on = request.form.get("enabled") == "1"
    with action("Rule enabled: it runs on new tickets." if on else "Rule disabled: new tickets skip it.") as session:
        set_enabled(session, rule_id, on)
    return redirect(url_for("rules.index"))


@bp.route("/<int:rule_id>/delete", methods=["GET", "POST"])
def delete(rule_id: int) -> ResponseReturnValue:
    """GET asks (a page of its own, so it works without the script); POST deletes."""
    if request.method == "GET":
        row = get_session().get(RoutingRule, rule_id)
        if row is None:
            abort(404)
        return render_template("admin/rules_delete.html", rule=row)
    with action("Rule deleted.") as session:
        delete_rule(session, rule_id)
    return redirect(url_for("rules.index"))


@bp.route("/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    if fmt not in FORMATS:
        abort(404)
    body = dump([spec for _id, spec in saved_rules(get_session())], fmt)
    return Response(body, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="postdesk-rules.{fmt}"'})


def _read_import() -> list[RuleSpec]:
    """The uploaded file's rules, each checked as the editor checks one; RulesInvalid lists why not."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise RulesInvalid(["choose a YAML or JSON file (as Export gives)"])
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise RulesInvalid([f"the file is larger than {MAX_IMPORT_BYTES // 1024} KiB"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RulesInvalid(["the file is not UTF-8 text"]) from None
    return load(text)


@bp.route("/import", methods=["POST"])
def import_rules() -> ResponseReturnValue:
    """Replace every rule with the file's, or change nothing and say what is wrong."""
    try:
        rules = _read_import()
        with unit_of_work(get_runtime().sessions) as session:
            replace_all(session, rules)
    except RulesInvalid as error:
        return _list_page(error.problems)
    except InvalidInput as error:
        return _list_page([str(error)])
    flash(f"Imported {len(rules)} rule{'s' if len(rules) != 1 else ''}; they replace the previous ones.", "success")
    return redirect(url_for("rules.index"))
