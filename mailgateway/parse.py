"""Turn raw mail bytes into a `ParsedMail`, without ever raising.

The stdlib does the MIME work: `email.message_from_bytes(raw, policy=policy.default)` and
`get_body()`. What it leaves to us is mail as it is really sent: headers `policy.default`
cannot parse, wrong, unknown or missing charsets, 8-bit header bytes, broken base64 and
boundaries, Outlook's winmail.dat. Every header and payload access is guarded and falls
back to the raw value. Text is decoded from each part's own bytes, never by decoding the
whole message with one guessed charset (which turns an 8-bit koi8-r or shift_jis part into
mojibake). Notes on what we had to guess end up in `ParsedMail.defects`.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import mimetypes
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.generator import BytesGenerator
from email.headerregistry import BaseHeader
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from io import BytesIO
from typing import TypeVar

import charset_normalizer
from tnefparse import TNEF

from mailgateway.html import html_to_text, sanitize_html
from mailgateway.replies import strip_reply

T = TypeVar("T")


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
    """What one parse carries along: our notes, and the charsets the message declares."""

    hints: tuple[str, ...] = ()  # tried first on bytes whose own label is wrong or missing
    linesep: str = "\n"
    notes: list[str] = field(default_factory=list)


def _safe(read: Callable[[], T], default: T) -> T:
    """`read()`, or `default` where `policy.default` chokes on a malformed header or payload."""
    try:
        return read()
    except Exception:
        return default


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
# An open guess on short, mostly-ASCII text picks Big5 or Mac Icelandic for German; such
# text is guessed among these single-byte charsets.
_SINGLE_BYTE = ["cp1252", "cp1250", "cp1251", "koi8_r", "iso8859_15", "cp1257", "cp1253"]


def decode_bytes(data: bytes, charset: str | None, hints: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """Decode `data` labelled `charset`, best effort, never raising.

    Tries the label and its usual supersets, then UTF-8, then charset-normalizer's guess
    (among `hints`, the other charsets the message declares, if one fits), then latin-1,
    which takes any byte. The note says when the label did not fit.
    """
    label = re.match(r"[\w.:+-]*", (charset or "").strip().strip("\"'")).group().lower()
    for codec in _CHARSETS.get(label, (label,)):
        try:
            return _clean(data.decode(codec)), None
        except (LookupError, ValueError):
            continue
    for codec in ("utf-8", _guess(data[:65536], hints) or "latin-1", "latin-1"):
        try:
            return _clean(data.decode(codec)), f"charset-fallback:{label or 'none'}"
        except (LookupError, ValueError):
            continue
    raise AssertionError("latin-1 decodes every byte")


def _guess(sample: bytes, hints: tuple[str, ...]) -> str | None:
    candidates = [codec for label in hints for codec in _CHARSETS.get(label, (label,))]
    if len(sample.translate(None, bytes(range(128)))) <= 0.3 * len(sample):
        candidates += _SINGLE_BYTE
    for isolation in ([candidates] if candidates else []) + [None]:
        if (best := charset_normalizer.from_bytes(sample, cp_isolation=isolation).best()) is not None:
            return best.encoding
    return None


def _clean(text: str) -> str:
    """No lone surrogates: UTF-7 can encode them, and neither nh3 nor a database takes them."""
    return re.sub(r"[\ud800-\udfff]", "\ufffd", text)


def _repair(value: str, hints: tuple[str, ...]) -> str:
    """Decode the 8-bit bytes the parser kept in a header as surrogate escapes."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return _clean(value)
    return decode_bytes(data, "utf-8", hints)[0] if re.search(r"[\udc80-\udcff]", value) else value


def _decode_words(raw: str, hints: tuple[str, ...] = ()) -> str:
    """A raw header's RFC 2047 words decoded with our charset fallbacks.

    For where `policy.default` gives up: unknown charsets, 8-bit bytes in the header.
    """
    chunks = _safe(lambda: email.header.decode_header(raw), [(raw, None)])
    return "".join(
        decode_bytes(chunk, charset, hints)[0]
        if charset and isinstance(chunk, bytes)
        else _repair(chunk if isinstance(chunk, str) else chunk.decode("raw-unicode-escape"), hints)
        for chunk, charset in chunks
    )


# ---------------------------------------------------------------- headers


# policy.default parses long headers in superlinear time (a 400 kB To: takes 10 s): longer
# ones skip it, and no header is read past _MAX_RAW_HEADER.
_MAX_PARSED_HEADER = 16 * 1024
_MAX_RAW_HEADER = 256 * 1024


def _raw_header(part: EmailMessage, name: str) -> str | None:
    """The header as it came in, before `policy.default` parses (and maybe chokes on) it."""
    return next((str(value) for key, value in part.raw_items() if key.lower() == name.lower()), None)


def _policy_header(part: EmailMessage, name: str, raw: str) -> BaseHeader | None:
    """The `policy.default` header object, if it parses (and is short enough to try)."""
    if len(raw) > _MAX_PARSED_HEADER:
        return None
    header = _safe(lambda: part.policy.header_fetch_parse(name, raw), None)
    return header if isinstance(header, BaseHeader) else None


def _text_header(part: EmailMessage, name: str, ctx: _Context) -> str:
    raw = _raw_header(part, name)
    if raw is None:
        return ""
    header = _policy_header(part, name, raw)
    if header is not None and not re.search(r"[\ufffd\ud800-\udfff]", str(header)):
        ctx.notes += [type(defect).__name__ for defect in header.defects]
        value = str(header)
    else:  # policy.default gave up, or the compat32 fallback parse left the header raw
        value = _decode_words(raw[:_MAX_PARSED_HEADER], ctx.hints)
    return _one_line(value)


def _one_line(value: str) -> str:
    """Whitespace collapsed, control characters (NUL, which PostgreSQL refuses, and kin) gone."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", value).split())


_ADDR_SPEC = re.compile(r"[^\s@<>\"',;]+@[^\s@<>\"',;]+")


def _addresses(message: EmailMessage, name: str, ctx: _Context) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) of every `name` header; what cannot be mail dropped.

    `policy.default` first, then the lenient `getaddresses`. We do not guess further: in
    "From: Test test@example.com" the address may as well be "Test test" as "test". Quoted
    local parts ('"john doe"@example.com') are dropped as well: in practice they are junk.
    """
    pairs: list[tuple[str, str]] = []
    for raw in [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]:
        raw = raw[:_MAX_RAW_HEADER]
        header = _policy_header(message, name, raw)
        found = [(a.display_name, _repair(a.addr_spec, ctx.hints)) for a in getattr(header, "addresses", ())]
        ctx.notes += [type(defect).__name__ for defect in getattr(header, "defects", ())]
        if not any(_ADDR_SPEC.fullmatch(spec) for _display, spec in found):
            found = [(_decode_words(display, ctx.hints), spec) for display, spec in email.utils.getaddresses([raw])]
        pairs += [(_one_line(_repair(d, ctx.hints)), s.lower()) for d, s in found if _ADDR_SPEC.fullmatch(s)]
    return pairs


def _message_ids(raw: str | None) -> tuple[str, ...]:
    """The message ids in a Message-ID, In-Reply-To or References value, normalised."""
    tokens = re.findall(r"<([^<>]*)>", raw or "") or (raw or "").replace(",", " ").split()
    ids = ("".join(token.split()).strip("<>") for token in tokens)  # "<unterminated@x" too
    return tuple(dict.fromkeys(i for i in ids if len(i) <= 250 and re.fullmatch(r"[!-;=?-~]+@[!-;=?-~]+", i)))


def _date(raw: str | None) -> datetime | None:
    value = _safe(lambda: email.utils.parsedate_to_datetime(" ".join((raw or "").split())), None)
    if value is None:
        return None
    if value.tzinfo is None:  # "-0000": the zone is unknown, the time is UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# ---------------------------------------------------------------- bodies


def _content_type(part: EmailMessage) -> str:
    return _safe(lambda: part.get_content_type().lower(), "application/octet-stream")


def _subparts(part: EmailMessage) -> list[EmailMessage]:
    """The parts inside a multipart or message/* part; [] for a leaf.

    Reading a leaf's payload can raise (a charset such as "idna" that cannot "replace").
    """
    payload = _safe(part.get_payload, None)
    return payload if isinstance(payload, list) else []


def _is_multipart(part: EmailMessage) -> bool:
    """A multipart with parts; one whose boundary never showed up keeps its body as a string."""
    return _content_type(part).startswith("multipart/") and bool(_subparts(part))


def _payload_bytes(part: EmailMessage) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), None)
    return data if isinstance(data, bytes) else b""


def _charset(part: EmailMessage) -> str | None:
    return _safe(part.get_content_charset, None)


def _charsets(message: EmailMessage) -> tuple[str, ...]:
    """Every charset the message declares."""
    labels = _safe(lambda: [part.get_param("charset") for part in message.walk()], [])
    cleaned = (label.strip().lower() for label in labels if isinstance(label, str))
    return tuple(dict.fromkeys(label for label in cleaned if label))


def _part_text(part: EmailMessage, ctx: _Context) -> str:
    text, note = decode_bytes(_payload_bytes(part), _charset(part), ctx.hints)
    ctx.notes += [note] if note else []
    return _normalise(text)


def _normalise(text: str) -> str:
    """\\n line ends, no NUL (PostgreSQL refuses it), no byte order mark."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").lstrip("\ufeff")


def _body_parts(message: EmailMessage, subtype: str) -> list[EmailMessage]:
    """The `get_body()` part, with the inline siblings Apple Mail splits a body into.

    A text interrupted by an inline image is sent as text, image, text in one
    multipart/mixed; mail clients show the texts as one body, and so do we.
    """
    body = _safe(lambda: message.get_body(preferencelist=(subtype,)), None)
    if body is None:
        return []
    parents = _safe(lambda: [part for part in _multiparts(message) if any(body is c for c in _subparts(part))], [])
    if not parents or _content_type(parents[0]) != "multipart/mixed":
        return [body]
    ctype = _content_type(body)
    return [part for part in _subparts(parents[0]) if part is body or _is_inline_text(part, ctype)]


def _multiparts(part: EmailMessage) -> Iterator[EmailMessage]:
    if _is_multipart(part):
        yield part
        for child in _subparts(part):
            yield from _multiparts(child)


def _is_inline_text(part: EmailMessage, ctype: str) -> bool:
    unnamed = _safe(lambda: not part.get_filename() and part.get_content_disposition() != "attachment", False)
    return _content_type(part) == ctype and unnamed


# ---------------------------------------------------------------- attachments

_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}


def _attachment_parts(
    part: EmailMessage, bodies: list[EmailMessage], alternative: bool = False
) -> Iterator[EmailMessage]:
    """Every leaf below `part` that is neither a body part nor an alternative rendering of one.

    This is the rule of `iter_attachments()` applied to the whole tree: that method only
    looks at a part's immediate children, so it misses an inline image inside a related
    part inside an alternative, or a second text part of a nested mixed one.
    """
    if _is_multipart(part):
        subtype = _content_type(part)
        for child in _subparts(part):
            yield from _attachment_parts(child, bodies, subtype == "multipart/alternative")
    elif not _content_type(part).startswith("multipart/"):  # with no parts its text is the body
        rendering = alternative and _content_type(part) in ("text/plain", "text/html")
        if not rendering and not any(part is body for body in bodies):
            yield part


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
    inner = _subparts(part)
    if ctype == "message/rfc822" and inner:
        return _serialise(inner[0], linesep)
    if inner:  # message/delivery-status and friends: the body
        return re.split(rb"\r?\n\r?\n", _serialise(part, linesep), maxsplit=1)[-1]
    return _payload_bytes(part)


def _filename(part: EmailMessage, ctype: str, index: int, ctx: _Context) -> str:
    inner = _subparts(part)
    if ctype == "message/rfc822" and inner:
        subject = _text_header(inner[0], "Subject", _Context(ctx.hints))
        name = re.sub(r"[/\\]", " ", subject) + ".eml" if subject else ""
    else:
        name = _safe(lambda: part.get_filename() or "", "\ufffd")
        if "\ufffd" in name:  # policy.default replaced 8-bit bytes: go back to them
            name = _raw_param(part, "Content-Disposition", "filename") or _raw_param(part, "Content-Type", "name")
        name = _decode_words(name, ctx.hints) if "=?" in name else _repair(name, ctx.hints)
    name = _base_name(name)
    extension = mimetypes.guess_extension(ctype, strict=False)
    extension = extension or (".txt" if ctype.startswith(("text/", "message/")) else ".bin")
    return name or f"attachment-{index}{extension}"


def _base_name(name: str) -> str:
    """The last path component, on one line: some clients send "C:\\Users\\...\\file.pdf"."""
    return _one_line(re.split(r"[/\\]", name)[-1])


def _raw_param(part: EmailMessage, header: str, param: str) -> str:
    """A plain `param="..."` straight from the raw header, its 8-bit bytes still undecoded."""
    raw = " ".join((_raw_header(part, header) or "").split())
    match = re.search(rf'(?:^|;)\s*{param}\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', raw, re.IGNORECASE)
    return email.utils.unquote(match.group(1).strip()) if match else ""


def _attachment(part: EmailMessage, index: int, ctx: _Context) -> ParsedAttachment:
    ctype = _content_type(part)
    content_id = "".join((_raw_header(part, "Content-ID") or "").split()).strip("<>") or None
    disposition = _safe(part.get_content_disposition, None)
    return ParsedAttachment(
        filename=_filename(part, ctype, index, ctx),
        content_type=ctype,
        data=_attachment_data(part, ctype, ctx.linesep),
        content_id=content_id,
        inline=disposition == "inline" or (disposition is None and content_id is not None),
    )


def _unpack_tnef(winmail: ParsedAttachment, ctx: _Context) -> tuple[list[ParsedAttachment], str]:
    """The files in a winmail.dat and its text body; the .dat itself if it holds no file."""
    try:
        tnef = TNEF(winmail.data)
        files = []
        for number, item in enumerate(tnef.attachments, start=1):
            name = _base_name(_tnef_text(item.long_filename())) or f"attachment-{number}.bin"
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append(ParsedAttachment(name, ctype, bytes(item.data), None, False))
        body = _normalise(_tnef_text(tnef.body or b""))
    except Exception:
        ctx.notes.append("tnef-unreadable")
        return [winmail], ""
    return (files or [winmail]), body


def _tnef_text(value: str | bytes) -> str:
    return _clean(value) if isinstance(value, str) else decode_bytes(value, "cp1252")[0]


def _attachments(
    message: EmailMessage, bodies: list[EmailMessage], ctx: _Context
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


# ---------------------------------------------------------------- the message

_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")


def is_probably_mail(raw: bytes) -> bool:
    """True if `raw` starts like a message: header fields, maybe after an mbox "From " line.

    PNGs, zips, Outlook .msg files and prose say no; broken MIME still says yes. One stray
    line before the first field is allowed, as `_repair_header_block` drops it.
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
    if not fields:
        return raw
    repaired: list[bytes] = []
    for index, line in enumerate(lines):
        stray = not (_FIELD.match(line) or line[:1] in (b" ", b"\t") or (index == 0 and line.startswith(b"From ")))
        if stray and index < fields[-1]:
            if index < fields[0]:
                continue
            line = b" " + line
        repaired.append(line)
    if repaired == lines:
        return raw
    ctx.notes.append("header-block-repaired")
    return b"\n".join(repaired) + raw[len(head) :]


def parse_message(raw: bytes) -> ParsedMail:
    """Parse `raw` into a ParsedMail. Never raises, whatever the bytes."""
    ctx = _Context(linesep="\r\n" if b"\r\n" in raw[:4096] else "\n")
    message = _parse_tree(_repair_header_block(raw, ctx), ctx)
    ctx.hints = _charsets(message)
    plain, html = _body_parts(message, "plain"), _body_parts(message, "html")
    text = "\n\n".join(_part_text(part, ctx).strip("\n") for part in plain)
    html_source = "".join(_part_text(part, ctx) for part in html) if html else None
    attachments, tnef_body = _attachments(message, plain + html, ctx)
    if not text.strip():
        text = html_to_text(html_source) if html_source else tnef_body or _unsplit_body(message, ctx)
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


def _parse_tree(raw: bytes, ctx: _Context) -> EmailMessage:
    """`policy.default`; else compat32, whose headers stay plain strings; else the headers.

    The parser itself can raise: a parameter in UTF-7 that decodes to half a surrogate pair
    (UnicodeEncodeError), MIME nested about a thousand deep (RecursionError).
    """
    parsers: list[Callable[[], EmailMessage]] = [
        lambda: email.message_from_bytes(raw, policy=email.policy.default),
        lambda: email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.compat32),
        lambda: BytesHeaderParser(EmailMessage, policy=email.policy.default).parsebytes(raw),
    ]
    for parse in parsers:
        try:
            return parse()
        except Exception as error:
            ctx.notes.append(f"parser-failed:{type(error).__name__}")
    return EmailMessage()


def _unsplit_body(message: EmailMessage, ctx: _Context) -> str:
    """A multipart whose boundary never shows up keeps its whole body as one string: show it."""
    if not _content_type(message).startswith("multipart/") or _is_multipart(message):
        return ""
    ctx.notes.append("multipart-without-parts")
    return _part_text(message, ctx)


def _defects(message: EmailMessage, notes: list[str]) -> tuple[str, ...]:
    found = _safe(lambda: [defect for part in message.walk() for defect in part.defects], None)
    names = [type(defect).__name__ for defect in found] if found is not None else ["walk-failed"]
    return tuple(dict.fromkeys(names + notes))
