"""The kit's HTTP path against hostile peers: every answer ends within its deadline and its body cap,
redirects are named and not followed, and a route that keeps timing out is not tried again."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hostile_peers import (
    big_body,
    correct,
    endless_chunks,
    gzip_bomb,
    hostile_server,
    never_answers,
    one_byte_a_second,
    redirect,
    resets,
)

from verification.recorder.client import KitClient, set_run_deadline

DEADLINE_S = 1.5
CAP = 256 * 1024


@contextmanager
def bounded(limit_s: float, limit_bytes: int = 32 * 1024 * 1024) -> Iterator[None]:
    """Assert that the block ends within ``limit_s`` and allocates at most ``limit_bytes`` at its peak."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield
        took, (_, peak) = time.monotonic() - started, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert took < limit_s, f"took {took:.1f} s"
    assert peak < limit_bytes, f"peak {peak / 1e6:.1f} MB"


def send(url: str, *, timeout: float = DEADLINE_S) -> object:
    with KitClient(None, timeout=timeout, max_body=CAP) as client:
        return client.send("PUT", url + "/api/PromsFormOrder", json_body={"formOrderId": "x"})


@pytest.mark.parametrize("behaviour", [never_answers, one_byte_a_second, endless_chunks],
                         ids=["never-answers", "one-byte-a-second", "endless-chunks"])
def test_a_slow_peer_ends_at_the_exchanges_total_deadline(behaviour) -> None:
    with hostile_server(behaviour) as url, bounded(DEADLINE_S + 1.5):
        exchange = send(url)
    assert exchange.error.startswith(f"timeout after {DEADLINE_S:g} s")


@pytest.mark.parametrize(("behaviour", "what"), [(gzip_bomb(64 * 1024 * 1024), "gzip bomb"),
                                                 (big_body(50 * 1024 * 1024), "50 MB body")])
def test_a_huge_answer_stops_at_the_decoded_cap(behaviour, what: str) -> None:
    with hostile_server(behaviour) as url, bounded(10, 8 * 1024 * 1024):
        exchange = send(url, timeout=10)
    assert "larger than 262,144 bytes (decoded)" in exchange.error, what
    assert exchange.status == 200 and len(exchange.response_body) <= CAP


def test_a_gzip_answer_within_the_cap_is_decoded() -> None:
    with hostile_server(gzip_bomb(1000)) as url:
        exchange = send(url)
    assert exchange.error is None and exchange.response_body == "\0" * 1000


def test_a_redirect_is_named_and_not_followed() -> None:
    from verification.checks.outbound import answer_text
    from verification.checks.round_trip import acknowledged

    with hostile_server(redirect) as url:
        exchange = send(url)
    assert exchange.status == 302
    assert exchange.error == "HTTP 302 redirect to http://127.0.0.1:9/elsewhere; the kit never follows redirects"
    assert not acknowledged(exchange) and answer_text(exchange) == exchange.error  # what a deviation shows


@pytest.mark.parametrize("behaviour", [never_answers, resets], ids=["timeouts", "resets"])
def test_a_route_that_keeps_failing_is_not_tried_again(behaviour) -> None:
    with hostile_server(behaviour) as url, KitClient(None, timeout=0.5) as client:
        first, second = (client.send("PUT", f"{url}/api/PromsFormOrder") for _ in range(2))
        started = time.monotonic()
        third = client.send("PUT", f"{url}/api/PromsFormOrder")
        assert time.monotonic() - started < 0.1
        other_route = client.send("PUT", f"{url}/api/MessageToCitizen")
    assert first.error and second.error and other_route.error
    assert third.error == "PUT /api/PromsFormOrder timed out 2 times; not tried again"
    assert third.meta["not_sent"] == "circuit open"
    assert "not tried again" not in other_route.error


def test_an_answer_restarts_the_count() -> None:
    order = "/_probe/status/184738d0-3c39-e611-9c2a-34e6d72e03c7"  # the route leaves the id out
    with hostile_server(correct) as good, hostile_server(never_answers) as bad, \
            KitClient(None, timeout=0.5) as client:
        errors = [client.send("GET", base + order).error for base in (bad, good, bad, bad, good)]
    assert errors[1] is None and errors[2].startswith("timeout") and errors[3].startswith("timeout")
    assert errors[4] == "GET /_probe/status/{id} timed out 2 times; not tried again"


def test_the_runs_deadline_cuts_every_exchange() -> None:
    set_run_deadline(time.monotonic() - 1)
    try:
        with hostile_server(correct) as url:
            exchange = send(url)
    finally:
        set_run_deadline(None)
    assert exchange.error == "not sent: the run's deadline (budgets.run_s) has passed" and exchange.status is None


def test_a_url_that_cannot_be_sent_is_an_error_not_a_traceback() -> None:
    exchange = send("http://127.0.0.1:1/" + "a" * 70_000 + "\0")
    assert exchange.error.startswith("not sent: the URL cannot be used")


@pytest.mark.parametrize(("behaviour", "error"), [
    (gzip_bomb(64 * 1024 * 1024), "answer body larger than 262,144 bytes (decoded)"),
    (endless_chunks, f"timeout after {DEADLINE_S:g} s"),
], ids=["gzip-bomb", "endless-chunks"])
def test_the_simulators_callbacks_are_bounded_the_same_way(behaviour, error: str) -> None:
    """The embedded simulator delivers C1–C4 through the async twin of the same recording transport."""
    import asyncio

    import httpx

    from verification.recorder.transport import AsyncRecordingTransport

    async def deliver(url: str) -> object:
        async with AsyncRecordingTransport(timeout=DEADLINE_S, max_body=CAP) as transport:
            request = httpx.Request("PUT", url + "/api/PromsFormOrder", content=b"{}")
            return await transport.exchange(request)

    with hostile_server(behaviour) as url, bounded(DEADLINE_S + 3, 8 * 1024 * 1024):
        answer = asyncio.run(deliver(url))
    assert answer.error.startswith(error)
