"""The kit's own HTTP client: every request it sends is recorded in the session store, answered or not.

:meth:`KitClient.send` never raises for network trouble: a refused connection, a timeout or a reset
becomes an :class:`Exchange` with ``error`` set, so a misbehaving system under verification turns into a
failed check that says what was sent and what happened, never a traceback.

Every answer is bounded, whatever the peer does (:func:`bounded_exchange`, also used by the direct client):

- a *total* deadline per exchange, connect to last byte, enforced at each socket read and write (so one
  byte a second and never-ending chunked bodies end), further cut to what is left of the run's deadline;
- a cap on the body, counted after decoding (a gzip bomb stops at the cap, it is never inflated whole);
- redirects are never followed: the exchange says so in ``error``, so the check names the redirect;
- a route that timed out or was reset :data:`CIRCUIT_THRESHOLD` times in a row is not tried again
  (:class:`CircuitBreaker`): the cases that need it fail at once, saying why.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from .. import __version__
from .store import Actor, Direction, Exchange, SessionStore

__all__ = [
    "CIRCUIT_THRESHOLD",
    "KIT_HEADERS",
    "MAX_BODY_BYTES",
    "RUN_DEADLINE_PASSED",
    "BoundedAnswer",
    "CircuitBreaker",
    "KitClient",
    "bounded_exchange",
    "bounded_exchange_async",
    "bounded_transport",
    "run_time_left",
    "set_run_deadline",
]

KIT_HEADERS = {"User-Agent": f"eprom-verify/{__version__}", "Accept": "*/*"}
_TEXT_LIMIT = 1_000_000  # bodies above 1 MB are truncated in the record, not in the request
MAX_BODY_BYTES = 2 * 1024 * 1024  # decoded; every ePROM answer and callback reply is a few hundred bytes
CIRCUIT_THRESHOLD = 2  # timeouts/resets in a row on one route before its cases fail fast
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 16 * 1024  # at most this much compressed input is inflated at once (≤ ~16 MB even for a bomb)

# The deadline (time.monotonic()) of the exchange in progress on this thread, read by every socket call.
_exchange_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("exchange_deadline", default=None)
_run_deadline: float | None = None  # time.monotonic() at which the whole run must end (budgets.run_s)
RUN_DEADLINE_PASSED = "the run's deadline (budgets.run_s) has passed"


def set_run_deadline(deadline: float | None) -> None:
    """Cut every later exchange and command to end by ``deadline`` (``time.monotonic()``; None: no cut)."""
    global _run_deadline
    _run_deadline = deadline


def run_time_left() -> float | None:
    """Seconds left of the run's deadline (never below 0), or None when the run has none."""
    return None if _run_deadline is None else max(_run_deadline - time.monotonic(), 0.0)


def _limit(timeout: float) -> float:
    left = run_time_left()
    return timeout if left is None else min(timeout, left)


# -- the transport: httpx's, with a network backend that honours the exchange's total deadline --------


class _DeadlineExpired(httpcore.ReadTimeout):
    """The exchange's total deadline passed (not one slow read: the sum of them)."""


def _left(timeout: float | None) -> float | None:
    deadline = _exchange_deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise _DeadlineExpired("the exchange's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, _left(timeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bounded_transport(*, verify: Any = True, keepalive: int = 20) -> httpx.HTTPTransport:
    """httpx's transport without the client layer (no redirects, cookies or environment proxies), whose
    sockets obey the deadline :func:`bounded_exchange` sets."""
    transport = httpx.HTTPTransport(verify=verify, trust_env=False,
                                    limits=httpx.Limits(max_keepalive_connections=keepalive))
    # httpx has no parameter for the network backend; its pool reads this attribute for each new connection.
    pool = transport._pool  # noqa: SLF001
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpcore version has no pluggable network backend; pin httpcore 1.x")
    pool._network_backend = _DeadlineBackend()  # noqa: SLF001
    return transport


# -- one bounded exchange --------------------------------------------------------------------------------


@dataclass
class BoundedAnswer:
    """What came back, within the bounds: ``status`` None when nothing did; ``error`` says what went wrong."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    timed_out: bool = False  # a timeout or reset: what the circuit breaker counts
    response: httpx.Response | None = None


class _BodyTooLarge(Exception):
    pass


class _Decoder:
    """Content-Encoding gzip/deflate inflated a bounded piece at a time; other codings are kept as sent."""

    def __init__(self, encoding: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip().lower() not in ("", "identity")]
        self._raw_deflate = False
        if codings in (["gzip"], ["x-gzip"]):
            self._inflater: Any = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header
        elif codings == ["deflate"]:
            self._inflater = zlib.decompressobj()
            self._raw_deflate = True  # some servers send raw deflate: retried once on the first chunk
        else:
            self._inflater = None  # the kit sends no Accept-Encoding; anything else is recorded undecoded

    def decode(self, data: bytes, room: int) -> Iterator[bytes]:
        """The decoded pieces of ``data``; raises :class:`_BodyTooLarge` once more than ``room`` bytes came."""
        if self._inflater is None:
            if len(data) > room:
                raise _BodyTooLarge
            yield data
            return
        while data:
            try:
                piece = self._inflater.decompress(data, room + 1)
            except zlib.error:
                if not self._raw_deflate:
                    raise
                self._inflater, self._raw_deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                piece = self._inflater.decompress(data, room + 1)
            self._raw_deflate = False
            if len(piece) > room:
                raise _BodyTooLarge
            room -= len(piece)
            data = self._inflater.unconsumed_tail
            yield piece


def bounded_exchange(
    transport: httpx.BaseTransport, request: httpx.Request, *, total_s: float, max_body: int = MAX_BODY_BYTES
) -> BoundedAnswer:
    """Send ``request`` and read the answer within ``total_s`` seconds and ``max_body`` decoded bytes.

    Never raises for network trouble or a misbehaving peer; redirects are reported, never followed."""
    total_s = _limit(total_s)
    if total_s <= 0:
        return BoundedAnswer(error=f"not sent: {RUN_DEADLINE_PASSED}")
    answer = BoundedAnswer()
    token = _exchange_deadline.set(time.monotonic() + total_s)
    request.extensions = {**request.extensions, "timeout": httpx.Timeout(max(total_s, 0.001)).as_dict()}
    try:
        response = transport.handle_request(request)
        answer.status, answer.headers, answer.response = response.status_code, dict(response.headers), response
        try:
            answer.body = _read_body(response, max_body)
        finally:
            response.close()
    except _BodyTooLarge:
        answer.error = _too_large(max_body)
    except (_DeadlineExpired, httpx.TimeoutException, httpcore.TimeoutException) as exc:
        answer.timed_out, answer.error = True, _timeout(total_s, exc)
    except zlib.error as exc:
        answer.error = _undecodable(answer, exc)
    except (httpx.HTTPError, httpcore.NetworkError, httpcore.ProtocolError) as exc:
        answer.timed_out = not isinstance(exc, (httpx.ConnectError, httpcore.ConnectError))  # a reset, not a refusal
        answer.error = f"{type(exc).__name__}: {exc}"
    finally:
        _exchange_deadline.reset(token)
    return answer


async def bounded_exchange_async(
    transport: httpx.AsyncBaseTransport, request: httpx.Request, *, total_s: float, max_body: int = MAX_BODY_BYTES
) -> BoundedAnswer:
    """:func:`bounded_exchange` for the simulator's event loop: the deadline is a cancellation."""
    answer = BoundedAnswer()
    request.extensions = {**request.extensions, "timeout": httpx.Timeout(total_s).as_dict()}

    async def exchange() -> None:
        response = await transport.handle_async_request(request)
        answer.status, answer.headers, answer.response = response.status_code, dict(response.headers), response
        try:
            decoder, body = _Decoder(response.headers.get("content-encoding", "")), bytearray()
            async for raw in response.aiter_raw(_CHUNK):
                for piece in decoder.decode(raw, max_body - len(body)):
                    body += piece
            answer.body = bytes(body)
        finally:
            await response.aclose()

    try:
        await asyncio.wait_for(exchange(), total_s)
    except _BodyTooLarge:
        answer.error = _too_large(max_body)
    except (asyncio.TimeoutError, httpx.TimeoutException) as exc:
        answer.timed_out, answer.error = True, _timeout(total_s, exc)
    except zlib.error as exc:
        answer.error = _undecodable(answer, exc)
    except httpx.HTTPError as exc:
        answer.timed_out = not isinstance(exc, httpx.ConnectError)  # a reset, not a refusal
        answer.error = f"{type(exc).__name__}: {exc}"
    return answer


def _too_large(max_body: int) -> str:
    return f"answer body larger than {max_body:,} bytes (decoded); the kit stopped reading it"


def _timeout(total_s: float, exc: BaseException) -> str:
    what = type(exc).__name__
    return f"timeout after {round(total_s, 1):g} s: no complete answer within the exchange's deadline ({what})"


def _undecodable(answer: BoundedAnswer, exc: zlib.error) -> str:
    return f"answer body could not be decoded (Content-Encoding {answer.headers.get('content-encoding')}): {exc}"


def _read_body(response: httpx.Response, max_body: int) -> bytes:
    try:
        content = response.content  # already in memory: a response built in-process (tests' transports)
    except httpx.ResponseNotRead:
        pass
    else:
        if len(content) > max_body:
            raise _BodyTooLarge
        return content
    decoder, body = _Decoder(response.headers.get("content-encoding", "")), bytearray()
    for raw in response.iter_raw(_CHUNK):
        for piece in decoder.decode(raw, max_body - len(body)):
            body += piece
        _left(None)  # a peer that keeps sending ends at the deadline even when each read is quick
    return bytes(body)


def redirect_problem(status: int | None, headers: dict[str, str]) -> str | None:
    """The ``error`` of an answer that is a redirect: the kit never follows one (the check names it)."""
    if status not in _REDIRECTS:
        return None
    where = next((value for key, value in headers.items() if key.lower() == "location"), "")
    return f"HTTP {status} redirect to {where[:200] or '(no Location)'}; the kit never follows redirects"


# -- circuit breaking ------------------------------------------------------------------------------------

_ID_SEGMENT = re.compile(r"/(?:[0-9a-fA-F-]{32,36}|\d{4,})(?=/|$)")


def route_of(method: str, url: str) -> str:
    """``PUT /api/PromsFormOrder``: method and path with ids left out, the unit the breaker counts on."""
    path = httpx.URL(url).path if "://" in url else url
    return f"{method.upper()} {_ID_SEGMENT.sub('/{id}', path) or '/'}"


class CircuitBreaker:
    """Counts timeouts and resets per route; after ``threshold`` in a row the route is not tried again."""

    def __init__(self, threshold: int = CIRCUIT_THRESHOLD) -> None:
        self.threshold = threshold
        self._failures: dict[str, int] = {}

    def refusal(self, route: str) -> str | None:
        """The error for a request on an open route (not sent), or None when it may be tried."""
        count = self._failures.get(route, 0)
        return f"{route} timed out {count} times; not tried again" if count >= self.threshold else None

    def record(self, route: str, *, timed_out: bool) -> None:
        self._failures[route] = self._failures.get(route, 0) + 1 if timed_out else 0


# -- the kit's client --------------------------------------------------------------------------------------


class KitClient:
    """Sends requests for the kit (callbacks as ePROM, triggers, probes) and records each one."""

    def __init__(self, store: SessionStore | None, *, timeout: float = 10.0, actor: Actor = "kit",
                 max_body: int = MAX_BODY_BYTES):
        self.store = store
        self.actor = actor
        self.max_body = max_body
        self.breaker = CircuitBreaker()
        # The client layer would double the cost of each judged callback and adds nothing the kit wants.
        self._timeout = timeout
        self._http = bounded_transport()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KitClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        direction: Direction = "to_system",
        meta: dict[str, Any] | None = None,
    ) -> Exchange:
        """Send one request and return the recorded exchange (``status`` None and ``error`` set on failure).

        ``timeout`` bounds the whole exchange, connect to last byte."""
        headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False)
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        body = content.encode() if isinstance(content, str) else (content or b"")
        headers = {**KIT_HEADERS, **headers}
        exchange = Exchange(
            direction=direction, actor=self.actor, method=method, url=url, request_headers=headers,
            request_body=_text(body), meta=dict(meta or {}),
        )
        started = time.perf_counter()
        try:
            request = httpx.Request(method, url, content=body, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            exchange.error = f"not sent: the URL cannot be used ({type(exc).__name__}: {str(exc)[:200]})"
            return self._recorded(exchange, started)
        exchange.url, exchange.request_headers = str(request.url), dict(request.headers)
        route = route_of(method, exchange.url)
        refusal = self.breaker.refusal(route)
        if refusal:
            exchange.error, exchange.meta["not_sent"] = refusal, "circuit open"
            return self._recorded(exchange, started)
        answer = bounded_exchange(self._http, request, total_s=self._timeout if timeout is None else timeout,
                                  max_body=self.max_body)
        self.breaker.record(route, timed_out=answer.timed_out)
        exchange.status = answer.status
        exchange.response_headers = answer.headers
        exchange.response_body = _text(answer.body)
        exchange.error = answer.error or redirect_problem(answer.status, answer.headers)
        return self._recorded(exchange, started)

    def _recorded(self, exchange: Exchange, started: float) -> Exchange:
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        if self.store is not None:
            self.store.record(exchange)
        return exchange


def _text(data: bytes) -> str:
    text = data[:_TEXT_LIMIT].decode("utf-8", errors="replace")
    return text if len(data) <= _TEXT_LIMIT else text + f"…[truncated, {len(data)} bytes]"
