"""Sign-in throttling at the door: the login view asks before checking a password, and reports after.

The counting lives in core.login_throttle (the database, shared by every web process). The
client's address is `request.remote_addr`: behind a reverse proxy that is the proxy, so the
per-IP limit would count everyone together unless POSTDESK_TRUSTED_PROXIES says how many
proxies to trust (webadmin.trust_proxies then takes the address from X-Forwarded-For). Left
at 0, the header is ignored and cannot be spoofed. A locked-out attempt gets 429 with `Retry-After`."""

from __future__ import annotations

import math

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from core.db import unit_of_work
from core.login_throttle import Lockout, clear_failures, lockout, record_failure
from core.models import utcnow
from webadmin.db import get_runtime, get_session


def client_ip() -> str:
    return request.remote_addr or "unknown"


def current_lockout(email: str) -> Lockout | None:
    return lockout(get_session(), email, client_ip())


def refuse(form: FlaskForm, lock: Lockout) -> ResponseReturnValue:
    """The login page again, saying why and for how long, with status 429."""
    seconds = lock.retry_after(utcnow())
    minutes = math.ceil(seconds / 60)
    error = (
        f"Sign-in is paused: {lock.reason}. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
        "or set a new password with “Forgot your password?”."
    )
    page = render_template("auth/login.html", form=form, error=error)
    return page, 429, {"Retry-After": str(seconds)}


def failed(email: str) -> None:
    with unit_of_work(get_runtime().sessions) as session:
        record_failure(session, email, client_ip())


def succeeded(email: str) -> None:
    with unit_of_work(get_runtime().sessions) as session:
        clear_failures(session, email)
