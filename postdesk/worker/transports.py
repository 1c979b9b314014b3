"""Where outgoing mail goes: an SMTP relay, or the local mail sink when none is configured."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from core.config import Settings

SMTP_TIMEOUT = 30


class TemporaryDeliveryError(Exception):
    """A 4xx answer or no connection: try again later."""


class PermanentDeliveryError(Exception):
    """A 5xx answer: retrying will not help."""


class Transport(Protocol):
    def send(self, message: EmailMessage, recipients: list[str]) -> None: ...


class SmtpRelay:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self.settings = settings

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        settings = self.settings
        try:
            with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=SMTP_TIMEOUT) as client:
                if settings.smtp_starttls:
                    client.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    client.login(settings.smtp_user, settings.smtp_password or "")
                refused = client.send_message(message, to_addrs=recipients)
        except smtplib.SMTPResponseException as error:
            _raise_for_code(error.smtp_code, error.smtp_error)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            _raise_for_code(code, text)
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryDeliveryError(f"{type(error).__name__}: {error}") from error
        if refused:
            code, text = next(iter(refused.values()))
            _raise_for_code(code, text)


def _raise_for_code(code: int, text: bytes | str) -> None:
    reply = text.decode(errors="replace") if isinstance(text, bytes) else text
    if 500 <= code < 600:
        raise PermanentDeliveryError(f"{code} {reply}")
    raise TemporaryDeliveryError(f"{code} {reply}")


class MailSink:
    """No relay configured: each mail becomes a .eml file, so a new installation shows
    what it would send (listed in the admin panel)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = (message["Message-ID"] or "message").strip("<>").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(message.as_bytes())


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_host:
        return SmtpRelay(settings)
    return MailSink(settings.mail_sink_dir)
