"""Rate limits on the API, per token and per client address (Flask-Limiter).

Two shared limits over every API route: one counted by the bearer credential (a hash of it;
an anonymous request counts by its address), one by the client's address however many tokens
it uses. Both rates and the counters' storage are settings (POSTDESK_API_RATE_LIMIT,
POSTDESK_API_IP_RATE_LIMIT, POSTDESK_API_RATE_LIMIT_STORAGE); the default `memory://` counts
per process, so with several web processes use a shared storage such as `redis://`. A request
over a limit gets 429 with `Retry-After` (webadmin.api.errors.rate_limited). The address is
`request.remote_addr`, the client's behind POSTDESK_TRUSTED_PROXIES (as for the sign-in throttle)."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter

from core.config import Settings
from webadmin.api.bearer import credential_key
from webadmin.api.blueprint import bp
from webadmin.api.errors import rate_limited


def client_address() -> str:
    return request.remote_addr or "unknown"


def init_app(app: Flask, settings: Settings) -> Limiter:
    limiter = Limiter(
        client_address,
        app=app,
        storage_uri=settings.api_rate_limit_storage,
        default_limits=[],
        headers_enabled=False,
        on_breach=rate_limited,
    )
    limiter.shared_limit(settings.api_rate_limit, scope="api-token", key_func=credential_key)(bp)
    limiter.shared_limit(settings.api_ip_rate_limit, scope="api-address", key_func=client_address)(bp)
    return limiter
