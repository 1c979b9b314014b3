"""The admins' routing rules as one document: export them, or import a set that replaces all.

The same code as `postdesk rules export|import` (core.rules.transfer and store): an import is
validated whole first (every problem named at once, 422) and then replaces every rule in one
transaction, so nothing changes if one rule is invalid."""

from __future__ import annotations

import json

from core.rules.store import load_rules, replace_all
from core.rules.transfer import load, to_document
from webadmin.api.bearer import Access
from webadmin.api.blueprint import api
from webadmin.api.schemas.rules import RuleSet, RuleSetOut
from webadmin.api.session import writing
from webadmin.db import get_session

TAG = "Admin: rules"


@api.operation("GET", "/admin/rules", tag=TAG, access=Access.ADMIN, response=RuleSetOut)
def export_rules() -> RuleSetOut:
    """Every routing rule, in the order they run (the document `postdesk rules export --format json` prints)."""
    return RuleSetOut.model_validate({"rules": to_document(load_rules(get_session()))})


@api.operation("PUT", "/admin/rules", tag=TAG, access=Access.ADMIN, body=RuleSet, response=RuleSetOut)
def import_rules(body: RuleSet) -> RuleSetOut:
    """Replace every rule with these, in this order; nothing changes if one is invalid (422)."""
    rules = load(json.dumps(body.model_dump(mode="json")))
    with writing() as (session, _me):
        replace_all(session, rules)
        return RuleSetOut.model_validate({"rules": to_document(load_rules(session))})
