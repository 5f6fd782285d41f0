"""The run's deadline (issue 12) in pytest: ``budgets.run_s`` (or the profile's default) bounds the whole run.

Exchanges, commands and waits are cut to what is left of it (:mod:`verification.deadline`); cases not started
when it expires are not run (with the reason); the bundle is still written; the exit is 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .deadline import CUT_SHORT, inherit, stop
from .recorder.client import run_time_left

__all__ = ["RunDeadline", "run_deadline"]


def run_deadline(config: pytest.Config) -> RunDeadline | None:
    """The run's deadline plugin for the target of ``--eprom-target`` (None without a readable one: the
    eprom_target fixture reports a bad file)."""
    from .config import TargetError, load_target
    from .stimuli.profiles import resolve_profile

    path = config.getoption("--eprom-target", None)
    try:
        target = load_target(Path(path)) if path else None
        profile = None if target is None else resolve_profile(config.getoption("--eprom-profile", None),
                                                             target.profile)
    except (TargetError, ValueError):
        return None
    return None if target is None else RunDeadline(target.budgets.run_limit(profile))


class RunDeadline:
    """Cases not started when the deadline expires are skipped as not run; a case cut short by it is not run
    either (its waits ended at the deadline, so its failure is no verdict); the exit is then 1."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.not_run: set[str] = set()  # node ids
        inherit(limit_s)  # the clock `eprom-verify run` started before the doctor, else from now

    def reason(self) -> str:
        return f"{CUT_SHORT} (budgets.run_s = {self.limit_s:g} s)"

    def expired(self) -> bool:
        return run_time_left() == 0.0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.expired():
            self.not_run.add(item.nodeid)
            pytest.skip(f"not run: {self.reason()} before this case started")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if report.failed and self.expired():
            # Cut short: its waits and exchanges ended at the deadline, so its failure is no verdict.
            self.not_run.add(item.nodeid)
            first = str(report.longrepr).strip().splitlines()[-1:] or [""]
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0,
                               f"not run: {self.reason()} during this case (cut short at: {first[0][:200]})")
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.not_run and session.exitstatus == 0:
            session.exitstatus = 1  # a cut-short run is no pass

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.not_run:
            terminalreporter.write_line(f"eprom-verify: {self.reason()}; {len(self.not_run)} case(s) not run "
                                        "(exit 1: a cut-short run is no pass)")

    def pytest_unconfigure(self) -> None:
        stop()
