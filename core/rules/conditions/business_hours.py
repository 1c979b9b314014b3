"""Received inside (or outside) business hours: params `inside` (bool), `timezone`
(IANA name), `days` (0 = Monday ... 6), `start` and `end` ("HH:MM")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.rules.facts import MailFacts

DEFAULTS: dict[str, Any] = {"inside": True, "timezone": "UTC", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}


def _clock(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return None


class BusinessHours:
    name = "business_hours"
    description = "Received inside (or outside) business hours"
    fields = ("inside", "timezone", "days", "start", "end")

    def errors(self, params: Mapping[str, Any]) -> dict[str, str]:
        settings = {**DEFAULTS, **params}
        problems: dict[str, str] = {}
        try:
            ZoneInfo(str(settings["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            problems["timezone"] = "an IANA time zone such as Europe/Berlin"
        if not isinstance(settings["days"], list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in settings["days"]):
            problems["days"] = "a list of weekdays, 0 = Monday ... 6 = Sunday"
        for key in ("start", "end"):
            if _clock(settings[key]) is None:
                problems[key] = "a time as HH:MM"
        return problems

    def check(self, facts: MailFacts, params: Mapping[str, Any]) -> str | None:
        settings = {**DEFAULTS, **params}
        local = (facts.received_at or datetime.now(UTC)).astimezone(ZoneInfo(str(settings["timezone"])))
        start, end = _clock(settings["start"]), _clock(settings["end"])
        inside = local.weekday() in settings["days"] and start is not None and end is not None and start <= local.time() < end
        if inside == bool(settings["inside"]):
            return f"received {local:%a %H:%M} {settings['timezone']}, {'inside' if inside else 'outside'} business hours"
        return None


CONDITIONS = (BusinessHours(),)
