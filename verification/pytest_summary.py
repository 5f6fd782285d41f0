"""The kit's own terminal summary of a run: drift in ePROM's answers, then the failed checks, causes first,
each with its reproduction as curl (:mod:`verification.console` renders the lines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .pytest_items import drift_key
from .pytest_redaction import printed

__all__ = ["terminal_summary"]


def terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The drift in ePROM's answers, then one entry per failed check, causes first."""
    _drift_summary(terminalreporter, config)
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])  # error: setup
    if failed:
        _failed_checks(terminalreporter, config, failed)


def _failed_checks(terminalreporter: pytest.TerminalReporter, config: pytest.Config, failed: list[Any]) -> None:
    """One entry per failed check, causes first (:mod:`verification.console`), each with its reproduction."""
    from .console import blocked_by_no_order, causes_first, check_line, wrapped

    width = config.get_terminal_writer().fullwidth
    skipped = [report.longrepr[2] for report in terminalreporter.stats.get("skipped", [])
               if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3]
    blocked = blocked_by_no_order(skipped)
    checks: dict[str, dict[str, Any]] = {}
    plain: list[tuple[str, str]] = []
    for report in failed:
        ids = ", ".join(getattr(report, "eprom_ids", [])) or report.nodeid
        failure = getattr(report, "eprom_failure", None)
        if failure and failure.get("deviations"):
            checks.setdefault(failure["check_id"], {**failure, "ids": ids})
        else:  # not a check's verdict: a kit-internal error; its traceback is in -v and in the evidence
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(report.longrepr)
            plain.append((ids, (message.splitlines() or [""])[0]))
    causes, rest = causes_first(list(checks.values()), blocked)
    terminalreporter.section("eprom-verify: failed checks" + (" (the cause first)" if causes else ""))
    for failure in causes:
        for line in wrapped(f"CAUSE [{failure['ids']}] ", check_line(failure), width):
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"      → {blocked} case(s) were not run because no order was placed; "
                                    "fix this first")
        _reproduction(terminalreporter, config, failure)
    for failure in rest:
        for line in wrapped(f"FAILED [{failure['ids']}] ", check_line(failure), width):
            terminalreporter.write_line(line)
        _reproduction(terminalreporter, config, failure)
    for ids, message in plain:
        for line in wrapped(f"ERROR [{ids}] ", message + " (kit-internal; -v shows the traceback)", width):
            terminalreporter.write_line(line)


def _reproduction(terminalreporter: pytest.TerminalReporter, config: pytest.Config, failure: dict[str, Any]) -> None:
    """The first deviation's request as curl, when the kit sent it to the system (the vendor can resend it)."""
    from .recorder.store import SessionStore
    from .stimuli.curl import curl_command

    exchange_id = failure["deviations"][0].get("exchange_id")
    session_dir = config.getoption("--eprom-session-dir", None)
    store_path = Path(session_dir) / "session.sqlite" if session_dir else None
    if not exchange_id or store_path is None or not store_path.exists():
        return
    try:
        with SessionStore(store_path, session=Path(session_dir).name) as store:
            exchange = store.get(int(exchange_id))
    except (KeyError, ValueError, OSError):
        return
    if exchange.direction != "to_system" or exchange.method == "EXEC":
        return
    from .config import TargetError, load_target

    try:  # the target's own key becomes $EPROM_API_KEY; a deliberately wrong key in the stimulus stays as sent
        api_key = load_target(Path(config.getoption("--eprom-target"))).api_key.reveal()
    except (TargetError, TypeError):
        api_key = None
    terminalreporter.write_line(f"      reproduce (exchange #{exchange_id}; export EPROM_API_KEY first):")
    for line in curl_command(exchange, api_key=api_key).splitlines():  # national ids as aliases: CI logs keep it
        terminalreporter.write_line(f"        {printed(config, line)}")


def _drift_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    from .checks.drift import Drift

    drift: list[dict[str, Any]] = config.stash.get(drift_key, [])
    if not drift:
        return
    terminalreporter.section("eprom-verify: drift in ePROM's answers (recorded, not judged)")
    seen: dict[str, list[str]] = {}  # one line per finding, naming every exchange it was seen in
    for item in drift:
        line = Drift(item["endpoint"], item["path"], item["kind"], item["value"]).render()
        seen.setdefault(line, []).append(f"#{item.get('exchange_id')}")
    for line, exchanges in seen.items():
        terminalreporter.write_line(printed(config, f"DRIFT {line} [exchange {', '.join(exchanges)}]"))
