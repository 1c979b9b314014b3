"""Other projects' real mail through our parsing layer (parse, html, replies).

The corpus lives outside the repo (see its INDEX.md); POSTDESK_CORPUS points at it, by
default ../shared/corpus next to the repo (tests/corpus.py). Without it the module skips.

Figures measured 2026-11-23; update them when the code changes:
  (a) 1,288 message-like files: every one parses. 3 of them are not mail (NOT_MAIL).
  (b) zammad .yml: 103 of 114 agree on subject, sender and attachment names; the other
      11 are the documented exceptions in ZAMMAD_EXCEPTIONS (expected failures).
  (c) reply stripping, cases that agree with the upstream expectation:
      talon 23/24, discourse-email-reply-trimmer 63/64, willdurand 53/54, zapier 16/16.
      Reply stripping is heuristic: the tests hold a floor a little below these.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mailgateway.html import html_to_text
from mailgateway.parse import ParsedMail, is_probably_mail, parse_message
from mailgateway.replies import strip_reply
from tests.corpus import CORPUS, message_files, require_corpus_for_module

require_corpus_for_module()


# ---------------------------------------------------------------- (a) every message parses

MESSAGE_FILES = message_files()
NOT_MAIL = {
    "rt/emails/lorem-ipsum": "plain text that RT's tests attach to tickets",
    "ruby-mail-gem/attachments/てすと.txt": "an attachment payload of the mail gem's tests",
    "spamscope-mail-parser/mail_outlook_1": "an Outlook .msg file (OLE compound document), not RFC 5322",
}


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def test_the_corpus_has_its_messages() -> None:
    assert len(MESSAGE_FILES) > 1200


@pytest.mark.parametrize("path", MESSAGE_FILES, ids=_id)
def test_every_message_parses(path: Path) -> None:
    raw = path.read_bytes()
    started = time.monotonic()
    parsed = parse_message(raw)
    assert time.monotonic() - started < 3
    assert isinstance(parsed, ParsedMail)
    assert is_probably_mail(raw) is (_id(path) not in NOT_MAIL)
    assert "\r" not in parsed.text
    assert parsed.reply_text.strip() or not parsed.text.strip()
    assert all(attachment.filename for attachment in parsed.attachments)


def test_a_winmail_dat_without_files_is_kept() -> None:
    """Amazon WorkMail bounces carry a TNEF with no files and no body: keep the .dat."""
    parsed = parse_message((CORPUS / "sisimai-bounces/bsd/lhost-amazonworkmail-01.eml").read_bytes())
    assert "winmail.dat" in [attachment.filename for attachment in parsed.attachments]


# ---------------------------------------------------------------- (b) zammad's expectations


class _RubyYaml(yaml.SafeLoader):
    """Zammad's fixtures are Ruby-tagged YAML: read the hashes as dicts, !binary as bytes."""


_RubyYaml.add_multi_constructor("!ruby/", lambda loader, _suffix, node: loader.construct_mapping(node, deep=True))
_RubyYaml.add_constructor("!binary", lambda loader, node: base64.b64decode(loader.construct_scalar(node)))

# Where our stdlib-based parse legitimately differs from Zammad's (Ruby mail gem) result.
ZAMMAD_EXCEPTIONS = {
    "mail016": "no From header; Zammad falls back to Reply-To, we keep it in reply_to",
    "mail019": "no From header; Zammad falls back to Reply-To, we keep it in reply_to",
    "mail018": "Zammad leaves the unicode-1-1-utf-7 subject undecoded ('+ANw-'), we decode it",
    "mail035": "From is only a quoted string; Zammad keeps the quotes, we take the address inside",
    "mail053": "From: MAILER-DAEMON has no domain; we give no address rather than a local one",
    "mail064": "Zammad's expected filename is mojibake of the NFD name; ours is the right one",
    "mail071": "From has spaces in an unquoted local part; we do not guess an address",
    "mail076": "From is '\"...\"@example.com>' spam junk; we give no address",
    "mail085": "two text/html siblings in a multipart/mixed: we join them as the body",
    "mail087": "From: 'Test test@example.com' (no brackets) is not guessed; its text part is our body",
    "mail117": "an encoded word in the addr-spec stays literal for us (RFC 2047 forbids decoding it)",
}
ZAMMAD_FILES = sorted((CORPUS / "zammad").glob("*.yml"))
FALLBACK_NAME = re.compile(r"attachment-\d+\.\w+")


def _zammad_param(path: Path) -> object:
    reason = ZAMMAD_EXCEPTIONS.get(path.stem[:7])
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(path, id=path.stem, marks=marks)


def _collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("yml", [_zammad_param(path) for path in ZAMMAD_FILES])
def test_zammad_expectations(yml: Path) -> None:
    expected = yaml.load(yml.read_text(encoding="utf-8"), Loader=_RubyYaml)
    parsed = parse_message(yml.with_suffix(".box").read_bytes())
    if "subject" in expected:
        assert parsed.subject == _collapse(expected["subject"] or "")
    if "from_email" in expected:
        assert parsed.from_address == ((expected["from_email"] or "").lower() or None)
    if "attachments" in expected:
        # Zammad stores the HTML body as "message.html" and invents names for unnamed parts;
        # we invent "attachment-N.ext". So: as many attachments, and our real names are theirs.
        names = [item.get("filename") for item in expected["attachments"] or []]
        names = [name for name in names if name != "message.html"]
        ours = [attachment.filename for attachment in parsed.attachments]
        assert len(ours) == len(names), (ours, names)
        assert {name for name in ours if not FALLBACK_NAME.fullmatch(name)} <= set(names), (ours, names)


def test_zammad_exceptions_stay_few() -> None:
    assert len(ZAMMAD_FILES) == 114
    assert len(ZAMMAD_EXCEPTIONS) <= 11


# ---------------------------------------------------------------- (c) reply stripping


@dataclass(frozen=True)
class ReplyCase:
    name: str
    text: str
    checks: tuple[tuple[str, str], ...]  # (kind, value): equals, contains, not_contains, starts


def _normal(text: str) -> str:
    return " ".join(text.split())


def _check(kind: str, value: str, reply: str) -> bool:
    if kind == "equals":
        return _normal(reply) == _normal(value)
    if kind == "equals_nospace":
        return "".join(reply.split()) == "".join(value.split())
    if kind == "contains":
        return _normal(value) in _normal(reply)
    if kind == "not_contains":
        return _normal(value) not in _normal(reply)
    if kind == "starts":
        return re.search(value, reply.strip()) is not None
    return re.search(value, reply, re.MULTILINE) is None  # "absent": a hidden fragment's pattern


def _without_signature(text: str) -> str:
    """Talon keeps signatures in its expected replies; our contract strips them."""
    text = text.split("\n-- \n")[0]
    return re.sub(r"\n+Sent from my \w+\s*$", "", text)


def _talon_cases() -> list[ReplyCase]:
    root = CORPUS / "talon"
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    cases = []
    for name, reply in expected["standard_replies"].items():
        text = parse_message((root / "standard_replies" / name).read_bytes()).text
        cases.append(ReplyCase(name, text, (("equals", _without_signature(reply)),)))
    html = {f"html_replies/{name}": reply for name, reply in expected["html_replies"].items()}
    html |= {"OLK_SRC_BODY_SECTION.html": "Reply", "reply-separated-by-hr.html": "Hi there"}
    for name, reply in html.items():
        text = html_to_text((root / name).read_text(encoding="utf-8", errors="replace"))
        cases.append(ReplyCase(name, text, (("equals_nospace", reply),)))
    text = parse_message((root / "reply-quotations-share-block.eml").read_bytes()).text
    cases.append(ReplyCase("reply-quotations-share-block.eml", text, (("not_contains", "From"),)))
    return cases


def _discourse_cases() -> list[ReplyCase]:
    """trimmed/X.txt is the expected reply; an empty one means "all quote", where we keep the text."""
    root = CORPUS / "discourse-email-reply-trimmer"
    cases = []
    for path in sorted((root / "emails").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        trimmed = (root / "trimmed" / path.name).read_text(encoding="utf-8")
        cases.append(ReplyCase(path.name, text, (("equals", trimmed if trimmed.strip() else text),)))
    return cases


def _fragment_checks(spec: dict[str, object], text: str) -> list[tuple[str, str]]:
    """Checks on the visible text from EmailReplyParser's fragment expectations.

    Fragment 0 is what we keep; a fragment marked hidden must be gone. Markers shorter than
    four characters ("--", "On", ">") are not distinctive enough to check.
    """
    hidden = spec.get("hidden") or []
    checks: list[tuple[str, str]] = []
    if spec.get("count") == 1:
        checks.append(("equals", text))
    if "fragment_0" in spec and hidden and all(hidden[1:]):
        checks.append(("equals", str(spec["fragment_0"])))
    if "fragment_0_contains" in spec:
        checks.append(("contains", str(spec["fragment_0_contains"])))
    if "fragment_0_not_contains" in spec:
        checks.append(("not_contains", str(spec["fragment_0_not_contains"])))
    for kind, items in (("regex", spec.get("regex", {})), ("starts_with", spec.get("starts_with", {}))):
        for key, value in dict(items).items():
            pattern = value if kind == "regex" else re.escape(value)
            if int(key) == 0:
                checks.append(("starts", pattern))
            elif len(hidden) > int(key) and hidden[int(key)]:
                checks.append(("absent", pattern))
    for key, value in dict(spec.get("contains", {})).items():
        if len(value) >= 4 and (int(key) == 0 or len(hidden) > int(key)):
            checks.append(("not_contains" if int(key) and hidden[int(key)] else "contains", value))
    return checks


def _willdurand_cases() -> list[ReplyCase]:
    """Skipped: the four needs_custom_regex files (upstream itself needs extra patterns) and
    the From-header template, whose visible text is empty (we never return empty)."""
    root = CORPUS / "willdurand-email-reply-parser"
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    read = lambda name: (root / name).read_text(encoding="utf-8")  # noqa: E731
    cases = [
        ReplyCase(item.split()[0], read(item.split()[0]), (("equals", expected["COMMON_FIRST_FRAGMENT"]),))
        for item in expected["first_fragment_trimmed_equals_COMMON"]
    ]
    for name, reply in expected["parse_reply_equals"].items():
        cases.append(ReplyCase(name, read(name), (("equals", reply),)))
    template = expected["templated"]["email_with_date_headers.txt"]
    for number, header in enumerate(template["values"]):
        text = read("email_with_date_headers.txt").replace(template["placeholder"], header)
        cases.append(ReplyCase(f"date_header_{number}", text, (("equals", template["expected_visible_text"]),)))
    for name, spec in expected["fragments"].items():
        if checks := _fragment_checks(spec, read(name)):
            cases.append(ReplyCase(name, read(name), tuple(checks)))
    return cases


def _zapier_cases() -> list[ReplyCase]:
    root = CORPUS / "email-reply-parser"
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    checks: dict[str, list[tuple[str, str]]] = {}
    for name, reply in expected["parse_reply_equals"].items():
        checks.setdefault(name, []).append(("equals", reply))
    for kind in ("reply_contains", "reply_not_contains"):
        for name, values in expected[kind].items():
            checks.setdefault(name, []).extend((kind.removeprefix("reply_"), value) for value in values)
    for name, spec in expected["fragments"].items():
        checks.setdefault(name, []).extend(_fragment_checks(spec, (root / name).read_text(encoding="utf-8")))
    read = lambda name: (root / name).read_text(encoding="utf-8")  # noqa: E731
    return [ReplyCase(name, read(name), tuple(found)) for name, found in checks.items() if found]


# source: (cases, floor). Floors sit a little below the measured figures in the docstring.
REPLY_SOURCES: dict[str, tuple[Callable[[], list[ReplyCase]], int]] = {
    "talon": (_talon_cases, 22),
    "discourse-email-reply-trimmer": (_discourse_cases, 60),
    "willdurand": (_willdurand_cases, 50),
    "zapier": (_zapier_cases, 15),
}


def _agrees(case: ReplyCase) -> bool:
    reply = strip_reply(case.text)
    return all(_check(kind, value, reply) for kind, value in case.checks)


@pytest.mark.parametrize("source", REPLY_SOURCES)
def test_reply_stripping_agrees_with_upstream(source: str) -> None:
    make_cases, floor = REPLY_SOURCES[source]
    cases = make_cases()
    failed = [case.name for case in cases if not _agrees(case)]
    passed = len(cases) - len(failed)
    print(f"reply stripping, {source}: {passed}/{len(cases)}; differing: {failed}")
    assert passed >= floor, f"{source}: {passed}/{len(cases)} agree, floor {floor}; differing: {failed}"


def test_pathological_reply_is_fast() -> None:
    text = (CORPUS / "email-reply-parser" / "pathological.txt").read_text(encoding="utf-8")
    started = time.monotonic()
    strip_reply(text)
    assert time.monotonic() - started < 1
