"""What every command checks of its arguments before anything runs: the target file, ``--report-dir`` and
``--only``. Each problem is a :class:`~verification.errors.UsageError` (exit 4) naming the fix, raised before
a session folder exists."""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["check_report_dir", "load_target_or_exit", "resolve_only"]


def check_report_dir(report_dir: Path) -> None:
    """``--report-dir`` must hold new session folders: a file there, no permission or a full disk is a
    usage error (exit 4) before anything runs, not a traceback or a half-written session. Nothing is
    created: the probe goes into the folder, or its nearest existing parent, and is removed."""
    existing = report_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
        probe = existing / f".eprom-verify-write-test-{os.getpid()}"
        try:
            with probe.open("wb") as stream:
                stream.write(b"\0" * 65536)  # a full disk shows on a write, not on creating the file
                stream.flush()
                os.fsync(stream.fileno())
        finally:
            probe.unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError(f"--report-dir {report_dir} cannot hold session folders: "
                          f"{exc.strerror or exc} ({exc.filename or existing})") from None


class _AnyVariable(dict):
    """The environment, where an unset ``${VAR}`` reads as a placeholder: for commands that never use the
    values (``clean`` needs the target's name, not its API key)."""

    def get(self, name, default=None):
        return os.environ.get(name, f"<{name} unset>")


def load_target_or_exit(path: Path, *, needs_environment: bool = True) -> Any:
    """The target, or a :class:`UsageError` carrying the loader's full list of problems."""
    from ..config import TargetError, load_target

    try:
        return load_target(path, environ=None if needs_environment else _AnyVariable())
    except TargetError as exc:
        raise UsageError(f"bad target file\n{exc}") from None


def resolve_only(given: Sequence[str]) -> tuple[str, ...]:
    """``--only`` IDs, resolved before anything is written: a mistyped ID leaves no session folder."""
    from ..selection import SelectionError, resolve_only as resolve

    try:
        return resolve(given)
    except SelectionError as exc:
        raise UsageError(str(exc)) from None
