"""Business durations as people write and read them: `4h`, `30m`, `1h 30m`, or plain minutes.

There are no days: a "day" of business time means nine hours in one calendar and twenty-four
in another, so targets are given in hours and minutes of business time."""

from __future__ import annotations

import re
from datetime import timedelta

from core.errors import InvalidInput

MAX_TARGET_MINUTES = 366 * 24 * 60
_PART = re.compile(r"(\d{1,6})\s*([hm])", re.IGNORECASE)


def parse_minutes(text: str) -> int | None:
    """`"1h 30m"` -> 90, `"45"` -> 45, `""` -> None (no target); InvalidInput otherwise."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    if cleaned.isdigit():
        minutes = int(cleaned)
    else:
        parts = _PART.findall(cleaned)
        if not parts or _PART.sub("", cleaned).strip():
            raise InvalidInput(f"{text.strip()!r} is not a duration; write e.g. 4h, 30m or 1h 30m")
        minutes = sum(int(number) * (60 if unit == "h" else 1) for number, unit in parts)
    if not 1 <= minutes <= MAX_TARGET_MINUTES:
        raise InvalidInput(f"a target must be between 1 minute and {MAX_TARGET_MINUTES // 60} hours")
    return minutes


def format_minutes(minutes: int | None) -> str:
    """90 -> `1h 30m`, 120 -> `2h`, 45 -> `45m`, None -> ``."""
    if minutes is None:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest:02d}m" if rest else f"{hours}h"


def format_span(span: timedelta) -> str:
    """A remaining or recorded business time, to the minute: `2h 05m`, `-1h 10m` once overdue."""
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    return sign + (format_minutes(abs(seconds) // 60) if abs(seconds) >= 60 else "0m")
