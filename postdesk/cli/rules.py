"""`postdesk rules ...`: list, export, import and try out the routing rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.db import unit_of_work
from core.rules.dryrun import would_have_matched
from core.rules.store import load_rules, replace_all
from core.rules.transfer import dump, load
from core.runtime import Runtime
from mailgateway.dryrun import dry_run_mail
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_table


@click.group("rules")
def rules_group() -> None:
    """Routing rules for new tickets."""


@rules_group.command("list")
@pass_runtime
def rules_list(rt: Runtime) -> None:
    """The rules in the order they run."""
    with rt.sessions() as session:
        rules = load_rules(session)
    emit_table(
        [[str(i), r.name, "on" if r.enabled else "off", r.match.value, str(len(r.conditions)), ", ".join(a.kind for a in r.actions)]
         for i, r in enumerate(rules, 1)],
        ["#", "name", "state", "match", "conditions", "actions"],
    )


@rules_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@pass_runtime
def rules_export(rt: Runtime, fmt: str) -> None:
    """Print every rule, to review or keep in version control."""
    with rt.sessions() as session:
        click.echo(dump(load_rules(session), fmt), nl=False)


@rules_group.command("import")
@click.argument("file", type=click.File("r"))
@pass_runtime
def rules_import(rt: Runtime, file: click.utils.LazyFile) -> None:
    """Replace all rules with those in FILE (YAML or JSON); nothing changes if any is invalid."""
    rules = load(file.read())
    with unit_of_work(rt.sessions) as session:
        replace_all(session, rules)
    click.echo(f"imported {len(rules)} rules")


@rules_group.command("try")
@click.argument("mail", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_runtime
def rules_try(rt: Runtime, mail: Path | None) -> None:
    """Show which rules a raw mail (FILE, or stdin) would match, and the decision. Writes nothing."""
    raw = mail.read_bytes() if mail else sys.stdin.buffer.read()
    with rt.sessions() as session:
        evaluation = dry_run_mail(session, raw, load_rules(session))
    for hit in evaluation.hits:
        click.echo(f"matches {hit.rule}: {'; '.join(hit.reasons)}")
    for rule, error in evaluation.errors:
        click.echo(f"fails {rule}: {error}")
    decision = evaluation.decision
    click.echo(f"decision: category={decision.category_path} priority={decision.priority} "
               f"agent={decision.assign_agent} group={decision.assign_group} tags={decision.tags} "
               f"spam={decision.spam_by} ignore={decision.ignored_by}")


@rules_group.command("backtest")
@click.argument("name")
@click.option("--last", default=500, show_default=True, type=click.IntRange(1, 100_000))
@pass_runtime
def rules_backtest(rt: Runtime, name: str, last: int) -> None:
    """How many of the last tickets the rule NAME would have matched (also when disabled)."""
    with rt.sessions() as session:
        rule = next((r for r in load_rules(session) if r.name == name), None)
        if rule is None:
            raise click.BadParameter(f"no rule named {name!r}")
        result = would_have_matched(session, rule, last)
    sample = ", ".join(f"#{n}" for n in result.sample) or "none"
    click.echo(f"{name}: would have matched {result.matched} of the last {result.total} tickets (e.g. {sample})")


def register(group: click.Group) -> None:
    group.add_command(rules_group)
