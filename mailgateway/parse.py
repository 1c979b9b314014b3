"""Turn raw mail bytes into a `ParsedMail`, without ever raising.

The stdlib does the MIME work: `email.message_from_bytes(raw, policy=policy.default)`,
`get_body()` for the text and HTML bodies and `iter_attachments()` for the rest. What the
stdlib leaves to us is mail as it is really sent: headers `policy.default` cannot parse,
wrong, unknown or missing charsets, 8-bit header bytes, broken base64, Outlook's
winmail.dat. Every header and payload access is guarded and falls back to the raw value.
Text is decoded from each part's own bytes, never by decoding the whole message with one
guessed charset (that turns an 8-bit koi8-r or shift_jis part into mojibake).
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.policy
import email.utils
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO

import charset_normalizer
from tnefparse import TNEF

from mailgateway.html import html_to_text, sanitize_html
from mailgateway.replies import strip_reply


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str  # decoded (RFC 2047 / RFC 2231), never empty
    content_type: str  # lower-case "type/subtype"
    data: bytes
    content_id: str | None  # without angle brackets, for inline cid: images
    inline: bool


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


@dataclass(slots=True)
class _Context:
    """What one parse carries along: our notes, and the charsets to try on raw 8-bit headers."""

    hints: tuple[str, ...] = ()
    linesep: str = "\n"
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- charsets

# Labels Python lacks, or whose superset is what senders really use.
_CHARSETS: dict[str, tuple[str, ...]] = {
    "": ("ascii",),  # no label: RFC 2045 says us-ascii
    "us-ascii": ("ascii",),
    "iso-8859-1": ("cp1252", "latin-1"),
    "ks_c_5601-1987": ("cp949",),
    "euc-kr": ("cp949",),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("big5hkscs",),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "iso-8859-8-i": ("iso-8859-8",),
    "tis-620": ("cp874",),
    "unicode-1-1-utf-7": ("utf-7",),
}


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode `data` labelled `charset`, best effort, never raising.

    Tries the label and its usual supersets, then UTF-8, then charset-normalizer's guess,
    then latin-1, which takes any byte. The note says when the label did not fit.
    """
    label = (charset or "").strip().strip("\"'").lower()
    for codec in _CHARSETS.get(label, (label,)):
        try:
            return data.decode(codec), None
        except (LookupError, ValueError):
            continue
    guess = charset_normalizer.from_bytes(data[:65536]).best()
    for codec in ("utf-8", guess.encoding if guess else "latin-1", "latin-1"):
        try:
            return data.decode(codec), f"charset-fallback:{label or 'none'}"
        except (LookupError, ValueError):
            continue
    raise AssertionError("latin-1 decodes every byte")


def _decode_8bit(data: bytes, hints: tuple[str, ...]) -> str:
    """Raw 8-bit header bytes: UTF-8 if they are, else the likeliest charset of the message's parts."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codecs = [codec for label in hints for codec in _CHARSETS.get(label, (label,))]
    best = charset_normalizer.from_bytes(data, cp_isolation=codecs or None).best()
    return str(best) if best is not None else decode_bytes(data, hints[0] if hints else None)[0]


def _repair(value: str, hints: tuple[str, ...]) -> str:
    """Decode the 8-bit bytes the parser kept in a header as surrogate escapes."""
    if not re.search(r"[\udc80-\udcff]", value):
        return value
    return _decode_8bit(value.encode("utf-8", "surrogateescape"), hints)


def decode_words(raw: str, hints: tuple[str, ...] = ()) -> str:
    """A raw header's RFC 2047 words decoded with our charset fallbacks.

    For where `policy.default` gives up: unknown charsets, 8-bit bytes in the header.
    """
    try:
        chunks = email.header.decode_header(raw)
    except Exception:
        return _repair(raw, hints)
    return "".join(
        decode_bytes(chunk, charset)[0]
        if charset and isinstance(chunk, bytes)
        else _repair(chunk if isinstance(chunk, str) else chunk.decode("raw-unicode-escape"), hints)
        for chunk, charset in chunks
    )


# ---------------------------------------------------------------- headers


def _raw_header(part: EmailMessage, name: str) -> str | None:
    """The header as it came in, before `policy.default` parses (and maybe chokes on) it."""
    return next((str(value) for key, value in part.raw_items() if key.lower() == name.lower()), None)


def _text_header(part: EmailMessage, name: str, ctx: _Context) -> str:
    raw = _raw_header(part, name)
    if raw is None:
        return ""
    try:
        header = part[name]
        value = str(header)
        ctx.notes.extend(type(defect).__name__ for defect in header.defects)
    except Exception:
        value = "\ufffd"
    if "\ufffd" in value or re.search(r"[\udc80-\udcff]", value):
        value = decode_words(raw, ctx.hints)
    return " ".join(value.split())


_ADDR_SPEC = re.compile(r"[^\s@<>\"',;]+@[^\s@<>\"',;]+")


def _addresses(message: EmailMessage, name: str, ctx: _Context) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) of every `name` header; what cannot be mail dropped.

    `policy.default` first, then the lenient `getaddresses`. We do not guess further: in
    "From: Test test@example.com" the address may as well be "Test test" as "test".
    """
    pairs: list[tuple[str, str]] = []
    for raw in [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]:
        try:
            header = message.policy.header_fetch_parse(name, raw)
            found = [(address.display_name, address.addr_spec) for address in header.addresses]
            ctx.notes.extend(type(defect).__name__ for defect in header.defects)
        except Exception:
            found = []
        found = [(display, _repair(spec, ctx.hints).lower()) for display, spec in found]
        if not any(_ADDR_SPEC.fullmatch(spec) for _display, spec in found):
            found = [(decode_words(display, ctx.hints), spec.lower()) for display, spec in email.utils.getaddresses([raw])]
        pairs += [(" ".join(_repair(d, ctx.hints).split()), s) for d, s in found if _ADDR_SPEC.fullmatch(s)]
    return pairs


def _message_ids(raw: str | None) -> tuple[str, ...]:
    """The message ids in a Message-ID, In-Reply-To or References value, normalised."""
    tokens = re.findall(r"<([^<>]*)>", raw or "") or (raw or "").replace(",", " ").split()
    ids = ("".join(token.split()) for token in tokens)
    return tuple(dict.fromkeys(i for i in ids if len(i) <= 250 and re.fullmatch(r"[!-;=?-~]+@[!-;=?-~]+", i)))


def _date(raw: str | None) -> datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(" ".join((raw or "").split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value.tzinfo is None:  # "-0000": the zone is unknown, the time is UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# ---------------------------------------------------------------- bodies


def _content_type(part: EmailMessage) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _payload_bytes(part: EmailMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    return data if isinstance(data, bytes) else b""


def _charset(part: EmailMessage) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _charsets(message: EmailMessage) -> tuple[str, ...]:
    """Every charset the message declares, body parts first: candidates for 8-bit headers."""
    try:
        labels = [part.get_param("charset") for part in message.walk()]
    except Exception:
        return ()
    return tuple(dict.fromkeys(label.strip().lower() for label in labels if isinstance(label, str) and label.strip()))


def _normalise_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").lstrip("\ufeff")


def _part_text(part: EmailMessage, ctx: _Context) -> str:
    text, note = decode_bytes(_payload_bytes(part), _charset(part))
    ctx.notes += [note] if note else []
    return _normalise_text(text)


def _body_parts(message: EmailMessage, subtype: str) -> list[EmailMessage]:
    """The `get_body()` part, with the inline siblings Apple Mail splits a body into.

    A text interrupted by an inline image is sent as text, image, text in one
    multipart/mixed; mail clients show the texts as one body, and so do we.
    """
    try:
        body = message.get_body(preferencelist=(subtype,))
    except Exception:
        body = None
    if body is None:
        return []
    parent = next((part for part in _multiparts(message) if any(body is child for child in part.get_payload())), None)
    if parent is None or _content_type(parent) != "multipart/mixed":
        return [body]
    return [part for part in parent.get_payload() if part is body or _is_inline_text(part, _content_type(body))]


def _multiparts(part: EmailMessage) -> Iterator[EmailMessage]:
    if _content_type(part).startswith("multipart/") and isinstance(part.get_payload(), list):
        yield part
        for child in part.get_payload():
            yield from _multiparts(child)


def _is_inline_text(part: EmailMessage, ctype: str) -> bool:
    try:
        return _content_type(part) == ctype and not part.get_filename() and part.get_content_disposition() != "attachment"
    except Exception:
        return False


def _bodies_text(parts: list[EmailMessage], ctx: _Context) -> str:
    return "\n\n".join(_part_text(part, ctx).strip("\n") for part in parts)


def _broken_multipart_text(message: EmailMessage, ctx: _Context) -> str:
    """A multipart whose boundary never shows up keeps its body as one string: show that."""
    if not _content_type(message).startswith("multipart/") or isinstance(message.get_payload(), list):
        return ""
    ctx.notes.append("multipart-without-parts")
    return _part_text(message, ctx)


# ---------------------------------------------------------------- attachments

_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


def _attachment_parts(container: EmailMessage, bodies: list[EmailMessage]) -> Iterator[EmailMessage]:
    """Every leaf below `container` that is not a body part.

    `iter_attachments()` only looks at immediate children and skips body candidates (a
    nested alternative or related part, the first text/plain), so recurse into every
    multipart child and keep a skipped leaf unless it is a body or an alternative rendering
    of one: nothing that was sent gets lost.
    """
    if _content_type(container).startswith("multipart/"):
        if not isinstance(container.get_payload(), list):
            return  # no parts found: its text is the body (see _broken_multipart_text)
        attached = [id(part) for part in container.iter_attachments()]
        alternative = _content_type(container) == "multipart/alternative"
        for part in container.iter_parts():
            ctype = _content_type(part)
            rendering = alternative and ctype in ("text/plain", "text/html")
            if ctype.startswith("multipart/"):
                yield from _attachment_parts(part, bodies)
            elif not any(part is body for body in bodies) and (id(part) in attached or not rendering):
                yield part
    elif not any(container is body for body in bodies):
        yield container


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
    payload = part.get_payload()
    if ctype == "message/rfc822" and isinstance(payload, list) and payload:
        return _serialise(payload[0], linesep)
    if isinstance(payload, list):  # message/delivery-status and friends: the body
        return re.split(rb"\r?\n\r?\n", _serialise(part, linesep), maxsplit=1)[-1]
    return _payload_bytes(part)


def _filename(part: EmailMessage, ctype: str, index: int, ctx: _Context) -> str:
    payload = part.get_payload()
    if ctype == "message/rfc822":
        inner = payload[0] if isinstance(payload, list) and payload else None
        subject = _text_header(inner, "Subject", _Context(ctx.hints)) if inner is not None else ""
        name = f"{subject}.eml" if subject else ""
    else:
        try:
            name = part.get_filename() or ""
        except Exception:
            name = "\ufffd"
        if "\ufffd" in name:  # policy.default replaced 8-bit bytes: go back to them
            name = _raw_param(part, "Content-Disposition", "filename") or _raw_param(part, "Content-Type", "name")
        name = decode_words(name, ctx.hints) if "=?" in name else _repair(name, ctx.hints)
    name = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", re.split(r"[/\\]", name)[-1]).split())[:255]
    text_like = ctype.startswith(("text/", "message/"))
    extension = mimetypes.guess_extension(ctype, strict=False) or (".txt" if text_like else ".bin")
    return name or f"attachment-{index}{extension}"


def _raw_param(part: EmailMessage, header: str, param: str) -> str:
    """A plain `param="..."` straight from the raw header, its 8-bit bytes still undecoded."""
    raw = " ".join((_raw_header(part, header) or "").split())
    match = re.search(rf'(?:^|;)\s*{param}\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', raw, re.IGNORECASE)
    return email.utils.unquote(match.group(1).strip()) if match else ""


def _attachment(part: EmailMessage, index: int, ctx: _Context) -> ParsedAttachment:
    ctype = _content_type(part)
    content_id = "".join((_raw_header(part, "Content-ID") or "").split()).strip("<>") or None
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    return ParsedAttachment(
        filename=_filename(part, ctype, index, ctx),
        content_type=ctype,
        data=_attachment_data(part, ctype, ctx.linesep),
        content_id=content_id,
        inline=disposition == "inline" or (disposition is None and content_id is not None),
    )


def _unpack_tnef(winmail: ParsedAttachment, ctx: _Context) -> tuple[list[ParsedAttachment], str]:
    """The files in a winmail.dat and its text body; the .dat itself if it cannot be read."""
    try:
        tnef = TNEF(winmail.data)
        files = []
        for number, item in enumerate(tnef.attachments, start=1):
            name = _tnef_text(item.long_filename()).strip("\x00 ") or f"attachment-{number}.bin"
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append(ParsedAttachment(name, ctype, bytes(item.data), None, False))
        body = _normalise_text(_tnef_text(tnef.body or b"")).strip("\x00")
    except Exception:
        ctx.notes.append("tnef-unreadable")
        return [winmail], ""
    return (files or [winmail]), body


def _tnef_text(value: str | bytes) -> str:
    return value if isinstance(value, str) else decode_bytes(value, "cp1252")[0]


def _attachments(message: EmailMessage, bodies: list[EmailMessage], ctx: _Context) -> tuple[list[ParsedAttachment], str]:
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


# ---------------------------------------------------------------- the message

_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")


def is_probably_mail(raw: bytes) -> bool:
    """True if `raw` starts like a message: header fields, maybe after an mbox "From " line.

    PNGs, zips, Outlook .msg files and plain text say no; broken MIME still says yes. One
    stray line before the first field is allowed, as `_repair_header_block` drops it.
    """
    head = re.split(rb"\r?\n\r?\n", raw.lstrip(b" \t\r\n")[:65536], maxsplit=1)[0]
    lines = head.split(b"\n")
    lines = lines[1:] if lines[0].startswith(b"From ") else lines
    return any(_FIELD.match(line) for line in lines[:2]) and b"\x00" not in head


def _repair_header_block(raw: bytes, ctx: _Context) -> bytes:
    """Keep a stray line inside the header block from ending it.

    The stdlib ends the headers at the first line that is neither a field nor a
    continuation, and every later field becomes body text: a leading "---- Original
    message ----", an X-header wrapped without indent. When real fields follow, such a line
    is dropped (before the first field) or indented into a continuation (after it).
    """
    end = re.search(rb"\r?\n\r?\n", raw)
    head = raw[: end.start()] if end else raw
    lines = head.split(b"\n")
    fields = [index for index, line in enumerate(lines) if _FIELD.match(line)]
    repaired: list[bytes] = []
    for index, line in enumerate(lines):
        stray = not (_FIELD.match(line) or line[:1] in (b" ", b"\t") or (index == 0 and line.startswith(b"From ")))
        if stray and fields and index < fields[-1]:
            if index < fields[0]:
                continue
            line = b" " + line
        repaired.append(line)
    if len(repaired) == len(lines) and repaired == lines:
        return raw
    ctx.notes.append("header-block-repaired")
    return b"\n".join(repaired) + raw[len(head) :]


def parse_message(raw: bytes) -> ParsedMail:
    """Parse `raw` into a ParsedMail. Never raises, whatever the bytes."""
    ctx = _Context(linesep="\r\n" if b"\r\n" in raw[:4096] else "\n")
    try:
        message = email.message_from_bytes(_repair_header_block(raw, ctx), policy=email.policy.default)
    except Exception as error:
        ctx.notes.append(f"unparseable:{type(error).__name__}")
        message = EmailMessage()
    plain, html = _body_parts(message, "plain"), _body_parts(message, "html")
    ctx.hints = _charsets(message)
    text = _bodies_text(plain, ctx)
    html_source = "".join(_part_text(part, ctx) for part in html) if html else None
    attachments, tnef_body = _attachments(message, plain + html, ctx)
    if not text.strip():
        text = html_to_text(html_source) if html_source else tnef_body or _broken_multipart_text(message, ctx)
    sender = _addresses(message, "From", ctx)[:1]
    return ParsedMail(
        message=message,
        message_id=next(iter(_message_ids(_raw_header(message, "Message-ID"))), None),
        subject=_text_header(message, "Subject", ctx),
        from_address=sender[0][1] if sender else None,
        from_name=sender[0][0] if sender else "",
        to=tuple(spec for _name, spec in _addresses(message, "To", ctx)),
        cc=tuple(spec for _name, spec in _addresses(message, "Cc", ctx)),
        reply_to=tuple(spec for _name, spec in _addresses(message, "Reply-To", ctx)),
        in_reply_to=_message_ids(_raw_header(message, "In-Reply-To")),
        references=_message_ids(_raw_header(message, "References")),
        date=_date(_raw_header(message, "Date")),
        text=text,
        html=sanitize_html(html_source) if html_source is not None else None,
        reply_text=strip_reply(text),
        attachments=tuple(attachments),
        defects=_defects(message, ctx.notes),
    )


def _defects(message: EmailMessage, notes: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    try:
        for part in message.walk():
            names += [type(defect).__name__ for defect in part.defects]
    except Exception as error:
        names.append(f"walk-failed:{type(error).__name__}")
    return tuple(dict.fromkeys(names + notes))
