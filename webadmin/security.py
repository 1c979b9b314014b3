"""Headers that every response carries, and the session cookie's flags.

The Content-Security-Policy admits only our own scripts, styles and images (and `data:`
images). Mail HTML shown in the panel was sanitised at intake; the CSP is the second wall
if anything slipped through. Its price: `style="..."` attributes that the sanitiser keeps
do not apply, so mail keeps its structure (tables, lists, emphasis) but not its colours.
`base-uri` and `form-action` are not covered by `default-src`, so they are named too."""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def init_app(app: Flask) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set each header unless the view chose a value of its own."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
