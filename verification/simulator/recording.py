"""ASGI middleware that records every request the ordering system sends to the simulator.

Each request outside ``/_sim/`` becomes one exchange ``to_eprom`` by actor ``system``: headers, body,
status, response, latency, and ``meta`` (the endpoint id, findings, the order id). The body is read in
full before the handler runs, so a request rejected before its body is parsed is still recorded whole.
The exchange is recorded just before the last response byte is sent (so a client holding the answer finds
the exchange); work a handler registered with :func:`after_response` (e.g. the C1 callback) starts after
that byte is sent, so the log always shows the answer before the callbacks it caused.

Admin calls (``/_sim/``) are the kit's own instrument and are not recorded: what they cause (callbacks)
is recorded by the dispatcher, and their answers report the delivery outcome directly.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verification.recorder.store import Exchange, now_iso

from .state import SimulatorState

__all__ = ["RecordingMiddleware", "add_finding", "set_meta", "after_response", "ADMIN_PREFIX"]

ADMIN_PREFIX = "/_sim"
_META, _AFTER = "eprom.meta", "eprom.after"


def set_meta(request: Request, **values: Any) -> None:
    request.scope.setdefault(_META, {}).update(values)


def add_finding(request: Request, finding: str) -> None:
    """Note a deviation on this request's exchange: ``meta.findings`` (all) and ``meta.finding`` (first)."""
    meta = request.scope.setdefault(_META, {})
    findings = meta.setdefault("findings", [])
    if finding not in findings:
        findings.append(finding)
    meta.setdefault("finding", finding)


def after_response(request: Request, work: Callable[[], Awaitable[Any]]) -> None:
    """Run ``work`` once the answer is sent and recorded."""
    request.scope.setdefault(_AFTER, []).append(work)


def _body_text(body: bytes, content_type: str) -> str:
    """Text bodies as text; binary ones (the E2 PDF) as a one-line summary with their digest."""
    if not body or "json" in content_type or content_type.startswith("text/"):
        return body.decode("utf-8", errors="replace")
    return f"<{len(body)} bytes {content_type or 'binary'} sha256={hashlib.sha256(body).hexdigest()}>"


def _is_admin(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def _url(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 80)))
    query = scope.get("query_string", b"").decode("latin-1")
    raw = scope.get("raw_path") or scope["path"].encode()
    return f"{scope.get('scheme', 'http')}://{host}{raw.decode('latin-1')}" + (f"?{query}" if query else "")


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(parts), True
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts), False


class RecordingMiddleware:
    """Records system → simulator traffic into the simulator's exchange log."""

    def __init__(self, app: ASGIApp, state: SimulatorState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        started_at, started = now_iso(), time.perf_counter()
        body, disconnected = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        exchange = Exchange(
            direction="to_eprom", actor="system", method=scope["method"], url=_url(scope, headers),
            request_headers=headers, request_body=body.decode("utf-8", errors="replace"), started_at=started_at,
        )
        scope[_META], scope[_AFTER] = {}, []
        response_body: list[bytes] = []
        recorded = False

        async def replay() -> Message:
            nonlocal disconnected
            if not disconnected:
                disconnected = True  # the body once, then whatever the client does next
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                response_body.append(message.get("body", b""))
            last = message["type"] == "http.response.body" and not message.get("more_body", False)
            if last:  # recorded before the last byte leaves: whoever has the answer finds the exchange
                recorded = True
                await self._finish(exchange, scope, response_body, started)
            await send(message)
            if last:
                self._start_after_work(scope)

        try:
            await self.app(scope, replay, capture)
        except Exception as exc:
            if not recorded:
                exchange.status = exchange.status or 500
                exchange.error = f"simulator error: {type(exc).__name__}: {exc}"
                scope[_META].setdefault("finding", "simulator internal error")
                await self._finish(exchange, scope, response_body, started)
            raise

    async def _finish(self, exchange: Exchange, scope: Scope, body: list[bytes], started: float) -> None:
        exchange.response_body = _body_text(b"".join(body), exchange.response_headers.get("content-type", ""))
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        exchange.meta = dict(scope[_META])
        await self.state.log.record(exchange)

    def _start_after_work(self, scope: Scope) -> None:
        for work in scope[_AFTER]:
            self.state.spawn(work())
