"""Portal accounts: claiming one by a mailed link, then the profile and the password.

- `/portal/claim` asks for a link (core.account_claim). It answers the same whatever the
  address, so it does not tell who has written to the helpdesk; unknown addresses get nothing
  (an account comes from a first mail or from an admin, not from this form).
- `/portal/claim/<token>` lets whoever holds the link choose a password (and their name) and
  signs them in. Opening the link changes nothing; choosing the password spends it. An
  invalid, used or expired link offers a fresh one.
- `/portal/account` edits name, department and which status mails to get (staff also choose
  about assignment mails); `/portal/account/password` changes the password, which ends the
  person's other sessions (webadmin.auth) but keeps this one. Wrong current passwords count
  as failed sign-ins (webadmin.throttle), so a borrowed session cannot guess its way on.

The blueprint is nested in the portal's (`portal.account.*`); the portal lets the two claim
pages through without a sign-in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from core.account_claim import send_claim_link
from core.db import unit_of_work
from core.errors import InvalidInput
from core.models import User
from core.password_reset import MAX_LENGTH, MIN_LENGTH, check_new_password, set_password
from core.passwords import verify_password
from core.users import find_user
from webadmin import throttle
from webadmin.actions import writing
from webadmin.auth import Account, home_for, signed_in_user
from webadmin.db import get_runtime
from webadmin.password_link import NewPasswordForm, PasswordLinkPage

bp = Blueprint("account", __name__)

SENT = (
    "If that address has written to the helpdesk (or has an account), we have mailed it a link "
    "to choose your password. It works once, for one hour."
)
LINK_INVALID = "This link is not valid, was already used, or has expired. Ask for a fresh one here."
"""One message for every reason, so that a prober learns nothing (as core.password_reset does)."""
NAME_MAX = 200


class ClaimRequestForm(FlaskForm):
    email = StringField("Email", validators=[InputRequired(), Length(max=320)])


class ClaimForm(NewPasswordForm):
    name = StringField("Your name", validators=[Length(max=NAME_MAX)])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[InputRequired(), Length(max=MAX_LENGTH)])


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=NAME_MAX)])
    department = StringField("Department", validators=[Length(max=NAME_MAX)])
    notify_status_changes = BooleanField("Mail me when my request waits for me, is resolved or is closed")
    notify_assignments = BooleanField("Mail me when a ticket is assigned to me or arrives in my group")


def _sign_in(user: User) -> None:
    """A fresh session for `user`, whose password (and so session fingerprint) just changed."""
    cookie_session.clear()
    login_user(Account(user))


@bp.route("/claim", methods=["GET", "POST"])
def claim() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("portal.tickets"))
    form = ClaimRequestForm()
    if form.validate_on_submit():
        with unit_of_work(get_runtime().sessions) as session:
            user = find_user(session, form.email.data or "")
            if user is not None and user.active:
                send_claim_link(session, user)
        flash(SENT, "success")
        return redirect(url_for("auth.login"))
    return render_template("portal/claim_request.html", form=form)


def _invalid_link() -> ResponseReturnValue:
    page = render_template("portal/claim_request.html", form=ClaimRequestForm(formdata=None), error=LINK_INVALID)
    return page, 400


def _take_name(user: User, form: ClaimForm) -> None:
    if (form.name.data or "").strip():
        user.name = (form.name.data or "").strip()


def _claimed(user: User) -> ResponseReturnValue:
    _sign_in(user)
    flash("Welcome! Your password is set and you are signed in.", "success")
    return redirect(home_for(user), 303)


CLAIM_PAGE = PasswordLinkPage[ClaimForm](
    template="portal/claim.html", link_invalid=LINK_INVALID, form=lambda user: ClaimForm(data={"name": user.name}),
    invalid=_invalid_link, done=_claimed, also=_take_name,
)


@bp.route("/claim/<token>", methods=["GET", "POST"])
def claim_link(token: str) -> ResponseReturnValue:
    return CLAIM_PAGE.serve(token)


@bp.route("/account", methods=["GET", "POST"])
def profile() -> ResponseReturnValue:
    me = signed_in_user()
    form = ProfileForm(obj=me)
    if not form.validate_on_submit():
        return render_template("portal/account.html", form=form, me=me), 400 if form.is_submitted() else 200
    with writing() as (_session, user):
        user.name = (form.name.data or "").strip()
        user.department = (form.department.data or "").strip()
        user.notify_status_changes = form.notify_status_changes.data
        if user.is_staff:
            user.notify_assignments = form.notify_assignments.data
    flash("Your profile is saved.", "success")
    return redirect(url_for("portal.account.profile"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    email = signed_in_user().email
    if form.validate_on_submit():
        if throttle.current_lockout(email) is not None:
            form.current.errors.append("Too many wrong passwords for now; try again in a few minutes.")
        elif not verify_password(signed_in_user().password_hash, form.current.data or ""):
            throttle.failed(email)
            form.current.errors.append("That is not your current password.")
        else:
            try:
                user = _change_password(form.password.data or "", form.repeat.data or "")
            except InvalidInput as refused:
                form.password.errors.append(str(refused))
            else:
                _sign_in(user)
                flash("Your new password is set.", "success")
                return redirect(url_for("portal.account.profile"), 303)
    page = render_template("portal/password.html", form=form, min_length=MIN_LENGTH)
    return page, 400 if form.is_submitted() else 200


def _change_password(password: str, repeated: str) -> User:
    check_new_password(password, repeated)
    with writing() as (_session, user):
        set_password(user, password)
    return user
