"""Full-text search over tickets: titles, message bodies (internal notes too, except in the
portal) and requester emails.

One query language, web-search style as in PostgreSQL's `websearch_to_tsquery`: words must all
occur, `"a phrase"` in this order, `-word` must not occur, `or` between two words accepts
either. `#123` (or `123`) also finds ticket 123; a single word also matches requester
addresses that start with it (addresses are not words: `alice` should find alice@corp.example).

A ticket matches when its title, its requester, or one of its messages matches the whole
query; words spread over two different messages do not make a match. Results are ordered by
the list's sort, not by relevance: staff page through a queue, they do not rank web pages.

PostgreSQL uses GIN expression indexes (migration 0006); a query must repeat the indexed
expression `to_tsvector('simple', column)` exactly, or the planner cannot use them. SQLite
uses the FTS5 tables of the same migration. The two tokenisers differ in details: PostgreSQL
reads `E-42` as `e` and `-42`, FTS5 as `e` and `42`; both find `e-42`, only FTS5 finds `42`.

Each way of matching (title, messages, number, requester) is a Branch that the list queries
on its own and merges (core.ticket_queries): an OR of them would stop PostgreSQL from
choosing, per branch, between an index lookup (rare words) and a walk down the list (words
in a quarter of all mail), and a wrong choice costs seconds at a million tickets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.models import Message, MessageKind, Ticket, User

PUBLIC_KINDS = tuple(kind for kind in MessageKind if kind.is_public)
"""What the requester side sees of a conversation: a portal search must not look inside
internal notes, or a word's hits would tell what a note says."""

SQLITE_FTS_TABLES = ("tickets_fts", "messages_fts")
POSTGRESQL_SEARCH_INDEXES = ("ix_tickets_title_search", "ix_messages_text_search")

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_NUMBER = re.compile(r"#?(\d{1,18})")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    negated: bool = False
    or_before: bool = False


def parse(query: str) -> list[Term]:
    """The query's words and phrases, each with its operator; punctuation-only words are dropped."""
    terms: list[Term] = []
    pending_or = False
    for match in _TOKEN.finditer(query):
        negated, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if word is not None and word.lower() == "or":
            pending_or = bool(terms)
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = True, word[1:]
        text = phrase if phrase is not None else word
        if any(char.isalnum() for char in text):
            terms.append(Term(text, negated, pending_or and not negated))
        pending_or = False
    return terms


def fts5_query(query: str) -> str | None:
    """The query in FTS5 syntax with every word quoted, so user input is never FTS5 syntax
    itself; None when nothing searchable is left. FTS5's NOT is binary (`a NOT b`), so a
    leading `-word` with nothing before it is dropped."""
    parts: list[str] = []
    for term in parse(query):
        quoted = '"' + term.text.replace('"', '""') + '"'
        if term.negated:
            if parts:
                parts.append(f"NOT {quoted}")
        elif parts:
            parts.append(f"{'OR' if term.or_before else 'AND'} {quoted}")
        else:
            parts.append(quoted)
    return " ".join(parts) or None


def _pg_match(searched: ColumnElement[str] | InstrumentedAttribute[str], query: str) -> ColumnElement[bool]:
    simple = literal_column("'simple'", String)
    return func.to_tsvector(simple, searched).op("@@")(func.websearch_to_tsquery(simple, query))


def _fts5_rowids(name: str, query: str) -> Select[int]:
    fts = table(name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(name).op("MATCH")(query))


@dataclass(frozen=True, slots=True)
class Branch:
    """One way a ticket can match. `ids` is the set of matching ticket ids, found through an
    index first; `walk`, when set, is a test of one ticket, for a word so frequent that reading
    the list in its order and testing ticket after ticket fills a page sooner than collecting
    hundreds of thousands of matches and sorting them."""

    name: str
    ids: Select[int]
    walk: ColumnElement[bool] | None = None

    def condition(self) -> ColumnElement[bool]:
        """The WHERE condition on tickets. The set is MATERIALIZED so that PostgreSQL computes
        it once from the index and cannot turn it into a walk: its guess for a rare word
        (0.5 % of rows) would make it walk a million tickets to find three."""
        if self.walk is not None:
            return self.walk
        return Ticket.id.in_(select(self.ids.cte(f"{self.name}_hits").prefix_with("MATERIALIZED")))


DENSE_FRACTION = 0.02
DENSE_MIN_ROWS = 20_000
"""A word is frequent when PostgreSQL's statistics put it in 2 % of the rows of a table of at
least 20,000 rows. The statistics know frequent words well (they are in the most-common-
elements list); for the rest they guess at most 0.5 %, safely below the line."""


def _is_frequent(session: Session, table_name: str, column_name: str, query: str) -> bool:
    explain = text(
        f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table_name} "
        f"WHERE to_tsvector('simple', {column_name}) @@ websearch_to_tsquery('simple', :query)"
    )
    estimate = session.execute(explain, {"query": query}).scalar_one()[0]["Plan"]["Plan Rows"]
    total = session.execute(text(f"SELECT reltuples FROM pg_class WHERE oid = '{table_name}'::regclass")).scalar_one()
    return bool(total >= DENSE_MIN_ROWS and estimate >= DENSE_FRACTION * total)


def _in_kinds(public_only: bool) -> list[ColumnElement[bool]]:
    return [Message.kind.in_(PUBLIC_KINDS)] if public_only else []


def _postgresql_branches(session: Session, query: str, public_only: bool) -> list[Branch]:
    title, body = _pg_match(Ticket.title, query), and_(_pg_match(Message.text, query), *_in_kinds(public_only))
    in_messages = exists().where(Message.ticket_id == Ticket.id, body)
    return [
        Branch("title", select(Ticket.id).where(title), title if _is_frequent(session, "tickets", "title", query) else None),
        Branch("body", select(Message.ticket_id).where(body),
               in_messages if _is_frequent(session, "messages", "text", query) else None),
    ]  # fmt: skip


def _sqlite_branches(query: str, public_only: bool) -> list[Branch]:
    expression = fts5_query(query)
    if expression is None:
        return []
    return [
        Branch("title", _fts5_rowids("tickets_fts", expression)),
        Branch("body", select(Message.ticket_id).where(
            Message.id.in_(_fts5_rowids("messages_fts", expression)), *_in_kinds(public_only))),
    ]


def _word_branches(query: str) -> list[Branch]:
    """Ticket number and requester address: only for a query of one word."""
    word = query.strip()
    if not word or any(char.isspace() for char in word):
        return []
    branches = []
    number = _NUMBER.fullmatch(word)
    if number:
        branches.append(Branch("number", select(Ticket.id).where(Ticket.id == int(number.group(1)))))
    requesters = select(User.id).where(User.email.startswith(word.lower(), autoescape=True))
    branches.append(Branch("requester", select(Ticket.id).where(Ticket.requester_id.in_(requesters))))
    return branches


def search_branches(session: Session, query: str, *, public_only: bool = False) -> list[Branch]:
    """The ways a ticket can match `query` on the database behind `session`; none for a query
    with nothing to search for. `public_only` leaves internal and system notes out (the portal)."""
    if session.get_bind().dialect.name == "postgresql":
        text_branches = _postgresql_branches(session, query, public_only) if parse(query) else []
    else:
        text_branches = _sqlite_branches(query, public_only)
    return [*text_branches, *_word_branches(query)]
