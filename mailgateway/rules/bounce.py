"""Bounces: delivery status notifications, MTA failure notices, ARF complaints.

Evidence, strongest first:

1. An RFC 5965 ARF report (``report-type=feedback-report``), or Hotmail's
   older "complaint about message from" with the message enclosed: a
   *complaint*. It is filed as a bounce with "complaint" in the reason, and is
   never permanent.
2. RFC 3464 structure: ``multipart/report; report-type=delivery-status`` or a
   ``message/delivery-status`` part. The per-recipient blocks give the failed
   addresses (Original-Recipient preferred to Final-Recipient) and statuses;
   broken reports are read again from their text. A report with no failure in
   it (``Action: delivered``) is a bounce-kind report with no recipient: it is
   machine mail, never a ticket.
3. The non-standard formats (qmail, Exim, Notes, old Exchange...) by their
   sender. One *strong* signal suffices: MAILER-DAEMON in From or Return-Path,
   an ``X-Failed-Recipients`` header, or a subject that is exactly an MTA's
   ("Undelivered Mail Returned to Sender"). Otherwise it takes a *machine*
   signal (null ``Return-Path: <>``, a postmaster From, Auto-Submitted)
   together with a *content* signal (a delivery-failure subject, a failure
   phrase in the notice, a hit by ``flufl.bounce``). A null sender alone is no
   bounce (RFC 3834 asks vacation responders to use one). A person's
   "Fwd: Returned mail" or "Mail delivery problem" has no machine signal, and
   is a ticket ("my mail bounced, help"); so is a monitoring alert from
   no-reply@ saying "mailbox full". The cost: a person writing as postmaster@
   about "user unknown" errors is taken for a bounce.

Failed recipients of a non-standard notice come from DSN-style fields in its
text, else ``flufl.bounce.all_failures`` (and ``X-Failed-Recipients``), else
the addresses the notice itself names. Only the notice's own parts are read,
never an enclosed ``message/rfc822``, and the notice's text only up to where
the returned message starts. ``permanent``: any failed recipient with a
5.x.x (or 5xx) status, or a failure that gives none; 4.x.x only is transient.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses
from typing import TYPE_CHECKING

from flufl.bounce import all_failures

from mailgateway.rules import MailKind
from mailgateway.rules._headers import address, first_token, header, headers

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext

log = logging.getLogger(__name__)

ENCLOSED = frozenset({"message/rfc822", "message/global", "text/rfc822-headers", "message/partial"})
DSN_PARTS = frozenset({"message/delivery-status", "message/global-delivery-status"})
STATUS = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
SMTP_REPLY = re.compile(r"(?<![\w.])([245])[0-5]\d(?=[ -]+\S)")
ADDRESS = re.compile(r"^[^\s@<>()\[\]\"',;:\\]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")
TOKEN_SEPARATORS = re.compile(r"[\s<>()\[\],;:\"'`]+")
HEADER_LIKE = re.compile(r"\s*(?:message-id|in-reply-to|references|from|sender|mail from|reporting-mta)\b", re.I)
DAEMON = re.compile(r"^(?:mailer[-_. ]?daemon|mail[-_. ]?daemon)$", re.IGNORECASE)
POSTMASTER = re.compile(
    r"^(?:post[-_]?master|mail delivery (?:system|subsystem)|mail system|system administrator)$", re.IGNORECASE
)
MTA_SUBJECT = re.compile(
    r"^(?:undelivered mail returned to sender|delivery status notification \((?:failure|delay)\)"
    r"|mail delivery failed(?:: returning message to sender)?|failure notice"
    r"|returned mail: see transcript for details|undeliverable mail|delivery failure)$",
    re.IGNORECASE,
)
FAILURE_SUBJECT = re.compile(
    r"^\W*(?:undeliver|non[- ]?deliver|returned mail|mail delivery|delivery (?:status|failure|notification|report"
    r"|problem|has failed)|failure notice|failure delivery|failed delivery|could not be delivered"
    r"|message delivery has failed|mail (?:system error|failure|could not be delivered)|delayed mail"
    r"|warning: (?:could not send|message)|permanent delivery failure"
    r"|メッセージを配信できません|メールエラー通知"  # Japanese: cannot deliver the message; mail error notice
    r"|ваше сообщение не доставлено)",  # Russian: your message was not delivered
    re.IGNORECASE,
)
FAILURE_TEXT = re.compile(
    r"could not be delivered to|unable to deliver (?:your|the|this) (?:message|mail)|delivery has failed"
    r"|(?:message|mail) (?:could not|was not|wasn't) (?:be )?delivered|error (?:delivering|transferring)"
    r"|no such user|user unknown|invalid (?:user|recipient) address|mailbox (?:is )?(?:full|unavailable)"
    r"|recipient address rejected|permanent (?:fatal )?error|delivery to the following recipient"
    r"|not a valid (?:user|recipient|mailbox|address)",
    re.IGNORECASE,
)
DELAY_SUBJECT = re.compile(r"delay|warning|still being retried|will retry", re.IGNORECASE)
ROLE = re.compile(r"^(?:post[-_]?master|mailer[-_]?daemon|abuse|hostmaster|no[-_]?reply)$", re.IGNORECASE)
JMRP_SUBJECT = re.compile(r"^complaint about message from ", re.IGNORECASE)
# Where a plain-text notice starts quoting the returned message (matched on a line's head).
RETURNED = re.compile(
    r"[ \t]*-{2,}.*(?:original|returned|unsent|copy of|message follows|headers follow|undelivered message)"
    r"|.*(?:message headers follow|this is a copy of the message|below this line is a copy)"
    r"|(?:Received|Return-Path|DKIM-Signature):",
    re.IGNORECASE,
)
LINE_HEAD = 200  # regexes look at most this far into one line, so no input makes them slow
FIELD = re.compile(r"^([A-Za-z][\w-]*):[ \t]*(.*)$")
SUCCESS = ("deliver", "relay", "expand")


class BounceReason(str):
    """A reason that also carries the failed recipients; classify() copies them into the Verdict."""

    recipients: tuple[str, ...]
    permanent: bool

    def __new__(cls, text: str, recipients: tuple[str, ...] = (), permanent: bool = False) -> BounceReason:
        self = super().__new__(cls, text)
        self.recipients = recipients
        self.permanent = permanent
        return self



def own_parts(message: Message) -> Iterator[Message]:
    """Every part of the message, depth first, without descending into an enclosed message."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        if part is not message and _content_type(part) in ENCLOSED:
            continue
        try:
            payload = part.get_payload() if part.is_multipart() else None
        except Exception:  # noqa: BLE001
            payload = None
        if isinstance(payload, list):
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _text(part: Message) -> str:
    try:
        if part.get_content_maintype() == "multipart":  # boundary never came: the body is one string
            payload = part.get_payload()
            return payload if isinstance(payload, str) else ""
        content = part.get_content()
        return content if isinstance(content, str) else ""
    except Exception:  # noqa: BLE001 - unknown charset, broken transfer encoding
        try:
            raw = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            return ""
        return raw.decode("latin-1") if isinstance(raw, bytes) else ""


def notice_text(message: Message) -> str:
    """The notice's own words: its text parts, cut where the returned message starts."""
    chunks = []
    for part in own_parts(message):
        ctype = _content_type(part)
        if ctype == "text/plain" or ctype.startswith("multipart/") or ctype in DSN_PARTS:
            chunks.append(_cut_returned(_text(part)[:50_000]))
    return "\n\n".join(c for c in chunks if c.strip())


def _cut_returned(text: str) -> str:
    offset = 0
    for line in text.splitlines(keepends=True):
        if RETURNED.match(line[:LINE_HEAD]):
            return text[:offset]
        offset += len(line)
    return text


def _clean(value: str) -> str:
    """'rfc822; <a@B.example>' -> 'a@b.example', or '' if that is no address."""
    addr = value.split(";", 1)[-1].strip().strip("<>").strip().lower()
    return addr if ADDRESS.match(addr) else ""


def _dedupe(addresses: list[str] | tuple[str, ...], exclude: frozenset[str] = frozenset()) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a for a in addresses if a and a not in exclude))



def _blocks_from_parts(message: Message) -> tuple[bool, list[dict[str, str]]]:
    """(found a delivery-status part, its field blocks)."""
    found, blocks = False, []
    for part in own_parts(message):
        if _content_type(part) not in DSN_PARTS:
            continue
        found = True
        try:
            payload = part.get_payload() if part.is_multipart() else []
        except Exception:  # noqa: BLE001
            payload = []
        for block in payload if isinstance(payload, list) else []:
            names = ("Original-Recipient", "Final-Recipient", "Action", "Status", "Diagnostic-Code")
            blocks.append({n.lower(): header(block, n) for n in names})
    return found, blocks


def _blocks_from_text(text: str) -> list[dict[str, str]]:
    """DSN fields written out in a text ("Final-Recipient: rfc822; a@b" ...), one dict per block."""
    blocks: list[dict[str, str]] = [{}]
    last = ""
    for line in text.splitlines():
        if not line.strip():
            blocks.append({})
            last = ""
            continue
        if line[:1] in " \t" and last:
            blocks[-1][last] = blocks[-1].get(last, "") + " " + line.strip()
            continue
        match = FIELD.match(line.strip()[:LINE_HEAD])
        if match is None:
            last = ""
            continue
        last = match.group(1).lower()
        if last == "final-recipient" and "final-recipient" in blocks[-1]:
            blocks.append({})
        blocks[-1][last] = match.group(2).strip()
    return [b for b in blocks if "final-recipient" in b or "original-recipient" in b]


def _failures(blocks: list[dict[str, str]]) -> tuple[list[tuple[str, str]], bool]:
    """([(recipient, status class "5"/"4"/"")] of blocks reporting no success, any success reported)."""
    failed, succeeded = [], False
    for block in blocks:
        recipient = _clean(block.get("original-recipient", "")) or _clean(block.get("final-recipient", ""))
        action = first_token(block.get("action", ""))
        diagnostic = block.get("diagnostic-code", "")
        status = STATUS.search(block.get("status", "")) or STATUS.search(diagnostic) or SMTP_REPLY.search(diagnostic)
        klass = status.group(1) if status else ""
        if action.startswith(SUCCESS) or klass == "2":
            succeeded = True
        elif recipient or action or klass:
            failed.append((recipient, klass))
    return failed, succeeded


def _is_permanent(failed: list[tuple[str, str]]) -> bool:
    return any(klass in ("5", "") for _, klass in failed)



def _enclosed_to(message: Message) -> tuple[str, ...]:
    """The To addresses of the message a report encloses."""
    for part in own_parts(message):
        ctype = _content_type(part)
        if ctype == "text/rfc822-headers":
            enclosed = HeaderParser().parsestr(_text(part))
        elif ctype in ("message/rfc822", "message/global") and isinstance(part.get_payload(), list):
            enclosed = part.get_payload()[0]
        else:
            continue
        return _dedupe([_clean(a) for a in header(enclosed, "To").replace(">", ">,").split(",")])
    return ()


def _complaint(message: Message) -> BounceReason | None:
    for part in own_parts(message):
        if _content_type(part) == "message/feedback-report":
            fields = part.get_payload()
            block = fields[0] if isinstance(fields, list) and fields else part
            kind = first_token(header(block, "Feedback-Type")) or "abuse"
            rcpts = _dedupe([_clean(v) for v in headers(block, "Original-Rcpt-To")]) or _enclosed_to(message)
            return BounceReason(f"complaint: ARF feedback report (feedback-type {kind})", rcpts)
    if "feedback-report" in header(message, "Content-Type").lower():
        return BounceReason("complaint: Content-Type multipart/report; report-type=feedback-report")
    subject = header(message, "Subject")
    if JMRP_SUBJECT.match(subject) and any(_content_type(p) == "message/rfc822" for p in own_parts(message)):
        return BounceReason(f"complaint: Subject: {subject[:60]}", _enclosed_to(message))
    return None



def _signals(message: Message) -> tuple[list[str], list[str], list[str]]:
    """(strong, machine, content) signals from the headers."""
    strong: list[str] = []
    machine: list[str] = []
    content: list[str] = []
    display, sender = address(message, "From")
    local = sender.split("@", 1)[0]
    if DAEMON.match(local) or DAEMON.match(display):
        strong.append(f"From {sender or display}")
    elif POSTMASTER.match(local) or (POSTMASTER.match(display) and not sender):
        machine.append(f"From {sender or display}")
    return_path = header(message, "Return-Path")
    if DAEMON.match(return_path.strip("<> ").split("@", 1)[0]):
        strong.append(f"Return-Path: {return_path}")
    elif return_path.replace(" ", "") == "<>":
        machine.append("Return-Path: <>")
    if first_token(header(message, "Auto-Submitted")) not in ("", "no"):
        machine.append("Auto-Submitted")
    if failed := header(message, "X-Failed-Recipients"):
        strong.append(f"X-Failed-Recipients: {failed}")
    subject = " ".join(header(message, "Subject").split())
    if MTA_SUBJECT.match(subject):
        strong.append(f"Subject: {subject}")
    elif FAILURE_SUBJECT.match(subject):
        content.append(f"Subject: {subject[:60]}")
    return strong, machine, content


def _flufl(message: Message, exclude: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(transient, permanent) failed recipients according to flufl.bounce; empty on error."""
    if not getaddresses([header(message, "From")]):
        return (), ()  # its Yale detector raises on such mail, and logs a traceback at ERROR first
    try:
        transient, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 - its heuristic detectors trip over odd mail
        log.debug("flufl.bounce failed on this message", exc_info=True)
        return (), ()

    def decode(found: frozenset[bytes]) -> tuple[str, ...]:
        return _dedupe(sorted(_clean(a.decode("ascii", "replace")) for a in found), exclude)

    return decode(transient), decode(permanent)


def _named_in(text: str, exclude: frozenset[str]) -> tuple[str, ...]:
    """Addresses a notice names, leaving out header-like lines (Message-ID, From, MAIL FROM...)."""
    found = []
    for line in text.splitlines():
        if HEADER_LIKE.match(line[:LINE_HEAD]):
            continue
        tokens = TOKEN_SEPARATORS.split(line)
        found.extend(_clean(t.rstrip(".")) for t in tokens if "@" in t and len(t) < 255)
    return _dedupe([a for a in found if not ROLE.match(a.split("@", 1)[0])], exclude)


def _permanent_from_text(text: str) -> bool | None:
    """The first 5.x.x/4.x.x status (else 5xx/4xx reply) in a notice: True for 5, False for 4."""
    for pattern in (STATUS, SMTP_REPLY):
        for match in pattern.finditer(text):
            if match.group(1) in "45":
                return match.group(1) == "5"
    return None


def _from_text(message: Message, text: str) -> tuple[tuple[str, ...], bool, bool]:
    """(failed recipients, permanent, flufl found any) of a notice without usable DSN blocks."""
    ours = frozenset(a for _, a in (address(message, "From"), address(message, "To")) if a)
    failed, _ = _failures(_blocks_from_text(text))
    transient, perm = _flufl(message, ours)
    rcpts = _dedupe([r for r, _ in failed], ours)
    if not rcpts:
        listed = [_clean(a) for a in header(message, "X-Failed-Recipients").split(",")]
        named = _named_in(text, ours)
        rcpts = _dedupe([*perm, *transient, *listed], ours)
        rcpts = tuple(r for r in rcpts if r in named) or rcpts or named
    permanent = _is_permanent(failed) if failed else _permanent_from_text(text)
    if permanent is None:
        permanent = bool(perm) or not (transient or DELAY_SUBJECT.search(header(message, "Subject")))
    return rcpts, permanent, bool(transient or perm)


def _failure_notice(message: Message) -> BounceReason | None:
    strong, machine, content = _signals(message)
    if not (strong or machine):
        return None
    text = notice_text(message)
    rcpts, permanent, by_flufl = _from_text(message, text)
    if by_flufl:
        content.append("flufl.bounce found failed recipients")
    if FAILURE_TEXT.search(text):
        content.append("a delivery-failure phrase in the text")
    if not strong and not content:
        return None
    return BounceReason(f"failure notice: {'; '.join(strong + machine + content)}", rcpts, permanent)


def inspect(message: Message) -> BounceReason | None:
    """The bounce facts of ``message``, or None when it is no bounce."""
    complaint = _complaint(message)
    if complaint is not None:
        return complaint
    found, blocks = _blocks_from_parts(message)
    if not (found or "delivery-status" in header(message, "Content-Type").lower()):
        return _failure_notice(message)
    text = notice_text(message)
    failed, succeeded = _failures(blocks)
    if not failed and not succeeded:
        failed, succeeded = _failures(_blocks_from_text(text))
    if failed:
        rcpts = _dedupe([r for r, _ in failed]) or _from_text(message, text)[0]
        states = ", ".join(sorted({f"{k}.x.x" if k else "no status" for _, k in failed}))
        return BounceReason(f"delivery status notification: {states}", rcpts, _is_permanent(failed))
    if succeeded:
        return BounceReason("delivery status notification reporting success, no failed recipient")
    rcpts, permanent, _ = _from_text(message, text)  # a report too broken to read its fields
    return BounceReason("delivery status notification (unreadable report fields)", rcpts, permanent)


class Bounce:
    name = "bounce"
    description = "A delivery status notification, MTA failure notice or ARF complaint."
    kind = MailKind.BOUNCE

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        return inspect(message)
