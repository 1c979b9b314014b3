"""Bytes and encoded words to clean text, with the charset fallbacks real mail needs.

Mail is labelled with wrong, unknown or missing charsets, and header bytes arrive 8-bit.
Everything here decodes one part's (or one header's) own bytes and never raises; the text
that comes out holds no lone surrogate, and the cleaning helpers drop what PostgreSQL
refuses (NUL).
"""

from __future__ import annotations

import email.header
import re

import charset_normalizer

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
            return clean_surrogates(data.decode(codec)), None
        except (LookupError, ValueError):
            continue
    for codec in ("utf-8", _guess(data[:65536], hints) or "latin-1", "latin-1"):
        try:
            return clean_surrogates(data.decode(codec)), f"charset-fallback:{label or 'none'}"
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


def clean_surrogates(text: str) -> str:
    """No lone surrogates: UTF-7 can encode them, and neither nh3 nor a database takes them."""
    return re.sub(r"[\ud800-\udfff]", "\ufffd", text)


def repair_escaped_bytes(value: str, hints: tuple[str, ...]) -> str:
    """Decode the 8-bit bytes the parser kept in a header as surrogate escapes."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return clean_surrogates(value)
    return decode_bytes(data, "utf-8", hints)[0] if re.search(r"[\udc80-\udcff]", value) else value


def decode_words(raw: str, hints: tuple[str, ...] = ()) -> str:
    """A raw header's RFC 2047 words decoded with our charset fallbacks.

    For where `policy.default` gives up: unknown charsets, 8-bit bytes in the header.
    """
    try:
        chunks = email.header.decode_header(raw)
    except Exception:  # noqa: BLE001 - any garbage in the header: keep it as it is
        chunks = [(raw, None)]
    return "".join(
        decode_bytes(chunk, charset, hints)[0]
        if charset and isinstance(chunk, bytes)
        else repair_escaped_bytes(chunk if isinstance(chunk, str) else chunk.decode("raw-unicode-escape"), hints)
        for chunk, charset in chunks
    )


def normalise_text(text: str) -> str:
    """\\n line ends, no NUL (PostgreSQL refuses it), no byte order mark."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").lstrip("\ufeff")


def one_line(value: str) -> str:
    """Whitespace collapsed, control characters (NUL, which PostgreSQL refuses, and kin) gone."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", value).split())
