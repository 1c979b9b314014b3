"""ooo_subject: out-of-office subjects in many languages, at the start of the subject.

The near-miss a person writes, "Re: out of office equipment order", is not an
auto-reply: the phrase must open the subject (no "Re:" before it) and be
followed by a colon, bracket, dash or the end, or stand in brackets.
"""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest

from mailgateway.classify import ClassifyContext
from mailgateway.rules.ooo_subject import OutOfOfficeSubject

CONTEXT = ClassifyContext("helpdesk.example.com", frozenset({"support@helpdesk.example.com"}), "helpdesk.example.com")
RULE = OutOfOfficeSubject()


def with_subject(subject: str) -> EmailMessage:
    raw = f"From: Kijitora <kijitora@example.org>\nTo: support@helpdesk.example.com\nSubject: {subject}\n\nbody\n"
    return email.message_from_bytes(raw.encode(), policy=policy.default)


@pytest.mark.parametrize(
    ("subject", "decoded"),
    [
        ("Out of Office: [#42] Printer", "Out of Office: [#42] Printer"),
        ("Out of Office AutoReply: VPN", "Out of Office AutoReply: VPN"),
        ("Automatic reply: Nyaan", "Automatic reply: Nyaan"),
        ("Auto reply: Nyaan", "Auto reply: Nyaan"),
        ("Autoreply", "Autoreply"),
        ("AUTO: Smith, John is out of the office. (returning 05/01/2010)", None),
        ("Re:   blah blah blah (Automatic Response)", "Re: blah blah blah (Automatic Response)"),
        ("[AUTO GENERATED] Some subject", None),
        ("Abwesenheitsnotiz: Drucker", None),
        ("=?utf-8?q?Automatische_Antwort=3A_Drucker?=", "Automatische Antwort: Drucker"),
        ("=?utf-8?q?R=C3=A9ponse_automatique_=3A_Imprimante?=", "Réponse automatique : Imprimante"),
        ("Absence : Imprimante", None),
        ("=?utf-8?q?Respuesta_autom=C3=A1tica=3A_Impresora?=", "Respuesta automática: Impresora"),
        ("Afwezig: printer", None),
        ("Automatisch antwoord: printer", None),
        ("Risposta automatica: stampante", None),
        ("=?utf-8?q?=5BAutomatyczna_odpowied=C5=BA=5D_test?=", "[Automatyczna odpowiedź] test"),
        ("=?utf-8?b?6Ieq5YuV5b+c562UOiDjg5fjg6rjg7Pjgr/jg7w=?=", "自動応答: プリンター"),
    ],
)
def test_out_of_office_subjects(subject: str, decoded: str | None) -> None:
    assert RULE.check(with_subject(subject), CONTEXT) == f"auto-reply subject: {decoded or subject}"


@pytest.mark.parametrize(
    "subject",
    [
        "Re: out of office equipment order",  # a person's reply: the phrase does not open the subject
        "Out of office equipment order",  # no delimiter after the phrase
        "Out of office not working in Outlook",  # a ticket about the out-of-office feature
        "AW: Automatische Antwort: Drucker",  # a person answering an auto-reply
        "Absences in the team calendar are not shown",
        "Autoreplies from my mailbox keep going out",
        "Printer on floor 3",
        "",
    ],
)
def test_person_subjects_are_not_auto_replies(subject: str) -> None:
    assert RULE.check(with_subject(subject), CONTEXT) is None
