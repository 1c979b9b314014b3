"""Settings from POSTDESK_* variables and `.env`: defaults, generated secret, one-line errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.config import ConfigError, load_settings, read_environment


def test_defaults_put_everything_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"POSTDESK_DATA_DIR": str(tmp_path / "var")})
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'postdesk.sqlite3'}"
    assert settings.support_address == "support@helpdesk.localhost"
    assert settings.max_message_bytes == 25 * 1024 * 1024
    assert settings.blob_dir == tmp_path / "var" / "blobs"


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_settings({"POSTDESK_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"POSTDESK_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_postgresql_url_uses_the_installed_driver(tmp_path: Path) -> None:
    settings = load_settings({"POSTDESK_DATA_DIR": str(tmp_path), "POSTDESK_DATABASE_URL": "postgresql://u:p@db/x"})
    assert settings.database_url == "postgresql+psycopg2://u:p@db/x"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POSTDESK_DATABASE_URL", "mysql://u@h/db"),
        ("POSTDESK_SMTP_PORT", "25a"),
        ("POSTDESK_SMTP_STARTTLS", "perhaps"),
        ("POSTDESK_SUPPORT_ADDRESS", "not-an-address"),
        ("POSTDESK_MAX_MESSAGE_BYTES", "10"),
        ("POSTDESK_SECRET_KEY", "short"),
        ("POSTDESK_MAIL_DOMAIN", "has space.example"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({"POSTDESK_DATA_DIR": str(tmp_path), name: value})


def test_dotenv_is_read_and_the_real_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("POSTDESK_MAIL_DOMAIN=from-file.example\nPOSTDESK_SMTP_PORT=2525\n")
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("POSTDESK_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("POSTDESK_SMTP_PORT", "587")
    env = read_environment()
    assert env["POSTDESK_MAIL_DOMAIN"] == "from-file.example"
    assert env["POSTDESK_SMTP_PORT"] == "587"
