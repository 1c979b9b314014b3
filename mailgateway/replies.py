"""Cut a mail body down to what the sender wrote this time.

`strip_reply` removes the quoted previous message and the signature. Where the quote starts
is found with the quote-header patterns of `mail-parser-reply` (English, German, French,
Spanish, Italian, Dutch, Swedish, Danish, Czech, Chinese, Japanese, Korean) and small named
detectors of our own for what they miss: attributions that clients wrap over several
lines or write in other languages, localized Outlook "From:/Sent:" blocks, dashed
"Original/Forwarded message" rules. Then the signature ("-- ", "Sent from my iPhone", a
"-Name" sign-off) and a trailing `>` block go. The library's own splitting is not used: it
strips every line (losing the indentation of code) and cuts at closing words ("Thanks,").

Rules of thumb, for a comment on a ticket: a forwarded mail counts as quoted (the full text
stays on the message); when answers sit between quoted lines (inline replies), only the
attribution goes and the quotes stay as context; when the quote comes first (bottom-post),
the reply is what follows it. Everything here is a heuristic; the corpus test records how
often it agrees with other projects' expectations. Hostile input is bounded: long lines
and lines past the first 2000 are never taken for quote headers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import islice

from mailparser_reply import EmailMessage

Span = tuple[int, int]  # first line, line after the end

# Polish is left out: its header pattern takes a single "Do:" or "Data:" line as a quote header.
_LIBRARY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "cs", "zh", "ja", "ko"]

_QUOTED = re.compile(r"^\s*>")
_WROTE_VERBS = (
    r"wrote|writes|schrieb|a\s+écrit|escribió|ha\s+escrit|scritto|schreef|geschreven|napisał\S*"
    r"|pisze|skrev|kirjoitti|написал\S*|пише|escreveu|yazdı|写道|寫道|작성|のメッセージ"
)
_ATTRIBUTION = re.compile(rf"(?:{_WROTE_VERBS})\b.{{0,80}}[:：]\s*$|(?:{_WROTE_VERBS})[:：]\s*$", re.IGNORECASE)
_ATTRIBUTION_OPENER = re.compile(
    r"^(?:(?:on|le|am|el|il|op|em|w dniu|dnia|den|dne|på|в)\b|在|\d|\w+day\b)",
    re.IGNORECASE,
)
# Gmail's "2014-03-20 8:48 GMT+01:00 Name <a@b>:", and a line that ends in "<a@b>:" after a
# date, like Yandex's "26.06.2014, 14:41, "Name" <a@b>:".
_DATE_ATTRIBUTION = re.compile(r"^\d{4}[-/.]\s?\d{1,2}[-/.]\s?\d{1,2}\.?\s.*(?:@|GMT|UTC|[+-]\d{2}:?\d{2}|:\s*$)")
_ADDRESS_COLON_END = re.compile(r"<[^<>\s]+@[^<>\s]+>\s*[:：]\s*$")
_SEPARATOR = re.compile(
    r"^[\s>*]*-{3,}\s*(?:[^\W\d_][^-]{2,120}?)\s*-{3,}[\s*]*$"
    r"|^\s*(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message réexpédié)\s*:",
    re.IGNORECASE,
)
_HEADER_KEY = (
    r"from|sent|to|cc|date|subject|reply-to|von|gesendet|an|datum|betreff|de|envoyé|à|objet|date"
    r"|da|inviato|a|oggetto|data|enviado|para|asunto|fecha|van|verzonden|aan|onderwerp"
    r"|från|skickat|till|ämne|od|wysłano|do|temat|fra|sendt|til|emne|от|отправлено|кому|тема"
    r"|від|надіслано|risposta|発信者|差出人|送信日時|宛先|件名|发件人|发送时间|收件人|主题|寄件者|收件者|主旨"
)
_FROM_LINE = re.compile(
    r"^[\s>*]*(?:from|von|de|da|van|från|od|fra|от|від|差出人|发件人|寄件者)\s?[*]?\s?[:：]",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(rf"^[\s>*]*(?:{_HEADER_KEY})\s?[*]?\s?[:：]", re.IGNORECASE)
# A short "Key : value" line just above a header block ("Message du : 12/12/2016 13:20").
_HEADER_LIKE = re.compile(r"^[\s>*]*[^\W\d_][\w ]{0,20}\s?[:：]\s*\S")

_MOBILE_SIGNATURE = re.compile(
    r"^\s*[(<]*(?:sent (?:from|with|via)|get outlook for|envoyé depuis|gesendet von|von meinem .{1,40} gesendet"
    r"|enviado desde|inviato da|verzonden (?:met|vanaf)|skickat från|sendt fra|wysłano z|從我的|从我的)"
    r"(?:[^,;]{0,80}|[^;]{0,40}(?:typos?|typoze|brevity)[^;]{0,20})[)>]*\s*$",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^(?:-- ?|_{2,}\s*)$")
_DASH_SIGNOFF = re.compile(r"-\s?([^\W\d_][\w.'-]*(?: [^\W\d_][\w.'-]*){0,3})")  # "-Abhishek Kona"
_DECORATION = re.compile(r"^[\s\-_*#~=+ᐧ\u200b]*$")

# Lines that could belong to a header known to the library; only these reach its patterns:
# a "wrote" line in one of its languages, a "Key:" line, a dashed "Original Message" rule.
_LIBRARY_WROTE = re.compile(
    r"wrote|schrieb|napsal|skrev|escribió|a écrit|ha scritto|schreef|写道|작성|\d{4}年", re.IGNORECASE
)
_KEY_OR_RULE = re.compile(r"[\s>*]*(?:[^\W\d_][\w\s-]{0,25}[:：]|-{3,})")

_WINDOW = 5  # lines an attribution or the gap inside a header block may span
_MAX_LINES = 2000  # a quote header further down is not looked for: the rest counts as reply
_MAX_LINE = 300  # longer lines are never quote headers (and make regexes slow)
_MAX_CANDIDATES = 50  # lines tried with the library's backtracking patterns
_MAX_ROUNDS = 5  # quote headers skipped at the top or dropped between inline answers


@lru_cache(maxsize=1)
def _library_header_regex() -> re.Pattern[str]:
    return EmailMessage(text="", languages=list(_LIBRARY_LANGUAGES)).HEADER_REGEX


def strip_reply(text: str) -> str:
    """Return the new part of a reply: no quoted previous mail, no signature.

    Never returns "" for a text with content: if nothing is left, the stripped input is.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    reply = _cut_quote(lines[_skip_leading_quote(lines) :])
    reply = _drop_quoted_tail(_strip_signature(reply))
    result = "\n".join(_trim_decoration(reply)).rstrip().lstrip("\n")
    return result if result.strip() else text.strip()


def _skip_leading_quote(lines: list[str]) -> int:
    """Where the reply starts when a quote header comes first (a bottom-post, a bare forward)."""
    position = 0
    for _round in range(_MAX_ROUNDS):
        while position < len(lines) and not lines[position].strip():
            position += 1
        span = _first_quote_header(lines[position:])
        if span is None or span[0] > 0:
            return position
        position += span[1]
        while position < len(lines) and (not lines[position].strip() or _in_quote(lines, position)):
            position += 1
    return position


def _cut_quote(lines: list[str]) -> list[str]:
    """Cut at the first quote header; for inline answers drop only the attribution."""
    span = _first_quote_header(lines)
    for _round in range(_MAX_ROUNDS):
        if span is None or not _answers_follow(lines, span[1]):
            break
        lines = lines[: span[0]] + lines[span[1] :]
        span = _first_quote_header(lines)
    return lines if span is None else lines[: span[0]]


def _answers_follow(lines: list[str], position: int) -> bool:
    """True when a `>`-quoted block after a quote header is followed by new text (inline replies)."""
    while position < len(lines) and not lines[position].strip():
        position += 1
    if position >= len(lines) or not _QUOTED.match(lines[position]):
        return False
    while position < len(lines) and (not lines[position].strip() or _in_quote(lines, position)):
        position += 1
    if position >= len(lines):
        return False
    line = lines[position]
    return not (_SIGNATURE_DELIMITER.match(line) or _MOBILE_SIGNATURE.match(line) or _DECORATION.match(line))


def _in_quote(lines: list[str], index: int) -> bool:
    """A quoted line, or a line the sender's client wrapped without its ">" inside a quote."""
    if _QUOTED.match(lines[index]):
        return True
    inside = 0 < index < len(lines) - 1 and lines[index].strip()
    return bool(inside and _QUOTED.match(lines[index - 1]) and _QUOTED.match(lines[index + 1]))


def _first_quote_header(lines: list[str]) -> Span | None:
    """The earliest quote header in the first _MAX_LINES lines, as the widest span found there."""
    head = lines[:_MAX_LINES]
    spans = [span for detect in _DETECTORS if (span := detect(head)) is not None]
    if not spans:
        return None
    start = min(first for first, _end in spans)
    return start, max(end for first, end in spans if first == start)


def _library_header(lines: list[str]) -> Span | None:
    """Quote headers known to mail-parser-reply, matched on stripped lines as it does.

    Its patterns backtrack hard on long lines (seconds for a page of "On a a a ..."), so
    only short lines that could belong to a header reach them, and only the first few.
    """
    candidates = (index for index, line in enumerate(lines) if _maybe_library_header(line.strip()))
    keep = set(islice(candidates, _MAX_CANDIDATES))
    stripped = "\n".join(line.strip() if index in keep else "" for index, line in enumerate(lines))
    match = _library_header_regex().search(stripped)
    if match is None:
        return None
    start = match.start() + len(match.group()) - len(match.group().lstrip("\n"))
    first = stripped.count("\n", 0, start)
    return first, stripped.count("\n", 0, match.end()) + 1


def _maybe_library_header(line: str) -> bool:
    if not line or len(line) > _MAX_LINE:
        return False
    return bool(_KEY_OR_RULE.match(line) or line.endswith((":", "：")) and _LIBRARY_WROTE.search(line))


def _wrapped_attribution(lines: list[str]) -> Span | None:
    """"On <date>, <name> <address> wrote:" and its translations, even when wrapped."""
    for last, line in enumerate(lines):
        bare = _unquote(line) if len(line) <= _MAX_LINE else ""
        if _DATE_ATTRIBUTION.match(bare):
            return last, last + 1
        if not bare.endswith((":", "：")):
            continue
        address_end = _ADDRESS_COLON_END.search(bare)
        if address_end and re.search(r"\d", bare[: address_end.start()]):
            return last, last + 1
        if (first := _attribution_start(lines, last)) is not None:
            return first, last + 1
    return None


def _attribution_start(lines: list[str], last: int) -> int | None:
    """First line of the attribution ending at `last`: the narrowest window that opens like
    one ("On", "Le", "Am", a date...), else the last line alone, else a paragraph."""
    windows = []
    for first in range(last, max(last - _WINDOW, -1), -1):
        joined = " ".join(_unquote(other) for other in lines[first : last + 1]).strip()
        if _is_attribution(joined):
            windows.append((first, joined))
    for first, joined in windows:
        if _ATTRIBUTION_OPENER.match(joined):
            return first
    if windows and windows[0][0] == last:
        return last
    for first, _joined in windows:
        if first == 0 or not lines[first - 1].strip():
            return first
    return None


def _unquote(line: str) -> str:
    return line.lstrip(" \t>").strip()


def _is_attribution(joined: str) -> bool:
    """Attributions name a date or an address; "Something wrote:" in prose does not."""
    if len(joined) > _MAX_LINE or not re.search(r"@|\d", joined):
        return False
    return bool(_ATTRIBUTION.search(joined))


def _separator(lines: list[str]) -> Span | None:
    """"-----Original Message-----", "---------- Forwarded message ---------" and the like."""
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line):
            return index, index + 1
    return None


def _header_block(lines: list[str]) -> Span | None:
    """An Outlook-style "From: ... / Sent: ..." block in any of several languages."""
    for index, line in enumerate(lines):
        if not _FROM_LINE.match(line):
            continue
        following = [other for other in lines[index + 1 : index + _WINDOW] if other.strip()]
        if any(_HEADER_LINE.match(other) for other in following):
            start = index
            while start > 0 and _HEADER_LIKE.match(lines[start - 1]):
                start -= 1
            return start, _header_block_end(lines, index + 1)
    return None


def _header_block_end(lines: list[str], position: int) -> int:
    """The line after the block; a wrapped value (a long Subject) stays inside it."""
    while position < len(lines):
        wrapped = position + 1 < len(lines) and lines[position].strip() and _HEADER_LINE.match(lines[position + 1])
        if not (_HEADER_LINE.match(lines[position]) or wrapped):
            break
        position += 1
    return position


_DETECTORS: tuple[Callable[[list[str]], Span | None], ...] = (
    _library_header,
    _wrapped_attribution,
    _separator,
    _header_block,
)


def _drop_quoted_tail(lines: list[str]) -> list[str]:
    """Drop a `>`-quoted block that ends the text, with the attribution line above it.

    Some clients quote without any attribution; the cost is that a pasted `>` block at the
    very end of a reply is dropped too (the full text keeps it).
    """
    end = len(lines)
    while end > 0 and _DECORATION.match(lines[end - 1]):
        end -= 1
    if end == 0 or not _QUOTED.match(lines[end - 1]):
        return lines
    start = end
    while start > 0 and (_in_quote(lines, start - 1) or not lines[start - 1].strip()):
        start -= 1
    above = lines[start - 1].rstrip() if start > 0 else ""
    if above.endswith((":", "：")) and re.search(r"@|\d", above):  # "On <date>, <name> wrote:"
        start -= 1
    return lines[:start]


def _strip_signature(lines: list[str]) -> list[str]:
    """Cut at a "-- " delimiter or a phone's "Sent from my ..."; drop a last "-Name" sign-off."""
    lines = _trim_decoration(lines)
    for index, line in enumerate(lines[1:], start=1):
        if _SIGNATURE_DELIMITER.match(line) or _MOBILE_SIGNATURE.match(line):
            lines = _trim_decoration(lines[:index])
            break
    signoff = _DASH_SIGNOFF.fullmatch(lines[-1].strip()) if len(lines) > 1 else None
    if signoff and signoff.group(1)[0].isupper():  # a name, not a "-verbose" option
        lines = _trim_decoration(lines[:-1])
    return lines


def _trim_decoration(lines: list[str]) -> list[str]:
    """Drop trailing blank lines and rules made of dashes, stars, underscores and the like."""
    end = len(lines)
    while end > 0 and _DECORATION.match(lines[end - 1]):
        end -= 1
    return lines[:end]
