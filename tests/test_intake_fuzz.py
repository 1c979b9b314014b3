"""Mangled MIME through the whole pipeline: no exception escapes, every input gets an outcome.

Hypothesis builds messages from broken pieces: bad boundaries, bad base64, unknown charsets,
8-bit headers, deep nesting, huge headers. The run is bounded (max_examples) and deterministic
per seed, so it belongs in the normal suite."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import InboundMessage, Outcome
from core.runtime import Runtime
from mailgateway.intake import Gateway
from tests.mail_fixtures import deliver

header_names = st.sampled_from(
    ["Subject", "From", "To", "Cc", "Message-ID", "In-Reply-To", "References", "Content-Type",
     "Content-Transfer-Encoding", "Auto-Submitted", "Precedence", "Date", "X-Weird"]
)
header_values = st.one_of(
    st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b" ")),
    st.sampled_from([
        b"=?utf-8?B?broken base64?=", b"=?x-unknown?Q?caf=E9?=", b"=?utf-8?Q?attacker?Q?agent?=@victim.example",
        b"multipart/mixed; boundary=", b'multipart/mixed; boundary="unterminated', b"text/plain; charset=x-foo",
        b"base64", b"quoted-printable", b"\xff\xfe\xfa 8-bit header", b"<>", b"<@>", b"undisclosed-recipients:;",
        b"a" * 5000,
    ]),
)
bodies = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from([
        b"--b\r\nContent-Type: text/plain\r\n\r\nno end boundary",
        b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64@@@\r\n--b--",
        b"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 in a us-ascii part",
    ]),
)


def nested(depth: int) -> bytes:
    """multipart inside multipart, `depth` deep, the innermost one unterminated."""
    raw = b"text"
    for level in range(depth):
        raw = (
            f"Content-Type: multipart/mixed; boundary=\"n{level}\"\r\n\r\n--n{level}\r\n".encode()
            + raw
            + (f"\r\n--n{level}--\r\n".encode() if level else b"")
        )
    return raw


@st.composite
def mangled_mail(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=12))
    head = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    if draw(st.booleans()):
        return b"From: x@corp.example\r\n" + head + nested(draw(st.integers(1, 60)))
    return b"From: x@corp.example\r\n" + head + b"\r\n" + draw(bodies)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=mangled_mail())
def test_mangled_mail_always_gets_an_outcome(raw: bytes, gateway: Gateway, runtime: Runtime) -> None:
    result = deliver(gateway, raw)
    assert result.outcome in set(Outcome)
    assert result.outcome is not Outcome.QUARANTINED, result.reason
    with runtime.sessions() as session:
        row = session.get(InboundMessage, result.inbound_id)
        assert row is not None and row.outcome is result.outcome
        assert gateway.blobs.get(row.raw_sha256) == raw
