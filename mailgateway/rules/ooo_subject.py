"""Out-of-office and auto-reply subjects, for responders that set no header.

The phrase must *open* the subject (optionally in brackets) and be followed by
a colon, a bracket, a dash or the end: "Automatic reply: Printer",
"[Automatyczna odpowiedź] test", "AUTO: Smith is out of the office", or stand
in brackets anywhere: "Re: blah (Automatic Response)". So a person's
"Re: out of office equipment order" (a reply prefix first) and "Out of office
not working" (no delimiter after the phrase) are not auto-replies. The price:
an employee whose whole subject is "Out of office" or "Out of office: help"
is taken for a responder; real responders nearly always send a header too.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import TYPE_CHECKING

from mailgateway.rules import MailKind
from mailgateway.rules._headers import header

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext

PHRASES = (
    # English
    r"out of (?:the )?office(?: auto-?reply| reply| notice| message)?",
    r"auto(?:matic|mated)?[ -]?(?:reply|response|responder|answer)",
    r"auto(?:matically)?[ -]?generated",
    r"auto(?=\s*:)",  # Lotus Notes: "AUTO: Smith, John is out of the office"
    r"away from (?:the )?office",
    r"on vacation",
    r"vacation (?:auto-?reply|reply|notice|message)",
    # German
    r"abwesenheits(?:notiz|meldung|nachricht|benachrichtigung)",
    r"automatische (?:antwort|abwesenheitsnachricht)",
    r"abwesend",
    # French
    r"r[ée]ponse automatique",
    r"(?:message|notification|avis) d['’]absence",
    r"absence",
    r"absente? du bureau",
    # Spanish, Portuguese, Italian
    r"respuesta autom[aá]tica",
    r"fuera de (?:la )?oficina",
    r"resposta autom[aá]tica",
    r"fora do escrit[oó]rio",
    r"risposta automatica",
    r"fuori (?:sede|ufficio)",
    # Dutch
    r"afwezig(?:heidsbericht)?",
    r"automatisch (?:antwoord|bericht)",
    # Polish, Czech, Nordic, Finnish, Russian
    r"automatyczna odpowied[zź]",
    r"automatick[aá] odpov[eě]d[ď]?",
    r"autosvar",
    r"automatisk svar",
    r"fr[åa]nvaro(?:meddelande)?",
    r"frav[æa]r",
    r"automaattinen vastaus",
    r"автоответ(?:чик)?",
    r"автоматический ответ",
    # Japanese, Chinese
    r"自動応答",
    r"自動返信",
    r"不在(?:通知|のお知らせ)",
    r"自动回复",
    r"自動回覆",
)
_ANY = "(?:" + "|".join(PHRASES) + ")"
AT_START = re.compile(rf"^[\[(【]?\s*{_ANY}\s*(?:[\]):：】\-–—]|$)", re.IGNORECASE)
BRACKETED = re.compile(rf"[\[(【]\s*{_ANY}\s*[\])】]", re.IGNORECASE)


class OutOfOfficeSubject:
    name = "ooo_subject"
    description = "The subject opens with an out-of-office or auto-reply phrase (many languages)."
    kind = MailKind.AUTO_REPLY

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        subject = " ".join(header(message, "Subject").split())
        if subject and (AT_START.search(subject) or BRACKETED.search(subject)):
            return f"auto-reply subject: {subject[:80]}"
        return None
