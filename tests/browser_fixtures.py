"""Fixtures for the browser tests: the app served on 127.0.0.1 by a real WSGI server, and a
fresh laptop-sized page of the session's Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from core.runtime import Runtime
from webadmin import create_app


@contextmanager
def serving(app: Flask) -> Iterator[int]:
    """`app` served by a real threaded WSGI server on 127.0.0.1; yields its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    with serving(create_app(runtime)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 860})
    yield context.new_page()
    context.close()
