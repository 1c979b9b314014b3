"""Hands a command the Runtime (settings, engine, sessions) built from the environment."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from core.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])


def pass_runtime(function: F) -> F:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        root = ctx.find_root()
        if root.obj is None:
            root.obj = Runtime.from_environment()
            root.call_on_close(root.obj.engine.dispose)
        return function(root.obj, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
