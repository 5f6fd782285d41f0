"""The pytest plugin (entry point ``pytest11``): options, session fixtures, ID filtering, the summary.

The only module of ``verification`` that imports pytest; it stays thin and delegates to the library.
It does nothing unless ``--eprom-target`` is given, so the kit's own self-tests are unaffected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .checks.failure import CheckFailure, NotVerifiable

failure_key = pytest.StashKey[CheckFailure]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("eprom-verify")
    group.addoption("--eprom-target", metavar="FILE", help="target file of the system under verification")
    group.addoption("--eprom-session-dir", metavar="DIR", help="session folder (default: a new reports/<id>)")
    group.addoption("--eprom-profile", choices=("quick", "certification"), default=None)
    group.addoption("--eprom-only", nargs="+", metavar="ID", default=(), help="only cases proving these IDs")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "eprom(*ids): the checklist/catalogue IDs a case proves")


def case_ids(item: pytest.Item) -> set[str]:
    """The checklist/catalogue IDs an item names, through ``@pytest.mark.eprom`` markers."""
    return {str(arg) for mark in item.iter_markers("eprom") for arg in mark.args}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    only = set(config.getoption("--eprom-only") or ())
    if not only:
        return
    keep = [item for item in items if case_ids(item) & only]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


# -- session fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def eprom_target(pytestconfig: pytest.Config) -> Any:
    """The target file given with ``--eprom-target``; a bad file is a usage error (exit 4)."""
    from .config import TargetError, load_target

    path = pytestconfig.getoption("--eprom-target")
    if not path:
        raise pytest.UsageError("the verification cases need --eprom-target TARGET.yaml")
    try:
        return load_target(Path(path))
    except TargetError as exc:
        raise pytest.UsageError(f"bad target file\n{exc}") from None


@pytest.fixture(scope="session")
def eprom_session(pytestconfig: pytest.Config, eprom_target: Any) -> Iterator[Any]:
    from .runner import new_session_dir
    from .session import open_session

    given = pytestconfig.getoption("--eprom-session-dir")
    session_dir = Path(given) if given else new_session_dir(Path("reports"))
    session = open_session(eprom_target, session_dir)
    yield session
    session.close()


@pytest.fixture(scope="session")
def eprom_simulator(eprom_target: Any, eprom_session: Any) -> Iterator[Any]:
    """The embedded ePROM simulator on the target's ``eprom.listen`` address, in its own process."""
    from .simulator import SimulatorSettings, run_simulator

    if eprom_target.eprom.mode != "simulator":
        pytest.skip(f"needs eprom.mode: simulator (target has {eprom_target.eprom.mode})")
    settings = SimulatorSettings.from_target(eprom_target, store_path=str(eprom_session.store.path))
    with run_simulator(settings, host=eprom_target.eprom.listen.host, port=eprom_target.eprom.listen.port) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def system(eprom_target: Any, eprom_session: Any) -> Iterator[Any]:
    """The system under verification: callbacks, trigger and probe, all recorded."""
    from .system import SystemUnderVerification

    sut = SystemUnderVerification(eprom_target, eprom_session.store)
    yield sut
    sut.close()


# -- reporting --------------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, CheckFailure):
        item.stash[failure_key] = call.excinfo.value
    if call.excinfo is not None and isinstance(call.excinfo.value, NotVerifiable):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"not verifiable: {call.excinfo.value.reason}")
    report.eprom_ids = sorted(case_ids(item))  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not config.getoption("--eprom-target"):
        return
    failed = terminalreporter.stats.get("failed", [])
    if not failed:
        return
    terminalreporter.section("eprom-verify: failed checks")
    for report in failed:
        ids = ", ".join(getattr(report, "eprom_ids", [])) or report.nodeid
        message = report.longrepr.reprcrash.message if hasattr(report.longrepr, "reprcrash") else str(report.longrepr)
        terminalreporter.write_line(f"FAILED [{ids}] {message.splitlines()[0] if message else ''}")
