"""The API's blueprint and its operation registry, which every route module declares on."""

from __future__ import annotations

from flask import Blueprint

from webadmin.api.operations import Api

bp = Blueprint("api", __name__, url_prefix="/api/v1", static_folder="static")
"""Its static folder holds the docs page's start-up script (api_docs.js)."""
api = Api(bp)
