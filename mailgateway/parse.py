"""Turn raw mail bytes into a `ParsedMail`, without ever raising.

The stdlib does the MIME work: `email.message_from_bytes(raw, policy=policy.default)` and
`get_body()`. What it leaves to us is mail as it is really sent: headers `policy.default`
cannot parse, wrong, unknown or missing charsets, 8-bit header bytes, broken base64 and
boundaries, Outlook's winmail.dat. Every header and payload access is guarded and falls
back to the raw value. Text is decoded from each part's own bytes, never by decoding the
whole message with one guessed charset (which turns an 8-bit koi8-r or shift_jis part into
mojibake). Notes on what we had to guess end up in `ParsedMail.defects`.

This module builds the tree and finds the bodies; the helpers live beside it:
`charsets` (bytes and encoded words to text), `parts` (guarded access to MIME parts),
`headers` (header values, the policy that parses each header once, header-block repair)
and `attachments` (files, winmail.dat).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser

from mailgateway.attachments import ParsedAttachment, find_attachments
from mailgateway.charsets import decode_bytes
from mailgateway.headers import (
    HEADER_FIELD,
    addresses,
    message_ids,
    parse_date,
    parse_policy,
    raw_header,
    repair_header_block,
    text_header,
)
from mailgateway.html import html_to_text, sanitize_html
from mailgateway.parts import ParseContext, content_type, declared_charsets, is_multipart, part_text, safe, subparts
from mailgateway.replies import strip_reply

__all__ = ["ParsedAttachment", "ParsedMail", "decode_bytes", "is_probably_mail", "parse_message"]


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message: EmailMessage  # the parsed tree, for the classifier
    message_id: str | None  # without <> and whitespace; None if missing or garbage
    subject: str  # decoded, whitespace collapsed
    from_address: str | None  # lower-cased addr-spec
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None  # aware, UTC
    text: str  # the text/plain body, else the HTML body as text
    html: str | None  # the sanitised HTML body; cid: references kept for the web to rewrite
    reply_text: str  # `text` without the quoted previous mail and the signature
    attachments: tuple[ParsedAttachment, ...]
    defects: tuple[str, ...]  # stdlib defect names from the whole tree, plus our notes


def is_probably_mail(raw: bytes) -> bool:
    """True if `raw` starts like a message: header fields, maybe after an mbox "From " line.

    PNGs, zips, Outlook .msg files and prose say no; broken MIME still says yes. One stray
    line before the first field is allowed, as `repair_header_block` drops it.
    """
    head = re.split(rb"\r?\n\r?\n", raw.lstrip(b" \t\r\n")[:65536], maxsplit=1)[0]
    lines = head.split(b"\n")
    lines = lines[1:] if lines[0].startswith(b"From ") else lines
    return any(HEADER_FIELD.match(line) for line in lines[:2]) and b"\x00" not in head


def parse_message(raw: bytes) -> ParsedMail:
    """Parse `raw` into a ParsedMail. Never raises, whatever the bytes."""
    ctx = ParseContext(linesep="\r\n" if b"\r\n" in raw[:4096] else "\n")
    message = _parse_tree(repair_header_block(raw, ctx), ctx)
    ctx.hints = declared_charsets(message)
    plain, html = _body_parts(message, "plain"), _body_parts(message, "html")
    text = "\n\n".join(part_text(part, ctx).strip("\n") for part in plain)
    html_source = "".join(part_text(part, ctx) for part in html) if html else None
    attachments, tnef_body = find_attachments(message, plain + html, ctx)
    if not text.strip():
        text = html_to_text(html_source) if html_source else tnef_body or _unsplit_body(message, ctx)
    sender = addresses(message, "From", ctx)[:1]
    return ParsedMail(
        message=message,
        message_id=next(iter(message_ids(raw_header(message, "Message-ID"))), None),
        subject=text_header(message, "Subject", ctx),
        from_address=sender[0][1] if sender else None,
        from_name=sender[0][0] if sender else "",
        to=tuple(spec for _name, spec in addresses(message, "To", ctx)),
        cc=tuple(spec for _name, spec in addresses(message, "Cc", ctx)),
        reply_to=tuple(spec for _name, spec in addresses(message, "Reply-To", ctx)),
        in_reply_to=message_ids(raw_header(message, "In-Reply-To")),
        references=message_ids(raw_header(message, "References")),
        date=parse_date(raw_header(message, "Date")),
        text=text,
        html=sanitize_html(html_source) if html_source is not None else None,
        reply_text=strip_reply(text),
        attachments=tuple(attachments),
        defects=_defects(message, ctx.notes),
    )


def _parse_tree(raw: bytes, ctx: ParseContext) -> EmailMessage:
    """`policy.default` (parsing each header once); else compat32, whose headers stay plain
    strings; else the headers.

    The parser itself can raise: a parameter in UTF-7 that decodes to half a surrogate pair
    (UnicodeEncodeError), MIME nested about a thousand deep (RecursionError).
    """
    policy = parse_policy()
    parsers: list[Callable[[], EmailMessage]] = [
        lambda: email.message_from_bytes(raw, policy=policy),
        lambda: email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.compat32),
        lambda: BytesHeaderParser(EmailMessage, policy=policy).parsebytes(raw),
    ]
    for parse in parsers:
        try:
            return parse()
        except Exception as error:
            ctx.notes.append(f"parser-failed:{type(error).__name__}")
    return EmailMessage()


def _body_parts(message: EmailMessage, subtype: str) -> list[EmailMessage]:
    """The `get_body()` part, with the inline siblings Apple Mail splits a body into.

    A text interrupted by an inline image is sent as text, image, text in one
    multipart/mixed; mail clients show the texts as one body, and so do we.
    """
    body = safe(lambda: message.get_body(preferencelist=(subtype,)), None)
    if body is None:
        return []
    parents = safe(lambda: [part for part in _multiparts(message) if any(body is c for c in subparts(part))], [])
    if not parents or content_type(parents[0]) != "multipart/mixed":
        return [body]
    ctype = content_type(body)
    return [part for part in subparts(parents[0]) if part is body or _is_inline_text(part, ctype)]


def _multiparts(part: EmailMessage) -> Iterator[EmailMessage]:
    if is_multipart(part):
        yield part
        for child in subparts(part):
            yield from _multiparts(child)


def _is_inline_text(part: EmailMessage, ctype: str) -> bool:
    unnamed = safe(lambda: not part.get_filename() and part.get_content_disposition() != "attachment", False)
    return content_type(part) == ctype and unnamed


def _unsplit_body(message: EmailMessage, ctx: ParseContext) -> str:
    """A multipart whose boundary never shows up keeps its whole body as one string: show it."""
    if not content_type(message).startswith("multipart/") or is_multipart(message):
        return ""
    ctx.notes.append("multipart-without-parts")
    return part_text(message, ctx)


def _defects(message: EmailMessage, notes: list[str]) -> tuple[str, ...]:
    found = safe(lambda: [defect for part in message.walk() for defect in part.defects], None)
    names = [type(defect).__name__ for defect in found] if found is not None else ["walk-failed"]
    return tuple(dict.fromkeys(names + notes))
