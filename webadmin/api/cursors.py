"""Page cursors in query strings: `after:KEY` for the next (older) page, `before:KEY` for the
previous one, KEY being core.ticket_queries.Cursor's token for the list's sort."""

from __future__ import annotations

from core.errors import InvalidInput
from core.ticket_queries import Cursor, Sort
from webadmin.api.errors import ApiError
from webadmin.api.operations import INT_MAX

DIRECTIONS = ("after", "before")


def parse_cursor(sort: Sort, text: str | None) -> Cursor | None:
    """The cursor `text` names, or 422 on the `cursor` field."""
    if text is None:
        return None
    direction, _, token = text.partition(":")
    problem = f"not a page cursor: pass next_cursor or prev_cursor of a page sorted by {sort.value}"
    if direction not in DIRECTIONS:
        raise ApiError(422, "The cursor is not valid.", fields={"cursor": problem})
    try:
        cursor = Cursor.parse(sort, token, before=direction == "before")
    except InvalidInput:
        raise ApiError(422, "The cursor is not valid.", fields={"cursor": problem}) from None
    if any(isinstance(value, int) and not 0 <= value <= INT_MAX for value in cursor.values):
        raise ApiError(422, "The cursor is not valid.", fields={"cursor": problem})
    return cursor
