"""The one recording transport: every request becomes an exchange, through an httpx client too, with the
same bounds and the same texts on the sync and the async side (the hostile peers are in tests/hostile)."""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest

from verification.recorder.store import Exchange
from verification.recorder.transport import (
    AsyncRecordingTransport,
    CircuitBreaker,
    ExchangeFailed,
    RecordingTransport,
)

ORDER = "http://127.0.0.1:9/api/PromsFormOrder"


def answering(status: int, *, content: bytes = b'{"success": true}', headers: dict[str, str] | None = None):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers=headers or {})

    return handler


def test_a_client_over_the_transport_records_every_exchange_and_carries_it_on_the_response() -> None:
    recorded: list[Exchange] = []
    transport = RecordingTransport(record=recorded.append, inner=httpx.MockTransport(answering(200)))
    with httpx.Client(transport=transport) as client:
        response = client.put(ORDER, json={"formOrderId": "x"})
    assert response.json() == {"success": True}
    [exchange] = recorded
    assert response.extensions["eprom_exchange"] is exchange
    assert (exchange.method, exchange.url, exchange.status, exchange.error) == ("PUT", ORDER, 200, None)
    # httpx writes JSON compact from 0.28, with spaces before: compare the JSON, not its spelling
    assert json.loads(exchange.request_body) == {"formOrderId": "x"} and exchange.latency_ms is not None
    assert (exchange.actor, exchange.direction) == ("kit", "to_system")


def test_a_gzip_answer_is_decoded_once_and_its_wire_headers_dropped() -> None:
    body = gzip.compress(b'{"success": true}')
    inner = httpx.MockTransport(answering(200, content=body, headers={"Content-Encoding": "gzip"}))
    with httpx.Client(transport=RecordingTransport(inner=inner)) as client:
        response = client.put(ORDER)
    assert response.json() == {"success": True}
    assert "content-encoding" not in response.headers
    assert response.extensions["eprom_exchange"].response_body == '{"success": true}'


def test_a_redirect_is_named_unless_the_caller_follows_it_by_hand() -> None:
    inner = httpx.MockTransport(answering(302, content=b"", headers={"Location": "http://127.0.0.1:9/x"}))
    request = httpx.Request("PUT", ORDER)
    named = RecordingTransport(inner=inner).exchange(request)
    by_hand = RecordingTransport(inner=inner, name_redirects=False).exchange(httpx.Request("PUT", ORDER))
    assert named.error == "HTTP 302 redirect to http://127.0.0.1:9/x; the kit never follows redirects"
    assert by_hand.error is None and by_hand.response_headers["location"] == "http://127.0.0.1:9/x"


def test_a_body_over_the_cap_is_cut_and_said() -> None:
    inner = httpx.MockTransport(answering(200, content=b"x" * 2000))
    exchange = RecordingTransport(inner=inner, max_body=1000).exchange(httpx.Request("GET", ORDER))
    assert exchange.status == 200 and exchange.error.startswith("answer body larger than 1,000 bytes (decoded)")


def test_no_answer_is_an_exchange_and_through_a_client_an_exchange_failed() -> None:
    recorded: list[Exchange] = []
    transport = RecordingTransport(record=recorded.append, timeout=2)
    with httpx.Client(transport=transport) as client, pytest.raises(ExchangeFailed) as failed:
        client.get("http://127.0.0.1:1/")  # nothing listens on port 1
    assert failed.value.exchange is recorded[0]
    assert recorded[0].status is None and recorded[0].error.startswith("ConnectError")


def test_the_breaker_stops_a_route_that_keeps_failing_on_either_side() -> None:
    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset by peer")

    sync = RecordingTransport(inner=httpx.MockTransport(reset), breaker=CircuitBreaker())
    sync_errors = [sync.exchange(httpx.Request("PUT", ORDER)).error for _ in range(3)]

    async def three() -> list[str | None]:
        transport = AsyncRecordingTransport(inner=httpx.MockTransport(reset), breaker=CircuitBreaker())
        return [(await transport.exchange(httpx.Request("PUT", ORDER))).error for _ in range(3)]

    for errors in (sync_errors, asyncio.run(three())):
        assert errors[:2] == ["ReadError: connection reset by peer"] * 2
        assert errors[2] == "PUT /api/PromsFormOrder timed out 2 times; not tried again"


def test_the_async_twin_records_the_same_exchange_through_a_client() -> None:
    recorded: list[Exchange] = []

    async def put() -> httpx.Response:
        transport = AsyncRecordingTransport(record=recorded.append, inner=httpx.MockTransport(answering(201)))
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.put(ORDER, content=b"{}")

    response = asyncio.run(put())
    assert response.status_code == 201 and recorded[0].status == 201 and recorded[0].actor == "simulator"
