"""The parsing layer on literal RFC 822 messages: headers, bodies, charsets, attachments, TNEF.

Messages are written out byte for byte (as they arrive) rather than built with the email
package, so the tests also cover what the email package would never produce itself.
"""

from __future__ import annotations

import base64
import struct
import textwrap
import time
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailgateway.html import html_to_text, sanitize_html
from mailgateway.parse import ParsedMail, decode_bytes, is_probably_mail, parse_message
from mailgateway.replies import strip_reply


def mail(text: str) -> bytes:
    """A literal message: dedented, CRLF line ends, "\\xNN" characters as raw 8-bit bytes."""
    lines = textwrap.dedent(text).strip("\n").split("\n")
    return "\r\n".join(lines).encode("latin-1")


PLAIN = mail("""
    Return-Path: <alice@corp.example>
    From: "Smith, Alice" <Alice.Smith@Corp.Example>
    To: Support <support@helpdesk.example.com>, bob@corp.example
    Cc: carol@corp.example
    Reply-To: alice.private@corp.example
    Subject: Printer on the 3rd   floor
     is jammed
    Date: Tue, 05 Mar 2024 09:15:00 +0100
    Message-ID: < 20240305.1@corp.example >
    In-Reply-To: <ticket-7@helpdesk.example.com>
    References: <a@x.example> <ticket-7@helpdesk.example.com>
     <garbage> <b@y.example>
    MIME-Version: 1.0
    Content-Type: text/plain; charset=utf-8

    Hello,
    the printer is jammed again.

    On Mon, 4 Mar 2024 at 10:00, Helpdesk <support@helpdesk.example.com> wrote:
    > We fixed it.

    --\x20
    Alice Smith, Accounting
""")


def test_plain_message_headers() -> None:
    parsed = parse_message(PLAIN)
    assert parsed.message_id == "20240305.1@corp.example"
    assert parsed.subject == "Printer on the 3rd floor is jammed"
    assert (parsed.from_address, parsed.from_name) == ("alice.smith@corp.example", "Smith, Alice")
    assert parsed.to == ("support@helpdesk.example.com", "bob@corp.example")
    assert parsed.cc == ("carol@corp.example",)
    assert parsed.reply_to == ("alice.private@corp.example",)
    assert parsed.in_reply_to == ("ticket-7@helpdesk.example.com",)
    assert parsed.references == ("a@x.example", "ticket-7@helpdesk.example.com", "b@y.example")
    assert parsed.date == datetime(2024, 3, 5, 8, 15, tzinfo=timezone.utc)


def test_plain_message_bodies() -> None:
    parsed = parse_message(PLAIN)
    assert parsed.text.startswith("Hello,\nthe printer is jammed again.\n\nOn Mon, 4 Mar 2024")
    assert "\r" not in parsed.text
    assert parsed.reply_text == "Hello,\nthe printer is jammed again."
    assert parsed.html is None
    assert parsed.attachments == ()
    assert parsed.defects == ()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("Message-ID: <>\r\n", None),
        ("Message-ID: (null)\r\n", None),
        ("Message-ID: <no-at-sign>\r\n", None),
        ("Message-ID: <unterminated@corp.example\r\n", "unterminated@corp.example"),
        ("Message-ID: bare@corp.example\r\n", "bare@corp.example"),
        ("Message-ID: <folded\r\n @corp.example>\r\n", "folded@corp.example"),
    ],
    ids=["missing", "empty", "null", "no-at", "unterminated", "no-brackets", "folded"],
)
def test_message_id_normalised(header: str, expected: str | None) -> None:
    raw = f"From: a@corp.example\r\n{header}Subject: x\r\n\r\nbody\r\n".encode()
    assert parse_message(raw).message_id == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 05 Mar 2024 09:15:00 -0000", datetime(2024, 3, 5, 9, 15, tzinfo=timezone.utc)),
        ("5 Mar 2024 09:15 EST", datetime(2024, 3, 5, 14, 15, tzinfo=timezone.utc)),
        ("yesterday at noon", None),
        ("Tue, 99 Foo 2024 99:99:99 +9999", None),
    ],
    ids=["unknown-zone", "named-zone", "words", "garbage"],
)
def test_date_is_aware_utc_or_none(value: str, expected: datetime | None) -> None:
    raw = f"From: a@corp.example\r\nDate: {value}\r\n\r\nbody\r\n".encode()
    assert parse_message(raw).date == expected


def test_broken_address_lists_do_not_raise() -> None:
    parsed = parse_message(mail("""
        From: "Unclosed <alice@corp.example
        To: undisclosed-recipients:;
        Cc: <<bob@corp.example>>, , "x" <>, =?x-unknown?Q?Z=FCrich?= <zurich@corp.example>
        Subject: x

        body
    """))
    assert parsed.to == ()
    assert "zurich@corp.example" in parsed.cc


def test_huge_headers_stay_fast() -> None:
    """policy.default parses long headers in superlinear time; a 1 MB To: must not hang intake."""
    raw = b"From: a@corp.example\r\nTo: " + b"x@corp.example, " * 70_000 + b"\r\nSubject: " + b"word " * 200_000
    started = time.monotonic()
    parsed = parse_message(raw + b"\r\n\r\nbody\r\n")
    assert time.monotonic() - started < 5
    assert parsed.to[0] == "x@corp.example" and parsed.subject.startswith("word word")


def test_8bit_display_name_is_decoded() -> None:
    parsed = parse_message(mail("""
        From: J\xc3\xbcrgen M\xc3\xbcller <juergen@corp.example>
        Subject: x

        body
    """))
    assert (parsed.from_name, parsed.from_address) == ("Jürgen Müller", "juergen@corp.example")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("=?UTF-8?B?w5xiZXJtaXR0bHVuZyBmZWhsZ2VzY2hsYWdlbg==?=", "Übermittlung fehlgeschlagen"),
        ("=?ISO-8859-1?Q?Gr=FC=DFe?= =?ISO-8859-1?Q?_aus_K=F6ln?=", "Grüße aus Köln"),
        ("=?utf-8?B?5L2/?= =?utf-8?B?44Gj44Gm?=", "使って"),
        ("=?unicode-1-1-utf-7?Q?Status_+ANw-bermittlung?=", "Status Übermittlung"),
        ("=?ks_c_5601-1987?B?x9GxucHWscc=?=", "한국주권"),
        ("=?gb2312?B?1tDOxA==?=", "中文"),
        ("=?x-unknown?Q?caf=C3=A9?=", "café"),
        ("caf\xc3\xa9 raw 8-bit", "café raw 8-bit"),
        ("=?utf-8?B?!!!?= tail", "tail"),
    ],
    ids=["utf8-b", "latin1-q", "split-multibyte", "utf7", "ks_c_5601", "gb2312", "unknown", "raw-8bit", "bad-b64"],
)
def test_encoded_word_subjects(subject: str, expected: str) -> None:
    raw = mail(f"""
        From: a@corp.example
        Subject: {subject}

        body
    """)
    assert parse_message(raw).subject == expected


ALTERNATIVE = mail("""
    From: alice@corp.example
    Subject: alternative
    MIME-Version: 1.0
    Content-Type: multipart/alternative; boundary="alt"

    --alt
    Content-Type: text/plain; charset=us-ascii

    Plain words.
    --alt
    Content-Type: text/html; charset=utf-8

    <html><head><style>p {color: red}</style><script>alert(1)</script></head>
    <body onload="steal()"><p onclick="x()">Rich <b>words</b> \xc3\xa9</p>
    <a href="javascript:alert(1)">bad</a> <a href="https://corp.example/kb">good</a>
    <img src="https://tracker.example/pixel.gif"><img src="data:image/png;base64,AAAA"></body></html>
    --alt--
""")


def test_alternative_prefers_plain_text_and_sanitises_html() -> None:
    parsed = parse_message(ALTERNATIVE)
    assert parsed.text == "Plain words."
    assert parsed.html is not None
    assert "Rich <b>words</b> é" in parsed.html
    for dangerous in ("script", "alert", "onload", "onclick", "style", "javascript", "tracker", "data:"):
        assert dangerous not in parsed.html
    assert '<a href="https://corp.example/kb" rel="noopener noreferrer">good</a>' in parsed.html


def test_html_only_mail_is_turned_into_text() -> None:
    parsed = parse_message(mail("""
        From: alice@corp.example
        Subject: html only
        Content-Type: text/html; charset=utf-8

        <div>Hello<br>the <b>VPN</b> is down.</div><p>Alice</p>
    """))
    assert parsed.text == "Hello\nthe VPN is down.\n\nAlice"
    assert parsed.reply_text == parsed.text


def test_rfc2231_filename_and_attachment_data() -> None:
    parsed = parse_message(mail("""
        From: alice@corp.example
        Subject: report
        Content-Type: multipart/mixed; boundary="b"

        --b
        Content-Type: text/plain

        See attached.
        --b
        Content-Type: Application/PDF
        Content-Disposition: attachment;
         filename*0*=UTF-8''%C3%9Cbersicht%20;
         filename*1*=Q1%202024.pdf
        Content-Transfer-Encoding: base64

        JVBERi0xLjQK
        --b
        Content-Type: text/csv; name="=?utf-8?Q?Kosten_=E2=82=AC.csv?="
        Content-Disposition: attachment

        a,b
        --b--
    """))
    assert parsed.text == "See attached."
    first, second = parsed.attachments
    assert (first.filename, first.content_type) == ("Übersicht Q1 2024.pdf", "application/pdf")
    assert first.data == b"%PDF-1.4\n"
    assert (first.inline, first.content_id) == (False, None)
    assert second.filename == "Kosten €.csv"


def test_inline_cid_image_in_related_html() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()
    parsed = parse_message(mail(f"""
        From: alice@corp.example
        Subject: screenshot
        Content-Type: multipart/related; boundary="rel"

        --rel
        Content-Type: text/html; charset=utf-8

        <p>The error:</p><img src="cid:shot1@corp.example" alt="screenshot">
        --rel
        Content-Type: image/png
        Content-ID: <shot1@corp.example>
        Content-Transfer-Encoding: base64

        {png}
        --rel--
    """))
    (image,) = parsed.attachments
    assert (image.filename, image.content_type, image.content_id, image.inline) == (
        "attachment-1.png", "image/png", "shot1@corp.example", True,
    )
    assert image.data.startswith(b"\x89PNG")
    assert parsed.html is not None and 'src="cid:shot1@corp.example"' in parsed.html
    assert parsed.text == "The error:"


def test_apple_mail_text_split_around_an_inline_image_is_one_body() -> None:
    parsed = parse_message(mail("""
        From: alice@corp.example
        Subject: split
        Content-Type: multipart/mixed; boundary="m"

        --m
        Content-Type: text/plain

        Before the picture.
        --m
        Content-Type: image/png; name="a.png"
        Content-Disposition: inline; filename="a.png"

        png
        --m
        Content-Type: text/plain

        After the picture.
        --m--
    """))
    assert parsed.text == "Before the picture.\n\nAfter the picture."
    assert [attachment.filename for attachment in parsed.attachments] == ["a.png"]


@pytest.mark.parametrize(
    ("content_type", "body", "text", "note"),
    [
        ("text/plain", b"Gr\xc3\xbc\xc3\x9fe", "Grüße", "charset-fallback:none"),
        ("text/plain; charset=us-ascii", b"Gr\xfc\xdfe aus K\xf6ln", "Grüße aus Köln", "charset-fallback:us-ascii"),
        ("text/plain; charset=x-foo", b"caf\xc3\xa9", "café", "charset-fallback:x-foo"),
        ("text/plain; charset=utf-8", "Grüße aus Köln".encode("cp1252"), "Grüße aus Köln", "charset-fallback:utf-8"),
        ('text/plain; charset="UTF-8"\\r\\n', b"caf\xc3\xa9", "café", None),  # as in mailman3's bad_email_3
    ],
    ids=["missing-charset-8bit", "8bit-in-us-ascii", "unknown-charset", "wrong-charset", "junk-in-label"],
)
def test_charset_fallbacks(content_type: str, body: bytes, text: str, note: str | None) -> None:
    raw = f"From: a@corp.example\r\nSubject: x\r\nContent-Type: {content_type}\r\n\r\n".encode() + body
    parsed = parse_message(raw)
    assert parsed.text == text
    assert (note in parsed.defects) if note else not any(d.startswith("charset-fallback") for d in parsed.defects)


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-2022-jp", "このアドレスへのメルマガを解除してください。"),
        ("shift_jis", "①番の会議室"),  # ① exists only in Microsoft's cp932 superset
        ("gb2312", "镕基"),  # 镕 exists only in the gb18030 superset
        ("ks_c_5601-1987", "안녕하세요"),
        ("koi8-r", "Привет"),
    ],
)
def test_east_asian_and_cyrillic_bodies(charset: str, text: str) -> None:
    codec = {"shift_jis": "cp932", "gb2312": "gb18030", "ks_c_5601-1987": "cp949"}.get(charset, charset)
    raw = f"From: a@corp.example\r\nContent-Type: text/plain; charset={charset}\r\n\r\n".encode() + text.encode(codec)
    parsed = parse_message(raw)
    assert parsed.text == text
    assert not any(defect.startswith("charset-fallback") for defect in parsed.defects)


def test_utf7_lone_surrogates_are_replaced() -> None:
    """UTF-7 can encode half a surrogate pair; nh3 and databases refuse such strings."""
    parsed = parse_message(mail("""
        From: "=?utf-7?Q?+2D0-?=" <a@corp.example>
        Subject: =?utf-7?Q?x+2D0-y?=
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-7

        hi +2D0- there
        --b
        Content-Type: text/html; charset=utf-7

        <p>hi +2D0- there</p>
        --b
        Content-Type: application/pdf; name="=?utf-7?Q?+2D0-.pdf?="

        x
        --b--
    """))
    assert (parsed.subject, parsed.from_name, parsed.text) == ("x\ufffdy", "\ufffd", "hi \ufffd there")
    assert parsed.html == "<p>hi \ufffd there</p>"
    assert parsed.attachments[0].filename == "\ufffd.pdf"
    assert "parser-failed:UnicodeEncodeError" in parsed.defects  # policy.default itself raised


def test_bad_base64_does_not_raise() -> None:
    parsed = parse_message(mail("""
        From: a@corp.example
        Subject: bad base64
        Content-Type: multipart/mixed; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: base64

        SGVsbG8gd29y!!!bGQ=*
        --b
        Content-Type: application/pdf; name="x.pdf"
        Content-Transfer-Encoding: base64

        %%%not base64 at all
        --b--
    """))
    assert parsed.text.startswith("Hello wor")
    assert parsed.attachments[0].filename == "x.pdf"
    assert any("Base64" in defect for defect in parsed.defects)


def test_broken_boundary_keeps_the_text() -> None:
    parsed = parse_message(mail("""
        From: a@corp.example
        Subject: broken boundary
        Content-Type: multipart/mixed; boundary="declared"

        --other
        Content-Type: text/plain

        The words must not be lost.
        --other--
    """))
    assert "The words must not be lost." in parsed.text
    assert "multipart-without-parts" in parsed.defects


def test_payload_that_the_stdlib_cannot_even_read() -> None:
    """get_payload() raises for 8-bit text in a charset that has no "replace" handler."""
    raw = b'From: a@corp.example\r\nContent-Type: multipart/mixed; boundary="gone"; charset="idna"\r\n\r\n'
    parsed = parse_message(raw + b"no parts \x80 here\r\n")
    assert parsed.text.startswith("no parts")


def test_missing_final_boundary() -> None:
    parsed = parse_message(mail("""
        From: a@corp.example
        Content-Type: multipart/mixed; boundary="b"

        --b
        Content-Type: text/plain

        Text before a cut.
        --b
        Content-Type: application/octet-stream; name="cut.bin"

        abc
    """))
    assert parsed.text == "Text before a cut."
    assert [attachment.filename for attachment in parsed.attachments] == ["cut.bin"]
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_stray_line_inside_the_header_block_does_not_end_it() -> None:
    parsed = parse_message(mail("""
        ---- Original email message ----
        Received: by mx.corp.example
        X-Tracker: H4sIAAAAAAAAA+NgFlrIKsWRWlGSWpSXmKPE
        xsWi75nTrTtrwZMIg5drOCwmrVzP5sDoseXbDeYAxijW
        From: alice@corp.example
        Subject: still a header

        body
    """))
    assert (parsed.from_address, parsed.subject, parsed.text) == ("alice@corp.example", "still a header", "body")
    assert "header-block-repaired" in parsed.defects


def test_attached_message_is_an_eml_named_after_its_subject() -> None:
    parsed = parse_message(mail("""
        From: a@corp.example
        Subject: Fwd: phishing?
        Content-Type: multipart/mixed; boundary="b"

        --b
        Content-Type: text/plain

        Is this real?
        --b
        Content-Type: message/rfc822

        From: "Bank" <security@bank.example>
        Subject: =?utf-8?Q?Verify_your_account_/_now?=
        Message-ID: <evil@bank.example>

        Click here.
        --b--
    """))
    (eml,) = parsed.attachments
    assert (eml.filename, eml.content_type) == ("Verify your account now.eml", "message/rfc822")
    assert eml.data.startswith(b'From: "Bank" <security@bank.example>')
    assert parse_message(eml.data).message_id == "evil@bank.example"
    assert parsed.message_id is None


def _tnef_object(level: int, attribute: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id, type, length, data, checksum (MS-OXTNEF 2.1.3)."""
    header = struct.pack("<BHHI", level, attribute, 0x0006, len(data))
    return header + data + struct.pack("<H", sum(data) & 0xFFFF)


def build_tnef(filename: bytes, content: bytes, body: bytes) -> bytes:
    """A minimal winmail.dat: a message body and one attached file."""
    return (
        struct.pack("<IH", 0x223E9F78, 0x0001)
        + _tnef_object(1, 0x800C, body)  # attBody
        + _tnef_object(2, 0x9002, b"\x00" * 14)  # attAttachRendData starts an attachment
        + _tnef_object(2, 0x8010, filename + b"\x00")  # attAttachTitle
        + _tnef_object(2, 0x800F, content)  # attAttachData
    )


def _winmail_mail(tnef: bytes, body: str = "") -> bytes:
    text_part = f"--b\r\nContent-Type: text/plain\r\n\r\n{body}\r\n" if body else ""
    return (
        b"From: a@corp.example\r\nSubject: Outlook\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        + text_part.encode()
        + b"--b\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
        + b"Content-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(tnef).replace(b"\n", b"\r\n")
        + b"--b--\r\n"
    )


def test_winmail_dat_is_unpacked() -> None:
    tnef = build_tnef(b"budget.xlsx", b"PK\x03\x04 spreadsheet", b"Body only Outlook knew.")
    parsed = parse_message(_winmail_mail(tnef))
    (sheet,) = parsed.attachments
    assert (sheet.filename, sheet.data) == ("budget.xlsx", b"PK\x03\x04 spreadsheet")
    assert sheet.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert parsed.text == "Body only Outlook knew."


def test_winmail_dat_body_does_not_replace_the_mail_body() -> None:
    tnef = build_tnef(b"budget.xlsx", b"data", b"TNEF body")
    assert parse_message(_winmail_mail(tnef, body="Real body")).text == "Real body"


def test_unreadable_winmail_dat_is_kept() -> None:
    parsed = parse_message(_winmail_mail(b"not a TNEF stream at all"))
    assert [attachment.filename for attachment in parsed.attachments] == ["winmail.dat"]
    assert "tnef-unreadable" in parsed.defects


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (PLAIN, True),
        (b"From alice@corp.example Tue Mar  5 09:15:00 2024\nFrom: a@corp.example\n\nbody", True),
        (b"   \r\nReceived: by mx\r\nFrom: a@corp.example\r\n\r\nbody", True),
        (b"", False),
        (b"\r\n\r\n", False),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", False),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", False),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", False),
        (b"Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit.\n", False),
        (b"X-Bin: \x00\x01\x02\r\n\r\n", False),
    ],
    ids=["mail", "mbox", "leading-blank-line", "empty", "blank", "png", "zip", "pdf", "prose", "nul-in-headers"],
)
def test_is_probably_mail(raw: bytes, expected: bool) -> None:
    assert is_probably_mail(raw) is expected


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    assert isinstance(parse_message(raw), ParsedMail)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "References", "Date",
                             "Content-Type", "Content-Transfer-Encoding", "Content-Disposition"]),
            st.binary(max_size=120).map(lambda value: value.replace(b"\r", b"").replace(b"\n", b" ")),
        ),
        max_size=8,
    ),
    st.binary(max_size=500),
)
def test_mangled_headers_parse_without_raising(headers: list[tuple[str, bytes]], body: bytes) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers) + b"\r\n" + body
    parsed = parse_message(raw)
    assert parsed.from_address is None or "@" in parsed.from_address
    assert "\x00" not in parsed.subject + parsed.text + "".join(a.filename for a in parsed.attachments)


def test_decode_bytes_never_raises_and_says_when_it_guessed() -> None:
    assert decode_bytes("Grüße, Jürgen".encode("cp1252"), "utf-8") == ("Grüße, Jürgen", "charset-fallback:utf-8")
    assert decode_bytes(b"plain", None) == ("plain", None)
    assert decode_bytes(b"\xff\xfe\x00", "no-such-charset")[1] == "charset-fallback:no-such-charset"


# ---------------------------------------------------------------- html and reply helpers


def test_sanitize_html_keeps_formatting_tables_and_cid_images() -> None:
    html = (
        '<table border="1"><tr><td style="color: red; position: fixed">cell</td></tr></table>'
        '<img src="cid:logo@corp.example" alt="logo"><iframe src="https://evil.example"></iframe>'
        '<form action="https://evil.example"><input name="password"></form><a href="mailto:it@corp.example">mail</a>'
    )
    clean = sanitize_html(html)
    assert '<td style="color:red">cell</td>' in clean.replace("color: red", "color:red")
    assert '<img src="cid:logo@corp.example" alt="logo">' in clean
    for dangerous in ("iframe", "form", "input", "position"):
        assert dangerous not in clean
    assert 'href="mailto:it@corp.example"' in clean


def test_html_to_text_tidies_whitespace() -> None:
    assert html_to_text("<p>One</p>\n\n\n<p>Two&nbsp;</p><hr><p>Three</p>") == "One\n\nTwo\n\nThree"
    assert html_to_text("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Danke!\n\nAm 04.03.2024 um 10:00 schrieb Helpdesk <support@helpdesk.example.com>:\n> Erledigt.", "Danke!"),
        ("Merci !\n\nLe 4 mars 2024 à 10:00, Helpdesk <support@helpdesk.example.com> a écrit :\n> Fait.", "Merci !"),
        ("Works now.\n\n-----Original Message-----\nFrom: Helpdesk\nSent: Monday\n\nFixed.", "Works now."),
        ("Works now.\n\nFrom: Helpdesk <support@helpdesk.example.com>\nSent: Monday, March 4, 2024 10:00\n"
         "To: Alice\nSubject: RE: printer\n\nFixed.", "Works now."),
        ("Still broken.\n\nSent from my iPhone", "Still broken."),
        ("Still broken.\n\n-- \nAlice Smith\nAccounting", "Still broken."),
        ("> only a quote\n> nothing else", "> only a quote\n> nothing else"),
        ("Indented code stays:\n\n    print('hi')", "Indented code stays:\n\n    print('hi')"),
    ],
    ids=["german", "french", "original-message", "outlook-block", "iphone", "sig-delimiter", "all-quote", "indent"],
)
def test_strip_reply(text: str, expected: str) -> None:
    assert strip_reply(text) == expected


def test_strip_reply_is_fast_on_hostile_text() -> None:
    """The library's patterns backtrack on long "On ..." lines; we never hand them those."""
    hostile = ("On " + "a " * 3000 + "\n") * 50 + ("On " + "a " * 140 + "wrote:\n") * 3000
    started = time.monotonic()
    strip_reply(hostile)
    assert time.monotonic() - started < 3
