"""The kit's one recording transport: every request it sends becomes an :class:`Exchange`, within bounds.

:class:`RecordingTransport` (and :class:`AsyncRecordingTransport`, its twin for the simulator's event loop)
is an httpx transport wrapping httpx's own (no client layer: no redirects, cookies or environment proxies).
The kit's client (:mod:`.client`), the direct client (:mod:`verification.direct.client`) and the simulator's
callback dispatcher all send through it, so every exchange is bounded the same way, whatever the peer does:

- a *total* deadline per exchange, connect to last byte, enforced at each socket read and write (so one
  byte a second and never-ending chunked bodies end), further cut to what is left of the run's deadline;
- a cap on the body, counted after decoding (a gzip bomb stops at the cap, it is never inflated whole);
- redirects are never followed: the exchange says so in ``error``, so the check names the redirect;
- with a :class:`CircuitBreaker`, a route that timed out or was reset :data:`CIRCUIT_THRESHOLD` times in a
  row is not tried again: the cases that need it fail at once, saying why.

Network trouble never raises from :meth:`RecordingTransport.exchange`: a refused connection, a timeout or
a reset is an exchange with ``error`` set. Through an ``httpx.Client`` (:meth:`~RecordingTransport.handle_request`)
the exchange rides on ``response.extensions["eprom_exchange"]``, or on :class:`ExchangeFailed` when no
answer came. The texts of every such error have their home here (the ``*_problem`` functions).
"""

from __future__ import annotations

import asyncio
import contextvars
import re
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Self

import httpcore
import httpx

from .. import __version__
from ..errors import EpromVerifyError
from .store import Actor, Direction, Exchange

__all__ = [
    "CIRCUIT_THRESHOLD",
    "KIT_HEADERS",
    "MAX_BODY_BYTES",
    "RUN_DEADLINE_PASSED",
    "AsyncRecordingTransport",
    "CircuitBreaker",
    "ExchangeFailed",
    "RecordingClient",
    "RecordingTransport",
    "redirect_problem",
    "route_of",
    "run_time_left",
    "set_run_deadline",
    "unusable_url_problem",
]

KIT_HEADERS = {"User-Agent": f"eprom-verify/{__version__}", "Accept": "*/*"}
TEXT_LIMIT = 1_000_000  # bodies above 1 MB are truncated in the record, not in the request
MAX_BODY_BYTES = 2 * 1024 * 1024  # decoded; every ePROM answer and callback reply is a few hundred bytes
CIRCUIT_THRESHOLD = 2  # timeouts/resets in a row on one route before its cases fail fast
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_CHUNK = 16 * 1024  # at most this much compressed input is inflated at once (≤ ~16 MB even for a bomb)
EXCHANGE_EXTENSION = "eprom_exchange"  # where a response (or ExchangeFailed) carries its recorded exchange

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


# -- the texts of every exchange that went wrong (one home) ------------------------------------------------


def deadline_passed_problem() -> str:
    return f"not sent: {RUN_DEADLINE_PASSED}"


def unusable_url_problem(exc: BaseException) -> str:
    return f"not sent: the URL cannot be used ({type(exc).__name__}: {str(exc)[:200]})"


def too_large_problem(max_body: int) -> str:
    return f"answer body larger than {max_body:,} bytes (decoded); the kit stopped reading it"


def timeout_problem(total_s: float, exc: BaseException) -> str:
    what = type(exc).__name__
    return f"timeout after {round(total_s, 1):g} s: no complete answer within the exchange's deadline ({what})"


def undecodable_problem(encoding: str | None, exc: zlib.error) -> str:
    return f"answer body could not be decoded (Content-Encoding {encoding}): {exc}"


def network_problem(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def redirect_problem(status: int | None, headers: dict[str, str]) -> str | None:
    """The ``error`` of an answer that is a redirect: the kit never follows one (the check names it)."""
    if status not in REDIRECT_STATUSES:
        return None
    where = next((value for key, value in headers.items() if key.lower() == "location"), "")
    return f"HTTP {status} redirect to {where[:200] or '(no Location)'}; the kit never follows redirects"


def circuit_problem(route: str, count: int) -> str:
    return f"{route} timed out {count} times; not tried again"


# -- httpx's transport, with a network backend that honours the exchange's total deadline -----------------


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


# An idle connection is dropped after 1 s, well below the idle timeouts servers close at (uvicorn 5 s,
# gunicorn 2 s): at an equal timeout, a request sent as the server closes meets "connection reset", and a
# correct system would fail a check for the kit's reuse of a dying connection (a selftest false alarm).
KEEPALIVE_EXPIRY_S = 1.0


def bounded_http_transport(*, verify: Any = True, keepalive: int = 20) -> httpx.HTTPTransport:
    """httpx's transport without the client layer, whose sockets obey the exchange's total deadline."""
    transport = httpx.HTTPTransport(verify=verify, trust_env=False,
                                    limits=httpx.Limits(max_keepalive_connections=keepalive,
                                                        keepalive_expiry=KEEPALIVE_EXPIRY_S))
    # httpx has no parameter for the network backend; its pool reads this attribute for each new connection.
    pool = transport._pool  # noqa: SLF001
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpcore version has no pluggable network backend; pin httpcore 1.x")
    pool._network_backend = _DeadlineBackend()  # noqa: SLF001
    return transport


# -- reading an answer within the bounds ------------------------------------------------------------------


@dataclass
class _Answer:
    """What came back, within the bounds: ``status`` None when nothing did; ``error`` says what went wrong."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    timed_out: bool = False  # a timeout or reset: what the circuit breaker counts


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


def _in_memory(response: httpx.Response, max_body: int) -> bytes | None:
    """The body of a response built in-process (tests' transports), or None when it is still to be read."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    if len(content) > max_body:
        raise _BodyTooLarge
    return content


def _read_body(response: httpx.Response, max_body: int) -> bytes:
    content = _in_memory(response, max_body)
    if content is not None:
        return content
    decoder, body = _Decoder(response.headers.get("content-encoding", "")), bytearray()
    for raw in response.iter_raw(_CHUNK):
        for piece in decoder.decode(raw, max_body - len(body)):
            body += piece
        _left(None)  # a peer that keeps sending ends at the deadline even when each read is quick
    return bytes(body)


async def _aread_body(response: httpx.Response, max_body: int) -> bytes:
    content = _in_memory(response, max_body)
    if content is not None:
        return content
    decoder, body = _Decoder(response.headers.get("content-encoding", "")), bytearray()
    async for raw in response.aiter_raw(_CHUNK):
        for piece in decoder.decode(raw, max_body - len(body)):
            body += piece
    return bytes(body)


def _failure(answer: _Answer, exc: BaseException, total_s: float, max_body: int) -> None:
    """Fill ``answer`` for what ``exc`` says went wrong (the sync and async paths raise the same kinds)."""
    if isinstance(exc, _BodyTooLarge):
        answer.error = too_large_problem(max_body)
    elif isinstance(exc, (_DeadlineExpired, asyncio.TimeoutError, httpx.TimeoutException, httpcore.TimeoutException)):
        answer.timed_out, answer.error = True, timeout_problem(total_s, exc)
    elif isinstance(exc, zlib.error):
        answer.error = undecodable_problem(answer.headers.get("content-encoding"), exc)
    else:  # a network or protocol error: a reset counts for the breaker, a refused connection does not
        answer.timed_out = not isinstance(exc, (httpx.ConnectError, httpcore.ConnectError))
        answer.error = network_problem(exc)


_TROUBLE = (_BodyTooLarge, _DeadlineExpired, asyncio.TimeoutError, httpx.TimeoutException, httpcore.TimeoutException,
            zlib.error, httpx.HTTPError, httpcore.NetworkError, httpcore.ProtocolError)


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
        return circuit_problem(route, count) if count >= self.threshold else None

    def record(self, route: str, *, timed_out: bool) -> None:
        self._failures[route] = self._failures.get(route, 0) + 1 if timed_out else 0


# -- the recording transports ----------------------------------------------------------------------------


class ExchangeFailed(EpromVerifyError, httpx.TransportError):
    """No answer came (through ``httpx.Client``); ``exchange`` is the recorded exchange saying why."""

    def __init__(self, exchange: Exchange, request: httpx.Request) -> None:
        super().__init__(exchange.error or "no answer", request=request)
        self.exchange = exchange


def text_of(data: bytes) -> str:
    """A body as the record keeps it: UTF-8 (replacing what is not), truncated above :data:`TEXT_LIMIT`."""
    text = data[:TEXT_LIMIT].decode("utf-8", errors="replace")
    return text if len(data) <= TEXT_LIMIT else text + f"…[truncated, {len(data)} bytes]"


class _Recording:
    """What the sync and async transports share: the exchange before, the refusals, the exchange after."""

    def __init__(self, *, actor: Actor, direction: Direction, timeout: float, max_body: int,
                 breaker: CircuitBreaker | None, name_redirects: bool,
                 record: Callable[[Exchange], object] | None) -> None:
        self.actor = actor
        self.direction: Direction = direction
        self.timeout = timeout
        self.max_body = max_body
        self.breaker = breaker
        self.name_redirects = name_redirects
        self.record = record

    def _begin(self, request: httpx.Request, timeout: float | None, direction: Direction | None,
               meta: dict[str, Any] | None) -> tuple[Exchange, float, float, str | None]:
        """The exchange for ``request`` (``error`` set when it is not sent), its total deadline, its start,
        and its route when there is a breaker to count on it (the URL parsed once, by httpx, not again)."""
        started = time.perf_counter()
        exchange = Exchange(direction=direction or self.direction, actor=self.actor, method=request.method,
                            url=str(request.url), request_headers=dict(request.headers),
                            request_body=text_of(request.content), meta=dict(meta or {}))
        if timeout is None:
            timeout = request.extensions.get("eprom", {}).get("timeout", self.timeout)
        total_s = _limit(timeout)
        route = refusal = None
        if self.breaker is not None:
            route = route_of(request.method, request.url.path)
            refusal = self.breaker.refusal(route)
        if total_s <= 0:
            exchange.error = deadline_passed_problem()
        elif refusal:
            exchange.error, exchange.meta["not_sent"] = refusal, "circuit open"
        request.extensions = {**request.extensions, "timeout": httpx.Timeout(max(total_s, 0.001)).as_dict()}
        return exchange, total_s, started, route

    def _end(self, exchange: Exchange, answer: _Answer, started: float, route: str | None) -> Exchange:
        if route is not None:  # set exactly when there is a breaker to count on
            self.breaker.record(route, timed_out=answer.timed_out)
        exchange.status = answer.status
        exchange.response_headers = answer.headers
        exchange.response_body = text_of(answer.body)
        redirect = redirect_problem(answer.status, answer.headers) if self.name_redirects else None
        exchange.error = answer.error or redirect
        return self.recorded(exchange, started)

    def recorded(self, exchange: Exchange, started: float) -> Exchange:
        """``exchange`` with its latency since ``started`` (``time.perf_counter()``), handed to ``record``."""
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        if self.record is not None:
            self.record(exchange)
        return exchange

    @staticmethod
    def _response(request: httpx.Request, exchange: Exchange, body: bytes) -> httpx.Response:
        if exchange.status is None:
            raise ExchangeFailed(exchange, request)
        # The body is decoded already: the headers that described the wire form no longer apply.
        headers = [(key, value) for key, value in exchange.response_headers.items()
                   if key.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(exchange.status, headers=headers, content=body, request=request,
                              extensions={EXCHANGE_EXTENSION: exchange})


class RecordingTransport(_Recording, httpx.BaseTransport):
    """Sends through ``inner`` (default: httpx's, with the total deadline) and turns each request into an
    :class:`Exchange`, bounded as the module says; ``record`` (e.g. ``SessionStore.record``) gets each one.

    ``name_redirects=False`` leaves a 3xx without ``error`` (the direct client follows allowed redirects
    by hand); ``breaker`` enables circuit breaking per route. Per request, ``request.extensions["eprom"]``
    may hold ``{"timeout": seconds}``."""

    def __init__(self, *, actor: Actor = "kit", direction: Direction = "to_system", timeout: float = 10.0,
                 max_body: int = MAX_BODY_BYTES, breaker: CircuitBreaker | None = None,
                 name_redirects: bool = True, record: Callable[[Exchange], object] | None = None,
                 inner: httpx.BaseTransport | None = None, verify: Any = True) -> None:
        super().__init__(actor=actor, direction=direction, timeout=timeout, max_body=max_body, breaker=breaker,
                         name_redirects=name_redirects, record=record)
        self.inner = inner if inner is not None else bounded_http_transport(verify=verify)

    def exchange(self, request: httpx.Request, *, timeout: float | None = None,
                 direction: Direction | None = None, meta: dict[str, Any] | None = None) -> Exchange:
        """Send ``request`` within ``timeout`` seconds in all (default: the transport's); the exchange,
        recorded (``status`` None and ``error`` set when nothing came back). Never raises for network
        trouble or a misbehaving peer."""
        return self._exchange(request, timeout, direction, meta)[0]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange, body = self._exchange(request, None, None, None)
        return self._response(request, exchange, body)

    def _exchange(self, request: httpx.Request, timeout: float | None, direction: Direction | None,
                  meta: dict[str, Any] | None) -> tuple[Exchange, bytes]:
        exchange, total_s, started, route = self._begin(request, timeout, direction, meta)
        if exchange.error:  # refused before sending
            return self.recorded(exchange, started), b""
        answer = _Answer()
        token = _exchange_deadline.set(time.monotonic() + total_s)
        try:
            response = self.inner.handle_request(request)
            answer.status, answer.headers = response.status_code, dict(response.headers)
            try:
                answer.body = _read_body(response, self.max_body)
            finally:
                response.close()
        except _TROUBLE as exc:
            _failure(answer, exc, total_s, self.max_body)
        finally:
            _exchange_deadline.reset(token)
        return self._end(exchange, answer, started, route), answer.body

    def close(self) -> None:
        self.inner.close()


class AsyncRecordingTransport(_Recording, httpx.AsyncBaseTransport):
    """:class:`RecordingTransport` for an event loop (the simulator's callbacks): the deadline is a
    cancellation. ``record`` is not awaited; a caller that records asynchronously passes none."""

    def __init__(self, *, actor: Actor = "simulator", direction: Direction = "to_system", timeout: float = 10.0,
                 max_body: int = MAX_BODY_BYTES, breaker: CircuitBreaker | None = None,
                 name_redirects: bool = True, record: Callable[[Exchange], object] | None = None,
                 inner: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(actor=actor, direction=direction, timeout=timeout, max_body=max_body, breaker=breaker,
                         name_redirects=name_redirects, record=record)
        self.inner = inner if inner is not None else httpx.AsyncHTTPTransport(
            trust_env=False, limits=httpx.Limits(max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY_S))

    async def exchange(self, request: httpx.Request, *, timeout: float | None = None,
                       direction: Direction | None = None, meta: dict[str, Any] | None = None) -> Exchange:
        return (await self._exchange(request, timeout, direction, meta))[0]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange, body = await self._exchange(request, None, None, None)
        return self._response(request, exchange, body)

    async def _exchange(self, request: httpx.Request, timeout: float | None, direction: Direction | None,
                        meta: dict[str, Any] | None) -> tuple[Exchange, bytes]:
        exchange, total_s, started, route = self._begin(request, timeout, direction, meta)
        if exchange.error:  # refused before sending
            return self.recorded(exchange, started), b""
        answer = _Answer()

        async def send() -> None:
            response = await self.inner.handle_async_request(request)
            answer.status, answer.headers = response.status_code, dict(response.headers)
            try:
                answer.body = await _aread_body(response, self.max_body)
            finally:
                await response.aclose()

        try:
            await asyncio.wait_for(send(), total_s)
        except _TROUBLE as exc:
            _failure(answer, exc, total_s, self.max_body)
        return self._end(exchange, answer, started, route), answer.body

    async def aclose(self) -> None:
        await self.inner.aclose()


class RecordingClient:
    """What a client over a :class:`RecordingTransport` (``self._http``) shares: ``close`` and ``with``."""

    _http: RecordingTransport

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
