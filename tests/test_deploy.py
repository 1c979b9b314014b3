"""The files in deploy/ work with this code: gunicorn serves the app with deploy's config, the
systemd units pass `systemd-analyze verify` and name commands and options that exist, the
compose file, Dockerfile, Postfix and nginx snippets agree with the code's names and limits."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner

from core.config import Settings
from postdesk.cli import main
from tests.cli_helpers import postdesk_env
from tests.servers import free_port
from tests.test_faults_postgres import launch, stop
from webadmin import forms

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED = "/opt/postdesk/"
"""Where the units, the compose file and the Dockerfile expect the checkout (with .venv)."""


def assert_postdesk_command(argv: list[str]) -> None:
    """`postdesk ARGS` names an existing command with existing options (click parses the
    options before --help ends the run, so an unknown one fails)."""
    result = CliRunner().invoke(main, [*argv, "--help"])
    assert result.exit_code == 0, f"postdesk {shlex.join(argv)}: {result.output}"


def _exec_start(unit: Path) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit)
    return shlex.split(parser["Service"]["ExecStart"])


def _local(path: str) -> Path:
    """A path of the installed layout, in this checkout."""
    return ROOT / path.removeprefix(INSTALLED)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gunicorn_serves_the_app_with_the_deploy_config(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = postdesk_env(settings, POSTDESK_WEB_LISTEN=f"127.0.0.1:{port}", POSTDESK_WEB_WORKERS="1")
    command = [sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py")]
    web = launch(command, env, tmp_path / "gunicorn.log", port)
    try:
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=60).json() == {"status": "ok"}
        assert "csrf_token" in requests.get(f"http://127.0.0.1:{port}/login", timeout=30).text
    finally:
        stop([web])


def test_systemd_units_verify_and_name_existing_commands(tmp_path: Path) -> None:
    assert {unit.name for unit in UNITS} == {
        "postdesk-web.service", "postdesk-gateway-smtp.service", "postdesk-gateway-lmtp.service",
        "postdesk-gateway-imap.service", "postdesk-worker.service",
    }
    for unit in UNITS:
        argv = _exec_start(unit)
        program = Path(argv[0]).name
        if program == "postdesk":
            assert_postdesk_command(argv[1:])
        else:
            assert program == "gunicorn" and _local(argv[argv.index("--config") + 1]).is_file()
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units were parse-checked only")
    venv_bin = str(Path(sys.executable).parent) + "/"
    for unit in [*UNITS, DEPLOY / "systemd" / "postdesk.target"]:
        text = unit.read_text().replace(f"{INSTALLED}.venv/bin/", venv_bin).replace(f"{INSTALLED}deploy/", f"{DEPLOY}/")
        (tmp_path / unit.name).write_text(text)
    verified = subprocess.run([analyze, "verify", *sorted(str(path) for path in tmp_path.iterdir())],
                              capture_output=True, text=True, check=False)
    assert (verified.returncode, verified.stderr.strip()) == (0, ""), verified.stderr


def test_compose_file_and_dockerfile_agree_with_the_code() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "gateway", "worker"}
    for name in ("migrate", "web", "gateway", "worker"):
        command = services[name]["command"]
        if command[0] == "postdesk":
            assert_postdesk_command(command[1:])
        else:
            assert command[:2] == ["gunicorn", "--config"] and _local(command[2]).is_file()
        assert "data:/var/lib/postdesk" in services[name]["volumes"], f"{name} must share the blob store"
    known = set(re.findall(r'"(POSTDESK_[A-Z_]+)"', (ROOT / "core" / "config.py").read_text()))
    known |= {"POSTDESK_WEB_LISTEN", "POSTDESK_WEB_WORKERS", "POSTDESK_WEB_FORWARDED_ALLOW_IPS"}  # gunicorn.conf.py
    used = set(re.findall(r"\b(POSTDESK_[A-Z_]+)", (DEPLOY / "compose.yaml").read_text()))
    used |= set(re.findall(r"^(POSTDESK_[A-Z_]+)=", (DEPLOY / "postdesk.env.example").read_text(), re.MULTILINE))
    assert used - known - {"POSTDESK_DB_PASSWORD"} == set(), "every setting named in deploy/ exists"

    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE):
        assert (ROOT / source).exists(), source
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd and yaml.safe_load(cmd.group(1)) == services["web"]["command"]


def test_postfix_snippets_name_the_gateway_and_ingest_as_they_are() -> None:
    master = (DEPLOY / "postfix" / "master.cf").read_text()
    pipe = re.search(r"argv=\S+ (.*)$", master, re.MULTILINE)
    assert pipe, master
    assert_postdesk_command(["ingest", *shlex.split(pipe.group(1).replace("${", "").replace("}", ""))])
    assert "exec /opt/postdesk/.venv/bin/postdesk ingest" in master
    lmtp_listen = _exec_start(DEPLOY / "systemd" / "postdesk-gateway-lmtp.service")[-1]
    transport = (DEPLOY / "postfix" / "transport").read_text()
    assert f"lmtp:inet:{lmtp_listen}" in transport


def test_nginx_passes_the_largest_request_the_app_accepts() -> None:
    config = (DEPLOY / "nginx" / "postdesk.conf").read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", config)
    assert limit and int(limit.group(1)) * forms.MIB >= forms.MAX_FILES * forms.MAX_FILE_SIZE + forms.MIB
    gunicorn_bind = re.search(r'"POSTDESK_WEB_LISTEN", "([^"]+)"', (DEPLOY / "gunicorn.conf.py").read_text())
    assert gunicorn_bind and f"server {gunicorn_bind.group(1)};" in config
    assert "ssl_certificate " in config and "X-Forwarded-Proto" in config


def test_the_readme_links_every_deploy_file() -> None:
    readme = (ROOT / "README.md").read_text()
    shipped = {path.relative_to(ROOT).as_posix() for path in DEPLOY.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    assert {path for path in shipped if f"({path})" not in readme} == set()
    assert os.access(DEPLOY / "SCALING.md", os.R_OK)
