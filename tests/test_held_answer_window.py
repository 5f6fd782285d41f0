"""The duplicate window of the slow-ePROM case: it ends SETTLE_S after the held answer is recorded (an event),
and reaches to the margin only while that record has not shown (a bound, never a fixed wait)."""

from __future__ import annotations

import time
from typing import Any

from verification.scenarios.sender import E1_PATH, _collect


class RecordedBatches:
    """A simulator handle whose ``wait`` hands out prepared batches and notes the timeout it was given."""

    def __init__(self, *batches: list[dict[str, Any]]) -> None:
        self.batches = list(batches)
        self.timeouts: list[float] = []

    def wait(self, *, after: int, timeout: float, **filters: Any) -> list[dict[str, Any]]:
        self.timeouts.append(timeout)
        return self.batches.pop(0) if self.batches else []


def test_the_window_ends_soon_after_the_held_answer_is_recorded():
    retry = {"id": 1, "meta": {"endpoint": "E1"}}  # a client that gave up sends the order again
    held = {"id": 2, "meta": {"endpoint": "E1", "fault": "delay"}}  # the held-back answer, sent at last
    simulator = RecordedBatches([retry], [held])
    found, _ = _collect(simulator, after=0, timeout=5.0, path=E1_PATH, matches=lambda ex: True, settle_s=0.2,
                        settle_until=time.monotonic() + 30)
    assert [ex["id"] for ex in found] == [1, 2]
    first, while_held, after_held = simulator.timeouts
    assert while_held > 20  # the held answer is not recorded yet: the window reaches past it
    assert after_held <= 0.2  # recorded: only the settle window for a duplicate is left


def test_without_a_held_answer_the_margin_still_bounds_the_window():
    simulator = RecordedBatches([{"id": 1, "meta": {"endpoint": "E1"}}])
    _collect(simulator, after=0, timeout=5.0, path=E1_PATH, matches=lambda ex: True, settle_s=0.2,
             settle_until=time.monotonic() + 0.5)
    assert 0.2 < simulator.timeouts[1] <= 0.5
