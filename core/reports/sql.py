"""The expressions of the reports that SQLite and PostgreSQL spell differently.

- `utc_day(column)`: the UTC calendar day of a timestamp as `YYYY-MM-DD` text.
- `seconds_between(start, end)`: a duration in seconds (float).
- `duration_stats(...)`: count, mean, median and 90th percentile of durations per key:
  `percentile_cont` on PostgreSQL; on SQLite, which has no percentile function, the same
  linear interpolation between the two nearest ranks, computed in SQL with window functions
  (`row_number()` and `count(*)` per key), so the durations never leave the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, String, case, cast, func, literal_column, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

PERCENTILES = (0.5, 0.9)


class utc_day(FunctionElement[str]):
    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    """Timestamps are stored as UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (core.models.base)."""
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


class seconds_between(FunctionElement[float]):
    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Durations in seconds; `median` and `p90` are None when nothing was measured."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None


def duration_stats(session: Session, durations: Select[Any]) -> dict[Any, DurationStats]:
    """Per `key`: count, mean, median and 90th percentile of `seconds`.

    `durations` selects two labelled columns, `key` (what to group by; a constant for one
    overall figure) and `seconds`."""
    source = durations.subquery("durations")
    if session.get_bind().dialect.name == "postgresql":
        query = _stats_postgresql(source)
    else:
        query = _stats_window(source)
    return {row.key: DurationStats(row.n, row.mean, row.p50, row.p90) for row in session.execute(query)}


def _stats_postgresql(source: Any) -> Select[Any]:
    p50, p90 = (func.percentile_cont(share).within_group(source.c.seconds) for share in PERCENTILES)
    return (
        select(source.c.key, func.count().label("n"), func.avg(source.c.seconds).label("mean"), p50.label("p50"), p90.label("p90"))
        .group_by(source.c.key)
    )


def _stats_window(source: Any) -> Select[Any]:
    """percentile_cont(p) = v[lo] * (1 - f) + v[lo + 1] * f, where p * (n - 1) = lo + f."""
    ranked = select(
        source.c.key,
        source.c.seconds,
        (func.row_number().over(partition_by=source.c.key, order_by=source.c.seconds) - 1).label("rank"),
        func.count().over(partition_by=source.c.key).label("n"),
    ).subquery("ranked")
    return select(
        ranked.c.key,
        func.max(ranked.c.n).label("n"),
        func.avg(ranked.c.seconds).label("mean"),
        *(_interpolated(ranked, share).label(name) for share, name in zip(PERCENTILES, ("p50", "p90"), strict=True)),
    ).group_by(ranked.c.key)


def _interpolated(ranked: Any, share: float) -> Any:
    position = (ranked.c.n - 1) * share
    low = cast(position, Integer)  # positions are >= 0: truncation is floor
    fraction = position - low
    weight = case(
        (ranked.c.rank == low, 1 - fraction),
        (ranked.c.rank == low + 1, fraction),
        else_=0,
    )
    return func.sum(ranked.c.seconds * weight)


OVERALL = literal_column("0").label("key")
"""The `key` of a single figure over every duration."""



def duration_stats_by(session: Session, durations: Select[Any], keys: Sequence[str]) -> dict[str | None, dict[Any, DurationStats]]:
    """`duration_stats` overall (under None) and per each of `keys` (labelled columns of
    `durations`, besides `seconds`), e.g. per group and per agent. PostgreSQL reads the
    durations once, with GROUPING SETS; SQLite takes one query per grouping."""
    source = durations.subquery("durations")
    if session.get_bind().dialect.name != "postgresql":
        overall = select(OVERALL, source.c.seconds)
        per_key = {name: select(source.c[name].label("key"), source.c.seconds) for name in keys}
        return {None: duration_stats(session, overall), **{name: duration_stats(session, query) for name, query in per_key.items()}}
    return _grouping_sets(session, source, keys)


def _grouping_sets(session: Session, source: Any, keys: Sequence[str]) -> dict[str | None, dict[Any, DurationStats]]:
    p50, p90 = (func.percentile_cont(share).within_group(source.c.seconds) for share in PERCENTILES)
    sets = ", ".join(["()", *(f"({source.name}.{name})" for name in keys)])
    query = select(
        *(func.grouping(source.c[name]).label(f"grouped_{name}") for name in keys),
        *(source.c[name] for name in keys),
        func.count().label("n"), func.avg(source.c.seconds).label("mean"), p50.label("p50"), p90.label("p90"),
    ).group_by(text(f"GROUPING SETS ({sets})"))  # fmt: skip
    results: dict[str | None, dict[Any, DurationStats]] = {None: {}, **{name: {} for name in keys}}
    for row in session.execute(query).mappings():
        stats = DurationStats(row["n"], row["mean"], row["p50"], row["p90"])
        grouped_by = next((name for name in keys if row[f"grouped_{name}"] == 0), None)
        if grouped_by is None:
            results[None][0] = stats
        else:
            results[grouped_by][row[grouped_by]] = stats
    return results
