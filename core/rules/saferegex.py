"""Regular expressions from admins, validated when saved and run with a time bound.

The `regex` module accepts a timeout, so a catastrophic pattern such as `(a+)+$` against a
long line gives up after MATCH_TIMEOUT instead of hanging the intake."""

from __future__ import annotations

from functools import lru_cache

import regex

MATCH_TIMEOUT = 0.05
MAX_PATTERN_LENGTH = 1000
MAX_SUBJECT_CHARS = 200_000


class RegexTimeout(Exception):
    """The pattern took too long on this text; the rule is skipped for this message."""


@lru_cache(maxsize=512)
def _compiled(pattern: str, ignore_case: bool) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)


def pattern_error(pattern: str) -> str | None:
    """Why this pattern cannot be saved, or None."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        _compiled(pattern, False)
    except regex.error as error:
        return f"not a valid regular expression: {error}"
    return None


def search(pattern: str, text: str, *, ignore_case: bool) -> bool:
    try:
        return _compiled(pattern, ignore_case).search(text[:MAX_SUBJECT_CHARS], timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise RegexTimeout(f"the pattern {pattern!r} took longer than {MATCH_TIMEOUT}s") from None
