"""Regular expressions from admins, validated when saved and run with a time bound.

The `regex` module accepts a timeout, so a catastrophic pattern such as `(a+)+$` against a
long line gives up after MATCH_TIMEOUT instead of hanging the intake. Saving (editor, import,
CLI) also refuses such a pattern (`backtracking_error`), since it would fail on every mail
that triggers it; the time bound stays for what a probe cannot foresee."""

from __future__ import annotations

from functools import lru_cache

import regex

MATCH_TIMEOUT = 0.05
MAX_PATTERN_LENGTH = 1000
MAX_SUBJECT_CHARS = 200_000
PROBE_LENGTH = 5_000
PROBE_CHARACTERS = "a0 .x"
"""Besides the pattern's own characters: a run of one of these is what makes the usual
catastrophic patterns ((a+)+$, (\\w+\\s?)+$, ^(a|aa)+$) backtrack."""


class RegexTimeout(Exception):
    """The pattern took too long on this text; the rule is skipped for this message."""


@lru_cache(maxsize=512)
def _compiled(pattern: str, ignore_case: bool) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)


def pattern_error(pattern: str) -> str | None:
    """Why this pattern cannot be saved (too long, invalid, or catastrophically slow), or None."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        _compiled(pattern, False)
    except regex.error as error:
        return f"not a valid regular expression: {error}"
    return backtracking_error(pattern)


def _probes(pattern: str) -> list[str]:
    """Runs of one character, each followed by one that ends the run (so the match fails late)."""
    characters = dict.fromkeys(c for c in pattern + PROBE_CHARACTERS if c.isprintable())
    return [character * PROBE_LENGTH + "\x00" for character in list(characters)[:40]]


def backtracking_error(pattern: str) -> str | None:
    """Why a valid pattern is refused as too slow: it gave up on a short run of one character.

    A pattern that needs longer than MATCH_TIMEOUT for a few thousand characters would fail on
    every such mail at intake; nested repetition is the usual cause. Costs at most one
    MATCH_TIMEOUT for a bad pattern, microseconds for a good one."""
    compiled = _compiled(pattern, False)
    for probe in _probes(pattern):
        try:
            compiled.search(probe, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            return (f"this pattern backtracks catastrophically (a run of {PROBE_LENGTH} {probe[0]!r} took longer than "
                    f"{MATCH_TIMEOUT * 1000:.0f} ms); nested repetition such as (a+)+ is the usual cause, so rewrite it without nesting")
    return None


def search(pattern: str, text: str, *, ignore_case: bool) -> bool:
    try:
        return _compiled(pattern, ignore_case).search(text[:MAX_SUBJECT_CHARS], timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise RegexTimeout(f"the pattern {pattern!r} took longer than {MATCH_TIMEOUT}s") from None
