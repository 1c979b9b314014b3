"""The `postdesk` command line: exit codes, messages, JSON shapes; the MTA pipe's exit codes
from a real process."""

from __future__ import annotations

import json

from core.config import Settings
from tests.cli_helpers import postdesk, postdesk_process
from tests.mail_fixtures import build_mail


def test_user_add_and_its_errors(settings: Settings) -> None:
    added = postdesk(settings, "user", "add", "Agent@Corp.Example", "--role", "agent", "--password-stdin", stdin=b"s3cret-pass\n")
    assert added.returncode == 0, added.stderr
    assert "agent@corp.example" in added.stdout
    duplicate = postdesk(settings, "user", "add", "AGENT@corp.example", "--role", "agent")
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    bad_role = postdesk(settings, "user", "add", "x@corp.example", "--role", "boss")
    assert bad_role.returncode == 2
    assert "unknown role 'boss'" in bad_role.stderr
    assert "Traceback" not in duplicate.stderr + bad_role.stderr


def test_catalog_add_needs_its_parent(settings: Settings) -> None:
    orphan = postdesk(settings, "catalog", "add", "IT/Hardware")
    assert orphan.returncode == 2
    assert "no group 'IT'" in orphan.stderr
    for path in ("IT", "IT/Hardware", "IT/Hardware/Laptop"):
        assert postdesk(settings, "catalog", "add", path).returncode == 0
    again = postdesk(settings, "catalog", "add", "IT/Hardware")
    assert again.returncode == 2


def test_unreachable_database_is_one_line_and_status_1(settings: Settings) -> None:
    result = postdesk(settings, "tickets", "list", POSTDESK_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "cannot reach the database" in result.stderr


def test_bad_setting_names_the_variable(settings: Settings) -> None:
    result = postdesk(settings, "tickets", "list", POSTDESK_SMTP_PORT="twenty-five")
    assert result.returncode == 1
    assert "POSTDESK_SMTP_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_then_tickets_json_shapes(settings: Settings) -> None:
    ingested = postdesk(settings, "ingest", stdin=build_mail(sender="Zoë <zoe@corp.example>", subject="Ünïcode subject"))
    assert ingested.returncode == 0, ingested.stderr
    assert "ticket_created" in ingested.stdout
    listed = json.loads(postdesk(settings, "tickets", "list", "--json").stdout)
    [summary] = listed
    assert summary["title"] == "Ünïcode subject"
    assert summary["requester"] == "zoe@corp.example"
    assert isinstance(summary["number"], int)
    assert summary["assignee"] is None and summary["category"] is None
    for key in ("status", "priority", "created_at", "updated_at"):
        assert summary[key]
    shown = json.loads(postdesk(settings, "tickets", "show", str(summary["number"]), "--json").stdout)
    assert shown["watchers"] == []
    [message] = shown["messages"]
    assert message["kind"] == "email_in"
    assert message["author"] == "zoe@corp.example"
    assert set(message) >= {"text", "message_id", "created_at", "attachments"}
    inbound = json.loads(postdesk(settings, "inbound", "list", "--json").stdout)
    assert inbound[0]["outcome"] == "ticket_created"
    assert inbound[0]["source"] == "pipe"
    assert inbound[0]["ticket"] == summary["number"]


def test_ingest_exit_codes(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    not_mail = tmp_path / "image.bin"
    not_mail.write_bytes(b"\x00\x01\x02 binary garbage")
    assert postdesk_process(settings, "ingest", str(not_mail)).returncode == 65
    down = postdesk_process(settings, "ingest", stdin=build_mail(), POSTDESK_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert down.returncode == 75


def test_ticket_not_found(settings: Settings) -> None:
    result = postdesk(settings, "tickets", "show", "999")
    assert result.returncode == 2
    assert "no ticket #999" in result.stderr


def test_inbound_reprocess_refuses_what_would_double(settings: Settings) -> None:
    postdesk(settings, "ingest", stdin=build_mail())
    [row] = json.loads(postdesk(settings, "inbound", "list", "--json").stdout)
    refused = postdesk(settings, "inbound", "reprocess", str(row["id"]))
    assert refused.returncode == 2
    assert "only failed or ignored mail" in refused.stderr
    missing = postdesk(settings, "inbound", "reprocess", "4242")
    assert missing.returncode == 2


def test_inbound_reprocess_reruns_an_ignored_message(settings: Settings) -> None:
    postdesk(settings, "ingest", stdin=build_mail(subject="Out of Office", Auto_Submitted="auto-replied"))
    [row] = json.loads(postdesk(settings, "inbound", "list", "--json").stdout)
    assert row["outcome"] == "auto_reply_ignored"
    again = postdesk(settings, "inbound", "reprocess", str(row["id"]))
    assert again.returncode == 0
    assert "auto_reply_ignored" in again.stdout
    assert len(json.loads(postdesk(settings, "inbound", "list", "--json").stdout)) == 1
