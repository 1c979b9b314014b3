"""Cells into values, or a message that says what was expected."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)

YES = frozenset({"1", "true", "yes", "y", "x"})
NO = frozenset({"0", "false", "no", "n", ""})


class BadValue(ValueError):
    """The message says what was wrong, in words for the report."""


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (`2026-03-02T09:00:00Z`, `2026-03-02 09:00`, `2026-03-02`) or a
    spreadsheet date/time cell; without an offset it is UTC. None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise BadValue(f"{str(value).strip()!r} is not a date; use ISO 8601, e.g. 2026-03-02 09:30") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_number(text: str) -> int | None:
    """A ticket number: `12` or `#12`; None for an empty cell."""
    cleaned = text.strip().lstrip("#")
    if not cleaned:
        return None
    if not cleaned.isdigit() or not 0 < int(cleaned) < 2**31:
        raise BadValue(f"{text!r} is not a ticket number")
    return int(cleaned)


def parse_choice(text: str, enum: type[E], default: E, aliases: dict[str, E] | None = None) -> E:
    cleaned = "_".join(text.strip().lower().split())
    if not cleaned:
        return default
    if aliases and cleaned in aliases:
        return aliases[cleaned]
    try:
        return enum(cleaned)
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise BadValue(f"unknown value {text.strip()!r}; use one of: {known}") from None


def parse_flag(text: str, default: bool) -> bool:
    cleaned = text.strip().lower()
    if not cleaned:
        return default
    if cleaned in YES:
        return True
    if cleaned in NO:
        return False
    raise BadValue(f"{text.strip()!r} is not yes or no")
