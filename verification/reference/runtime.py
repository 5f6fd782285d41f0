"""What a running reference system holds: its settings, database, ePROM client and background work."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from .behaviour import CORRECT, Behaviour
from .outbound import EpromClient
from .store import ReferenceStore

__all__ = ["ReferenceSettings", "Runtime"]

_WAIT_FOR_PLACEMENT_S = 15.0  # a callback may overtake the E1 answer it belongs to (1.2); wait this long


@dataclass(frozen=True)
class ReferenceSettings:
    """Everything a reference system needs to start; picklable, so it can cross into its own process."""

    eprom_base_url: str
    api_key: str = field(repr=False)
    behaviour: Behaviour = CORRECT
    db_path: str | None = None

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("the reference system needs a non-empty API key")


class Runtime:
    """Per-process state shared by the request handlers (one event loop, so no locks beyond the store's)."""

    def __init__(self, settings: ReferenceSettings, store: ReferenceStore, eprom: EpromClient):
        self.settings = settings
        self.behaviour = settings.behaviour
        self.store = store
        self.eprom = eprom
        self.changed = asyncio.Condition()  # notified after every change a probe or a callback may wait for
        self.placing = 0  # E1/E3 calls in flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._trigger_locks: dict[str, asyncio.Lock] = {}
        self.seen: set[str] = set()  # the racy_dedup fault's in-memory "already processed" set

    def dedup_key(self, *parts: object) -> str:
        """The idempotency key of a callback; the ``stores_duplicates`` fault makes every key unique."""
        key = "|".join("" if part is None else str(part) for part in parts)
        return f"{key}|{uuid.uuid4().hex}" if self.behaviour.stores_duplicates else key

    def trigger_lock(self, trigger_key: str) -> asyncio.Lock:
        return self._trigger_locks.setdefault(trigger_key, asyncio.Lock())

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background, apart from the answer being sent; cancelled at shutdown."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait (bounded) until ``predicate()`` holds after some change; return whether it does."""
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(predicate), timeout)
            except TimeoutError:
                pass
            return predicate()

    @asynccontextmanager
    async def placement(self) -> AsyncIterator[None]:
        """Marks an E1/E3 in flight, so a callback that overtakes its answer waits instead of failing."""
        self.placing += 1
        try:
            yield
        finally:
            self.placing -= 1
            await self.notify()

    async def placements_done(self) -> bool:
        """If an E1/E3 is in flight, wait for it to finish; True when there was one to wait for."""
        if self.placing == 0:
            return False
        await self.wait_until(lambda: self.placing == 0, _WAIT_FOR_PLACEMENT_S)
        return True

    async def shutdown(self, timeout: float = 2.0) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
