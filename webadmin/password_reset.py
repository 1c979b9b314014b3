"""Forgotten passwords: `/forgot-password` mails a link, `/reset-password/<token>` sets a new one
(the page is webadmin.password_link's, as for claiming an account).

The link is a signed token (core.password_reset) that works once and for an hour; the mail
goes through the outbox. The forgot-password page answers the same whatever the address, so
it does not tell which addresses have accounts; the hourly limit on automatic mail per address
keeps it from being used to flood someone. Admins send the same link from a user's page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from core.account_mail import enqueue_account_mail
from core.db import unit_of_work
from core.models import OutboxMessage, User
from core.password_reset import INVALID, VALID_FOR, make_token
from core.users import find_user
from webadmin.db import get_runtime
from webadmin.password_link import NewPasswordForm, PasswordLinkPage

bp = Blueprint("password_reset", __name__)

SENT = "If an account exists for that address, we have sent it a link to set a new password. It works for one hour."


class ForgotForm(FlaskForm):
    email = StringField("Email", validators=[InputRequired(), Length(max=320)])


def mail_reset_link(session: Session, user: User) -> OutboxMessage | None:
    """Queue the reset mail for `user` (in the caller's transaction); None if it may not be sent."""
    settings = get_runtime().settings
    link = settings.base_url + url_for("password_reset.reset", token=make_token(settings.secret_key, user))
    minutes = int(VALID_FOR.total_seconds() // 60)
    return enqueue_account_mail(session, user, "password_reset", reset_url=link, valid_minutes=minutes)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot() -> ResponseReturnValue:
    form = ForgotForm()
    if form.validate_on_submit():
        with unit_of_work(get_runtime().sessions) as session:
            user = find_user(session, form.email.data or "")
            if user is not None and user.active:
                mail_reset_link(session, user)
        flash(SENT, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _invalid_link() -> ResponseReturnValue:
    return render_template("auth/reset.html", form=None, error=INVALID), 400


def _password_set(_user: User) -> ResponseReturnValue:
    flash("Your new password is set. Sign in with it.", "success")
    return redirect(url_for("auth.login"))


RESET_PAGE = PasswordLinkPage[NewPasswordForm](
    template="auth/reset.html", link_invalid=INVALID, form=lambda _user: NewPasswordForm(),
    invalid=_invalid_link, done=_password_set,
)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset(token: str) -> ResponseReturnValue:
    return RESET_PAGE.serve(token)
