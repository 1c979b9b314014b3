"""The OpenAPI document at `/api/v1/openapi.json` and the interactive docs at `/api/v1/docs`.

The docs page is Swagger UI 5 (which reads OpenAPI 3.1), from the files the flask-swagger-ui
package ships: nothing is loaded from a CDN. The page runs under the app's strict CSP: no
inline script, so Swagger UI is started by `static/api_docs.js`, which reads the document's
address from a data attribute."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import current_app, render_template, send_from_directory
from flask.typing import ResponseReturnValue

from webadmin.api.blueprint import api, bp
from webadmin.api.openapi import build_document

SWAGGER_UI = Path(flask_swagger_ui.__file__).parent / "dist"


@cache
def document() -> dict[str, Any]:
    """Built once per process: the operations are fixed once the route modules are imported."""
    return build_document(api.operations)


@bp.route("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    """In declaration order (jsonify would sort the paths): the requester's routes first."""
    return current_app.response_class(json.dumps(document(), ensure_ascii=False), mimetype="application/json")


@bp.route("/docs")
def docs() -> ResponseReturnValue:
    return render_template("api_docs.html")


@bp.route("/docs/assets/<path:filename>")
def docs_asset(filename: str) -> ResponseReturnValue:
    return send_from_directory(SWAGGER_UI, filename, max_age=3600)
