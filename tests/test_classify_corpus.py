"""classify() against other projects' expectations, in ../shared/corpus (POSTDESK_CORPUS).

Agreement measured when this file was written (floors asserted a little below):

sisimai-bounces (589 files in bsd/, 5 of them rfc3834 vacations, + 2 in not/)
  bounce detection ........................ 574/584 = 98.3%  (floor 96%)
  vacations -> auto_reply, not/ -> normal ... 7/7 (strict)
  permanent == any expected 5.x.x status .... 543/557 = 97.5%  (floor 95%)
  sisimai hardbounce => permanent ........... 178/180 = 98.9%  (floor 96%)
    (sisimai's hardbounce is per *reason*: a 5.2.2 mailbox-full is "soft" there,
    permanent here; the two agree on only 250/557 files, which is expected.)
  recipient count == expected failures ...... 544/557 = 97.7%  (floor 95%)
  dos/ CRLF copies: same verdict as bsd/ .... 64/64 (strict)
perl-bounceparser (127 with expectations)
  is_bounce agreement ....................... 120/127 = 94.5%  (floor 92%)
  vacations/auto-replies are not bounces .... strict
  bounced addresses == expected ............. 38/39            (floor 36)
autoreply-header-cases: 29/31; the 2 disagreements are asserted as such below.
discourse-subset 8/8, chatwoot-subset 1/1 (strict).

Accepted disagreements, and why:
- sisimai lhost-sendmail-14: a *person* forwarding a bounce ("Fwd: Returned
  mail") to us. For a helpdesk that is a ticket ("my mail bounced, help"),
  so it is normal here on purpose.
- sisimai lhost-amazonses-09..13: Amazon SNS JSON notifications (bounce,
  complaint, delivery) sent to an e-mail endpoint: an API payload, not an MTA
  notice. 09/10 still come out as bounces (no-reply sender plus "user
  unknown" in the JSON), 11-13 are normal.
- sisimai arf-26: Apple Mail's one-click unsubscribe ("Auto-Submitted:
  auto-replied", X-Apple-Unsubscribe): sisimai files it as feedback, it is
  an auto-reply here. Neither opens a ticket.
- sisimai lhost-fml-02/03: a mailing-list manager's "you are not a member" and
  "loop alert" mails: list mail here, not delivery failures.
- sisimai lhost-kddi-01: a Japanese carrier's notice from no-reply@ with no
  null sender and no MTA header: a no-reply sender alone is not trusted as a
  bounce signal, so that monitoring alerts from no-reply@ stay tickets.
- perl-bounceparser boxbe-cr, boxbe-cr2, whitelist: challenge/response
  systems that answer with a genuine RFC 3464 report (Action: failed). Our
  mail was not delivered, so we file a (transient or permanent) bounce.
- perl-bounceparser warning-8: a "Delayed Mail (still being retried)" DSN. We
  file transient failures as bounces with permanent_bounce=False.
- perl-bounceparser spam-with-image, spam-bogus-email-in-report,
  spam-lots-of-bogus-addresses: spam that reached the upstream's bounce
  address, which it counts as a bounce; spam is not a bounce here.
- perl-bounceparser sendmail-host-unknown: the expected address
  "recipient@#example.net" is no valid address, so we name none.
- autoreply-header-cases, Zammad "Message-ID: <1234@OWN-FQDN>": a Message-ID
  in our mail domain alone is not our mail (the mail domain may be the
  company's own, whose servers mint such IDs); it is a loop only with an
  X-Postdesk-* header.
- autoreply-header-cases, osTicket "Return-Path: <>" alone: RFC 3834 asks
  vacation responders to send with a null sender too, so it is no bounce on
  its own (sisimai rfc3834-02/04/05 are such vacations).
"""

from __future__ import annotations

import email
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from functools import cache
from pathlib import Path

import pytest

from mailgateway.classify import ClassifyContext, MailKind, Verdict, classify

from tests.corpus import CORPUS, require_corpus_for_module

require_corpus_for_module()

CONTEXT = ClassifyContext(
    mail_domain="helpdesk.example.com",
    support_addresses=frozenset({"support@helpdesk.example.com"}),
    instance_id="helpdesk.example.com",
)
SISIMAI = CORPUS / "sisimai-bounces"
PERL = CORPUS / "perl-bounceparser"


def load(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


@cache
def verdict_of(path: Path) -> Verdict:
    return classify(load(path), CONTEXT)


def rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


# -- sisimai -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SisimaiCase:
    name: str
    entries: tuple[dict[str, object], ...]

    @property
    def vacation(self) -> bool:
        return all(e["reason"] == "vacation" for e in self.entries)

    @property
    def failures(self) -> tuple[dict[str, object], ...]:
        return tuple(e for e in self.entries if str(e["status"])[:1] in ("4", "5"))


@cache
def sisimai_cases() -> tuple[SisimaiCase, ...]:
    expected = json.loads((SISIMAI / "expected.json").read_text())
    return tuple(SisimaiCase(name, tuple(entries)) for name, entries in sorted(expected.items()))


def test_sisimai_bounces_are_bounces() -> None:
    cases = [c for c in sisimai_cases() if not c.vacation]
    missed = [c.name for c in cases if verdict_of(SISIMAI / "bsd" / c.name).kind is not MailKind.BOUNCE]
    assert rate(len(cases) - len(missed), len(cases)) >= 0.96, missed


def test_sisimai_vacations_and_negative_controls_are_not_bounces() -> None:
    vacations = [SISIMAI / "bsd" / c.name for c in sisimai_cases() if c.vacation]
    assert len(vacations) == 5
    assert {p.name: verdict_of(p).kind for p in vacations} == {p.name: MailKind.AUTO_REPLY for p in vacations}
    controls = sorted((SISIMAI / "not").iterdir())
    assert {p.name: verdict_of(p).kind for p in controls} == {p.name: MailKind.NORMAL for p in controls}


def _sisimai_failures() -> Iterator[tuple[SisimaiCase, Verdict]]:
    for case in sisimai_cases():
        verdict = verdict_of(SISIMAI / "bsd" / case.name)
        if case.failures and verdict.kind is MailKind.BOUNCE:
            yield case, verdict


def test_sisimai_permanent_matches_the_status_class() -> None:
    results = [
        (case.name, any(str(e["status"]).startswith("5") for e in case.failures), verdict.permanent_bounce)
        for case, verdict in _sisimai_failures()
    ]
    wrong = [r for r in results if r[1] != r[2]]
    assert rate(len(results) - len(wrong), len(results)) >= 0.95, wrong


def test_sisimai_hard_bounces_are_permanent() -> None:
    hard = [(c.name, verdict) for c, verdict in _sisimai_failures() if any(e["hardbounce"] for e in c.failures)]
    soft = [name for name, verdict in hard if not verdict.permanent_bounce]
    assert rate(len(hard) - len(soft), len(hard)) >= 0.96, soft


def test_sisimai_recipient_counts() -> None:
    results = [(c.name, len(c.failures), v.bounced_recipients) for c, v in _sisimai_failures()]
    wrong = [r for r in results if r[1] != len(r[2])]
    assert rate(len(results) - len(wrong), len(results)) >= 0.95, wrong


def test_sisimai_crlf_copies_classify_like_the_lf_originals() -> None:
    for path in sorted((SISIMAI / "dos").iterdir()):
        verdict = verdict_of(path)
        original = SISIMAI / "bsd" / path.name
        if original.exists():
            assert verdict == verdict_of(original), path.name
        else:
            assert verdict.kind is MailKind.BOUNCE, path.name


# -- perl Mail::DeliveryStatus::BounceParser -----------------------------------------------------


@cache
def perl_expected() -> dict[str, dict[str, object]]:
    return json.loads((PERL / "expected.json").read_text())


def test_perl_bounceparser_is_bounce_agreement() -> None:
    results = {
        name: (bool(e.get("is_bounce", True)), verdict_of(PERL / name).kind is MailKind.BOUNCE)
        for name, e in perl_expected().items()
    }
    wrong = sorted(name for name, (want, got) in results.items() if want != got)
    assert rate(len(results) - len(wrong), len(results)) >= 0.92, wrong


@pytest.mark.parametrize("name", ["aol-vacation.msg", "autoreply.msg", "polish-autoreply.msg", "warning-6.msg"])
def test_perl_bounceparser_auto_replies_are_not_bounces(name: str) -> None:
    assert verdict_of(PERL / name).kind is MailKind.AUTO_REPLY


def test_perl_bounceparser_addresses() -> None:
    expected = {
        name: {str(a).lower() for a in e["addresses"]}  # type: ignore[attr-defined]
        for name, e in perl_expected().items()
        if e.get("addresses") and e.get("is_bounce", True)
    }
    found = {name: set(verdict_of(PERL / name).bounced_recipients) for name in expected}
    wrong = {name: found[name] for name in expected if found[name] != expected[name]}
    assert len(expected) - len(wrong) >= 36, wrong


# -- header cases (Zammad, osTicket) -------------------------------------------------------------


def with_headers(lines: list[str], subject: str = "Some subject") -> EmailMessage:
    """The cases' minimal message: the given header lines replace the defaults of the same name."""
    given = {line.split(":", 1)[0].strip().lower() for line in lines}
    defaults = {
        "From": "me@example.com",
        "To": "customer@example.com",
        "Subject": subject,
        "Message-ID": "<case-1@example.com>",
    }
    head = [f"{k}: {v}" for k, v in defaults.items() if k.lower() not in given] + lines
    return email.message_from_bytes(("\n".join(head) + "\n\nSome Text\n").encode(), policy=policy.default)


@cache
def header_cases() -> dict[str, dict[str, object]]:
    return json.loads((CORPUS / "autoreply-header-cases" / "cases.json").read_text())


def _zammad_ooo() -> list[dict[str, object]]:
    return header_cases()["zammad_out_of_office_check"]["cases"]  # type: ignore[index,return-value]


def _zammad_auto() -> list[dict[str, object]]:
    return header_cases()["zammad_auto_response_check_rules"]["cases"]  # type: ignore[index,return-value]


OWN_FQDN = ClassifyContext("own-fqdn", frozenset({"support@own-fqdn"}), "own-fqdn")


@pytest.mark.parametrize("case", range(7))
def test_zammad_out_of_office(case: int) -> None:
    c = _zammad_ooo()[case]
    verdict = classify(with_headers(list(c["headers"]), str(c["subject"])), CONTEXT)  # type: ignore[call-overload]
    assert (verdict.kind is MailKind.AUTO_REPLY) == c["expected_out_of_office"], c["name"]


@pytest.mark.parametrize("case", range(11))
def test_zammad_auto_response_means_no_auto_answer(case: int) -> None:
    c = _zammad_auto()[case]
    headers: list[str] = list(c["headers"])  # type: ignore[call-overload]
    verdict = classify(with_headers(headers), OWN_FQDN)
    if headers == ["Message-ID: <1234@OWN-FQDN>"]:
        # Accepted disagreement: our Message-ID domain alone is not our mail...
        assert verdict.suppress_auto_answer is False
        # ...it is with one of our headers.
        ours = classify(with_headers([*headers, "X-Postdesk-Ticket: 1"]), OWN_FQDN)
        assert ours.kind is MailKind.LOOP
        return
    assert verdict.suppress_auto_answer == c["expected_is_auto_response"], headers


def test_osticket_bounce_headers_each_alone() -> None:
    lines: list[str] = header_cases()["osticket_header_lists"]["bounce_headers"]  # type: ignore[index]
    kinds = {line: classify(with_headers([line]), CONTEXT).kind for line in lines}
    # Accepted disagreement: a null sender alone is also how vacation responders send (RFC 3834).
    assert kinds.pop("Return-Path: <>") is MailKind.NORMAL
    assert kinds == {line: MailKind.BOUNCE for line in kinds}


def test_osticket_auto_reply_headers_each_alone() -> None:
    lines: list[str] = header_cases()["osticket_header_lists"]["auto_reply_headers"]  # type: ignore[index]
    kinds = {line: classify(with_headers([line]), CONTEXT).kind for line in lines}
    assert kinds == {line: MailKind.AUTO_REPLY for line in lines}


# -- Discourse and Chatwoot fixtures -------------------------------------------------------------

INTENDED = {
    "auto-reply": (MailKind.AUTO_REPLY, True),
    "auto-generated": (MailKind.AUTO_REPLY, True),
    "mailing-list": (MailKind.NORMAL, True),
    "bounce/DSN": (MailKind.BOUNCE, True),
    "bounce/DSN (VERP)": (MailKind.BOUNCE, True),
    "bounce/DSN + malformed": (MailKind.BOUNCE, True),
}


def _fixtures(source: str) -> list[tuple[str, str]]:
    expected = json.loads((CORPUS / source / "expected.json").read_text())
    return [(name, e["category"]) for name, e in sorted(expected.items()) if not name.startswith("_")]


@pytest.mark.parametrize(
    ("source", "name", "category"),
    [(s, n, c) for s in ("discourse-subset", "chatwoot-subset") for n, c in _fixtures(s)]
    if (CORPUS / "discourse-subset").is_dir()
    else [],
)
def test_discourse_and_chatwoot_intent(source: str, name: str, category: str) -> None:
    verdict = verdict_of(CORPUS / source / name)
    assert (verdict.kind, verdict.suppress_auto_answer) == INTENDED[category]


def test_bounce_fixtures_name_the_bounced_address() -> None:
    assert verdict_of(CORPUS / "discourse-subset" / "bounced_email.eml").bounced_recipients == (
        "linux-admin@b-s-c.co.jp",
    )
    chatwoot = verdict_of(CORPUS / "chatwoot-subset" / "bounced_with_no_from.eml")
    assert (chatwoot.bounced_recipients, chatwoot.permanent_bounce) == (("noreply@example-service.com",), True)


# -- every message in the corpus -----------------------------------------------------------------

NOT_MAIL = {".json", ".yml", ".md", ".tsv", ".html", ".png", ".wav", ".py", ".pdf", ".bz2", ".gif", ".jpg"}


def _message_files() -> Iterator[Path]:
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix.lower() not in NOT_MAIL and "_tools" not in path.parts:
            yield path


def test_no_rule_fails_on_any_corpus_file(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="mailgateway.classify")
    count = 0
    for path in _message_files():
        assert isinstance(verdict_of(path).kind, MailKind)
        count += 1
    assert count > 1000
    assert not [r for r in caplog.records if r.name == "mailgateway.classify"], caplog.text
