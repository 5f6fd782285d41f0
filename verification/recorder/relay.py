"""The recording relay for real-environment sessions (``eprom-verify relay TARGET.yaml``).

A reverse proxy with two faces, both on real sockets, served by one uvicorn server::

    ordering system ──► ePROM face (eprom.listen) ──► eprom.upstream (ePROM test/QA)
    ePROM ──► eprom.public_url ──► callback face (eprom.callback_listen) ──► bestillersystem.callback_base_url

Every request and its answer (or the transport error in its place) is recorded in the session store as an
exchange by actor ``relay``: direction ``to_eprom`` for the ePROM face, ``to_system`` for the callback face,
with the endpoint (``E1``…) or callback kind (``C1``…) and the order id in ``meta``. The exchange is
recorded before the answer is passed on, so whoever holds the answer finds it in the store; an answer the
caller no longer waits for (it timed out) is recorded all the same: it shows what ePROM did.

Forwarding rules: the path is forwarded as received, after ePROM's own prefixes (``/promswebapi``,
``/webapi``) are stripped and the upstream's base put in front (so the system may point at the relay with
or without the prefix); on the callback face the public URL's path prefix is stripped. Hop-by-hop headers
are dropped, everything else (the ``Authorization`` header too) passes unchanged; the upstream is asked
for an uncompressed answer so what is recorded is what was sent. Redirects are never followed (a 3xx goes
back to the caller as it came), so the key never travels to another host through the relay; TLS
certificates are verified. An unreachable target is answered 502, a target that does not answer in time
504, both as JSON ``{"error": …}`` and recorded with the error.

The relay keeps no state of its own: everything is in the store, so a restart on the same session folder
simply goes on appending (``--session DIR``).
"""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import serving
from ..errors import UsageError
from ..spec.routes import PREFIXES
from .store import Exchange, SessionStore, now_iso

__all__ = [
    "RelaySettings", "RelayApp", "RelayHandle", "RelayError", "run_relay", "serve_relay", "bind",
    "describe_to_eprom", "describe_to_system",
]

_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "content-encoding",
})
_STARTUP_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 5.0


class RelayError(UsageError, RuntimeError):
    """The relay could not start (a port in use, …)."""


@dataclass(frozen=True)
class RelaySettings:
    """Where the relay forwards to, where it records, and its time limits."""

    upstream: str  # ePROM base URL, e.g. https://proms.hemitdev.org/promswebapi
    system_base_url: str  # the ordering system's callback_base_url
    store_path: str
    session: str = ""
    public_url: str | None = None  # only its path prefix matters here
    upstream_timeout_s: float = 120.0  # generous: the system's own timeout decides what it waits for
    system_timeout_s: float = 120.0

    @classmethod
    def from_target(cls, target: Any, *, store_path: str, session: str = "") -> RelaySettings:
        return cls(upstream=target.eprom.upstream, system_base_url=target.bestillersystem.callback_base_url,
                   store_path=store_path, session=session, public_url=target.eprom.public_url)


def _strip_prefix(path: str, prefixes: tuple[str, ...]) -> str:
    lowered = path.lower()
    for prefix in prefixes:
        if prefix and (lowered == prefix.lower() or lowered.startswith(prefix.lower() + "/")):
            return path[len(prefix):] or "/"
    return path


def _forwarded_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
    return [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP] + [("accept-encoding", "identity")]


def _answer_headers(response: httpx.Response, body: bytes) -> list[tuple[bytes, bytes]]:
    kept = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.multi_items()
            if k.lower() not in _HOP_BY_HOP]
    return kept + [(b"content-length", str(len(body)).encode())]


def _text(data: bytes, content_type: str) -> str:
    if not data or "json" in content_type or content_type.startswith("text/") or not content_type:
        return data.decode("utf-8", errors="replace")
    return f"<{len(data)} bytes {content_type} sha256={hashlib.sha256(data).hexdigest()}>"


class _Face:
    """One direction: read the request, forward it, record the exchange, answer the caller."""

    def __init__(self, *, direction: str, target_base: str, strip: tuple[str, ...], store: SessionStore,
                 timeout_s: float, describe: Callable[[Exchange], dict[str, Any]]):
        self.direction = direction
        self.target_base = target_base.rstrip("/")
        self.strip = strip
        self.store = store
        self.describe = describe
        # httpx's transport without the client layer: no redirects followed, no cookies, no environment
        # proxies, TLS verified; a third less latency per request than AsyncClient (bench/relay_bench.py).
        self.transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=20))
        self.timeout = httpx.Timeout(timeout_s, connect=10.0).as_dict()

    def target_url(self, scope: dict[str, Any]) -> str:
        path = _strip_prefix(scope["path"], self.strip)
        query = scope.get("query_string", b"").decode("latin-1")
        return self.target_base + path + (f"?{query}" if query else "")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await _read_body(receive)
        url = self.target_url(scope)
        received = scope.get("headers", [])
        headers = _forwarded_headers(received)
        exchange = Exchange(
            direction=self.direction, actor="relay", method=scope["method"], url=url,  # type: ignore[arg-type]
            request_headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in received},
            request_body=body.decode("utf-8", errors="replace"), started_at=now_iso(),
        )
        started = time.perf_counter()
        status, answer_headers, answer = await self._forward(exchange, url, headers, body)
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        exchange.meta = {"received_path": scope["path"], **self._describe(exchange)}
        self._record(exchange)  # before the answer leaves: whoever has it finds the exchange
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        await send({"type": "http.response.body", "body": answer})

    async def _forward(
        self, exchange: Exchange, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        request = httpx.Request(exchange.method, url, headers=headers, content=body,
                                extensions={"timeout": self.timeout})
        try:
            response = await self.transport.handle_async_request(request)
            await response.aread()
        except httpx.TimeoutException as exc:
            return self._failed(exchange, 504, f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return self._failed(exchange, 502, f"{type(exc).__name__}: {exc}")
        exchange.status = response.status_code
        exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
        exchange.response_body = _text(response.content, response.headers.get("content-type", ""))
        return response.status_code, _answer_headers(response, response.content), response.content

    def _failed(self, exchange: Exchange, status: int, error: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        exchange.error = error
        answer = json.dumps({"error": f"eprom-verify relay: {error}"}).encode()
        return status, [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())], answer

    def _record(self, exchange: Exchange) -> None:
        try:
            self.store.record(exchange)
        except sqlite3.Error as exc:  # the caller still gets its answer; the gap is reported, never silent
            print(f"eprom-verify relay: NOT RECORDED {exchange.method} {exchange.url}: {exc}", file=sys.stderr,
                  flush=True)

    def _describe(self, exchange: Exchange) -> dict[str, Any]:
        try:
            return self.describe(exchange)
        except Exception:  # noqa: BLE001 - a description is a convenience; the exchange is recorded regardless
            return {}

    async def close(self) -> None:
        await self.transport.aclose()


async def _read_body(receive: Any) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def describe_to_eprom(exchange: Exchange) -> dict[str, Any]:
    """``endpoint`` and, for an E1 answered with an order id, ``formOrderId`` (read cheaply: this runs on
    every request; the checks read the answer properly)."""
    from ..spec.payloads import is_guid, is_zero_guid, member
    from ..spec.routes import endpoint_of

    endpoint = endpoint_of(exchange.method, exchange.path)
    meta: dict[str, Any] = {"endpoint": endpoint} if endpoint else {}
    answer = exchange.json_response() if endpoint == "E1" and 200 <= (exchange.status or 0) < 300 else None
    order_id = member(answer, "id", None) if isinstance(answer, dict) else None
    if is_guid(order_id) and not is_zero_guid(order_id):
        meta["formOrderId"] = order_id.lower()
    return meta


def describe_to_system(exchange: Exchange) -> dict[str, Any]:
    """``callback`` (C1…C4) and the id it concerns (``formOrderId`` / ``messageToCitizenId``)."""
    from ..spec.payloads import PayloadError, classify_promsformorder, member
    from ..spec.routes import callback_of

    kind = callback_of(exchange.path)
    body = exchange.json_request()
    body = body if isinstance(body, dict) else {}
    if kind == "C1/C2":
        meta: dict[str, Any] = {}
        try:
            meta["callback"] = classify_promsformorder(exchange.request_body)
        except PayloadError:
            meta["callback"] = "C1/C2"  # unreadable: the checks say why
        order_id = member(body, "formOrderId", None)
        if isinstance(order_id, str):
            meta["formOrderId"] = order_id.lower()
        return meta
    if kind == "C3":
        message_id = member(body, "messageToCitizenId", None)
        return {"callback": "C3", **({"messageToCitizenId": message_id} if isinstance(message_id, str) else {})}
    if kind == "C4":
        return {"callback": "C4"}
    return {}


class RelayApp:
    """One ASGI app for both faces; a connection's face is the socket (port) it came in on."""

    def __init__(self, settings: RelaySettings, store: SessionStore, *, eprom_port: int, callback_port: int):
        public_prefix = urlsplit(settings.public_url).path.rstrip("/") if settings.public_url else ""
        self.faces = {
            eprom_port: _Face(direction="to_eprom", target_base=settings.upstream, strip=PREFIXES,
                              store=store, timeout_s=settings.upstream_timeout_s, describe=describe_to_eprom),
            callback_port: _Face(direction="to_system", target_base=settings.system_base_url,
                                 strip=(public_prefix,), store=store, timeout_s=settings.system_timeout_s,
                                 describe=describe_to_system),
        }

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        face = self.faces.get((scope.get("server") or ("", 0))[1])
        if face is None:  # cannot happen with the two sockets the relay binds; answer rather than hang
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await face(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for face in self.faces.values():
                    await face.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0: the OS chooses; read it back with ``getsockname()``)."""
    try:
        return serving.bind(host, port)
    except serving.ServingError as exc:
        raise RelayError(str(exc)) from None


# The answers carry the target's own Server and Date headers, not uvicorn's.
_SERVER_OPTIONS: dict[str, Any] = {"server_header": False, "date_header": False}


@dataclass
class RelayHandle:
    """A relay running in a background thread: its two faces' URLs and a bounded stop."""

    eprom_url: str
    callback_url: str
    store: SessionStore  # the relay's own connection: ``store.wait_for`` wakes on its records
    _running: serving.ServerThread

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        self._running.stop(timeout)


@contextmanager
def run_relay(
    settings: RelaySettings,
    *,
    eprom_socket: socket.socket | None = None,
    callback_socket: socket.socket | None = None,
    host: str = "127.0.0.1",
) -> Iterator[RelayHandle]:
    """The relay in a background thread of this process (tests, the bench); sockets may be bound first,
    so their URLs can be handed to the simulator and the system before the relay knows theirs."""
    eprom_socket = eprom_socket or bind(host, 0)
    callback_socket = callback_socket or bind(host, 0)
    with SessionStore(settings.store_path, session=settings.session) as store:
        app = RelayApp(settings, store, eprom_port=eprom_socket.getsockname()[1],
                       callback_port=callback_socket.getsockname()[1])
        try:
            running = serving.start_in_thread(app, [eprom_socket, callback_socket], name="eprom-relay",
                                              startup_timeout=_STARTUP_TIMEOUT_S, **_SERVER_OPTIONS)
        except serving.ServingError as exc:
            raise RelayError(f"relay did not start: {exc}") from None
        handle = RelayHandle(serving.socket_url(eprom_socket), serving.socket_url(callback_socket), store, running)
        try:
            yield handle
        finally:
            handle.stop()
            for sock in (eprom_socket, callback_socket):
                sock.close()


def serve_relay(
    settings: RelaySettings,
    *,
    eprom_listen: tuple[str, int],
    callback_listen: tuple[str, int],
    on_ready: Callable[[str, str], None],
) -> None:
    """The relay in the foreground until Ctrl-C / SIGTERM (``eprom-verify relay``)."""
    eprom_socket, callback_socket = bind(*eprom_listen), bind(*callback_listen)
    with SessionStore(settings.store_path, session=settings.session) as store:
        app = RelayApp(settings, store, eprom_port=eprom_socket.getsockname()[1],
                       callback_port=callback_socket.getsockname()[1])
        urls = serving.socket_url(eprom_socket), serving.socket_url(callback_socket)
        server = serving.ready_server(app, lambda: on_ready(*urls), **_SERVER_OPTIONS)
        server.run(sockets=[eprom_socket, callback_socket])
