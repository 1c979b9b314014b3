"""Every message of the shared corpus goes through the whole pipeline (`ingest`) on both
databases: no exception, no quarantine, and an outcome that fits what the message is."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from core.models import InboundSource, Outcome
from core.runtime import Runtime
from core.tickets import get_ticket
from mailgateway.intake import Gateway
from tests.corpus import CORPUS, message_files, require_corpus, source_folders
from tests.mail_fixtures import deliver

NOT_MAIL = {
    "rt/emails/lorem-ipsum": "plain lorem ipsum text, no header",
    "ruby-mail-gem/attachments/てすと.txt": "an attachment payload",
    "spamscope-mail-parser/mail_outlook_1": "an Outlook .msg (CFB binary), not RFC 822",
}


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@pytest.mark.slow
@pytest.mark.parametrize("folder", source_folders() or ["(corpus missing)"])
def test_every_corpus_message_ingests(folder: str, gateway: Gateway, runtime: Runtime) -> None:
    require_corpus()
    outcomes: Counter[str] = Counter()
    for path in message_files(folder):
        result = deliver(gateway, path.read_bytes(), InboundSource.PIPE)
        name = _name(path)
        assert result.outcome is not Outcome.QUARANTINED, f"{name}: {result.reason}"
        if name in NOT_MAIL:
            assert result.outcome is Outcome.REJECTED, name
        outcomes[result.outcome.value] += 1
    assert sum(outcomes.values()) == len(message_files(folder))
    if folder == "sisimai-bounces":
        # dos/ holds CRLF copies of bsd/ with the same Message-IDs: those are duplicates.
        not_tickets = outcomes["bounce"] + outcomes["duplicate"] + outcomes["auto_reply_ignored"]
        assert not_tickets >= 0.95 * sum(outcomes.values()), outcomes


class _RubyLoader(yaml.SafeLoader):
    """Zammad's expectations are Ruby-tagged YAML; read the tags as plain mappings."""


_RubyLoader.add_multi_constructor("!ruby/", lambda loader, _suffix, node: loader.construct_mapping(node, deep=True))
_RubyLoader.add_constructor("!binary", lambda loader, node: loader.construct_scalar(node))


def _zammad_cases() -> list[Path]:
    return sorted((CORPUS / "zammad").glob("*.box")) if CORPUS.is_dir() else []


ZAMMAD_HTML_BODY = "message.html"
"""Zammad lists the HTML alternative of a mail as an attachment of this name; we keep it as the body."""


def _zammad_address(value: str) -> str:
    """Zammad keeps a quoted local part's quotes ("a@b"@c); compare the bare address."""
    return value.replace('"', "").strip().lower()


@pytest.mark.slow
def test_zammad_tickets_have_the_expected_title_requester_and_attachments(gateway: Gateway, runtime: Runtime) -> None:
    """Compared on the tickets the pipeline opened (bounces and auto-replies open none)."""
    require_corpus()
    checked = 0
    mismatches: dict[str, list[str]] = {"requester": [], "title": [], "attachments": []}
    for box in _zammad_cases():
        expected = yaml.load(box.with_suffix(".yml").read_text(encoding="utf-8"), Loader=_RubyLoader)
        result = deliver(gateway, box.read_bytes())
        if result.outcome is not Outcome.TICKET_CREATED:
            continue
        checked += 1
        with runtime.sessions() as session:
            ticket = get_ticket(session, result.ticket)
            sender = expected.get("from_email") or ""
            if "@" in sender and ticket.requester.email != _zammad_address(sender):
                mismatches["requester"].append(f"{box.name}: {ticket.requester.email} != {sender}")
            subject = " ".join((expected.get("subject") or "").split())
            if subject and ticket.title != subject[:500]:
                mismatches["title"].append(f"{box.name}: {ticket.title!r} != {subject!r}")
            wanted = [a for a in expected.get("attachments") or [] if a.get("filename") != ZAMMAD_HTML_BODY]
            if "attachments" in expected and len(ticket.messages[0].attachments) != len(wanted):
                mismatches["attachments"].append(box.name)
    assert checked >= 70
    assert len(mismatches["requester"]) <= 2, mismatches["requester"]
    assert len(mismatches["title"]) <= 3, mismatches["title"]
    assert len(mismatches["attachments"]) <= 0.1 * checked, mismatches["attachments"]


def test_corpus_index_is_what_we_read() -> None:
    require_corpus()
    manifest = (CORPUS / "MANIFEST.tsv").read_text().splitlines()
    assert len(message_files()) >= 1200, "the corpus lost most of its messages"
    assert len(manifest) > len(message_files())
    assert json.loads((CORPUS / "sisimai-bounces" / "expected.json").read_text())
