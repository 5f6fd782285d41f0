"""Retention of session folders: ``eprom-verify clean`` and ``reports.keep: N`` in the target file.

Only folders named as :func:`verification.runner.new_session_dir` names them (``<UTC time>-<6 hex>``) are
ever removed, so a report directory shared with other files loses nothing else. Newest first by name
(the name starts with the UTC time)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

__all__ = ["session_folders", "prune"]

_SESSION_NAME = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")


def session_folders(report_root: Path, target_name: str | None = None) -> list[Path]:
    """The session folders under ``report_root``, newest first; only ``target_name``'s when given."""
    from .selection import target_name_of

    if not report_root.is_dir():
        return []
    found = sorted((p for p in report_root.iterdir() if p.is_dir() and _SESSION_NAME.fullmatch(p.name)), reverse=True)
    return [p for p in found if target_name is None or target_name_of(p) == target_name]


def prune(report_root: Path, keep: int, target_name: str | None = None) -> list[Path]:
    """Remove all but the newest ``keep`` session folders (of ``target_name`` when given); the removed ones."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    removed = session_folders(report_root, target_name)[keep:]
    for folder in removed:
        shutil.rmtree(folder)
    return removed
