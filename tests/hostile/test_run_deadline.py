"""The run's one clock: handed from `eprom-verify run` to its pytest, cutting every wait, stopping a case
that asks for time once none is left."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from verification import deadline
from verification.config import parse_target
from verification.recorder.client import run_time_left, set_run_deadline
from verification.system import SystemUnderVerification


@pytest.fixture(autouse=True)
def no_clock_left_behind() -> Iterator[None]:
    yield
    set_run_deadline(None)


def test_the_pytest_process_continues_the_clock_the_runner_started() -> None:
    handed_over = deadline.start(300)
    left = deadline.stop()
    assert run_time_left() is None and 299 < left <= 300  # from now: the caller may be a long-lived process
    deadline.inherit(300, handed_over)
    assert run_time_left() == pytest.approx(left, abs=0.5)
    a_second_later = {deadline.DEADLINE_VARIABLE: repr(float(handed_over[deadline.DEADLINE_VARIABLE]) - 1)}
    deadline.inherit(300, a_second_later)  # the time the child took to start counts
    assert run_time_left() == pytest.approx(left - 1, abs=0.5)


def test_without_a_runner_the_clock_starts_in_pytest() -> None:
    deadline.inherit(8, {})
    assert 7.5 < run_time_left() <= 8
    deadline.inherit(8, {deadline.DEADLINE_VARIABLE: "not a number"})
    assert 7.5 < run_time_left() <= 8


def test_every_wait_is_cut_to_what_is_left() -> None:
    assert deadline.capped(30) == 30 and deadline.ensure_time_left() is None  # no run, no cut
    set_run_deadline(time.monotonic() + 2)
    assert 1 < deadline.capped(30) <= 2 and deadline.capped(0.5) == 0.5
    set_run_deadline(time.monotonic() - 1)
    assert deadline.capped(30) == 0
    with pytest.raises(deadline.RunDeadlinePassed, match=r"budgets.run_s\) has passed \(simulator GET /wait\)"):
        deadline.ensure_time_left("simulator GET /wait")


def test_a_case_asking_the_system_for_more_once_the_time_is_up_stops_there(tmp_path) -> None:
    from verification.recorder.store import SessionStore

    target = parse_target({
        "name": "any", "environment": "test", "api_key": "k" * 20,
        "bestillersystem": {"callback_base_url": "http://127.0.0.1:9", "capabilities": ["formorder"],
                            "trigger": {"url": "http://127.0.0.1:9/_trigger/order"},
                            "probe": {"status": "http://127.0.0.1:9/_probe/status/{formOrderId}"}},
        "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False,
                   "paper": False}],
        "test_persons": ["26670271527"],
    })
    set_run_deadline(time.monotonic() - 1)
    with SessionStore(tmp_path / "session.sqlite", session="deadline") as store:
        system = SystemUnderVerification(target, store)
        try:
            for ask in (lambda: system.send_callback("C1", {}), lambda: system.trigger({}),
                        lambda: system.probe("status", "x")):
                with pytest.raises(deadline.RunDeadlinePassed):
                    ask()
        finally:
            system.close()
        assert store.count() == 0  # nothing was sent, so nothing recorded
    assert not issubclass(deadline.RunDeadlinePassed, Exception)  # a scenario's `except Exception` lets it through
