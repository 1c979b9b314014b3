"""A throwaway Dovecot IMAP server from a config written into a temp dir.

Facts about Debian's Dovecot 2.3 that shape the config:

- Mail access as root is refused outright ("Mail access not allowed for
  root", whatever ``first_valid_uid`` says), so as root the mailboxes belong
  to ``nobody:nogroup`` and the temp dir is made traversable (0711).
  Run as another user, Dovecot runs everything as that user. Either way no
  service chroots (that needs root and buys a test server nothing).
- A failed login from an IP delays that IP's later logins (2, 4, 8, 15 s:
  the "auth penalty"), which would slow every test after a wrong-password
  test; it is switched off, and so is the 2 s ``auth_failure_delay``.
- ``doveadm -c CONFIG`` reaches this instance (it finds anvil through the
  config's ``base_dir``), so ``kick`` works; it only signals the ``imap``
  processes, so ``kick()`` waits for them to exit.
- IDLE wakes through inotify; ``mailbox_idle_check_interval`` (the polling
  fallback) is 1 s. ``imap_idle_notify_interval`` stays at its default: it
  only paces "* OK Still here" keep-alives, which would wake every idle_check().
- Users live in one ``passwd-file`` each (``users/%u``): Dovecot stats a
  passwd-file at most once a second and re-reads it only when its mtime (in
  whole seconds) or size changed, so a user added to a shared file in the
  same second as another login stays unknown. A new file is read at once;
  a changed password gets a fresh mtime and waits out the current second.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from imapclient import IMAPClient

from tests.servers import (
    LOCALHOST,
    ServerError,
    ServerUnavailable,
    free_port,
    log_tail,
    wait_until,
)

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
TIMEOUT = 20
Message = tuple[int, tuple[bytes, ...], bytes]

CONFIG = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests of wrong passwords should not wait the default 2 s.
auth_failure_delay = 0
mail_location = maildir:{tmp}/mail/%u
mail_uid = {mail_user}
mail_gid = {mail_group}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
mailbox_idle_check_interval = 1 secs
protocol imap {{
  mail_max_userip_connections = 100
}}
# No chroots: they need root, and a test server gains nothing from them.
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No growing delay for every login from 127.0.0.1 after a failed one.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-urlauth-login {{
  chroot =
}}
service ipc {{
  chroot =
}}
service old-stats {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {tmp}/users/%u
}}
userdb {{
  driver = passwd-file
  args = {tmp}/users/%u
}}
"""


def _require_binaries() -> None:
    for binary in (DOVECOT, DOVEADM):
        if not os.access(binary, os.X_OK):
            raise ServerUnavailable(f"{binary} is missing (apt-get install dovecot-imapd)")


def _user(name: str) -> tuple[str, str]:
    """(user, primary group) by user name."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ServerUnavailable(f"Dovecot as root needs the {name!r} OS user") from None
    return entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name


def _accounts() -> dict[str, str]:
    """Who owns the mail and runs the unprivileged processes.

    As root: Debian's ``dovenull``/``dovecot`` for login/internal processes,
    ``nobody`` for the mail. Otherwise ourselves for everything.
    """
    if os.geteuid() == 0:
        mail, internal = _user("nobody"), _user("dovecot")
        login = _user("dovenull")[0]
    else:
        mail = internal = _user(pwd.getpwuid(os.geteuid()).pw_name)
        login = mail[0]
    return {
        "mail_user": mail[0],
        "mail_group": mail[1],
        "login_user": login,
        "internal_user": internal[0],
        "internal_group": internal[1],
    }


class DovecotServer:
    """One Dovecot instance with plaintext users; IMAP on ``host:port``."""

    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        _require_binaries()
        accounts = _accounts()
        self.host = LOCALHOST
        self.port = free_port()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="postdesk-dovecot-"))
        self.config = self.tmpdir / "dovecot.conf"
        self.logfile = self.tmpdir / "dovecot.log"
        self.stderr = self.tmpdir / "dovecot.stderr"
        self.users: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        self._prepare(accounts)
        for name, password in (users or {}).items():
            self.add_user(name, password)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        """Start in the foreground (-F) and wait for the IMAP greeting."""
        self._log_offset = self.logfile.stat().st_size if self.logfile.exists() else 0
        with self.stderr.open("ab") as err:
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
            )  # fmt: skip
        wait_until(self._greets, TIMEOUT, self._describe)

    def stop(self) -> None:
        """Stop the master (it takes its children with it); SIGKILL if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # -- users and mail ------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Create a user (usable at once) or change its password (usable within 1 s)."""
        if re.search(r"[:/\s]", name + password):
            raise ValueError("user names and passwords may not contain ':', '/' or whitespace")
        path = self.tmpdir / "users" / name
        old_mtime = path.stat().st_mtime if path.exists() else None
        path.write_text(f"{name}:{{PLAIN}}{password}::::::\n")
        self.users[name] = password
        if old_mtime is not None:
            _outwait_passwd_file_cache(path, old_mtime)

    @contextmanager
    def client(self, user: str) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient for ``user``, logged out (or just closed) on exit."""
        imap = IMAPClient(self.host, self.port, ssl=False, timeout=TIMEOUT)
        try:
            imap.login(user, self.users[user])
            yield imap
        finally:
            with suppress(Exception):
                imap.logout()

    def append(self, user: str, folder: str, raw: bytes, flags: Iterable[bytes | str] = ()) -> int:
        """APPEND ``raw`` to ``folder`` (created if missing); returns the new UID."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            response = imap.append(folder, raw, flags=tuple(flags))
        match = re.search(rb"APPENDUID \d+ (\d+)", response)
        if not match:
            raise ServerError(f"APPEND gave no APPENDUID: {response!r}")
        return int(match.group(1))

    def messages(self, user: str, folder: str = "INBOX") -> list[Message]:
        """Every message in ``folder`` as (uid, flags, raw bytes), by UID, without marking seen."""
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            fetched = imap.fetch(imap.search("ALL"), ["FLAGS", "BODY.PEEK[]"])
        return [(uid, tuple(msg[b"FLAGS"]), msg[b"BODY[]"]) for uid, msg in sorted(fetched.items())]

    def kick(self, user: str) -> None:
        """Cut every live IMAP connection of ``user``; returns once their processes are gone."""
        pids = self._session_pids(user)
        if not pids:
            return
        self._doveadm("kick", user)
        wait_until(lambda: not any(_alive(pid) for pid in pids), TIMEOUT, self._describe)

    # -- internals -----------------------------------------------------------

    def _prepare(self, accounts: dict[str, str]) -> None:
        mail = self.tmpdir / "mail"
        mail.mkdir()
        if os.geteuid() == 0:
            self.tmpdir.chmod(0o711)
            owner = pwd.getpwnam(accounts["mail_user"])
            os.chown(mail, owner.pw_uid, owner.pw_gid)
        self.config.write_text(
            CONFIG.format(tmp=self.tmpdir, host=self.host, port=self.port, **accounts)
        )
        (self.tmpdir / "users").mkdir()

    def _greets(self) -> bool:
        """Ready once our master has bound its listener and the port greets.

        The master logs "starting up" only after binding, so a greeting seen
        before that line could come from whoever else holds the port.
        """
        if self._process is None or self._process.poll() is not None:
            raise ServerError("dovecot exited during start\n" + self._describe())
        if b"starting up" not in self._log_since_start():
            return False
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                return sock.recv(512).startswith(b"* OK")
        except OSError:
            return False

    def _log_since_start(self) -> bytes:
        if not self.logfile.exists():
            return b""
        with self.logfile.open("rb") as log:
            log.seek(self._log_offset)
            return log.read()

    def _session_pids(self, user: str) -> list[int]:
        """PIDs of ``user``'s imap processes, from ``doveadm who -1`` (user proto pid ip)."""
        output = self._doveadm("who", "-1", user, check=False)
        rows = (line.split() for line in output.splitlines())
        return [int(row[2]) for row in rows if row[:1] == [user]]

    def _doveadm(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            [DOVEADM, "-c", str(self.config), *args],
            capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise ServerError(
                f"doveadm {' '.join(args)} failed ({result.returncode}): "
                f"{result.stdout}{result.stderr}\n{self._describe()}"
            )
        return result.stdout

    def _describe(self) -> str:
        return log_tail(self.logfile, self.stderr)


def _outwait_passwd_file_cache(path: Path, old_mtime: float) -> None:
    """Make Dovecot re-read a rewritten passwd-file on the next login.

    Each rewrite moves the mtime one second further back, so it never equals
    a stamp Dovecot has seen; then wait for the next second, when its
    once-a-second stat may run again.
    """
    mtime = int(old_mtime) - 1
    os.utime(path, (mtime, mtime))
    time.sleep(1.05 - time.time() % 1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
