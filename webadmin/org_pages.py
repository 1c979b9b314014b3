"""Organizations for admins under `/admin/organizations`: the tree, a new one, editing one (its
name, parent, mail domains, state) and its members. The contract pages (webadmin.contract_pages)
are on the same blueprint. Admins only: agents get 403 like on the other settings pages.

Forms show their refusals next to the field (a 400 with what was typed kept): shape checks in
webadmin.org_forms, the rest from core.organizations. Organizations are deactivated, never
deleted: their tickets keep pointing at them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from wtforms import SelectChoice

from core.db import unit_of_work
from core.errors import DomainError
from core.models import Contract, Organization, Ticket, User
from core.models.orgs import organization_members
from core.organizations import (
    add_member,
    add_organization,
    lineage,
    organization_tree,
    parse_domains,
    remove_member,
    set_domains,
    update_organization,
)
from core.sla.refusals import FieldRefused
from core.users import find_user, normalise_email
from webadmin.access import admins_only
from webadmin.actions import action
from webadmin.db import get_or_404, get_runtime, get_session
from webadmin.org_forms import MemberForm, OrganizationForm

bp = Blueprint("organizations", __name__, url_prefix="/admin")
bp.before_request(admins_only)


def organization_or_404(session: Session, organization_id: int) -> Organization:
    return get_or_404(
        session, Organization, organization_id,
        options=[selectinload(Organization.domains), selectinload(Organization.members), selectinload(Organization.contracts)],
    )  # fmt: skip


def _parent_choices(session: Session, organization: Organization | None) -> list[SelectChoice]:
    """Every organization that may be the parent: not this one, nor one inside it."""
    choices = [SelectChoice("", "Nothing (a top-level organization)")]
    for row in organization_tree(session):
        if organization is not None and organization in lineage(row.organization):
            continue
        choices.append(SelectChoice(str(row.organization.id), "· " * row.depth + row.organization.name))
    return choices


def organization_form(session: Session, organization: Organization | None, *, fresh: bool) -> OrganizationForm:
    """The form with its parent choices; `fresh` shows the organization's values (or the defaults)."""
    if not fresh:
        form = OrganizationForm()
    elif organization is None:
        form = OrganizationForm(formdata=None)
    else:
        form = OrganizationForm(formdata=None, data={
            "name": organization.name, "parent": str(organization.parent_id or ""), "active": organization.active,
            "domains": "\n".join(item.domain for item in organization.domains),
        })  # fmt: skip
    form.parent.choices = _parent_choices(session, organization)
    return form


def _counts(session: Session, counted: Any, owner: Any) -> dict[int, int]:
    """How many `counted` rows each `owner` id has (a column of either, e.g. Ticket.id per Ticket.organization_id)."""
    rows = session.execute(select(owner, func.count(counted)).group_by(owner))
    return {key: count for key, count in rows if key is not None}


@bp.route("/organizations")
def index(form: OrganizationForm | None = None) -> ResponseReturnValue:
    """The tree, each organization with its numbers, and the form for a new one."""
    session = get_session()
    children: dict[int | None, list[Organization]] = {}
    for row in organization_tree(session):
        children.setdefault(row.organization.parent_id, []).append(row.organization)
    page = render_template(
        "admin/organizations.html",
        children=children,
        members=_counts(session, organization_members.c.user_id, organization_members.c.organization_id),
        contracts=_counts(session, Contract.id, Contract.organization_id),
        tickets=_counts(session, Ticket.id, Ticket.organization_id),
        form=form or organization_form(session, None, fresh=True),
    )
    return page, 400 if form is not None else 200


def _save(form: OrganizationForm, organization_id: int | None) -> int:
    """Create or change the organization in one unit of work; DomainError leaves nothing written."""
    with unit_of_work(get_runtime().sessions) as session:
        parent = organization_or_404(session, int(form.parent.data)) if form.parent.data else None
        if organization_id is None:
            organization = add_organization(session, form.name.data or "", parent=parent, active=form.active.data)
        else:
            organization = organization_or_404(session, organization_id)
            update_organization(session, organization, name=form.name.data or "", parent=parent, active=form.active.data)
        set_domains(session, organization, parse_domains(form.domains.data or ""))
        return organization.id


def _show_refusal(form: OrganizationForm, refused: FieldRefused) -> None:
    form[refused.field].errors = [*form[refused.field].errors, str(refused)]


@bp.post("/organizations")
def create() -> ResponseReturnValue:
    session = get_session()
    form = organization_form(session, None, fresh=False)
    if not form.validate():
        return index(form)
    try:
        organization_id = _save(form, None)
    except FieldRefused as refused:
        _show_refusal(form, refused)
        return index(form)
    flash(f"Organization “{form.name.data}” added.", "success")
    return redirect(url_for("organizations.organization", organization_id=organization_id), 303)


def render_organization(
    organization_id: int, form: OrganizationForm | None = None, member: MemberForm | None = None
) -> ResponseReturnValue:
    """The page; with a failed form, that form is shown with its errors as a 400."""
    session = get_session()
    found = organization_or_404(session, organization_id)
    page = render_template(
        "admin/organization.html",
        organization=found,
        path=list(reversed(lineage(found))),
        children=list(session.scalars(select(Organization).where(Organization.parent_id == found.id).order_by(Organization.name))),
        tickets=session.scalar(select(func.count(Ticket.id)).where(Ticket.organization_id == found.id)) or 0,
        form=form or organization_form(session, found, fresh=True),
        member=member or MemberForm(formdata=None, prefix="member"),
    )
    return page, 400 if form is not None or member is not None else 200


@bp.route("/organizations/<int:organization_id>", methods=["GET", "POST"])
def organization(organization_id: int) -> ResponseReturnValue:
    session = get_session()
    form = organization_form(session, organization_or_404(session, organization_id), fresh=False)
    if not form.is_submitted():
        return render_organization(organization_id)
    if not form.validate():
        return render_organization(organization_id, form=form)
    try:
        _save(form, organization_id)
    except FieldRefused as refused:
        _show_refusal(form, refused)
        return render_organization(organization_id, form=form)
    flash("Organization saved.", "success")
    return redirect(url_for("organizations.organization", organization_id=organization_id), 303)


@bp.post("/organizations/<int:organization_id>/members")
def add_organization_member(organization_id: int) -> ResponseReturnValue:
    """By address: only someone who has written in or was added as a user can be a member."""
    form = MemberForm(prefix="member")
    if not form.validate():
        return render_organization(organization_id, member=form)
    try:
        with unit_of_work(get_runtime().sessions) as session:
            user = find_user(session, normalise_email(form.email.data or ""))
            if user is None:
                raise DomainError(f"nobody with the address {form.email.data}; add them under Users first")
            add_member(session, organization_or_404(session, organization_id), user)
            email = user.email
    except DomainError as error:
        form.email.errors = [*form.email.errors, str(error)]
        return render_organization(organization_id, member=form)
    flash(f"{email} is a member now.", "success")
    return redirect(url_for("organizations.organization", organization_id=organization_id), 303)


@bp.post("/organizations/<int:organization_id>/members/<int:user_id>/remove")
def remove_organization_member(organization_id: int, user_id: int) -> ResponseReturnValue:
    with action("Member removed.") as session:
        user = session.get(User, user_id)
        if user is None:
            abort(404)
        remove_member(session, organization_or_404(session, organization_id), user)
    return redirect(url_for("organizations.organization", organization_id=organization_id), 303)


# The contract pages register their routes on `bp` when imported.
from webadmin import contract_pages  # noqa: F401
