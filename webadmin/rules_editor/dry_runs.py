"""The two dry runs as the pages show them. Both only read.

- A raw mail (pasted or uploaded) against the rules in order: for each rule whether it
  matched (with the engine's reason per condition), failed, did not match, was skipped as
  disabled, or was not reached after a rule that stops; then what the ticket would become.
- A rule (saved or not, enabled or not) against the last M tickets, with a sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict

from core.errors import InvalidInput
from core.models import Ticket
from core.rules.dryrun import would_have_matched
from core.rules.engine import Evaluation
from core.rules.spec import RuleSpec
from mailgateway.dryrun import dry_run_mail
from webadmin.forms import MAX_FILE_SIZE, MIB
from webadmin.rules_editor.describe import decision_lines

BACKTEST_SIZES = (100, 500, 1000, 5000)
DEFAULT_BACKTEST = 500


@dataclass(frozen=True)
class RuleResult:
    name: str
    state: str
    """matched | failed | no match | disabled | not reached"""
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailResult:
    rules: list[RuleResult]
    ticket: list[tuple[str, str]]


@dataclass(frozen=True)
class BacktestResult:
    matched: int
    total: int
    sample: list[tuple[int, str]]
    """(number, title) of some matching tickets, newest first."""


def raw_mail(form: MultiDict[str, str], files: MultiDict[str, FileStorage]) -> bytes:
    """The uploaded file (`mail_file`) if one was chosen, else the pasted text (`raw_mail`)."""
    upload = files.get("mail_file")
    if upload is not None and upload.filename:
        data = upload.stream.read(MAX_FILE_SIZE + 1)
        if len(data) > MAX_FILE_SIZE:
            raise InvalidInput(f"the file is larger than {MAX_FILE_SIZE // MIB} MiB")
        if not data.strip():
            raise InvalidInput("the file is empty")
        return data
    pasted = form.get("raw_mail", "")
    if not pasted.strip():
        raise InvalidInput("paste a mail with its headers, or choose an .eml file")
    return pasted.encode("utf-8")


def _states(rules: Sequence[RuleSpec], evaluation: Evaluation) -> list[RuleResult]:
    hits = {hit.rule: hit.reasons for hit in evaluation.hits}
    errors = dict(evaluation.errors)
    last = evaluation.hits[-1].rule if evaluation.hits else None
    ended = False
    results = []
    for rule in rules:
        if not rule.enabled:
            results.append(RuleResult(rule.name, "disabled"))
        elif ended:
            results.append(RuleResult(rule.name, "not reached"))
        elif rule.name in hits:
            results.append(RuleResult(rule.name, "matched", hits[rule.name]))
            ended = rule.name == last and (rule.stop or evaluation.decision.drops_the_mail)
        elif rule.name in errors:
            results.append(RuleResult(rule.name, "failed", (errors[rule.name],)))
        else:
            results.append(RuleResult(rule.name, "no match"))
    return results


def try_mail(session: Session, raw: bytes, rules: Sequence[RuleSpec]) -> MailResult:
    evaluation = dry_run_mail(session, raw, rules)
    return MailResult(_states(rules, evaluation), decision_lines(session, evaluation.decision))


def backtest_size(form: MultiDict[str, str]) -> int:
    size = form.get("last", type=int)
    return size if size in BACKTEST_SIZES else DEFAULT_BACKTEST


def backtest(session: Session, rule: RuleSpec, last: int) -> BacktestResult:
    result = would_have_matched(session, rule, last)
    rows = session.execute(select(Ticket.id, Ticket.title).where(Ticket.id.in_(result.sample)))
    titles = {number: title for number, title in rows}
    return BacktestResult(result.matched, result.total, [(number, titles.get(number, "")) for number in result.sample])
