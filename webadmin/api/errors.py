"""Every API refusal as one JSON shape: `{"error": {"code", "message", "fields"}}`.

`code` is a stable word a program can branch on (`not_found`, `invalid`, `conflict`, ...),
`message` a sentence for a person, `fields` maps a request field (`title`, `attachments.0`,
`status`) to what is wrong with it, empty when the problem is not one field's. No answer under
`/api/` is an HTML page or a traceback: HTTP errors (unknown path, wrong method, too large,
rate limited), the core services' refusals (DomainError) and crashes all end here."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Response, jsonify
from flask_limiter import RequestLimit
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from core.errors import AlreadyExists, DomainError, IllegalTransition, NotFound
from core.models import utcnow

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

SERVER_ERROR = "The server could not answer this request; the error was logged."


class ApiError(Exception):
    """A refusal a view raises; turned into the JSON error answer by `error_response`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = dict(fields or {})
        self.code = code or CODES.get(status, "error")
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> Response:
    """The JSON answer; also the blueprint's error handler for ApiError."""
    response = jsonify(error={"code": error.code, "message": error.message, "fields": error.fields})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def http_error_response(error: HTTPException) -> Response:
    """Werkzeug's errors (404 for an unknown path, 405, 413, ...) under /api/ as JSON; a 429
    of the rate limiter comes with its answer made already (`rate_limited`)."""
    if isinstance(error.response, Response):
        return error.response
    status = error.code or 500
    if status >= 500:
        log.error("API request failed: %s", error.description)
        return error_response(ApiError(status, SERVER_ERROR if status == 500 else str(error.description)))
    headers = {name: value for name, value in error.get_headers() if name.lower() in ("allow", "retry-after")}
    return error_response(ApiError(status, str(error.description), headers=headers))


def status_for(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, AlreadyExists | IllegalTransition):
        return 409
    return 422


def domain_error_response(error: DomainError) -> Response:
    """A core service's refusal: 404 not found, 409 conflicts with the current state, else 422.
    Services that name fields (`errors`, e.g. RequestInvalid, RuleInvalid) get them in `fields`."""
    fields: dict[str, str] = dict(getattr(error, "errors", None) or {})
    return error_response(ApiError(status_for(error), str(error), fields=fields))


def validation_fields(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors by dotted field path (`attachments.0`), the first message per field."""
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(path, item["msg"])
    return fields


def invalid_request(error: ValidationError, where: str) -> ApiError:
    return ApiError(422, f"The {where} has invalid fields.", fields=validation_fields(error))


def rate_limited(limit: RequestLimit) -> Response:
    """Flask-Limiter's `on_breach`: the 429 answer, with `Retry-After` in seconds."""
    seconds = max(1, int(limit.reset_at - utcnow().timestamp()))
    message = f"Too many requests ({limit.limit}). Try again in {seconds} seconds."
    return error_response(ApiError(429, message, headers={"Retry-After": str(seconds)}))
