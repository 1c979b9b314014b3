"""Staff ticket list benchmark on PostgreSQL: how fast the list, its filters, a deep keyset
page and full-text search answer with a million tickets. A benchmark, not a test.

Starts a throwaway PostgreSQL (tests.servers.postgres), migrates it to 0005, bulk-loads N
tickets and 3N messages with `INSERT ... SELECT generate_series` (random words from a small
vocabulary plus rare `wNNNNN` tokens, like ticket numbers and error codes), migrates to the
newest revision (so the 0006 search and sort indexes are built once, over the loaded data),
runs VACUUM ANALYZE, and then times requests through the Flask test client, server-side:
the whole request (routing, session, queries, template), no network. Each scenario runs
--requests times after a warm-up; the figures are median and p95 in milliseconds. The list
page does not count; its counts per status come from /admin/tickets/counts, which the page
fetches afterwards, and are timed on their own.

The reports (90 days of a million tickets) and the dashboard are timed the same way, with
--report-requests requests each; the seed gives the tickets first response, resolution and
closing times and the status and assignment events the reports read.

The organization-filtered list is the portal's "My organization" of a customer manager, filtered
by core.permissions in SQL: after the migration 200 organizations (20, each with 9 under it)
get the clients as members, the tickets their requester's organization and contract; one
manager's contract reaches 10 organizations (5 % of the tickets), another's one (0.5 %).

Usage:
    .venv/bin/python bench/web.py [--tickets 1000000] [--requests 50] [--report-requests 10] [--only lists|organizations|reports]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from core.config import load_settings  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.runtime import Runtime  # noqa: E402
from core.ticket_queries import Cursor  # noqa: E402
from tests.db_fixtures import environment_for  # noqa: E402
from tests.servers.postgres import PostgresServer  # noqa: E402
from webadmin import create_app  # noqa: E402

AGENT, PASSWORD = "bench-agent@corp.example", "bench password"
WORDS = ("printer vpn laptop password reset screen network mail calendar access drive license toner "
         "outlook teams keyboard monitor docking station wifi badge phone backup invoice server").split()  # fmt: skip
RARE = 100_000
"""`w0` .. `w99999`: each rare token is in about 6 of every 100,000 messages."""

SERVER_SETTINGS = {"shared_buffers": "2GB", "maintenance_work_mem": "1GB", "work_mem": "32MB",
                   "max_wal_size": "8GB", "effective_cache_size": "8GB", "random_page_cost": "1.1"}  # fmt: skip

SEED_SQL = [
    ("groups", "INSERT INTO groups (name, display_name, notify_new_tickets, active) "
    "SELECT 'group' || g, 'Group ' || g, false, true FROM generate_series(1, 8) g"),
    ("categories", "INSERT INTO categories (group_id, name, active) SELECT g.id, 'category' || c, true FROM groups g, generate_series(1, 5) c"),
    ("users", "INSERT INTO users (email, name, role, department, active, undeliverable, notify_status_changes, notify_assignments, created_at) "
    "SELECT 'user' || u || '@corp.example', 'User ' || u, CASE WHEN u <= 40 THEN 'agent' ELSE 'client' END, '', true, false, "
    "true, true, now() FROM generate_series(1, 20000) u"),
    # Tickets: created over three years in id order; the newest 5 % are open, the rest done (resolved
    # or closed when last updated); 90 % got a first answer within 10 hours.
    ("tickets", """INSERT INTO tickets (id, title, requester_id, assignee_id, group_id, category_id, priority, status, source,
                            created_at, updated_at, first_response_at, resolved_at, closed_at)
       SELECT i, initcap(w[1 + floor(random() * n)::int]) || ' ' || w[1 + floor(random() * n)::int] || ' problem w'
                 || floor(random() * :rare)::int,
              41 + floor(random() * 19960)::int,
              CASE WHEN random() < 0.3 THEN NULL ELSE 1 + floor(random() * 40)::int END,
              c.group_id, c.id,
              (ARRAY['low','medium','medium','medium','high','urgent'])[1 + floor(random() * 6)::int],
              s.status, 'email', s.created, s.updated,
              CASE WHEN s.answered < 0.9 THEN s.created + s.answered * interval '10 hours' END,
              CASE WHEN s.status IN ('resolved', 'closed') THEN s.updated END,
              CASE WHEN s.status = 'closed' THEN s.updated END
       FROM generate_series(1, :tickets) i
       CROSS JOIN LATERAL (SELECT id, group_id FROM categories WHERE id = 1 + (i % 40)) c,
            (SELECT CAST(:words AS text[]) AS w, cardinality(CAST(:words AS text[])) AS n, now() - interval '3 years' AS t0) v,
            LATERAL (SELECT v.t0 + (i * interval '94 seconds') AS created,
                            v.t0 + (i * interval '94 seconds') + random() * interval '5 days' AS updated,
                            random() AS answered,
                            CASE WHEN i > :tickets * 0.95 THEN (ARRAY['new','assigned','in_progress','waiting_on_customer'])[1 + floor(random() * 4)::int]
                                 WHEN random() < 0.1 THEN 'resolved' ELSE 'closed' END AS status) s"""),
    ("sequence", "SELECT setval(pg_get_serial_sequence('tickets', 'id'), :tickets)"),
    ("messages", """INSERT INTO messages (ticket_id, kind, author_id, text, full_text, created_at)
       SELECT t.id, (ARRAY['email_in','web','note'])[k], CASE WHEN k = 1 THEN t.requester_id ELSE t.assignee_id END,
              body, body, t.created_at + k * interval '1 hour'
       FROM tickets t CROSS JOIN generate_series(1, 3) k
       CROSS JOIN LATERAL (SELECT format('Hello, my %s and the %s stopped working after the %s update. Error w%s, ticket w%s. '
                                         'I tried the %s and the %s again. Thanks', w[1 + floor(random() * n)::int],
                                         w[1 + floor(random() * n)::int], w[1 + floor(random() * n)::int],
                                         floor(random() * :rare)::int, floor(random() * :rare)::int,
                                         w[1 + floor(random() * n)::int], w[1 + floor(random() * n)::int] || ' ' || t.id % 7) AS body
                           FROM (SELECT CAST(:words AS text[]) AS w, cardinality(CAST(:words AS text[])) AS n) v) b"""),
    # The history the reports read: an assignment per assigned ticket, a resolution per done
    # ticket, and for one done ticket in 30 an earlier resolution and a reopening before it.
    ("events", """INSERT INTO ticket_events (ticket_id, actor_id, field, old_value, new_value, created_at)
       SELECT id, assignee_id, 'assignee', NULL, 'user' || assignee_id || '@corp.example', created_at + interval '5 minutes'
         FROM tickets WHERE assignee_id IS NOT NULL
       UNION ALL
       SELECT id, assignee_id, 'status', 'in_progress', status, resolved_at FROM tickets WHERE resolved_at IS NOT NULL
       UNION ALL
       SELECT id, assignee_id, 'status', 'in_progress', 'resolved', resolved_at - interval '2 hours'
         FROM tickets WHERE resolved_at IS NOT NULL AND id % 30 = 0
       UNION ALL
       SELECT id, requester_id, 'status', 'resolved', 'in_progress', resolved_at - interval '1 hour'
         FROM tickets WHERE resolved_at IS NOT NULL AND id % 30 = 0"""),
]


MANAGERS = {41: "bench-manager@corp.example", 42: "bench-lead@corp.example"}
"""Customer managers: 41 of contract 1 (organization 1 and the 9 under it), 42 of contract 21
(organization 21 alone)."""

ORGANIZATION_SQL = [
    ("orgs", "INSERT INTO organizations (id, name, parent_id, active, created_at) SELECT o, 'Organization ' || o, "
             "CASE WHEN o > 20 THEN (o - 21) / 9 + 1 END, true, now() FROM generate_series(1, 200) o"),
    ("members", "INSERT INTO organization_members (organization_id, user_id) SELECT 1 + u % 200, u FROM generate_series(41, 20000) u"),
    ("contracts", "INSERT INTO contracts (id, organization_id, name, active, created_at) "
                  "SELECT o, o, 'Contract ' || o, true, now() FROM generate_series(1, 21) o"),
    ("managers", "INSERT INTO contract_customer_managers (contract_id, user_id) VALUES (1, 41), (21, 42)"),
    ("sequences", "SELECT setval(pg_get_serial_sequence('organizations', 'id'), 200), "
                  "setval(pg_get_serial_sequence('contracts', 'id'), 21)"),
    # Each ticket under its requester's organization, and under that one's contract or its parent's.
    ("filed", "UPDATE tickets SET organization_id = 1 + requester_id % 200, contract_id = CASE WHEN 1 + requester_id % 200 <= 21 "
              "THEN 1 + requester_id % 200 ELSE (requester_id % 200 - 20) / 9 + 1 END"),
]  # fmt: skip


def configure(server: PostgresServer) -> None:
    connection = server.connect()
    connection.autocommit = True
    with connection.cursor() as cursor:
        for name, value in SERVER_SETTINGS.items():
            cursor.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    connection.close()
    server.restart()


def seed(engine: Engine, tickets: int) -> None:
    """Schema to 0005, bulk data, then the newest schema (indexes built over the data)."""
    upgrade(engine, "0005")
    with engine.begin() as connection:
        for name, statement in SEED_SQL:
            started = time.perf_counter()
            connection.execute(text(statement), {"tickets": tickets, "rare": RARE, "words": list(WORDS)})
            print(f"  {name:<12} {time.perf_counter() - started:7.1f} s", flush=True)
    started = time.perf_counter()
    upgrade(engine)
    print(f"  {'migrate':<12} {time.perf_counter() - started:7.1f} s  (0006 indexes)", flush=True)
    with engine.begin() as connection:
        for name, statement in ORGANIZATION_SQL:
            started = time.perf_counter()
            connection.execute(text(statement))
            print(f"  {name:<12} {time.perf_counter() - started:7.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.perf_counter()
        connection.execute(text("VACUUM ANALYZE"))
        print(f"  {'vacuum':<12} {time.perf_counter() - started:7.1f} s", flush=True)


def add_agent(engine: Engine) -> None:
    from core.passwords import hash_password

    with engine.begin() as connection:
        for user_id, email in ((1, AGENT), *MANAGERS.items()):
            connection.execute(text("UPDATE users SET email = :email, password_hash = :hash WHERE id = :id"),
                               {"email": email, "hash": hash_password(PASSWORD), "id": user_id})  # fmt: skip


def signed_in(runtime: Runtime, email: str = AGENT) -> FlaskClient:
    app = create_app(runtime)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def deep_cursor(engine: Engine, tickets: int) -> str:
    """The cursor after the ticket half-way down the list (found with OFFSET, once, here only)."""
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT updated_at, id FROM tickets ORDER BY updated_at DESC, id DESC OFFSET :n LIMIT 1"), {"n": tickets // 2}
        ).one()
    return Cursor((row.updated_at, row.id)).token()


def measure(client: FlaskClient, urls: Callable[[int], str], requests: int) -> tuple[float, float]:
    """Median and p95 in ms; the first three requests warm up and are not counted."""
    timings = []
    for index in range(-3, requests):
        started = time.perf_counter()
        response = client.get(urls(index))
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (urls(index), response.status_code)
        if index >= 0:
            timings.append(elapsed)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95 + 0.5) - 1)]


def scenarios(engine: Engine, tickets: int) -> dict[str, Callable[[int], str]]:
    rng = random.Random(5)
    rare = [f"w{rng.randrange(RARE)}" for _ in range(60)]
    cursor = deep_cursor(engine, tickets)
    return {
        "list, first page": lambda i: "/admin/tickets",
        "list, filtered (open, high, one group)": lambda i: "/admin/tickets?status=open&priority=high&catalog=g:3",
        "list, by priority (urgent first)": lambda i: "/admin/tickets?sort=priority",
        "list, assigned to one agent, by priority": lambda i: f"/admin/tickets?assignee={2 + i % 30}&sort=priority",
        "list, deep keyset page (half-way)": lambda i: f"/admin/tickets?after={cursor}",
        "search, rare word": lambda i: f"/admin/tickets?q={rare[i % len(rare)]}",
        "search, two words, open only": lambda i: f"/admin/tickets?q=toner+{rare[i % len(rare)]}&status=open",
        "search, common word (1 in 4 messages)": lambda i: f"/admin/tickets?q={WORDS[i % len(WORDS)]}",
        "counts per status, whole list": lambda i: "/admin/tickets/counts",
        "counts per status, filtered as above": lambda i: "/admin/tickets/counts?status=open&priority=high&catalog=g:3",
        "counts per status, rare word": lambda i: f"/admin/tickets/counts?q={rare[i % len(rare)]}",
    }


def organization_scenarios() -> dict[str, tuple[str, Callable[[int], str]]]:
    """The portal's organization list of the two customer managers: (who, urls)."""
    rng = random.Random(7)
    rare = [f"w{rng.randrange(RARE)}" for _ in range(60)]
    manager, lead = MANAGERS[41], MANAGERS[42]
    return {
        "organization list (10 organizations, 5 %)": (manager, lambda i: "/portal/organization"),
        "organization list (1 organization, 0.5 %)": (lead, lambda i: "/portal/organization"),
        "organization list, search, rare word": (manager, lambda i: f"/portal/organization?q={rare[i % len(rare)]}"),
        "organization list, search, common word": (manager, lambda i: f"/portal/organization?q={WORDS[i % len(WORDS)]}"),
    }


def report_scenarios() -> dict[str, Callable[[int], str]]:
    """The reports over the last 90 days (about 83,000 of the million tickets), unfiltered and
    for one group; the dashboard."""
    end = date.today()
    days = f"start={(end - timedelta(days=89)).isoformat()}&end={end.isoformat()}"
    return {
        "report: volume, 90 days": lambda i: f"/admin/reports/volume?{days}",
        "report: volume, 90 days, one group": lambda i: f"/admin/reports/volume?{days}&catalog=g:{1 + i % 8}",
        "report: speed, 90 days": lambda i: f"/admin/reports/speed?{days}",
        "report: agents, 90 days": lambda i: f"/admin/reports/agents?{days}",
        "report: SLA, 90 days": lambda i: f"/admin/reports/sla?{days}",
        "report: volume, 90 days, XLSX": lambda i: f"/admin/reports/volume?{days}&format=xlsx",
        "dashboard": lambda i: "/admin/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--report-requests", type=int, default=10, help="Requests per report scenario.")
    parser.add_argument("--only", choices=("lists", "organizations", "reports"), help="Run one family of scenarios.")
    args = parser.parse_args()
    server = PostgresServer()
    try:
        server.start()
        configure(server)
        server.create_database("bench")
        engine = make_engine(server.url("bench"))
        print(f"Seeding {args.tickets:,} tickets and {3 * args.tickets:,} messages:", flush=True)
        started = time.perf_counter()
        seed(engine, args.tickets)
        add_agent(engine)
        print(f"  {'total':<12} {time.perf_counter() - started:7.1f} s\n", flush=True)
        with TemporaryDirectory() as data_dir:
            runtime = Runtime(load_settings(environment_for(Path(data_dir), server.url("bench"))))
            client = signed_in(runtime)
            print(f"{'scenario':<44} {'median':>9} {'p95':>9}   ({args.requests} requests each)")
            for name, urls in (scenarios(engine, args.tickets) if args.only in (None, "lists") else {}).items():
                median, p95 = measure(client, urls, args.requests)
                print(f"{name:<44} {median:7.1f}ms {p95:7.1f}ms", flush=True)
            for name, (email, urls) in (organization_scenarios() if args.only in (None, "organizations") else {}).items():
                median, p95 = measure(signed_in(runtime, email), urls, args.requests)
                print(f"{name:<44} {median:7.1f}ms {p95:7.1f}ms", flush=True)
            for name, urls in (report_scenarios() if args.only in (None, "reports") else {}).items():
                median, p95 = measure(client, urls, args.report_requests)
                print(f"{name:<44} {median:7.1f}ms {p95:7.1f}ms   ({args.report_requests} requests)", flush=True)
            runtime.engine.dispose()
        engine.dispose()
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
