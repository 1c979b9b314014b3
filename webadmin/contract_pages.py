"""Contracts for admins: a new one for an organization (`/admin/organizations/<id>/contracts/new`)
and editing one (`/admin/contracts/<id>`): its name, what it covers, its dates, its customer and
support managers, its SLA policy and its state. On the organizations blueprint (admins only).

Contracts are deactivated, never deleted: their tickets keep pointing at them, and an inactive
contract gives nobody rights and takes no new tickets (core.permissions, core.placement)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from core.contracts import ContractInvalid, ContractTerms, people, save_contract
from core.db import unit_of_work
from core.models import Category, Contract, Group, Organization, SlaPolicy, Ticket, User
from webadmin.db import get_or_404, get_runtime, get_session
from webadmin.org_forms import ContractForm, addresses
from webadmin.org_pages import bp, organization_or_404
from webadmin.staff.common import Choices, active_groups, catalog_choices, staff_members


def _coverage_choices(session: Session, contract: Contract | None) -> Choices:
    """The active groups and categories (`g:ID`, `c:ID`), and whatever the contract covers
    already even if it was deactivated since."""
    choices = catalog_choices(active_groups(session), none_label="", subcategories=False)[1:]
    offered = {choice.value for choice in choices}
    if contract is not None:
        choices += [SelectChoice(f"g:{g.id}", f"{g.name} (inactive)") for g in contract.groups if f"g:{g.id}" not in offered]
        choices += [
            SelectChoice(f"c:{c.id}", f"{c.group.name} / {c.name} (inactive)") for c in contract.categories if f"c:{c.id}" not in offered
        ]
    return choices


def _support_choices(session: Session, contract: Contract | None) -> Choices:
    """Active staff, and the contract's support managers even if they left the staff since
    (shown, so that saving names the problem instead of dropping them silently)."""
    staff = staff_members(session)
    kept = [user for user in (contract.support_managers if contract else []) if user not in staff]
    return [SelectChoice(str(user.id), user.name or user.email) for user in [*staff, *kept]]


def _policy_choices(session: Session, contract: Contract | None) -> Choices:
    policies = list(session.scalars(select(SlaPolicy).where(SlaPolicy.active.is_(True)).order_by(SlaPolicy.name)))
    if contract is not None and contract.sla_policy is not None and contract.sla_policy not in policies:
        policies.append(contract.sla_policy)
    none = SelectChoice("", "None: the catalog's policy applies")
    return [none, *(SelectChoice(str(policy.id), policy.name + ("" if policy.active else " (inactive)")) for policy in policies)]


def contract_form(session: Session, contract: Contract | None, *, fresh: bool) -> ContractForm:
    """The form with its choices; `fresh` shows the contract's values (or the defaults)."""
    if not fresh:
        form = ContractForm()
    elif contract is None:
        form = ContractForm(formdata=None)
    else:
        form = ContractForm(formdata=None, data={
            "name": contract.name, "active": contract.active, "valid_from": contract.valid_from,
            "valid_until": contract.valid_until, "sla_policy": str(contract.sla_policy_id or ""),
            "coverage": [f"g:{group.id}" for group in contract.groups] + [f"c:{category.id}" for category in contract.categories],
            "customer_managers": "\n".join(user.email for user in contract.customer_managers),
            "support_managers": [str(user.id) for user in contract.support_managers],
        })  # fmt: skip
    form.coverage.choices = _coverage_choices(session, contract)
    form.support_managers.choices = _support_choices(session, contract)
    form.sla_policy.choices = _policy_choices(session, contract)
    return form


def _terms(session: Session, form: ContractForm) -> ContractTerms:
    """The form as the service reads it; unknown customer managers are the field's error."""
    chosen = form.coverage.data or []
    customers = people(session, addresses(form.customer_managers.data or ""))
    if customers.problems:
        raise ContractInvalid({"customer_managers": "; ".join(customers.problems) + "."})
    support_ids = [int(value) for value in form.support_managers.data or []]
    return ContractTerms(
        name=form.name.data or "", active=form.active.data, valid_from=form.valid_from.data, valid_until=form.valid_until.data,
        groups=tuple(session.scalars(select(Group).where(Group.id.in_(_ids(chosen, "g"))).order_by(Group.id))),
        categories=tuple(session.scalars(select(Category).where(Category.id.in_(_ids(chosen, "c"))).order_by(Category.id))),
        customer_managers=customers.users,
        support_managers=tuple(session.scalars(select(User).where(User.id.in_(support_ids)).order_by(User.id))),
        sla_policy=session.get(SlaPolicy, int(form.sla_policy.data)) if form.sla_policy.data else None,
    )  # fmt: skip


def _ids(values: list[str], kind: str) -> list[int]:
    return [int(value.partition(":")[2]) for value in values if value.startswith(f"{kind}:")]


def _page(form: ContractForm, organization: Organization, contract: Contract | None, tickets: int = 0) -> ResponseReturnValue:
    page = render_template("admin/contract.html", form=form, organization=organization, contract=contract, tickets=tickets)
    return page, 400 if form.errors else 200


def _tickets_under(session: Session, contract: Contract | None) -> int:
    if contract is None:
        return 0
    return session.scalar(select(func.count(Ticket.id)).where(Ticket.contract_id == contract.id)) or 0


def _edit(session: Session, organization: Organization, contract: Contract | None) -> ResponseReturnValue:
    """The form (GET), or its checks and the save in one unit of work (POST)."""
    used = _tickets_under(session, contract)
    form = contract_form(session, contract, fresh=False)
    if not form.is_submitted():
        return _page(contract_form(session, contract, fresh=True), organization, contract, used)
    if not form.validate():
        return _page(form, organization, contract, used)
    try:
        with unit_of_work(get_runtime().sessions) as writer:
            mine = get_or_404(writer, Contract, contract.id) if contract is not None else None
            saved = save_contract(writer, organization_or_404(writer, organization.id), _terms(writer, form), mine)
            saved_id, name = saved.id, saved.name
    except ContractInvalid as refused:
        for field, message in refused.errors.items():
            form[field].errors = [*form[field].errors, message]
        return _page(form, organization, contract, used)
    flash(f"Contract “{name}” saved.", "success")
    return redirect(url_for("organizations.contract", contract_id=saved_id), 303)



@bp.route("/organizations/<int:organization_id>/contracts/new", methods=["GET", "POST"])
def new_contract(organization_id: int) -> ResponseReturnValue:
    session = get_session()
    return _edit(session, organization_or_404(session, organization_id), None)


@bp.route("/contracts/<int:contract_id>", methods=["GET", "POST"])
def contract(contract_id: int) -> ResponseReturnValue:
    session = get_session()
    found = get_or_404(session, Contract, contract_id)
    return _edit(session, found.organization, found)
