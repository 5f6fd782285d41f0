"""The simulator's exchange log: every exchange it takes part in, kept in memory and in the session store.

Waiting is a condition wait: :meth:`ExchangeLog.wait` sleeps on an :class:`asyncio.Condition` that every
:meth:`ExchangeLog.record` notifies, so a waiter wakes as soon as a matching exchange exists and never
polls. Ids come from the session store when there is one (they are then comparable with ids recorded by
other processes in the same store), otherwise from a local counter.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from verification.recorder.store import Exchange, SessionStore

__all__ = ["ExchangeFilter", "ExchangeLog", "MAX_WAIT_S"]

MAX_WAIT_S = 60.0


@dataclass(frozen=True)
class ExchangeFilter:
    """Which exchanges a waiter wants; ``meta`` values are compared as strings."""

    direction: str | None = None
    actor: str | None = None
    method: str | None = None
    path: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)

    def matches(self, exchange: Exchange) -> bool:
        if self.direction and exchange.direction != self.direction:
            return False
        if self.actor and exchange.actor != self.actor:
            return False
        if self.method and exchange.method.upper() != self.method.upper():
            return False
        if self.path and not exchange.path.lower().rstrip("/").endswith(self.path.lower().rstrip("/")):
            return False
        return all(_same(exchange.meta.get(key), value) for key, value in self.meta.items())


def _same(actual: Any, wanted: str) -> bool:
    # str(True) is "True": compare case-insensitively so "true" from a query string matches.
    return actual is not None and str(actual).lower() == wanted.lower()


class ExchangeLog:
    """Append-only exchanges of this simulator, with an awaitable "something new" signal."""

    def __init__(self, store: SessionStore | None = None):
        self._store = store
        self._exchanges: list[Exchange] = []
        self._ids: list[int] = []  # the exchanges' ids, ascending: a waiter looks only past ``after``
        self._next_local_id = 1
        self._changed = asyncio.Condition()
        self.on_record: Callable[[Exchange], None] | None = None  # e.g. simulate's live request log

    async def record(self, exchange: Exchange, *, on_id: Callable[[int], None] | None = None) -> int:
        """Append ``exchange`` and wake the waiters; ``on_id(id)`` runs before they wake."""
        if self._store is not None:
            self._store.record(exchange)
        else:
            exchange.id = self._next_local_id
        self._next_local_id = (exchange.id or 0) + 1
        if on_id is not None:
            on_id(exchange.id or 0)
        async with self._changed:
            at = bisect.bisect_right(self._ids, exchange.id or 0)  # the end, unless records raced
            self._ids.insert(at, exchange.id or 0)
            self._exchanges.insert(at, exchange)
            self._changed.notify_all()
        if self.on_record is not None:
            self.on_record(exchange)
        return exchange.id or 0

    def last_id(self) -> int:
        return (self._exchanges[-1].id or 0) if self._exchanges else 0

    def matching(self, wanted: ExchangeFilter, *, after: int = 0) -> list[Exchange]:
        start = bisect.bisect_right(self._ids, after)
        return [ex for ex in self._exchanges[start:] if wanted.matches(ex)]

    async def wait(self, wanted: ExchangeFilter, *, after: int = 0, timeout: float = 10.0) -> list[Exchange]:
        """The matching exchanges after ``after``, as soon as there is one; ``[]`` at the timeout."""
        timeout = min(max(timeout, 0.0), MAX_WAIT_S)
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: bool(self.matching(wanted, after=after))), timeout
                )
            except TimeoutError:
                return []
        return self.matching(wanted, after=after)
