"""httpcore asks which event loop runs on every async request (``import sniffio`` each time): without
sniffio installed each request searched sys.path four times, and the simulator's callbacks and the relay
cost twice the CPU. sniffio is a dependency; this fails when it goes missing."""

from __future__ import annotations

import asyncio
import sys

from httpcore._synchronization import current_async_library


def test_httpcore_finds_the_event_loop_without_a_failed_import():
    assert asyncio.run(_library()) == "asyncio"
    assert sys.modules.get("sniffio") is not None  # found once, then a dictionary look-up


async def _library() -> str:
    return current_async_library()
