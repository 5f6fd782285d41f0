"""The kit's own HTTP client: every request it sends is recorded in the session store, answered or not.

:meth:`KitClient.send` never raises for network trouble: a refused connection, a timeout or a reset
becomes an :class:`Exchange` with ``error`` set, so a misbehaving system under verification turns into a
failed check that says what was sent and what happened, never a traceback. It sends through the kit's one
recording transport (:mod:`.transport`), with a circuit breaker per route: every answer is bounded (a
total deadline, a decoded body cap, redirects named and never followed).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .store import Actor, Direction, Exchange, SessionStore
from .transport import KIT_HEADERS, MAX_BODY_BYTES, RecordingClient, RecordingTransport, text_of, unusable_url_problem
from .transport import RUN_DEADLINE_PASSED, CircuitBreaker, run_time_left, set_run_deadline  # noqa: F401

# The run deadline and the breaker lived here first: still importable from here.
__all__ = ["KitClient", "CircuitBreaker", "RUN_DEADLINE_PASSED", "run_time_left", "set_run_deadline"]


# -- the kit's client --------------------------------------------------------------------------------------


class KitClient(RecordingClient):
    """Sends requests for the kit (callbacks as ePROM, triggers, probes) and records each one."""

    def __init__(self, store: SessionStore | None, *, timeout: float = 10.0, actor: Actor = "kit",
                 max_body: int = MAX_BODY_BYTES):
        self.store = store
        self.actor = actor
        self.max_body = max_body
        self.breaker = CircuitBreaker()
        self._http = RecordingTransport(actor=actor, timeout=timeout, max_body=max_body, breaker=self.breaker,
                                        record=store.record if store is not None else None)

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
        try:
            request = httpx.Request(method, url, content=body, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            return self._unsendable(method, url, headers, body, direction, meta, exc)
        return self._http.exchange(request, timeout=timeout, direction=direction, meta=meta)

    def _unsendable(self, method: str, url: str, headers: dict[str, str], body: bytes, direction: Direction,
                    meta: dict[str, Any] | None, exc: BaseException) -> Exchange:
        """The record of a request httpx cannot even build (a URL that is no URL)."""
        exchange = Exchange(direction=direction, actor=self.actor, method=method, url=url, request_headers=headers,
                            request_body=text_of(body), meta=dict(meta or {}), error=unusable_url_problem(exc))
        return self._http.recorded(exchange, time.perf_counter())
