"""Header access that cannot raise.

With ``policy.default`` the email package parses a header when it is first read,
and a malformed one (a broken encoded word, an address list it cannot make sense
of) can raise from ``message[name]``. Rules read headers only through these
helpers, so no rule can fail on a bad header: a header that cannot be read
counts as absent.
"""

from __future__ import annotations

from email.message import Message
from email.utils import parseaddr


def header(message: Message, name: str) -> str:
    """The first ``name`` header, decoded and stripped; "" when absent or unreadable."""
    try:
        value = message.get(name)
        return "" if value is None else _printable(str(value).strip())
    except Exception:  # noqa: BLE001 - any parse error means "unreadable"
        return ""


def headers(message: Message, name: str) -> tuple[str, ...]:
    """Every ``name`` header, decoded and stripped; unreadable ones are left out."""
    try:
        values = message.get_all(name) or []
    except Exception:  # noqa: BLE001
        return ()
    found: list[str] = []
    for value in values:
        try:
            found.append(_printable(str(value).strip()))
        except Exception:  # noqa: BLE001
            continue
    return tuple(found)


def header_names(message: Message) -> tuple[str, ...]:
    """The names of the top-level headers, as written, in order."""
    try:
        return tuple(str(name) for name in message.keys())
    except Exception:  # noqa: BLE001
        return ()


def address(message: Message, name: str) -> tuple[str, str]:
    """(display name, lower-cased addr-spec) of the first address in ``name``; ("", "") if none."""
    value = header(message, name)
    if not value:
        return "", ""
    try:
        display, addr = parseaddr(value)
    except Exception:  # noqa: BLE001
        return "", ""
    return display.strip(), addr.strip().strip("<>").lower()


def _printable(value: str) -> str:
    """Lone surrogates (undecodable bytes a lenient parser kept) become "?", so a reason always stores as UTF-8."""
    return value if value.isascii() else value.encode("utf-8", "replace").decode("utf-8")


def first_token(value: str) -> str:
    """The leading keyword of a header value, lower-cased: "auto-replied (zimbra)" -> "auto-replied"."""
    for stop in ";(,":
        value = value.split(stop, 1)[0]
    parts = value.split()
    return parts[0].lower() if parts else ""
