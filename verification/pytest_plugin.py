"""The pytest plugin (entry point ``pytest11``): options, session fixtures, ID filtering, the summary.

The only module of ``verification`` that imports pytest; it stays thin and delegates to the library.
It does nothing unless ``--eprom-target`` is given, so the kit's own self-tests are unaffected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from .checks.failure import CheckFailure, NotVerifiable

failure_key = pytest.StashKey[CheckFailure]()
drift_key = pytest.StashKey[list]()  # drift found in ePROM's answers (direct mode), for the summary
counts_key = pytest.StashKey[dict]()  # a property-based case's hypothesis numbers (example_counts)
could_not_start_key = pytest.StashKey[bool]()  # the run stopped before it could verify anything: no bundle


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


def pytest_sessionstart(session: pytest.Session) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")  # registered by now
    if session.config.getoption("--eprom-target", None) and reporter is not None:
        session.config.pluginmanager.register(_AreaProgress(reporter), "eprom-verify-area-progress")


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


def case_ids(item: pytest.Item) -> set[str]:
    """The checklist/catalogue IDs an item names, through ``@pytest.mark.eprom`` markers."""
    return {str(arg) for mark in item.iter_markers("eprom") for arg in mark.args}


def judges_whole_session(item: pytest.Item) -> bool:
    """``@pytest.mark.eprom(..., whole_session=True)``: the case judges everything the session recorded."""
    return any(mark.kwargs.get("whole_session") for mark in item.iter_markers("eprom"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """A simulator port that is taken stops the run before its first case (exit 3, no bundle), instead
    of after every case that did not need the simulator."""
    from .config import TargetError, load_target
    from .simulator import BUSY_PORT_FIX, SimulatorStartError
    from .simulator.process import port_is_free

    path = session.config.getoption("--eprom-target", None)
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
def eprom_simulator(pytestconfig: pytest.Config, eprom_target: Any, eprom_session: Any) -> Iterator[Any]:
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
def eprom_preflight(pytestconfig: pytest.Config, eprom_target: Any, eprom_session: Any) -> Iterator[Any]:
    """The pre-flight toward ``eprom.upstream`` (direct mode), sent lazily through the guarded client."""
    from .preflight import P_CHECKS, open_preflight

    if eprom_target.eprom.mode != "direct":
        pytest.skip(f"not applicable: the P-checks call ePROM directly (eprom.mode: direct); the target has "
                    f"eprom.mode: {eprom_target.eprom.mode}")
    only = pytestconfig.getoption("--eprom-only") or ()
    preflight = open_preflight(eprom_target, eprom_session.store,
                               checks=[check for check in P_CHECKS if not only or check in only])
    yield preflight
    pytestconfig.stash[drift_key] = preflight.close()


@pytest.fixture(scope="session")
def eprom_system(eprom_target: Any, eprom_session: Any) -> Iterator[Any]:
    """The system under verification: callbacks, trigger and probe, all recorded."""
    from .system import SystemUnderVerification

    sut = SystemUnderVerification(eprom_target, eprom_session.store)
    yield sut
    sut.close()


@pytest.fixture(scope="session")
def eprom_profile(pytestconfig: pytest.Config, eprom_target: Any) -> str:
    """The hypothesis profile of the fuzz cases: ``--eprom-profile`` > the target file's ``profile`` >
    ``quick``; also made hypothesis' default, so the evidence reports the settings that ran."""
    from .stimuli.profiles import load_profile, resolve_profile

    return load_profile(resolve_profile(pytestconfig.getoption("--eprom-profile"), eprom_target.profile))


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
    if call.when == "call":
        _attach_fuzz_record(item, report)
        if counts_key in item.stash:
            report.eprom_hypothesis_counts = item.stash[counts_key]  # type: ignore[attr-defined]
    return report


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


terminal_redactor_key = pytest.StashKey[Any]()


@pytest.hookimpl(specname="pytest_runtest_makereport", wrapper=True, tryfirst=True)
def pytest_runtest_makereport_redacted(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Outermost: the report's texts are redacted before the terminal, JUnit or pytest-html see them (the
    ``FAILED …`` lines printed the raw key)."""
    from .evidence.terminal import redact_report

    report = yield
    redactor = _terminal_redactor(item.config)
    if redactor is not None and (report.longrepr is not None or report.sections
                                 or getattr(report, "eprom_failure", None)):
        redact_report(report, redactor)
    return report


def _terminal_redactor(config: pytest.Config) -> Any:
    if terminal_redactor_key not in config.stash:
        from .config import TargetError, load_target
        from .evidence.terminal import terminal_redactor

        path = config.getoption("--eprom-target", None)
        try:
            config.stash[terminal_redactor_key] = terminal_redactor(load_target(Path(path))) if path else None
        except TargetError:
            config.stash[terminal_redactor_key] = None
    return config.stash[terminal_redactor_key]


def _attach_fuzz_record(item: pytest.Item, report: pytest.TestReport) -> None:
    """A fuzz case's hypothesis record (profile, seed, examples, statistics) as the report's "Hypothesis"
    section, where the terminal, the HTML report and the evidence find it."""
    system = getattr(item, "funcargs", {}).get("eprom_system")
    if system is not None:
        from .stimuli.fuzzing import fuzz_record_text

        text = fuzz_record_text(system.store, case_ids(item))
        if text:
            report.sections.append(("Hypothesis", text))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not config.getoption("--eprom-target"):
        return
    _drift_summary(terminalreporter, config.stash.get(drift_key, []), _terminal_redactor(config))
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])  # error: setup
    if failed:
        _failed_checks(terminalreporter, config, failed)


def _failed_checks(terminalreporter: Any, config: pytest.Config, failed: list[Any]) -> None:
    """One entry per failed check, causes first (:mod:`verification.console`), each with its reproduction."""
    from .console import blocked_by_no_order, causes_first, check_line, wrapped

    width = getattr(getattr(terminalreporter, "_tw", None), "fullwidth", 100)
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


def _reproduction(terminalreporter: Any, config: pytest.Config, failure: dict[str, Any]) -> None:
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
    redactor = _terminal_redactor(config)  # national ids as aliases: CI logs keep the terminal
    for line in curl_command(exchange, api_key=api_key).splitlines():
        terminalreporter.write_line(f"        {redactor.text(line) if redactor else line}")


class _AreaProgress:
    """``eprom-verify run`` progress: a line per checklist area as its cases finish (passed, failed, not run)."""

    def __init__(self, reporter: Any) -> None:
        self.reporter, self.area = reporter, ""
        self.areas: dict[str, str] = {}
        self.outcomes: dict[str, str] = {}
        self.tally: dict[str, int] = {}
        self.done, self.started = 0, 0.0

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        import time

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

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        outcome = self.outcomes.pop(nodeid, "passed")
        self.tally[outcome] = self.tally.get(outcome, 0) + 1
        self.done += 1

    def pytest_sessionfinish(self) -> None:
        if self.tally:
            self.write()

    def write(self) -> None:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.tally.items()))
        if getattr(self.reporter, "_width_of_current_line", 0):  # after -q's dots
            self.reporter.write("\n")
        self.reporter.write_line(f"eprom-verify: {self.area}: {counts} {self.where()}")
        self.tally = {}

    def where(self) -> str:
        """``[12/87 cases, 9 s]``, with an estimate of the rest once the run has taken a while."""
        import time

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


def _drift_summary(terminalreporter: Any, drift: list[dict[str, Any]], redactor: Any) -> None:
    from .checks.drift import Drift

    if not drift:
        return
    terminalreporter.section("eprom-verify: drift in ePROM's answers (recorded, not judged)")
    seen: dict[str, list[str]] = {}  # one line per finding, naming every exchange it was seen in
    for item in drift:
        line = Drift(item["endpoint"], item["path"], item["kind"], item["value"]).render()
        seen.setdefault(line, []).append(f"#{item.get('exchange_id')}")
    for line, exchanges in seen.items():
        line = f"DRIFT {line} [exchange {', '.join(exchanges)}]"
        terminalreporter.write_line(redactor.text(line) if redactor else line)


# -- evidence (issue 6) --
# One CaseOutcome per case (from pytest_runtest_logreport); when the session ends, after JUnit XML and
# pytest-html have written their files, the evidence bundle is written from the outcomes and the store.


@pytest.hookimpl(specname="pytest_configure")
def pytest_configure_evidence(config: pytest.Config) -> None:  # pytest only reads pytest_* names
    wanted = config.getoption("--eprom-target", None) or config.getoption("--eprom-session-dir", None)
    if wanted:  # also on xdist workers: their reports carry eprom_failure to the controller
        config.pluginmanager.register(_EvidencePlugin(config), "eprom-verify-evidence")


class _EvidencePlugin:
    """Collects case outcomes and the exchanges each case rests on; writes the bundle at the end."""

    def __init__(self, config: pytest.Config) -> None:
        from .evidence.collect import OutcomeCollector

        self.config = config
        self.collector = OutcomeCollector()
        given = config.getoption("--eprom-session-dir", None)
        self.session_dir: Path | None = Path(given) if given else None
        self.session: Any = None  # the eprom_session fixture's Session, once a case used it
        self._store: Any = None
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

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        from .checks.failure import Waiting
        from .evidence.results import failure_record

        report = yield
        session = getattr(item, "funcargs", {}).get("eprom_session")
        if session is not None and self.session is None:
            self.session, self.session_dir = session, Path(session.dir)
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, Waiting):  # not yet recorded: waiting, never failed
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"waiting: {error.reason}")
        if isinstance(error, CheckFailure):
            report.eprom_failure = failure_record(error)  # type: ignore[attr-defined]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.add_report(report)

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        import sys

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
        import sys

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


# -- the run's deadline (issue 12) --
# budgets.run_s (or the profile's default) bounds the whole run: exchanges and commands are cut to what is
# left of it, cases not started when it expires are not run (with the reason), the bundle is still written,
# and the exit is 1.


@pytest.hookimpl(specname="pytest_configure")
def pytest_configure_run_deadline(config: pytest.Config) -> None:  # pytest only reads pytest_* names
    from .config import TargetError, load_target
    from .stimuli.profiles import resolve_profile

    path = config.getoption("--eprom-target", None)
    try:
        target = load_target(Path(path)) if path else None
        profile = None if target is None else resolve_profile(config.getoption("--eprom-profile", None),
                                                             target.profile)
    except (TargetError, ValueError):
        return  # reported by the eprom_target fixture
    if target is not None:
        config.pluginmanager.register(_RunDeadline(target.budgets.run_limit(profile)), "eprom-verify-run-deadline")


class _RunDeadline:
    def __init__(self, limit_s: float) -> None:
        from .deadline import inherit

        self.limit_s = limit_s
        self.not_run: set[str] = set()  # node ids
        inherit(limit_s)  # the clock `eprom-verify run` started before the doctor, else from now

    def reason(self) -> str:
        return f"the run's deadline expired (budgets.run_s = {self.limit_s:g} s)"

    def expired(self) -> bool:
        from .recorder.client import run_time_left

        return run_time_left() == 0.0

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.expired():
            self.not_run.add(item.nodeid)
            pytest.skip(f"not run: {self.reason()} before this case started")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if report.failed and self.expired():
            # Cut short: its waits and exchanges ended at the deadline, so its failure is no verdict.
            self.not_run.add(item.nodeid)
            first = str(report.longrepr).strip().splitlines()[-1:] or [""]
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0,
                               f"not run: {self.reason()} during this case (cut short at: {first[0][:200]})")
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.not_run and session.exitstatus == 0:
            session.exitstatus = 1  # a cut-short run is no pass

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.not_run:
            terminalreporter.write_line(f"eprom-verify: {self.reason()}; {len(self.not_run)} case(s) not run "
                                        "(exit 1: a cut-short run is no pass)")

    def pytest_unconfigure(self) -> None:
        from .recorder.client import set_run_deadline

        set_run_deadline(None)


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
