"""The panel pages for personal API tokens: your own on your account (`/portal/account/api-tokens`),
and any user's on their admin page (`/admin/users/<id>/api-tokens`, admins only).

A new token is shown once, on the answer to the POST that created it (never in a flash
message: the session cookie is signed, not encrypted), with `Cache-Control: no-store`; the
database keeps only its hash (core.api_tokens). Revoking is a POST with the CSRF token, and a
token that is not the page owner's is a 404. Both pages share one template."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from core.api_tokens import NAME_MAX, IssuedToken, create_token, revoke, tokens_of
from core.db import unit_of_work
from core.errors import DomainError, NotFound
from core.models import ApiToken, User
from webadmin.access import admins_only
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime, get_session
from webadmin.portal import require_login

bp = Blueprint("api_tokens", __name__)
own = Blueprint("own", __name__, url_prefix="/portal/account/api-tokens")
own.before_request(require_login)
managed = Blueprint("managed", __name__, url_prefix="/admin/users/<int:user_id>/api-tokens")
managed.before_request(admins_only)
bp.register_blueprint(own)
bp.register_blueprint(managed)


class NewTokenForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=NAME_MAX)], description="What the token is for, e.g. “monitoring”.")


def _render(owner: User, tokens: list[ApiToken], form: NewTokenForm, issued: IssuedToken | None, status: int) -> ResponseReturnValue:
    managing = owner.id != signed_in_user().id
    endpoints = "api_tokens.managed" if managing else "api_tokens.own"
    page = render_template(
        "admin/api_tokens.html", owner=owner, tokens=tokens, form=form, issued=issued, managing=managing,
        endpoints=endpoints, owner_id=owner.id,
    )  # fmt: skip
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _owner(user_id: int | None) -> User:
    owner = signed_in_user() if user_id is None else get_session().get(User, user_id)
    if owner is None:
        abort(404)
    return owner


def _show(user_id: int | None) -> ResponseReturnValue:
    owner = _owner(user_id)
    return _render(owner, tokens_of(get_session(), owner), NewTokenForm(formdata=None), None, 200)


def _create(user_id: int | None) -> ResponseReturnValue:
    """Create the token and show it (once) on the page listing all of the owner's tokens."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        owner = _owner(user_id)
        return _render(owner, tokens_of(get_session(), owner), form, None, 400)
    try:
        with unit_of_work(get_runtime().sessions) as session:
            me = session.get(User, signed_in_user().id)
            owner = session.get(User, user_id if user_id is not None else signed_in_user().id)
            if me is None or owner is None:
                abort(404)
            issued = create_token(session, owner, form.name.data or "", created_by=me)
            tokens = tokens_of(session, owner)
    except DomainError as refused:
        form.name.errors = [str(refused)]
        owner = _owner(user_id)
        return _render(owner, tokens_of(get_session(), owner), form, None, 400)
    return _render(owner, tokens, NewTokenForm(formdata=None), issued, 201)


def _revoke(user_id: int | None, token_id: int) -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        with unit_of_work(get_runtime().sessions) as session:
            owner = session.get(User, user_id if user_id is not None else signed_in_user().id)
            if owner is None:
                abort(404)
            name = revoke(session, owner, token_id).name
    except NotFound:
        abort(404)
    flash(f"Revoked the token “{name}”: it no longer works.", "success")
    if user_id is None:
        return redirect(url_for("api_tokens.own.index"), 303)
    return redirect(url_for("api_tokens.managed.index", user_id=user_id), 303)


@own.get("")
def index() -> ResponseReturnValue:
    return _show(None)


@own.post("")
def create() -> ResponseReturnValue:
    return _create(None)


@own.post("/<int:token_id>/revoke")
def revoke_token(token_id: int) -> ResponseReturnValue:
    return _revoke(None, token_id)


@managed.get("", endpoint="index")
def managed_index(user_id: int) -> ResponseReturnValue:
    return _show(user_id)


@managed.post("", endpoint="create")
def managed_create(user_id: int) -> ResponseReturnValue:
    return _create(user_id)


@managed.post("/<int:token_id>/revoke", endpoint="revoke_token")
def managed_revoke(user_id: int, token_id: int) -> ResponseReturnValue:
    return _revoke(user_id, token_id)
