"""Signing in and out: `/login`, `/logout`, and the Flask-Login wiring.

Only active users with a password can sign in (mail-only employees have none). A failed
attempt always says "wrong email or password", and an unknown address costs the same
argon2 verification as a known one, so neither the words nor the timing tell which
addresses exist. Repeated failures pause sign-in for that address or IP (webadmin.throttle).
The session remembers the user's id plus a fingerprint of the password hash: changing a
password or deactivating a user ends every session they have."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from core.models import User
from core.passwords import hash_password, needs_rehash, verify_password
from core.users import find_user
from webadmin import throttle
from webadmin.db import get_session

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "Wrong email or password."


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[InputRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    next = HiddenField()


class Account(UserMixin):
    """The signed-in user as Flask-Login sees it, so that core's User stays free of Flask."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{password_fingerprint(self.user)}"

    @property
    def is_active(self) -> bool:
        return can_sign_in(self.user)


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to continue."
    manager.user_loader(load_account)
    app.register_blueprint(bp)


def signed_in_user() -> User:
    """The User behind `current_user`; only for views that require a signed-in user."""
    user: User = current_user.user
    return user


def can_sign_in(user: User) -> bool:
    return user.active and bool(user.password_hash)


def password_fingerprint(user: User) -> str:
    """Part of every session and API token: a new password (or none) ends them all."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def load_account(session_id: str) -> Account | None:
    """Flask-Login's user loader: None (signed out) once the user or their password changed."""
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not can_sign_in(user) or not hmac.compare_digest(password_fingerprint(user), fingerprint):
        return None
    return Account(user)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the address is unknown, made on first use."""
    return hash_password("not a real password")


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The user these credentials belong to, if they may sign in; upgrades an old hash."""
    user = find_user(db, email)
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.commit()
    return user


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: `next` must not send people away."""
    if not target or any(ord(char) < 32 or char in "\\\x7f" for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def home_for(user: User) -> str:
    return url_for("admin.tickets") if user.is_staff else url_for("portal.tickets")


@bp.route("/")
def index() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(home_for(signed_in_user()))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(home_for(signed_in_user()))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        email = form.email.data or ""
        lock = throttle.current_lockout(email)
        if lock is not None:
            return throttle.refuse(form, lock)
        user = authenticate(get_session(), email, form.password.data or "")
        if user is not None:
            throttle.succeeded(email)
            cookie_session.clear()
            login_user(Account(user))
            return redirect(safe_next(form.next.data) or home_for(user))
        throttle.failed(email)
        error = WRONG_CREDENTIALS
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """POST only (with the CSRF token), so another site cannot sign people out with a link."""
    logout_user()
    cookie_session.clear()
    return redirect(url_for("auth.login"))
