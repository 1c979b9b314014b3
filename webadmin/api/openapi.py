"""The OpenAPI 3.1 document, built from the declared operations and their Pydantic models.

Pydantic writes JSON Schema 2020-12, which is what OpenAPI 3.1 uses, so the models' schemas go
into `components.schemas` as they are. Query models become `parameters` (one per field; list
fields repeat the parameter). Every operation lists its error answers with the one error body
(webadmin.api.errors), 429 with its `Retry-After` header."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from webadmin.api.bearer import Access
from webadmin.api.operations import INT_MAX, Operation
from webadmin.api.schemas.common import ErrorBody

REF = "#/components/schemas/{model}"
Schema = dict[str, Any]

REASONS = {
    400: "The request is malformed (not JSON, a missing file).",
    401: "No valid bearer token.",
    403: "Your role may not do this.",
    404: "No such resource (or it is not yours).",
    409: "Conflicts with the current state.",
    413: "Too large.",
    422: "Invalid fields, or a rule of the helpdesk refuses it; `fields` says which.",
    429: "Too many requests; try again after `Retry-After` seconds.",
}

TAGS = {
    "Auth": "Sign in for a token pair, refresh it, and who you are.",
    "Tickets": "Your own requests (those you watch, and a customer manager's organizations'): open, list, read, comment.",
    "Uploads": "Files to attach to a new ticket or comment.",
    "Catalog": "What a ticket may be filed under.",
    "Staff: tickets": "Every ticket, for agents and admins: the panel's list and actions.",
    "Staff: reports": "The report pages' reports, as tables.",
    "Admin: catalog": "Groups, categories and subcategories.",
    "Admin: users": "People and their roles.",
    "Admin: rules": "The routing rules, exported and imported as one document.",
}
"""The document's sections, in order: the requester's first."""

DESCRIPTION = """\
The helpdesk's JSON API: the same services as the web panels.

Authenticate with `Authorization: Bearer <token>`, either an access token from
`POST /auth/login` (15 minutes; renew it with the refresh token at `POST /auth/refresh`) or a
personal API token created in the panel (your account page, or an admin's user page).
Requests are rate limited per token and per address (429 with `Retry-After`). Every error
is `{"error": {"code", "message", "fields"}}`."""


def _models(operations: Sequence[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    pairs: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ErrorBody, "serialization"): None}
    for operation in operations:
        for model in (operation.query, operation.body):
            if model is not None:
                pairs[(model, "validation")] = None
        if operation.response is not None:
            pairs[(operation.response, "serialization")] = None
    return list(pairs)


def _without_null(schema: Schema) -> Schema:
    """A query parameter is absent or has a value: drop the `null` alternative of an optional field."""
    options = [option for option in schema.get("anyOf", []) if option != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return {**options[0], **rest}
    return schema


def _query_parameters(schema: Schema) -> list[Schema]:
    required = set(schema.get("required", []))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        field = _without_null(copy.deepcopy(field))
        description = field.pop("description", None)
        field.pop("title", None)
        parameter: Schema = {"name": name, "in": "query", "required": name in required, "schema": field}
        if description:
            parameter["description"] = description
        if field.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _path_parameters(operation: Operation) -> list[Schema]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": INT_MAX}}
        for name in operation.path_parameters
    ]


def _error(status: int, error_ref: Schema) -> Schema:
    answer: Schema = {"description": REASONS.get(status, "Refused."), "content": {"application/json": {"schema": error_ref}}}
    if status == 429:
        answer["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    return answer


UPLOAD_BODY: Schema = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}},
            }
        }
    },
}


class DocumentBuilder:
    def __init__(self, operations: Sequence[Operation]) -> None:
        order = list(TAGS)
        self.operations = sorted(operations, key=lambda operation: order.index(operation.tag))
        refs, definitions = models_json_schema(_models(operations), ref_template=REF)
        self.refs = refs
        self.schemas: dict[str, Schema] = definitions.get("$defs", {})
        self.error_ref = refs[(ErrorBody, "serialization")]

    def _query_schema(self, model: type[BaseModel]) -> Schema:
        name = self.refs[(model, "validation")]["$ref"].rsplit("/", 1)[-1]
        return self.schemas[name]

    def operation(self, operation: Operation) -> Schema:
        item: Schema = {
            "operationId": operation.view,
            "summary": operation.summary,
            "tags": [operation.tag],
            "security": [] if operation.access is Access.PUBLIC else [{"bearer": []}],
            "parameters": _path_parameters(operation),
            "responses": {str(status): _error(status, self.error_ref) for status in operation.error_statuses},
        }
        if operation.description:
            item["description"] = operation.description
        if operation.query is not None:
            item["parameters"] += _query_parameters(self._query_schema(operation.query))
        if operation.body is not None:
            schema = self.refs[(operation.body, "validation")]
            item["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
        elif operation.upload:
            item["requestBody"] = UPLOAD_BODY
        success: Schema = {"description": "Done."}
        if operation.response is not None:
            success["content"] = {"application/json": {"schema": self.refs[(operation.response, "serialization")]}}
        item["responses"][str(operation.status)] = success
        return item

    def document(self) -> Schema:
        paths: dict[str, Schema] = {}
        for operation in self.operations:
            paths.setdefault(operation.path, {})[operation.method.lower()] = self.operation(operation)
        query_models = {self.refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1] for op in self.operations if op.query}
        return {
            "openapi": "3.1.0",
            "info": {"title": "Postdesk API", "version": "1.0.0", "description": DESCRIPTION},
            "servers": [{"url": "/api/v1"}],
            "tags": [{"name": name, "description": description} for name, description in TAGS.items()],
            "paths": paths,
            "components": {
                "schemas": {name: schema for name, schema in self.schemas.items() if name not in query_models},
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "description": "An access token (JWT) or a personal API token (pdk_...)."}
                },
            },
        }


def build_document(operations: Sequence[Operation]) -> Schema:
    return DocumentBuilder(operations).document()
