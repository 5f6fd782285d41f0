"""A verification session: its folder, its store, and what it says about itself (redacted)."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .recorder.store import SessionStore, now_iso

__all__ = ["Session", "open_session", "STORE_FILE"]

STORE_FILE = "session.sqlite"


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
    store = SessionStore(session_dir / STORE_FILE, session=session_dir.name)
    info = store.info()
    if "started_at" not in info:
        store.set_info("started_at", now_iso())
    store.set_info("kit_version", __version__)
    store.set_info("python", platform.python_version())
    store.set_info("target", redacted_dict(target))
    return Session(id=session_dir.name, dir=session_dir, store=store, target=target)
