"""The long-running processes of DESIGN.md: `run`, `web`, `gateway smtp|lmtp|imap`."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

import click

from core.db import check_connection, unit_of_work
from core.demo import ensure_demo_admin
from core.migrate import upgrade
from core.models import InboundSource
from core.runtime import Runtime
from mailgateway.intake import Gateway
from mailgateway.listener import Endpoint, start_receiver
from postdesk.cli._context import pass_runtime
from postdesk.supervisor import Child, supervise

DEFAULT_WEB = "127.0.0.1:8000"
DEFAULT_SMTP = "127.0.0.1:2525"
DEFAULT_LMTP = "127.0.0.1:2424"


def _endpoint(_ctx: click.Context, _param: click.Parameter, value: str) -> Endpoint:
    try:
        return Endpoint.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _wait_for_signal() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("POSTDESK_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)


@click.group("gateway")
def gateway_group() -> None:
    """Receive mail: SMTP, LMTP or IMAP."""


def _serve_receiver(rt: Runtime, source: InboundSource, endpoint: Endpoint) -> None:
    configure_logging()
    check_connection(rt.engine)
    controller = start_receiver(Gateway.from_runtime(rt), source, endpoint)
    click.echo(f"postdesk {source.value} receiver listening on {endpoint}", err=True)
    try:
        _wait_for_signal()
    finally:
        controller.stop()


@gateway_group.command("smtp")
@click.option("--listen", default=DEFAULT_SMTP, show_default=True, callback=_endpoint, help="HOST:PORT")
@pass_runtime
def gateway_smtp(rt: Runtime, listen: Endpoint) -> None:
    """The SMTP receiver (put it behind your MTA, or point a relay at it)."""
    _serve_receiver(rt, InboundSource.SMTP, listen)


@gateway_group.command("lmtp")
@click.option("--listen", default=DEFAULT_LMTP, show_default=True, callback=_endpoint, help="HOST:PORT or unix:PATH")
@pass_runtime
def gateway_lmtp(rt: Runtime, listen: Endpoint) -> None:
    """The LMTP receiver (Postfix `lmtp:` transport), one reply per recipient."""
    _serve_receiver(rt, InboundSource.LMTP, listen)


@gateway_group.command("imap")
@click.option("--idle-timeout", default=60.0, show_default=True, help="Seconds in IDLE before polling anyway.")
@click.option("--poll-interval", default=30.0, show_default=True, help="Seconds between polls without IDLE, and between re-reads of the mailbox list.")
@pass_runtime
def gateway_imap(rt: Runtime, idle_timeout: float, poll_interval: float) -> None:
    """The IMAP poller for the mailboxes in the database (`postdesk mailbox add`)."""
    from mailgateway.imap import run_imap_gateway

    configure_logging()
    check_connection(rt.engine)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("postdesk imap poller running", err=True)
    run_imap_gateway(rt, stop, idle_timeout=idle_timeout, poll_interval=poll_interval)


@click.command("web")
@click.option("--listen", default=DEFAULT_WEB, show_default=True, help="HOST:PORT")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def web_command(listen: str, workers: int) -> None:
    """The web panel and portal under gunicorn."""
    os.execv(
        sys.executable,
        [sys.executable, "-m", "gunicorn", "--bind", listen, "--workers", str(workers),
         "--access-logfile", "-", "webadmin.wsgi:application_from_environment()"],
    )


@click.command("run")
@click.option("--web", "web_listen", default=DEFAULT_WEB, show_default=True, help="HOST:PORT of the web panel")
@click.option("--smtp", "smtp_listen", default=DEFAULT_SMTP, show_default=True, help="HOST:PORT of the SMTP receiver")
@click.option("--demo", is_flag=True, help="Migrate the database and create a demo admin first.")
@pass_runtime
def run_command(rt: Runtime, web_listen: str, smtp_listen: str, demo: bool) -> None:
    """Everything for one machine: web panel, SMTP receiver and worker, as one process tree."""
    check_connection(rt.engine)
    upgrade(rt.engine)
    if demo:
        with unit_of_work(rt.sessions) as session:
            admin = ensure_demo_admin(session, rt.settings.data_dir, rt.settings.mail_domain)
    me = [sys.executable, "-m", "postdesk"]
    children = [
        Child("web", [*me, "web", "--listen", web_listen, "--workers", "2"]),
        Child("smtp", [*me, "gateway", "smtp", "--listen", smtp_listen]),
        Child("worker", [*me, "worker"]),
    ]
    click.echo(f"Postdesk is starting. Data: {rt.settings.data_dir}")
    click.echo(f"  Browser:     http://{web_listen}/login")
    if demo:
        password = admin.password or f"(set earlier; see {rt.settings.data_dir / 'demo-admin.txt'})"
        click.echo(f"  Demo admin:  {admin.email} / {password}")
    click.echo(f"  Mail client: SMTP {smtp_listen}, no TLS, no login; write to {rt.settings.support_address}")
    if not rt.settings.smtp_host:
        click.echo(f"  Sent mail:   no relay set (POSTDESK_SMTP_HOST); written to {rt.settings.data_dir / 'mail-sink'}")
    click.echo("  Stop with Ctrl-C.")
    sys.exit(supervise(children))


def register(group: click.Group) -> None:
    group.add_command(gateway_group)
    group.add_command(web_command)
    group.add_command(run_command)
