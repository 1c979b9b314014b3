"""Reading a message's headers defensively: text, addresses, message ids, dates.

`policy.default` is tried first and the raw value is the fallback, decoded with our
charset fallbacks. Also here: the policy a message is parsed with (`policy.default` that
parses each header once), and the repair of a header block that a stray line would cut
short, done on the raw bytes before the stdlib parses them.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from datetime import datetime, timezone
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy

from mailgateway.charsets import decode_words, one_line, repair_escaped_bytes
from mailgateway.parts import ParseContext, safe

# policy.default parses long headers in superlinear time (a 400 kB To: takes 10 s): longer
# ones skip it, and no header is read past _MAX_RAW_HEADER.
_MAX_PARSED_HEADER = 16 * 1024
_MAX_RAW_HEADER = 256 * 1024

HEADER_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
"""The start of a header field line: a field name and its colon."""


class _ParsedOnce(HeaderRegistry):
    """`policy.default`'s header factory, remembering what it built for one message.

    The stdlib parses a header again on every read, and builds a new class for it each
    time: `get_content_type()` alone reads Content-Type again for every call, and the
    parse, the body search, the attachment walk and the classifier's rules all ask. A
    header object is immutable and a function of its name and raw value, so the reads of
    one message share it. One registry per message: no state is shared between messages
    or threads, and the memory goes with the message.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._headers: dict[tuple[str, str], BaseHeader] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        if key not in self._headers:  # a header that raises is not kept: it raises again
            self._headers[key] = super().__call__(name, value)
        return self._headers[key]


def parse_policy() -> EmailPolicy:
    """`policy.default` that parses each header of one message once; a new one per message."""
    return email.policy.default.clone(header_factory=_ParsedOnce())


def raw_header(part: EmailMessage, name: str) -> str | None:
    """The header as it came in, before `policy.default` parses (and maybe chokes on) it."""
    return next((str(value) for key, value in part.raw_items() if key.lower() == name.lower()), None)


def _policy_header(part: EmailMessage, name: str, raw: str) -> BaseHeader | None:
    """The `policy.default` header object, if it parses (and is short enough to try)."""
    if len(raw) > _MAX_PARSED_HEADER:
        return None
    header = safe(lambda: part.policy.header_fetch_parse(name, raw), None)
    return header if isinstance(header, BaseHeader) else None


def text_header(part: EmailMessage, name: str, ctx: ParseContext) -> str:
    """The decoded value of the first `name` header on one line; "" if there is none."""
    raw = raw_header(part, name)
    if raw is None:
        return ""
    header = _policy_header(part, name, raw)
    if header is not None and not re.search(r"[\ufffd\ud800-\udfff]", str(header)):
        ctx.notes += [type(defect).__name__ for defect in header.defects]
        value = str(header)
    else:  # policy.default gave up, or the compat32 fallback parse left the header raw
        value = decode_words(raw[:_MAX_PARSED_HEADER], ctx.hints)
    return one_line(value)


_ADDR_SPEC = re.compile(r"[^\s@<>\"',;]+@[^\s@<>\"',;]+")


def addresses(message: EmailMessage, name: str, ctx: ParseContext) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) of every `name` header; what cannot be mail dropped.

    `policy.default` first, then the lenient `getaddresses`. We do not guess further: in
    "From: Test test@example.com" the address may as well be "Test test" as "test". Quoted
    local parts ('"john doe"@example.com') are dropped as well: in practice they are junk.
    """
    pairs: list[tuple[str, str]] = []
    for raw in [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]:
        raw = raw[:_MAX_RAW_HEADER]
        header = _policy_header(message, name, raw)
        parsed = getattr(header, "addresses", ())
        found = [(a.display_name, repair_escaped_bytes(a.addr_spec, ctx.hints)) for a in parsed]
        ctx.notes += [type(defect).__name__ for defect in getattr(header, "defects", ())]
        if not any(_ADDR_SPEC.fullmatch(spec) for _display, spec in found):
            found = [(decode_words(display, ctx.hints), spec) for display, spec in email.utils.getaddresses([raw])]
        pairs += [
            (one_line(repair_escaped_bytes(display, ctx.hints)), spec.lower())
            for display, spec in found
            if _ADDR_SPEC.fullmatch(spec)
        ]
    return pairs


def message_ids(raw: str | None) -> tuple[str, ...]:
    """The message ids in a Message-ID, In-Reply-To or References value, normalised."""
    tokens = re.findall(r"<([^<>]*)>", raw or "") or (raw or "").replace(",", " ").split()
    ids = ("".join(token.split()).strip("<>") for token in tokens)  # "<unterminated@x" too
    return tuple(dict.fromkeys(i for i in ids if len(i) <= 250 and re.fullmatch(r"[!-;=?-~]+@[!-;=?-~]+", i)))


def parse_date(raw: str | None) -> datetime | None:
    """A Date value as an aware UTC datetime; None if it is missing or unreadable."""
    value = safe(lambda: email.utils.parsedate_to_datetime(" ".join((raw or "").split())), None)
    if value is None:
        return None
    if value.tzinfo is None:  # "-0000": the zone is unknown, the time is UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def repair_header_block(raw: bytes, ctx: ParseContext) -> bytes:
    """Keep a stray line inside the header block from ending it.

    The stdlib ends the headers at the first line that is neither a field nor a
    continuation, and every later field becomes body text: a leading "---- Original
    message ----", an X-header wrapped without indent. When real fields follow, such a line
    is dropped (before the first field) or indented into a continuation (after it).
    """
    end = re.search(rb"\r?\n\r?\n", raw)
    head = raw[: end.start()] if end else raw
    lines = head.split(b"\n")
    fields = [index for index, line in enumerate(lines) if HEADER_FIELD.match(line)]
    if not fields:
        return raw
    repaired: list[bytes] = []
    for index, line in enumerate(lines):
        mbox_line = index == 0 and line.startswith(b"From ")
        stray = not (HEADER_FIELD.match(line) or line[:1] in (b" ", b"\t") or mbox_line)
        if stray and index < fields[-1]:
            if index < fields[0]:
                continue
            line = b" " + line
        repaired.append(line)
    if repaired == lines:
        return raw
    ctx.notes.append("header-block-repaired")
    return b"\n".join(repaired) + raw[len(head) :]
