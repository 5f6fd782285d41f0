"""A verification session: its folder, its store, and what it says about itself (redacted)."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .recorder.store import SessionStore, now_iso

__all__ = ["Session", "open_session", "STORE_FILE", "RunProgress", "mark_run_started", "mark_run_finished",
           "run_progress"]

STORE_FILE = "session.sqlite"
_RUN_INFO = "run"  # session_info: {"started_at", "planned", "finished_at"}: a run killed midway says so


@dataclass
class Session:
    id: str
    dir: Path
    store: SessionStore
    target: Any

    def close(self) -> None:
        self.store.close()


def open_session(target: Any, session_dir: Path) -> Session:
    """Open (or reopen) the session in ``session_dir`` and describe it in the store."""
    from .config import redacted_dict

    session_dir.mkdir(parents=True, exist_ok=True)
    # Owner-only: pytest writes junit.xml and its HTML page raw before the bundle rewrites them redacted.
    session_dir.chmod(0o700)
    store = SessionStore(session_dir / STORE_FILE, session=session_dir.name)
    info = store.info()
    if "started_at" not in info:
        store.set_info("started_at", now_iso())
    store.set_info("kit_version", __version__)
    store.set_info("python", platform.python_version())
    store.set_info("target", redacted_dict(target))
    return Session(id=session_dir.name, dir=session_dir, store=store, target=target)


@dataclass(frozen=True)
class RunProgress:
    """How far the run of a session got: cases planned, cases that finished, and whether the run ended."""

    planned: int
    ran: int
    finished: bool

    @property
    def never_ran(self) -> int:
        return max(self.planned - self.ran, 0)

    @property
    def cut_short(self) -> bool:
        return not self.finished or self.never_ran > 0

    def describe(self) -> str:
        ended = "the run ended" if self.finished else "the run never finished (killed or crashed)"
        return f"the run was cut short: {self.never_ran} of {self.planned} cases never ran ({ended})"

    def to_dict(self) -> dict[str, Any]:
        return {"planned": self.planned, "ran": self.ran, "never_ran": self.never_ran, "finished": self.finished,
                "cut_short": self.cut_short}


def mark_run_started(store: SessionStore, *, planned: int) -> None:
    """The "started" marker: written before the first case's outcome, with the number of cases planned."""
    store.set_info(_RUN_INFO, {"started_at": now_iso(), "planned": planned, "finished_at": None})


def mark_run_finished(store: SessionStore) -> None:
    """The "finished" marker: the run reached its end (a kill -9 leaves it out)."""
    run = store.info().get(_RUN_INFO)
    if isinstance(run, dict):
        store.set_info(_RUN_INFO, {**run, "finished_at": now_iso()})


def run_progress(store: SessionStore) -> RunProgress | None:
    """The run's progress from its markers and saved case outcomes; ``None`` for a session without a run
    (a relay recording, or a store written before the markers existed)."""
    run = store.info().get(_RUN_INFO)
    if not isinstance(run, dict):
        return None
    return RunProgress(int(run.get("planned") or 0), len(store.case_outcomes()), bool(run.get("finished_at")))
