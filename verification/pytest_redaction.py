"""What a run prints goes through the bundle's redaction policy (issue 12): the key masked in every encoding,
national ids as the session's aliases (:mod:`verification.evidence.terminal`).

Registered by the plugin for a run with ``--eprom-target``; the redactor is kept in the stash
(:data:`~.pytest_items.terminal_redactor_key`) for the kit's own summary lines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .pytest_items import terminal_redactor_key

if TYPE_CHECKING:
    from .evidence.redact import Redactor

__all__ = ["TerminalRedaction", "printed", "register"]


class TerminalRedaction:
    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """Outermost: the report's texts are redacted before the terminal, JUnit or pytest-html see them (the
        ``FAILED …`` lines printed the raw key)."""
        from .evidence.terminal import redact_report

        report = yield
        if report.longrepr is not None or report.sections or getattr(report, "eprom_failure", None):
            redact_report(report, self.redactor)
        return report


def register(config: pytest.Config) -> None:
    """Redact what a run against the target of ``--eprom-target`` prints (nothing without a readable one)."""
    from .config import TargetError, load_target
    from .evidence.terminal import terminal_redactor

    path = config.getoption("--eprom-target", None)
    try:
        redactor = terminal_redactor(load_target(Path(path))) if path else None
    except TargetError:
        redactor = None  # reported by the eprom_target fixture
    config.stash[terminal_redactor_key] = redactor
    if redactor is not None:
        config.pluginmanager.register(TerminalRedaction(redactor), "eprom-verify-terminal-redaction")


def printed(config: pytest.Config, line: str) -> str:
    """``line`` as the run may print it."""
    redactor = config.stash.get(terminal_redactor_key, None)
    return redactor.text(line) if redactor is not None else line
