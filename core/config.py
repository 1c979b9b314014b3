"""Settings from `POSTDESK_*` environment variables, optionally read from a `.env` file.

Everything that varies between installations is here and nowhere else; the web app,
the gateway and the worker are all built from one `Settings` value.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values


class ConfigError(Exception):
    """A setting has a value we cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    support_addresses: tuple[str, ...]
    mail_domain: str
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    max_message_bytes: int = 25 * 1024 * 1024
    autoreply_limit: int = 10
    watcher_domains: tuple[str, ...] = field(default_factory=tuple)
    base_url: str = "http://127.0.0.1:8000"
    trusted_proxies: int = 0
    """How many reverse proxies stand in front of the web app and set X-Forwarded-For/-Proto;
    0 (the default) trusts no such header, so a client cannot choose its own address."""
    imap_lease_seconds: int = 60
    autoclose_days: int = 7
    backup_dir_setting: Path | None = None
    backup_keep: int = 7
    backup_hour: int = 2
    raw_mail_retention_days: int = 0
    closed_ticket_retention_days: int = 0
    api_rate_limit: str = "120 per minute"
    api_ip_rate_limit: str = "600 per minute"
    api_rate_limit_storage: str = "memory://"

    @property
    def support_address(self) -> str:
        """The address that notifications come from and replies go to."""
        return self.support_addresses[0]

    @property
    def blob_dir(self) -> Path:
        """Where raw mail and attachments are stored, content-addressed."""
        return self.data_dir / "blobs"

    @property
    def backup_dir(self) -> Path:
        """Where `postdesk backup` and the worker's daily backup write their archives."""
        return self.backup_dir_setting or self.data_dir / "backups"

    @property
    def mail_sink_dir(self) -> Path:
        """Where mail goes as .eml files when no SMTP relay is configured (the local mail sink)."""
        return self.data_dir / "mail-sink"

    @property
    def instance_id(self) -> str:
        """Names this installation in our loop header: derived, so it never needs configuring."""
        return self.mail_domain


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _hour(env: Mapping[str, str], name: str, default: int) -> int:
    hour = _int(env, name, default)
    if hour > 23:
        raise ConfigError(f"{name}={hour} is not an hour of the day (0-23, UTC)")
    return hour


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false)")


def _addresses(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    raw = env.get(name) or default
    addresses = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for address in addresses:
        local, at, domain = address.partition("@")
        if not (local and at and "." in domain):
            raise ConfigError(f"{name}: {address!r} is not an email address")
    if not addresses:
        raise ConfigError(f"{name} is empty")
    return addresses


def _domains(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(part.strip().lower().lstrip("@") for part in raw.split(",") if part.strip())


def _base_url(env: Mapping[str, str]) -> str:
    """Where people reach the web panel, for links in mails."""
    url = (env.get("POSTDESK_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if not url.startswith(("http://", "https://")) or " " in url:
        raise ConfigError(f"POSTDESK_BASE_URL={url!r} is not an http(s) URL")
    return url


RATE_LIMIT = re.compile(r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$", re.IGNORECASE)


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate like `120 per minute` or `10/second`; several separated by `;`."""
    raw = env.get(name) or default
    if not all(RATE_LIMIT.match(part) for part in raw.split(";")):
        raise ConfigError(f"{name}={raw!r} is not a rate like '120 per minute' (several separated by ';')")
    return raw


def _storage_uri(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    if "://" not in raw:
        raise ConfigError(f"{name}={raw!r} is not a storage URI like memory:// or redis://HOST:6379")
    return raw


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    url = env.get("POSTDESK_DATABASE_URL") or f"sqlite:///{data_dir / 'postdesk.sqlite3'}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    if not url.startswith(("sqlite:///", "postgresql+psycopg2://")):
        raise ConfigError(f"POSTDESK_DATABASE_URL={url!r} is not a sqlite:/// or postgresql:// URL")
    return url


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """The configured key, else one generated once and kept in the data dir (mode 0600)."""
    configured = env.get("POSTDESK_SECRET_KEY")
    if configured:
        if len(configured) < 16:
            raise ConfigError("POSTDESK_SECRET_KEY must be at least 16 characters")
        return configured
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _data_dir(env: Mapping[str, str]) -> Path:
    data_dir = Path(env.get("POSTDESK_DATA_DIR") or "var").resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"POSTDESK_DATA_DIR={str(data_dir)!r} cannot be created: {error.strerror}") from None
    return data_dir


def read_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The given mapping as it is; else the process environment over `./.env` (a real variable wins)."""
    if environ is not None:
        return dict(environ)
    path = Path(".env")
    from_file = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.is_file() else {}
    return {**from_file, **os.environ}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings, raising ConfigError (one line naming the variable) on a bad value."""
    env = read_environment(environ)
    data_dir = _data_dir(env)
    mail_domain = (env.get("POSTDESK_MAIL_DOMAIN") or "helpdesk.localhost").strip().lower()
    if not mail_domain or " " in mail_domain or "@" in mail_domain:
        raise ConfigError(f"POSTDESK_MAIL_DOMAIN={mail_domain!r} is not a domain name")
    return Settings(
        data_dir=data_dir,
        database_url=_database_url(env, data_dir),
        secret_key=_secret_key(env, data_dir),
        support_addresses=_addresses(env, "POSTDESK_SUPPORT_ADDRESS", f"support@{mail_domain}"),
        mail_domain=mail_domain,
        smtp_host=env.get("POSTDESK_SMTP_HOST") or None,
        smtp_port=_int(env, "POSTDESK_SMTP_PORT", 25, minimum=1),
        smtp_user=env.get("POSTDESK_SMTP_USER") or None,
        smtp_password=env.get("POSTDESK_SMTP_PASSWORD") or None,
        smtp_starttls=_bool(env, "POSTDESK_SMTP_STARTTLS", False),
        max_message_bytes=_int(env, "POSTDESK_MAX_MESSAGE_BYTES", 25 * 1024 * 1024, minimum=1024),
        autoreply_limit=_int(env, "POSTDESK_AUTOREPLY_LIMIT", 10),
        watcher_domains=_domains(env, "POSTDESK_WATCHER_DOMAINS"),
        base_url=_base_url(env),
        trusted_proxies=_int(env, "POSTDESK_TRUSTED_PROXIES", 0),
        imap_lease_seconds=_int(env, "POSTDESK_IMAP_LEASE_SECONDS", 60, minimum=3),
        autoclose_days=_int(env, "POSTDESK_AUTOCLOSE_DAYS", 7),
        backup_dir_setting=Path(env["POSTDESK_BACKUP_DIR"]).resolve() if env.get("POSTDESK_BACKUP_DIR") else None,
        backup_keep=_int(env, "POSTDESK_BACKUP_KEEP", 7),
        backup_hour=_hour(env, "POSTDESK_BACKUP_HOUR", 2),
        raw_mail_retention_days=_int(env, "POSTDESK_RAW_MAIL_RETENTION_DAYS", 0),
        closed_ticket_retention_days=_int(env, "POSTDESK_CLOSED_TICKET_RETENTION_DAYS", 0),
        api_rate_limit=_rate_limit(env, "POSTDESK_API_RATE_LIMIT", "120 per minute"),
        api_ip_rate_limit=_rate_limit(env, "POSTDESK_API_IP_RATE_LIMIT", "600 per minute"),
        api_rate_limit_storage=_storage_uri(env, "POSTDESK_API_RATE_LIMIT_STORAGE", "memory://"),
    )
