"""The run's deadline (``budgets.run_s``): one clock that every wait of a run consults.

``eprom-verify run`` starts it before the doctor (:func:`start`) and hands it to its pytest process
(:data:`DEADLINE_VARIABLE`), so the doctor, pytest's start-up, the simulator's start and the cases all
count. Every wait is cut to what is left (:func:`capped`): exchanges and commands end at the deadline
with an error the check reports; a case that asks for more time once none is left is stopped at once with
:class:`RunDeadlinePassed` (the plugin reports it as not run, with the reason). After the deadline only the
tear-down and the bundle remain.

The clock itself lives next to the bounded exchange, which reads it at every socket call
(:func:`verification.recorder.client.run_time_left`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from .errors import ExitCode
from .recorder.client import RUN_DEADLINE_PASSED, run_time_left, set_run_deadline

__all__ = ["CUT_SHORT", "DEADLINE_VARIABLE", "RunDeadlinePassed", "capped", "ensure_time_left", "inherit", "start", "stop"]

# The deadline as seconds since the epoch: time.monotonic() has no meaning shared between processes.
DEADLINE_VARIABLE = "EPROM_VERIFY_RUN_DEADLINE"
CUT_SHORT = "the run's deadline expired"  # the reason of every case the deadline left not run


class RunDeadlinePassed(BaseException):
    """The run's deadline has passed: the case in progress stops here.

    A ``BaseException``, like ``KeyboardInterrupt``: a scenario's ``except Exception`` and hypothesis'
    shrinking must not turn "no time left" into more waiting."""

    exit_code = ExitCode.FAILED  # cases left are not run: the run is incomplete

    def __init__(self, what: str = "") -> None:
        super().__init__(f"{RUN_DEADLINE_PASSED}{f' ({what})' if what else ''}")


def start(limit_s: float) -> dict[str, str]:
    """Start the run's clock now; the environment entry that hands it to a child process. (Not as of the
    process's own start: demo, selftest and the kit's tests call the runner from long-lived processes.)"""
    set_run_deadline(time.monotonic() + limit_s)
    return {DEADLINE_VARIABLE: repr(time.time() + limit_s)}


def stop() -> float:
    """Stop the clock in this process; the seconds that were left."""
    left = run_time_left()
    set_run_deadline(None)
    return 0.0 if left is None else left


def inherit(limit_s: float, environ: Mapping[str, str] = os.environ) -> None:
    """Continue the clock a parent started (:func:`start`), else start it now with ``limit_s``."""
    try:
        left = float(environ[DEADLINE_VARIABLE]) - time.time()
    except (KeyError, ValueError):
        left = limit_s
    set_run_deadline(time.monotonic() + min(left, limit_s))


def capped(timeout: float) -> float:
    """``timeout``, cut to what is left of the run (0 once the deadline has passed)."""
    left = run_time_left()
    return timeout if left is None else min(timeout, left)


def ensure_time_left(what: str = "") -> float | None:
    """Seconds left of the run (None: no deadline); :class:`RunDeadlinePassed` when none are."""
    left = run_time_left()
    if left is not None and left <= 0:
        raise RunDeadlinePassed(what)
    return left
