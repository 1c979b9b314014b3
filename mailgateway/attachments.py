"""The attachments of a parsed message: which parts, their names, their bytes, winmail.dat.

Every leaf that is not a body is an attachment, found in the whole tree (not only among
a part's children, as `iter_attachments()` looks). Names are decoded with our charset
fallbacks and reduced to a base name; an enclosed message is kept as an .eml file; Outlook's
TNEF winmail.dat is unpacked into the files it holds.
"""

from __future__ import annotations

import email.policy
import email.utils
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO

from tnefparse import TNEF

from mailgateway.charsets import (
    clean_surrogates,
    decode_bytes,
    decode_words,
    normalise_text,
    one_line,
    repair_escaped_bytes,
)
from mailgateway.headers import raw_header, text_header
from mailgateway.parts import ParseContext, content_type, is_multipart, payload_bytes, safe, subparts

_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str  # decoded (RFC 2047 / RFC 2231), never empty
    content_type: str  # lower-case "type/subtype"
    data: bytes
    content_id: str | None  # without angle brackets, for inline cid: images
    inline: bool


def find_attachments(
    message: EmailMessage, bodies: list[EmailMessage], ctx: ParseContext
) -> tuple[list[ParsedAttachment], str]:
    """The attachments, winmail.dat unpacked, and the text body found in a winmail.dat."""
    attachments: list[ParsedAttachment] = []
    tnef_body = ""
    try:
        for part in _attachment_parts(message, bodies):
            attachment = _attachment(part, len(attachments) + 1, ctx)
            if attachment.content_type in _TNEF_TYPES or attachment.filename.lower() == "winmail.dat":
                files, body = _unpack_tnef(attachment, ctx)
                attachments += files
                tnef_body = tnef_body or body
            else:
                attachments.append(attachment)
    except Exception as error:  # a MIME tree deeper than the recursion limit, say
        ctx.notes.append(f"attachments-incomplete:{type(error).__name__}")
    return attachments, tnef_body


def _attachment_parts(
    part: EmailMessage, bodies: list[EmailMessage], alternative: bool = False
) -> Iterator[EmailMessage]:
    """Every leaf below `part` that is neither a body part nor an alternative rendering of one.

    This is the rule of `iter_attachments()` applied to the whole tree: that method only
    looks at a part's immediate children, so it misses an inline image inside a related
    part inside an alternative, or a second text part of a nested mixed one.
    """
    if is_multipart(part):
        subtype = content_type(part)
        for child in subparts(part):
            yield from _attachment_parts(child, bodies, subtype == "multipart/alternative")
    elif not content_type(part).startswith("multipart/"):  # with no parts its text is the body
        rendering = alternative and content_type(part) in ("text/plain", "text/html")
        if not rendering and not any(part is body for body in bodies):
            yield part


def _attachment(part: EmailMessage, index: int, ctx: ParseContext) -> ParsedAttachment:
    ctype = content_type(part)
    content_id = "".join((raw_header(part, "Content-ID") or "").split()).strip("<>") or None
    disposition = safe(part.get_content_disposition, None)
    return ParsedAttachment(
        filename=_filename(part, ctype, index, ctx),
        content_type=ctype,
        data=_attachment_data(part, ctype, ctx.linesep),
        content_id=content_id,
        inline=disposition == "inline" or (disposition is None and content_id is not None),
    )


def _serialise(part: EmailMessage, linesep: str) -> bytes:
    """The part as bytes, headers as they came (no refolding)."""
    for policy in (email.policy.default.clone(refold_source="none", linesep=linesep), email.policy.compat32):
        try:
            buffer = BytesIO()
            BytesGenerator(buffer, mangle_from_=False, policy=policy).flatten(part)
            return buffer.getvalue()
        except Exception:
            continue
    return b""


def _attachment_data(part: EmailMessage, ctype: str, linesep: str) -> bytes:
    inner = subparts(part)
    if ctype == "message/rfc822" and inner:
        return _serialise(inner[0], linesep)
    if inner:  # message/delivery-status and friends: the body
        return re.split(rb"\r?\n\r?\n", _serialise(part, linesep), maxsplit=1)[-1]
    return payload_bytes(part)


def _filename(part: EmailMessage, ctype: str, index: int, ctx: ParseContext) -> str:
    inner = subparts(part)
    if ctype == "message/rfc822" and inner:
        subject = text_header(inner[0], "Subject", ParseContext(ctx.hints))
        name = re.sub(r"[/\\]", " ", subject) + ".eml" if subject else ""
    else:
        name = safe(lambda: part.get_filename() or "", "\ufffd")
        if "\ufffd" in name:  # policy.default replaced 8-bit bytes: go back to them
            name = _raw_param(part, "Content-Disposition", "filename") or _raw_param(part, "Content-Type", "name")
        name = decode_words(name, ctx.hints) if "=?" in name else repair_escaped_bytes(name, ctx.hints)
    name = _base_name(name)
    extension = mimetypes.guess_extension(ctype, strict=False)
    extension = extension or (".txt" if ctype.startswith(("text/", "message/")) else ".bin")
    return name or f"attachment-{index}{extension}"


def _base_name(name: str) -> str:
    """The last path component, on one line: some clients send "C:\\Users\\...\\file.pdf"."""
    return one_line(re.split(r"[/\\]", name)[-1])


def _raw_param(part: EmailMessage, header: str, param: str) -> str:
    """A plain `param="..."` straight from the raw header, its 8-bit bytes still undecoded."""
    raw = " ".join((raw_header(part, header) or "").split())
    match = re.search(rf'(?:^|;)\s*{param}\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', raw, re.IGNORECASE)
    return email.utils.unquote(match.group(1).strip()) if match else ""


def _unpack_tnef(winmail: ParsedAttachment, ctx: ParseContext) -> tuple[list[ParsedAttachment], str]:
    """The files in a winmail.dat and its text body; the .dat itself if it holds no file."""
    try:
        tnef = TNEF(winmail.data)
        files = []
        for number, item in enumerate(tnef.attachments, start=1):
            name = _base_name(_tnef_text(item.long_filename())) or f"attachment-{number}.bin"
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append(ParsedAttachment(name, ctype, bytes(item.data), None, False))
        body = normalise_text(_tnef_text(tnef.body or b""))
    except Exception:
        ctx.notes.append("tnef-unreadable")
        return [winmail], ""
    return (files or [winmail]), body


def _tnef_text(value: str | bytes) -> str:
    return clean_surrogates(value) if isinstance(value, str) else decode_bytes(value, "cp1252")[0]
