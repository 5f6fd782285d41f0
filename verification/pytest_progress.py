"""``eprom-verify run``'s progress: a line per checklist area as its cases finish (passed, failed, not run).

Registered by the plugin at the start of a run with ``--eprom-target``."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .pytest_items import case_ids

__all__ = ["AreaProgress"]


class AreaProgress:
    """``eprom-verify run`` progress: a line per checklist area as its cases finish (passed, failed, not run)."""

    def __init__(self, reporter: Any, config: pytest.Config) -> None:
        self.reporter, self.config, self.area = reporter, config, ""
        self.mid_line = False  # -q prints a letter per case and no line end: ours starts a line of its own
        self.areas: dict[str, str] = {}
        self.outcomes: dict[str, str] = {}
        self.tally: dict[str, int] = {}
        self.done, self.started = 0, 0.0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.areas = {item.nodeid: _area(case_ids(item)) for item in session.items}
        self.started = time.monotonic()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        area = self.areas.get(nodeid, "other")
        if self.area and area != self.area:
            self.write()
        self.area = area

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = "failed" if report.failed else "not run" if report.skipped else "passed"
        if report.when == "call" or outcome != "passed":
            self.outcomes.setdefault(report.nodeid, outcome)
        if self.config.get_verbosity() < 0:
            _, letter, _ = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
            self.mid_line = self.mid_line or bool(letter)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        outcome = self.outcomes.pop(nodeid, "passed")
        self.tally[outcome] = self.tally.get(outcome, 0) + 1
        self.done += 1

    def pytest_sessionfinish(self) -> None:
        if self.tally:
            self.write()

    def write(self) -> None:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.tally.items()))
        if self.mid_line:  # after -q's letters
            self.reporter.write("\n")
            self.mid_line = False
        self.reporter.write_line(f"eprom-verify: {self.area}: {counts} {self.where()}")
        self.tally = {}

    def where(self) -> str:
        """``[12/87 cases, 9 s]``, with an estimate of the rest once the run has taken a while."""
        total, elapsed = len(self.areas), time.monotonic() - self.started
        left = total - self.done
        eta = f", about {elapsed / self.done * left:.0f} s left" if elapsed > 20 and self.done and left else ""
        return f"[{self.done}/{total} cases, {elapsed:.0f} s{eta}]"


def _area(ids: Any) -> str:
    """The checklist area of a case: its catalogue check's (receiver, sender, eprom) or its item's heading."""
    from .spec.checklist import item

    areas = []
    for item_id in ids:
        try:
            entry = item(item_id)
        except KeyError:
            continue
        areas.append((entry.kind != "check", entry.area))
    return min(areas)[1] if areas else "other"
