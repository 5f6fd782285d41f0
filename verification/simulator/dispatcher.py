"""Callback delivery to the ordering system (C1–C4) with a bounded retry policy.

One :class:`CallbackDispatcher` per simulator, one async httpx client. A delivery is successful only on a
2xx answer whose JSON body has ``success: true`` (member name matched case-insensitively, spec 1.5); a
non-2xx status, any other body, a timeout or a connection error is retried per
:class:`~verification.simulator.settings.RetryPolicy`, for the callbacks it names only (by default C2: the
guide documents no re-delivery of C1, C3 or C4; v12.1 says answers are re-sent "after some interval"). Every attempt is recorded as an exchange ``to_system`` by actor ``simulator`` with
``meta = {"callback": "C1", "attempt": n, …}``. The client ignores proxy environment variables: the
simulator talks to the system on the developer's own machine.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from verification.recorder.transport import AsyncRecordingTransport
from verification.spec.routes import CALLBACK_PATHS

from .exchange_log import ExchangeLog
from .settings import RetryPolicy, SimulatorSettings

__all__ = ["Attempt", "DeliveryOutcome", "CallbackDispatcher"]

@dataclass
class Attempt:
    number: int
    status: int | None
    success: bool
    latency_ms: float
    error: str | None = None
    exchange_id: int | None = None


@dataclass
class DeliveryOutcome:
    """What became of one callback: every attempt, and whether one succeeded."""

    callback: str
    url: str
    delivered: bool = False
    finished: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    skipped: str | None = None

    @property
    def final_status(self) -> int | None:
        return self.attempts[-1].status if self.attempts else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["final_status"] = self.final_status
        return data


def acknowledged(status: int, body: str) -> bool:
    """2xx with ``{"success": true}`` (any casing of the member name)."""
    if not 200 <= status < 300:
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    if not isinstance(parsed, dict):
        return False
    return any(key.lower() == "success" and value is True for key, value in parsed.items())


class CallbackDispatcher:
    """Sends callbacks to ``settings().callback_base_url`` and records every attempt."""

    def __init__(self, log: ExchangeLog, settings: Callable[[], SimulatorSettings]):
        self._log = log
        self._settings = settings
        self._transport: AsyncRecordingTransport | None = None

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    def _http(self) -> AsyncRecordingTransport:
        # The kit's one recording transport, without the client layer (no redirects, cookies or environment
        # proxies to handle): the callback path is the simulator's hot loop, and the client layer is half its
        # cost. Every attempt is recorded below, once its outcome is known.
        if self._transport is None:
            self._transport = AsyncRecordingTransport(actor="simulator", direction="to_system")
        return self._transport

    async def deliver(
        self,
        callback: str,
        body: Mapping[str, Any],
        *,
        meta: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        outcome: DeliveryOutcome | None = None,
    ) -> DeliveryOutcome:
        """PUT ``body`` to the callback path of ``callback`` until acknowledged or out of attempts.

        ``outcome`` (if given) is updated as attempts happen, each attempt before its exchange is recorded,
        so whoever wakes on the exchange sees the outcome up to date."""
        settings = self._settings()
        policy = settings.retry
        url = settings.callback_base_url.rstrip("/") + CALLBACK_PATHS[callback]
        outcome = outcome or DeliveryOutcome(callback, url)
        outcome.url = url
        payload = json.dumps(body, ensure_ascii=False)
        send_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        attempts = policy.attempts_for(callback)
        for number in range(1, attempts + 1):
            if number > 1:
                await asyncio.sleep(policy.backoff_before(number))  # the retry policy's pause, not a wait
            meta_now = {**(meta or {}), "callback": callback, "attempt": number}
            await self._attempt(url, payload, send_headers, policy, meta_now, outcome, last=number == attempts)
            if outcome.finished:
                break
        return outcome

    async def _attempt(
        self,
        url: str,
        payload: str,
        headers: dict[str, str],
        policy: RetryPolicy,
        meta: dict[str, Any],
        outcome: DeliveryOutcome,
        *,
        last: bool,
    ) -> None:
        request = httpx.Request("PUT", url, content=payload.encode("utf-8"), headers=headers)
        # A total deadline and a decoded body cap, whatever the system sends; a redirect is named in ``error``.
        exchange = await self._http().exchange(request, timeout=policy.timeout_s, meta=meta)
        success = exchange.status is not None and acknowledged(exchange.status, exchange.response_body)
        exchange.meta["acknowledged"] = success
        attempt = Attempt(
            number=meta["attempt"], status=exchange.status, success=success,
            latency_ms=round(exchange.latency_ms or 0.0, 1), error=exchange.error,
        )
        outcome.attempts.append(attempt)
        outcome.delivered = success
        outcome.finished = success or last
        await self._log.record(exchange, on_id=lambda exchange_id: setattr(attempt, "exchange_id", exchange_id))
