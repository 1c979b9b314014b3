"""The page behind a mailed password link, shared by `/reset-password/<token>` (webadmin.password_reset)
and `/portal/claim/<token>` (webadmin.claim).

The token (core.password_reset) names the user and works once. Opening the page changes
nothing; saving the form checks the new password, then, in the writing transaction, reads the
token again (so two tabs cannot both use it), sets the password, which spends the token, and
forgets the address's failed sign-ins. A refused password is shown next to its field (400); a
bad, used or expired link gets the page's own answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from core.db import unit_of_work
from core.errors import InvalidInput
from core.login_throttle import clear_failures
from core.models import User
from core.password_reset import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_new_password,
    read_token,
    set_password,
)
from webadmin.db import get_runtime, get_session


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[InputRequired(), Length(max=MAX_LENGTH)])
    repeat = PasswordField("The same again", validators=[InputRequired(), Length(max=MAX_LENGTH)])


Form = TypeVar("Form", bound=NewPasswordForm)


def token_user(session: Session, token: str) -> User:
    """The user the link is for; InvalidInput if it is not valid, was used or has expired."""
    return read_token(session, get_runtime().settings.secret_key, token)


@dataclass(frozen=True)
class PasswordLinkPage(Generic[Form]):
    """What one such page makes of the shared steps."""

    template: str
    link_invalid: str
    """Said when the link stopped working between opening the page and saving it (another tab)."""
    form: Callable[[User], Form]
    """The page's form for the link's user (prefilled where it asks for more than the password)."""
    invalid: Callable[[], ResponseReturnValue]
    done: Callable[[User], ResponseReturnValue]
    """The answer once the password is set (a redirect)."""
    also: Callable[[User, Form], None] = lambda _user, _form: None
    """Further changes from the form, saved in the same transaction as the password."""

    def serve(self, token: str) -> ResponseReturnValue:
        try:
            user = token_user(get_session(), token)
        except InvalidInput:
            return self.invalid()
        form = self.form(user)
        if form.validate_on_submit():
            try:
                saved = self._save(token, form)
            except InvalidInput as refused:
                form.password.errors.append(str(refused))
            else:
                return self.done(saved)
        page = render_template(self.template, form=form, email=user.email, min_length=MIN_LENGTH)
        return page, 400 if form.is_submitted() else 200

    def _save(self, token: str, form: Form) -> User:
        password = form.password.data or ""
        check_new_password(password, form.repeat.data or "")
        with unit_of_work(get_runtime().sessions) as session:
            try:
                user = token_user(session, token)
            except InvalidInput:
                raise InvalidInput(self.link_invalid) from None
            self.also(user, form)
            set_password(user, password)
            clear_failures(session, user.email)
        return user
