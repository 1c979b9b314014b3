"""Reading the parts of a parsed MIME tree without ever raising.

`policy.default` parses a header when it is read and can choke on a malformed one; reading
a payload can raise on a charset such as "idna" that cannot "replace". Every access here
is guarded and falls back to a harmless value. `ParseContext` is what one parse carries
along: the message's declared charsets and the notes on what we had to guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TypeVar

from mailgateway.charsets import decode_bytes, normalise_text

T = TypeVar("T")


@dataclass(slots=True)
class ParseContext:
    """What one parse carries along: our notes, and the charsets the message declares."""

    hints: tuple[str, ...] = ()  # tried first on bytes whose own label is wrong or missing
    linesep: str = "\n"
    notes: list[str] = field(default_factory=list)


def safe(read: Callable[[], T], default: T) -> T:
    """`read()`, or `default` where `policy.default` chokes on a malformed header or payload."""
    try:
        return read()
    except Exception:
        return default


def content_type(part: EmailMessage) -> str:
    return safe(lambda: part.get_content_type().lower(), "application/octet-stream")


def subparts(part: EmailMessage) -> list[EmailMessage]:
    """The parts inside a multipart or message/* part; [] for a leaf.

    Reading a leaf's payload can raise (a charset such as "idna" that cannot "replace").
    """
    payload = safe(part.get_payload, None)
    return payload if isinstance(payload, list) else []


def is_multipart(part: EmailMessage) -> bool:
    """A multipart with parts; one whose boundary never showed up keeps its body as a string."""
    return content_type(part).startswith("multipart/") and bool(subparts(part))


def payload_bytes(part: EmailMessage) -> bytes:
    data = safe(lambda: part.get_payload(decode=True), None)
    return data if isinstance(data, bytes) else b""


def declared_charsets(message: EmailMessage) -> tuple[str, ...]:
    """Every charset the message declares."""
    labels = safe(lambda: [part.get_param("charset") for part in message.walk()], [])
    cleaned = (label.strip().lower() for label in labels if isinstance(label, str))
    return tuple(dict.fromkeys(label for label in cleaned if label))


def part_text(part: EmailMessage, ctx: ParseContext) -> str:
    """A leaf's text, decoded from its own bytes and charset; a fallback is noted."""
    text, note = decode_bytes(payload_bytes(part), safe(part.get_content_charset, None), ctx.hints)
    ctx.notes += [note] if note else []
    return normalise_text(text)
