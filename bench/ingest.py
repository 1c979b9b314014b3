"""Ingest benchmark: how fast mail gets in, against the floor of parsing alone.

Generates a mixed corpus (plain, multipart/alternative, attachments; 30% replies to earlier
messages) and reports in one run, on SQLite and on a throwaway PostgreSQL:

- parse-only: stdlib `email.message_from_bytes(policy=default)` plus walking every part
  (the floor no pipeline can beat),
- `postdesk ingest FILE...`: the MTA pipe / bulk import path, one process for all files,
- SMTP end to end: a `postdesk gateway smtp` process, several concurrent smtplib senders,
  each message acknowledged with 250 only after its commit.

Each figure is the median of --repeat runs (messages per second). Usage:
    .venv/bin/python bench/ingest.py [--messages 500] [--senders 4] [--repeat 3] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402
from tests.servers.postgres import PostgresServer  # noqa: E402

SUPPORT = "support@helpdesk.example.com"
WORDS = "printer vpn laptop password reset screen network mail calendar access drive license".split()


def _text(rng: random.Random, lines: int) -> str:
    return "\n".join(" ".join(rng.choices(WORDS, k=12)) for _ in range(lines))


def make_corpus(count: int, seed: int = 7) -> list[bytes]:
    """Plain, multipart/alternative and with-attachment mails; 30% reply to an earlier one."""
    rng = random.Random(seed)
    corpus: list[bytes] = []
    for index in range(count):
        message = EmailMessage()
        sender = f"user{rng.randrange(200)}@corp.example"
        message["From"] = sender
        message["To"] = SUPPORT
        message["Message-ID"] = make_msgid(idstring=str(index), domain="corp.example")
        subject = f"{rng.choice(WORDS)} problem {index}"
        if corpus and rng.random() < 0.3:
            number = rng.randrange(1, max(2, len(corpus) // 2))
            subject = f"Re: [#{number}] earlier request"
        message["Subject"] = subject
        message.set_content(_text(rng, rng.randrange(3, 30)))
        kind = rng.random()
        if kind < 0.35:
            message.add_alternative(f"<p>{_text(rng, 5)}</p>", subtype="html")
        elif kind < 0.55:
            message.add_attachment(rng.randbytes(rng.randrange(2_000, 60_000)), maintype="image", subtype="png", filename=f"shot{index}.png")
        corpus.append(message.as_bytes(policy=policy.SMTP))
    return corpus


def parse_only(corpus: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in corpus:
        message = message_from_bytes(raw, policy=policy.default)
        for part in message.walk():
            if not part.is_multipart():
                part.get_content()
    return len(corpus) / (time.perf_counter() - start)


def _environment(data_dir: Path, url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("POSTDESK_")},
        "POSTDESK_DATA_DIR": str(data_dir),
        "POSTDESK_DATABASE_URL": url,
        "POSTDESK_MAIL_DOMAIN": "helpdesk.example.com",
        "POSTDESK_SUPPORT_ADDRESS": SUPPORT,
        "POSTDESK_AUTOREPLY_LIMIT": "1000000",
        "POSTDESK_LOG_LEVEL": "WARNING",
    }


def _postdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "postdesk", *args], env=env, capture_output=True, check=True)


def pipe_ingest(corpus: list[bytes], env: dict[str, str], workdir: Path) -> float:
    files = []
    for index, raw in enumerate(corpus):
        path = workdir / f"{index:06d}.eml"
        path.write_bytes(raw)
        files.append(str(path))
    start = time.perf_counter()
    _postdesk(env, "ingest", *files)
    return len(corpus) / (time.perf_counter() - start)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gateway did not start")


def smtp_end_to_end(corpus: list[bytes], env: dict[str, str], senders: int) -> float:
    port = free_port()
    gateway = subprocess.Popen(
        [sys.executable, "-m", "postdesk", "gateway", "smtp", "--listen", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        shards = [corpus[i::senders] for i in range(senders)]
        failures: list[BaseException] = []

        def send(shard: list[bytes]) -> None:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                    for raw in shard:
                        client.sendmail("bench@corp.example", [SUPPORT], raw)
            except BaseException as error:  # reported after the run
                failures.append(error)

        threads = [threading.Thread(target=send, args=(shard,)) for shard in shards]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        if failures:
            raise RuntimeError(f"{len(failures)} senders failed: {failures[0]!r}")
        return len(corpus) / elapsed
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)


def _fresh_database(backend: str, workdir: Path, server: PostgresServer | None, run: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'bench-{run}.sqlite3'}"
    assert server is not None
    name = f"bench_{run}"
    server.create_database(name)
    return server.url(name)


def measure(backend: str, corpus: list[bytes], senders: int, repeat: int, server: PostgresServer | None) -> dict[str, float]:
    results: dict[str, list[float]] = {"pipe": [], "smtp": []}
    run = 0
    for _ in range(repeat):
        for name, action in (("pipe", pipe_ingest), ("smtp", None)):
            run += 1
            with tempfile.TemporaryDirectory(prefix="postdesk-bench-") as temp:
                workdir = Path(temp)
                env = _environment(workdir / "var", _fresh_database(backend, workdir, server, run))
                _postdesk(env, "db", "upgrade")
                if action is pipe_ingest:
                    results[name].append(pipe_ingest(corpus, env, workdir))
                else:
                    results[name].append(smtp_end_to_end(corpus, env, senders))
    return {name: statistics.median(values) for name, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    corpus = make_corpus(args.messages)
    floor = statistics.median(parse_only(corpus) for _ in range(args.repeat))
    print(f"corpus: {args.messages} messages, {sum(map(len, corpus)) / 1e6:.1f} MB; senders: {args.senders}; median of {args.repeat}")
    print(f"{'backend':<10} {'parse-only':>12} {'ingest (pipe)':>14} {'SMTP e2e':>10} {'e2e/parse':>10}")
    for backend in args.backends.split(","):
        server = None
        if backend == "postgres":
            server = PostgresServer()
            server.start()
        try:
            figures = measure(backend, corpus, args.senders, args.repeat, server)
        finally:
            if server is not None:
                server.cleanup()
        ratio = figures["smtp"] / floor
        print(f"{backend:<10} {floor:>10.0f}/s {figures['pipe']:>12.0f}/s {figures['smtp']:>8.0f}/s {ratio:>10.2f}")


if __name__ == "__main__":
    main()
