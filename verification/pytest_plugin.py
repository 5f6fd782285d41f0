"""The pytest plugin (entry point ``pytest11``): options, session fixtures, ID filtering, the outcomes of the
kit's three check exceptions.

The only modules of ``verification`` that import pytest are this one and its siblings, which it registers from
its one :func:`pytest_configure`: :mod:`.pytest_redaction` (what a run prints is redacted),
:mod:`.pytest_evidence` (the evidence bundle), :mod:`.pytest_deadline` (``budgets.run_s``),
:mod:`.pytest_progress` (a line per checklist area) and :mod:`.pytest_summary` (failed checks, causes first).
It does nothing unless ``--eprom-target`` (or ``--eprom-session-dir``) is given, so other pytest runs are
unaffected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .checks.failure import CheckFailure, NotVerifiable, Waiting
from .pytest_items import case_ids, could_not_start_key, counts_key, drift_key, judges_whole_session

if TYPE_CHECKING:
    from .config import Target
    from .direct.preflight import Preflight
    from .session import Session
    from .simulator import SimulatorHandle
    from .system import SystemUnderVerification


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("eprom-verify")
    group.addoption("--eprom-target", metavar="FILE", help="target file of the system under verification")
    group.addoption("--eprom-session-dir", metavar="DIR", help="session folder (default: a new reports/<id>)")
    group.addoption("--eprom-profile", choices=("quick", "certification"), default=None)
    group.addoption("--eprom-only", nargs="+", metavar="ID", default=(), help="only cases proving these IDs")
    group.addoption("--eprom-strict", action="store_true", help="advice (eprom-verify recommends) fails checks")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """``pytest --eprom-target TARGET.yaml`` from any folder: without a path, run the packaged cases with
    their own settings (``verification/cases/pytest.ini``, exactly as ``eprom-verify run`` does), in a
    pytest process of their own. The cases share one simulator and one session store, so never in xdist
    workers: a ``-n`` from the caller's configuration is dropped."""
    if not config.getoption("--eprom-target", None):
        return None
    if getattr(config.option, "numprocesses", None):
        config.option.numprocesses, config.option.dist = 0, "no"
    if config.args_source is config.ArgsSource.ARGS:
        return None  # the caller named the cases to run
    import subprocess
    import sys

    from .runner import CASES_DIR

    own = [str(CASES_DIR), "-c", str(CASES_DIR / "pytest.ini"), f"--rootdir={CASES_DIR}"]
    return subprocess.run([sys.executable, "-m", "pytest", *own, *config.invocation_params.args],
                          check=False).returncode


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "eprom(*ids): the checklist/catalogue IDs a case proves")
    if config.getoption("--eprom-strict", False):
        from .checks.failure import STRICT_VARIABLE

        os.environ[STRICT_VARIABLE] = "1"
    _refuse_unsafe_target(config)
    _refuse_recorded_session_dir(config)
    from . import pytest_redaction
    from .pytest_deadline import run_deadline
    from .pytest_evidence import EvidencePlugin

    pytest_redaction.register(config)
    if config.getoption("--eprom-target", None) or config.getoption("--eprom-session-dir", None):
        config.pluginmanager.register(EvidencePlugin(config), "eprom-verify-evidence")  # also on xdist workers
    deadline = run_deadline(config)
    if deadline is not None:
        config.pluginmanager.register(deadline, "eprom-verify-run-deadline")


def pytest_sessionstart(session: pytest.Session) -> None:
    from .pytest_progress import AreaProgress

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")  # registered by now
    if session.config.getoption("--eprom-target", None) and reporter is not None:
        session.config.pluginmanager.register(AreaProgress(reporter, session.config), "eprom-verify-area-progress")


def _refuse_unsafe_target(config: pytest.Config) -> None:
    """The runner's safety gate for a plain ``pytest cases --eprom-target`` run: exit 4 before any request."""
    from .config import TargetError, load_target
    from .runner import safety_refusal

    path = config.getoption("--eprom-target", None)
    try:
        target = load_target(Path(path)) if path else None
    except TargetError:
        return  # reported by the eprom_target fixture, with every problem
    refusal = None if target is None else safety_refusal(target, only=config.getoption("--eprom-only", ()) or ())
    if refusal:
        raise pytest.UsageError(f"eprom-verify: {refusal}")


def _refuse_recorded_session_dir(config: pytest.Config) -> None:
    """An active run into a folder that already holds exchanges would judge traffic it never sent, and
    overwrite that session's evidence: exit 4 here, before any report file is written. (Reopening a
    session is the relay's, for sessions that take days.)"""
    from .recorder.store import SessionStore
    from .session import STORE_FILE

    given = config.getoption("--eprom-session-dir", None)
    if not config.getoption("--eprom-target", None) or not given or not (Path(given) / STORE_FILE).exists():
        return
    with SessionStore(Path(given) / STORE_FILE, session=Path(given).name) as store:
        recorded = store.count()
    if recorded:
        raise pytest.UsageError(f"eprom-verify: session folder {given} already holds a recorded session "
                                f"({recorded} exchanges); an active run needs a new folder "
                                "(leave --eprom-session-dir out)")


def pytest_collection_finish(session: pytest.Session) -> None:
    """A simulator port that is taken stops the run before its first case (exit 3, no bundle), instead
    of after every case that did not need the simulator."""
    from .config import TargetError, load_target
    from .simulator import BUSY_PORT_FIX, SimulatorStartError
    from .simulator.process import port_is_free

    path = session.config.getoption("--eprom-target", None)
    if session.config.getoption("collectonly"):  # nothing will listen: a busy port is no reason to stop
        return
    if not path or not any("eprom_simulator" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    try:
        target = load_target(Path(path))
    except TargetError:
        return  # reported by the eprom_target fixture
    listen = target.eprom.listen
    if target.eprom.mode != "simulator":
        return
    try:
        port_is_free(listen.host, listen.port)
    except SimulatorStartError as exc:
        session.config.stash[could_not_start_key] = True
        pytest.exit(f"the embedded ePROM simulator did not start on {listen.host}:{listen.port} (eprom.listen): "
                    f"{exc}\nfix: {BUSY_PORT_FIX}; nothing was verified", returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=judges_whole_session)  # stable: whole-session cases last, the rest in their order
    for item in items:  # `pytest -k R-AUTH` selects by check ID, as -k selects by a test's name
        item.extra_keyword_matches.update(case_ids(item))
    only = {name.upper() for name in config.getoption("--eprom-only") or ()}
    if not only:
        return
    keep = [item for item in items if {name.upper() for name in case_ids(item)} & only]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


# -- session fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def eprom_target(pytestconfig: pytest.Config) -> Target:
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
def eprom_session(pytestconfig: pytest.Config, eprom_target: Target) -> Iterator[Session]:
    """The session folder and its store, where every exchange of the run is recorded."""
    from .runner import new_session_dir
    from .session import open_session

    given = pytestconfig.getoption("--eprom-session-dir")
    session_dir = Path(given) if given else new_session_dir(Path("reports"))
    session = open_session(eprom_target, session_dir)
    yield session
    session.close()


@pytest.fixture(scope="session")
def eprom_simulator(
    pytestconfig: pytest.Config, eprom_target: Target, eprom_session: Session
) -> Iterator[SimulatorHandle]:
    """The embedded ePROM simulator on the target's ``eprom.listen`` address, in its own process."""
    from .simulator import BUSY_PORT_FIX, SimulatorSettings, SimulatorStartError, run_simulator

    if eprom_target.eprom.mode != "simulator":
        pytest.skip(f"needs eprom.mode: simulator (target has {eprom_target.eprom.mode})")
    settings = SimulatorSettings.from_target(eprom_target, store_path=str(eprom_session.store.path))
    listen = eprom_target.eprom.listen
    with ExitStack() as stack:
        try:
            simulator = stack.enter_context(run_simulator(settings, host=listen.host, port=listen.port))
        except SimulatorStartError as exc:
            # Not a verdict on the system: every case would fail for the same reason. One clear stop instead.
            pytestconfig.stash[could_not_start_key] = True
            pytest.exit(f"the embedded ePROM simulator did not start on {listen.host}:{listen.port} "
                        f"(eprom.listen): {exc}\nfix: {BUSY_PORT_FIX}; nothing was verified", returncode=3)
        yield simulator


@pytest.fixture(scope="session")
def eprom_preflight(pytestconfig: pytest.Config, eprom_target: Target, eprom_session: Session) -> Iterator[Preflight]:
    """The pre-flight toward ``eprom.upstream`` (direct mode), sent lazily through the guarded client."""
    from .direct.preflight import P_CHECKS, open_preflight

    if eprom_target.eprom.mode != "direct":
        pytest.skip(f"not applicable: the P-checks call ePROM directly (eprom.mode: direct); the target has "
                    f"eprom.mode: {eprom_target.eprom.mode}")
    only = pytestconfig.getoption("--eprom-only") or ()
    preflight = open_preflight(eprom_target, eprom_session.store,
                               checks=[check for check in P_CHECKS if not only or check in only])
    yield preflight
    pytestconfig.stash[drift_key] = preflight.close()


@pytest.fixture(scope="session")
def eprom_system(eprom_target: Target, eprom_session: Session) -> Iterator[SystemUnderVerification]:
    """The system under verification: callbacks, trigger and probe, all recorded."""
    from .system import SystemUnderVerification

    sut = SystemUnderVerification(eprom_target, eprom_session.store)
    yield sut
    sut.close()


@pytest.fixture(scope="session")
def eprom_profile(pytestconfig: pytest.Config, eprom_target: Target) -> str:
    """The hypothesis profile of the fuzz cases: ``--eprom-profile`` > the target file's ``profile`` >
    ``quick``; also made hypothesis' default, so the evidence reports the settings that ran."""
    from .stimuli.profiles import load_profile, resolve_profile

    return load_profile(resolve_profile(pytestconfig.getoption("--eprom-profile"), eprom_target.profile))


# -- reporting --------------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """The kit's three check exceptions as outcomes: a :class:`CheckFailure` fails with its record (the
    terminal summary and the evidence read it); :class:`NotVerifiable` and :class:`Waiting` are skips that
    say why, never failures."""
    from .evidence.results import failure_record

    report = yield
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, CheckFailure):
        report.eprom_failure = failure_record(error)  # type: ignore[attr-defined]
    elif isinstance(error, NotVerifiable | Waiting):
        why = "not verifiable" if isinstance(error, NotVerifiable) else "waiting"  # waiting: not yet recorded
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"{why}: {error.reason}")
    report.eprom_ids = sorted(case_ids(item))  # type: ignore[attr-defined]
    if call.when == "call":
        _attach_fuzz_record(item, report)
        if counts_key in item.stash:
            report.eprom_hypothesis_counts = item.stash[counts_key]  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if config.getoption("--eprom-target"):
        from .pytest_summary import terminal_summary

        terminal_summary(terminalreporter, config)


@pytest.hookimpl(wrapper=True, trylast=True)  # inside hypothesis' own wrapper, which keeps only its prose
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Keep hypothesis' numbers of a property-based case for the evidence, next to its statistics text."""
    try:
        from hypothesis.statistics import collector
    except ImportError:  # pragma: no cover - hypothesis' own module; its layout may change
        return (yield)
    from .stimuli.fuzzing import example_counts

    outer = collector.value

    def keep(stats: Any) -> None:
        item.stash[counts_key] = example_counts(stats)
        if outer is not None:
            outer(stats)

    with collector.with_value(keep):
        return (yield)


def _attach_fuzz_record(item: pytest.Item, report: pytest.TestReport) -> None:
    """A fuzz case's hypothesis record (profile, seed, examples, statistics) as the report's "Hypothesis"
    section, where the terminal, the HTML report and the evidence find it."""
    system = getattr(item, "funcargs", {}).get("eprom_system")
    if system is not None:
        from .stimuli.fuzzing import fuzz_record_text

        text = fuzz_record_text(system.store, case_ids(item))
        if text:
            report.sections.append(("Hypothesis", text))


# -- pytest-html's page (evidence/pytest-report.html): a title of its own, no raw tuples, no local paths --


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = "eprom-verify: the session as pytest saw it"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report: pytest.TestReport, data: list[str]) -> None:
    """A skip's ``(path, line, reason)`` tuple becomes its reason; the operator's folders become relative."""
    from html import escape

    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3 and data:
        data[0] = escape(str(report.longrepr[2])) + "\n"
    local = {escape(str(folder).rstrip("/") + "/")
             for folder in (Path(__file__).resolve().parent.parent, Path.cwd(), Path.home()) if len(str(folder)) > 1}
    for index, text in enumerate(data):
        for folder in sorted(local, key=len, reverse=True):  # the longest first: no half-replaced folder
            text = text.replace(folder, "")
        data[index] = text
