"""The kit's own HTTP client: every request it sends is recorded in the session store, answered or not.

:meth:`KitClient.send` never raises for network trouble: a refused connection, a timeout or a reset
becomes an :class:`Exchange` with ``error`` set, so a misbehaving system under verification turns into a
failed check that says what was sent and what happened, never a traceback.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .. import __version__
from .store import Actor, Direction, Exchange, SessionStore

__all__ = ["KitClient"]

_DEFAULT_HEADERS = {"User-Agent": f"eprom-verify/{__version__}", "Accept": "*/*"}
_TEXT_LIMIT = 1_000_000  # bodies above 1 MB are truncated in the record, not in the request


class KitClient:
    """Sends requests for the kit (callbacks as ePROM, triggers, probes) and records each one."""

    def __init__(self, store: SessionStore | None, *, timeout: float = 10.0, actor: Actor = "kit"):
        self.store = store
        self.actor = actor
        # httpx's transport without the client layer: the kit never follows redirects, keeps no cookies and
        # ignores environment proxies, and the client layer would double the cost of each judged callback.
        self._timeout = httpx.Timeout(timeout)
        self._http = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=20))

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
        """Send one request and return the recorded exchange (``status`` None and ``error`` set on failure)."""
        headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False)
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        body = content.encode() if isinstance(content, str) else (content or b"")
        headers = {**_DEFAULT_HEADERS, **headers}
        limit = httpx.Timeout(timeout) if timeout is not None else self._timeout
        exchange = Exchange(
            direction=direction, actor=self.actor, method=method, url=url, request_headers=headers,
            request_body=_text(body), meta=dict(meta or {}),
        )
        started = time.perf_counter()
        try:
            request = httpx.Request(method, url, content=body, headers=headers, extensions={"timeout": limit.as_dict()})
            exchange.url, exchange.request_headers = str(request.url), dict(request.headers)
            response = self._http.handle_request(request)
            response.read()
            exchange.status = response.status_code
            exchange.response_headers = dict(response.headers)
            exchange.response_body = _text(response.content)
        except httpx.TimeoutException as exc:
            exchange.error = f"timeout after {limit.read}s ({type(exc).__name__})"
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        if self.store is not None:
            self.store.record(exchange)
        return exchange


def _text(data: bytes) -> str:
    text = data[:_TEXT_LIMIT].decode("utf-8", errors="replace")
    return text if len(data) <= _TEXT_LIMIT else text + f"…[truncated, {len(data)} bytes]"
