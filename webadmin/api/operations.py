"""Declaring an API operation once: its route, who may call it, its bodies, its answers.

    @api.operation("POST", "/tickets/{number}/comments", tag="Tickets", access=Access.USER,
                   body=NewComment, response=TicketDetail, status=201, errors={409})
    def add_comment(number: int, body: NewComment) -> TicketDetail: ...

The decorator registers the Flask route and wraps the view: it authorizes the bearer, reads
and validates the query string and the JSON body with the declared Pydantic models (a bad one
is a 422 naming each field), calls the view, and serialises what it returns with the declared
response model. The same declaration feeds the OpenAPI document (webadmin.api.openapi), so
the description of an operation is the code that runs it. Which error statuses an operation
documents follows from the declaration (401 with a bearer, 403 with a role, 404 with a path
parameter, 422 with a body or query, 429 always) plus the view's own `errors`."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from webadmin.api.bearer import Access, authorize
from webadmin.api.errors import ApiError, invalid_request
from webadmin.forms import MIB

PATH_PARAMETER = re.compile(r"\{(\w+)\}")
INT_MAX = 2_147_483_647
JSON_MAX = 5 * MIB

View = Callable[..., Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    view: str
    summary: str
    description: str
    tag: str
    access: Access
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    upload: bool
    response: type[BaseModel] | None
    status: int
    extra_errors: frozenset[int] = field(default_factory=frozenset)

    @property
    def path_parameters(self) -> list[str]:
        return PATH_PARAMETER.findall(self.path)

    @property
    def error_statuses(self) -> list[int]:
        statuses = {429, *self.extra_errors}
        if self.access is not Access.PUBLIC:
            statuses.add(401)
        if self.access in (Access.STAFF, Access.ADMIN):
            statuses.add(403)
        if self.path_parameters:
            statuses.add(404)
        if self.query is not None:
            statuses.add(422)
        if self.body is not None or self.upload:
            statuses |= {400, 413, 422}
        return sorted(statuses)


def flask_rule(path: str) -> str:
    """`/tickets/{number}` -> `/tickets/<int:number>`: every path parameter is an integer id."""
    return PATH_PARAMETER.sub(r"<int:\1>", path)


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (list, tuple, set, frozenset)


def read_query(model: type[BaseModel]) -> BaseModel:
    """The query string through `model`: repeated parameters for list fields, else the last value."""
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        values = request.args.getlist(name)
        if values:
            raw[name] = values if _is_list(info.annotation) else values[-1]
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise invalid_request(error, "query string") from None


def read_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body through `model`. At most JSON_MAX bytes: the app's own limit is sized for
    ten attachments, far more than any JSON body needs."""
    if not request.is_json:
        raise ApiError(400, "Send the body as JSON, with `Content-Type: application/json`.")
    if (request.content_length or 0) > JSON_MAX:
        raise ApiError(413, f"A JSON body may be at most {JSON_MAX // MIB} MiB.")
    try:
        return model.model_validate_json(request.get_data())
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            raise ApiError(400, "The body is not valid JSON.") from None
        raise invalid_request(error, "body") from None


def respond(operation: Operation, result: Any) -> Response:
    """The view's result as JSON with the operation's status: a model, or (model, headers)."""
    headers: dict[str, str] = {}
    if isinstance(result, tuple):
        result, headers = result
    if operation.response is None:
        return Response(status=operation.status, headers=headers)
    if not isinstance(result, operation.response):
        raise TypeError(f"{operation.view} returned {type(result).__name__}, not {operation.response.__name__}")
    response = jsonify(result.model_dump(mode="json"))
    response.status_code = operation.status
    response.headers.update(headers)
    return response


class Api:
    """The operations of one blueprint, in the order they were declared."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        *,
        tag: str,
        access: Access,
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        upload: bool = False,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: Iterable[int] = (),
    ) -> Callable[[View], View]:
        def declare(view: View) -> View:
            summary, _, description = (view.__doc__ or view.__name__).strip().partition("\n")
            operation = Operation(
                method, path, view.__name__, summary.strip(), description.strip(), tag, access,
                query, body, upload, response, status, frozenset(errors),
            )  # fmt: skip
            self.operations.append(operation)
            self.blueprint.add_url_rule(
                flask_rule(path), endpoint=view.__name__, view_func=_handler(operation, view), methods=[method]
            )
            return view

        return declare


def _handler(operation: Operation, view: View) -> View:
    @wraps(view)
    def handle(**path: int) -> Response:
        authorize(operation.access)
        if any(value > INT_MAX for value in path.values()):
            raise ApiError(404, "No such resource.")
        arguments: dict[str, Any] = dict(path)
        if operation.query is not None:
            arguments["query"] = read_query(operation.query)
        if operation.body is not None:
            arguments["body"] = read_body(operation.body)
        return respond(operation, view(**arguments))

    return handle
