"""An admin's edits of the notification templates, stored as MailTemplate rows.

The shipped files in `templates/email/` stay as they are; a row for (name, part) overrides the
file when mail is rendered (core.mailtemplates). Only what differs from the file is stored, so
an upgrade that improves a shipped template reaches every part the admin did not change, and
"reset" is simply deleting the rows. An empty HTML override is allowed: it sends text only."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.mailtemplates import TEMPLATES_DIR
from core.models import MailTemplate, TemplatePart, utcnow

EMAIL_DIR = TEMPLATES_DIR / "email"
PART_SUFFIXES = {part: f".{part.value}" for part in TemplatePart}


def shipped_names() -> list[str]:
    """Every template name that ships with Postdesk: the stems of `templates/email/NAME.subject`."""
    return sorted(path.stem for path in EMAIL_DIR.glob("*.subject"))


def _check_name(name: str) -> None:
    if name not in shipped_names():
        raise NotFound(f"no mail template {name!r}")


def shipped(name: str, part: TemplatePart) -> str | None:
    """The shipped file's text, or None when it has no such part (many have no HTML)."""
    path = EMAIL_DIR / f"{name}{PART_SUFFIXES[part]}"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def overridden_names(session: Session) -> set[str]:
    return set(session.scalars(select(MailTemplate.name).distinct()))


def _overrides(session: Session, name: str) -> dict[TemplatePart, MailTemplate]:
    return {row.part: row for row in session.scalars(select(MailTemplate).where(MailTemplate.name == name))}


def effective(session: Session, name: str) -> dict[TemplatePart, str]:
    """What mail is rendered from now, part by part: the override, else the file, else ''."""
    _check_name(name)
    rows = _overrides(session, name)
    return {part: rows[part].body if part in rows else shipped(name, part) or "" for part in TemplatePart}


def _normalise(part: TemplatePart, text: str) -> str:
    """Browsers submit CRLF, files and rows keep LF; a subject is one line, so its surrounding
    whitespace (the file's final newline) does not count. An unchanged part compares equal."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip() if part is TemplatePart.SUBJECT else text


def save(session: Session, name: str, parts: Mapping[TemplatePart, str]) -> None:
    """Store the parts that differ from the shipped files; drop overrides that now equal them."""
    _check_name(name)
    for part in (TemplatePart.SUBJECT, TemplatePart.TEXT):
        if not parts.get(part, "").strip():
            raise InvalidInput(f"the {part.name.lower()} must not be empty")
    rows = _overrides(session, name)
    for part in TemplatePart:
        body = _normalise(part, parts.get(part, ""))
        if body == _normalise(part, shipped(name, part) or ""):
            if part in rows:
                session.delete(rows[part])
        elif part in rows:
            rows[part].body, rows[part].updated_at = body, utcnow()
        else:
            session.add(MailTemplate(name=name, part=part, body=body))
    session.flush()


def reset(session: Session, name: str) -> None:
    """Back to the shipped files."""
    _check_name(name)
    session.execute(delete(MailTemplate).where(MailTemplate.name == name))
