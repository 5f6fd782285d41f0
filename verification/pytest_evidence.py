"""The evidence bundle of a run (issue 6): one CaseOutcome per case, the exchanges each case rests on, and
the bundle written when the session ends, after JUnit XML and pytest-html have written their files.

Registered by the plugin when a run has ``--eprom-target`` or ``--eprom-session-dir`` (also on xdist
workers: their reports carry ``eprom_failure`` to the controller)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .pytest_items import could_not_start_key, terminal_redactor_key

if TYPE_CHECKING:
    from .recorder.store import SessionStore
    from .session import Session

__all__ = ["EvidencePlugin"]


class EvidencePlugin:
    """Collects case outcomes and the exchanges each case rests on; writes the bundle at the end."""

    def __init__(self, config: pytest.Config) -> None:
        from .evidence.collect import OutcomeCollector

        self.config = config
        self.collector = OutcomeCollector()
        given = config.getoption("--eprom-session-dir", None)
        self.session_dir: Path | None = Path(given) if given else None
        self.session: Session | None = None  # the eprom_session fixture's Session, once a case used it
        self._store: SessionStore | None = None
        self._first: dict[str, int] = {}
        # A store created during this run starts empty: a case that ran before it existed starts at id 0.
        self._fresh = self.session_dir is None or not (self.session_dir / "session.sqlite").exists()
        self._planned: int | None = None  # cases collected; written as the "started" marker (issue 12)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._planned = len(session.items)

    def pytest_runtest_call(self, item: pytest.Item) -> None:
        """Setup has opened the store by now: the "started" marker goes in before the first case can die."""
        self._last_exchange_id()
        self._mark_started()

    def _mark_started(self) -> None:
        from .session import mark_run_started

        if self._store is not None and self._planned is not None and not hasattr(self.config, "workerinput"):
            mark_run_started(self._store, planned=self._planned)
            self._planned = None

    def _save_progress(self, nodeid: str) -> None:
        """The "started" marker once, then every finished case's outcome: a killed run can be judged."""
        if self._store is None or hasattr(self.config, "workerinput"):
            return
        self._mark_started()
        outcome = next((o for o in self.collector.outcomes() if o.nodeid == nodeid), None)
        if outcome is not None:
            self._store.save_case_outcome(nodeid, outcome.to_dict())

    def _last_exchange_id(self) -> int | None:
        if self._store is None and self.session_dir is not None and (self.session_dir / "session.sqlite").exists():
            from .recorder.store import SessionStore

            self._store = SessionStore(self.session_dir / "session.sqlite", session=self.session_dir.name)
        return None if self._store is None else self._store.last_id()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        first = self._last_exchange_id()
        if first is not None or self._fresh:
            self._first[nodeid] = first or 0

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        first, last = self._first.pop(nodeid, None), self._last_exchange_id()
        if first is not None and last is not None:
            self.collector.add_exchange_range(nodeid, first, last)
        self._save_progress(nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item) -> None:  # None: pytest's own makes the report
        session = getattr(item, "funcargs", {}).get("eprom_session")
        if session is not None and self.session is None:
            self.session, self.session_dir = session, Path(session.dir)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add_report(report)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        result = yield  # JUnit XML and pytest-html have written their files by now
        try:
            leaked = self._write_bundle()
        except OSError as exc:  # a full disk or a folder made read-only mid-run: the operator's fix (exit 4)
            print(f"eprom-verify: could not write the evidence bundle: {exc.filename or ''}: {exc.strerror or exc}",
                  file=sys.stderr)
            session.exitstatus = 4
        except Exception as exc:  # noqa: BLE001 - reported loudly with exit 3, never lost
            print(f"eprom-verify: could not write the evidence bundle: {type(exc).__name__}: {exc}", file=sys.stderr)
            session.exitstatus = 3
        else:
            if leaked:
                session.exitstatus = 1
        finally:
            if self._store is not None:
                self._store.close()
        return result

    def _write_bundle(self) -> bool:
        """Write the bundle (on the controller, when a session store exists); True when it leaked."""
        from .evidence.bundle import write_run_bundle

        if hasattr(self.config, "workerinput"):
            return False
        if self.config.stash.get(could_not_start_key, False):
            print("eprom-verify: the run could not start; no evidence bundle was written", file=sys.stderr)
            return False
        shown = self.config.stash.get(terminal_redactor_key, None)
        result = write_run_bundle(
            self.session_dir, outcomes=self.collector.outcomes(),
            target=self.session.target if self.session is not None else None,
            target_path=self.config.getoption("--eprom-target", None),
            profile=self.config.getoption("--eprom-profile", None),
            hypothesis_seed=self.config.getoption("hypothesis_seed", None),
            aliases=shown.aliases.mapping if shown is not None else None,  # the terminal's person-N, continued
        )
        for line in result.lines() if result else ():
            print(f"eprom-verify: {line}", file=sys.stderr if result.leaks else sys.stdout)
        return bool(result and result.leaks)
