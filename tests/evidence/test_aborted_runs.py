"""A run killed midway says so, and a store that fails SQLite's integrity check yields no verdict (issue 12)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from evidence_support import KEY, SyntheticSession
from test_evidence_plugin import REPO, TARGET, plugin_args

from verification.commands.evidence import judge_command
from verification.recorder.store import SessionStore
from verification.session import mark_run_finished, mark_run_started


def _judge(session_dir: Path) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = judge_command(session_dir, target_path=None, say=lines.append, warn=lines.append)
    return code, lines


def test_judge_says_a_killed_run_was_cut_short_and_judges_what_ran(session: SyntheticSession):
    with session.store() as store:  # as the plugin leaves a run killed after two of its five cases
        mark_run_started(store, planned=5)
        for outcome in session.outcomes[:2]:
            store.save_case_outcome(outcome.nodeid, outcome.to_dict())
    code, lines = _judge(session.dir)
    assert code == 0, lines  # nothing failed among the cases that ran; the verdict is incomplete
    assert any("the run was cut short: 3 of 5 cases never ran" in line.lower() for line in lines), lines
    evidence = json.loads((session.dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["session"]["run"] == {"planned": 5, "ran": 2, "never_ran": 3, "finished": False,
                                          "cut_short": True}
    assert [case["nodeid"] for case in evidence["cases"]] == [o.nodeid for o in session.outcomes[:2]]
    assert evidence["verdict"] == "incomplete"
    assert "The run was cut short: 3 of 5 cases never ran" in (session.dir / "evidence" / "report.html").read_text()


def test_a_run_that_got_through_its_cases_is_not_cut_short(session: SyntheticSession):
    with session.store() as store:
        mark_run_started(store, planned=2)
        for outcome in session.outcomes[:2]:
            store.save_case_outcome(outcome.nodeid, outcome.to_dict())
        mark_run_finished(store)
    code, lines = _judge(session.dir)
    assert code == 0 and not any("cut short" in line for line in lines), lines
    evidence = json.loads((session.dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["session"]["run"]["cut_short"] is False
    assert "cut short" not in (session.dir / "evidence" / "report.html").read_text()


def test_judge_refuses_a_store_that_fails_the_integrity_check(session: SyntheticSession, deliberately_corrupt):
    store_file = deliberately_corrupt(session.dir / "session.sqlite")
    data = bytearray(store_file.read_bytes())
    page = 4096  # the second page: the exchanges table's first page
    data[page + 8: page + 4096] = bytes(range(256)) * 15 + bytes(range(248))  # garbage cells
    store_file.write_bytes(bytes(data))
    code, lines = _judge(session.dir)
    assert code == 3, lines
    assert len(lines) == 1 and "fails SQLite's integrity check" in lines[0] and "no evidence bundle" in lines[0]
    assert not (session.dir / "evidence").exists()


# -- crash safety, proven: kill -9 of a run at three moments ----------------------------------------------

CRASH_CASES = '''
import json
import os
import time

import pytest
from verification.recorder.store import Exchange

LOOP_IN = os.environ["EPROM_TEST_LOOP_IN"]


def work(session, name):
    """Record one exchange; the case named in EPROM_TEST_LOOP_IN goes on recording until it is killed."""
    deadline = time.monotonic() + 60  # bounded, should the test fail to kill it
    while True:
        session.store.record(Exchange("to_system", "kit", "PUT", f"http://127.0.0.1:9/api/{name}",
                                      {"Authorization": "Basic KEY"}, json.dumps({"apiKey": "KEY"}), 200))
        if name != LOOP_IN or time.monotonic() > deadline:
            return


CASES = {"first": "R-STATUS-ORDERED", "second": "R-AUTH", "third": "R-IDEMPOTENT", "fourth": "R-ROUTES"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.eprom(item)) for name, item in CASES.items()])
def test_case(eprom_session, name):
    work(eprom_session, name)
'''.replace("KEY", KEY)


def _wait_until(predicate, *, timeout: float) -> None:
    """Wait on the recorded state of another process (polled: another process cannot wake us)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the run never reached the moment to kill it"
        time.sleep(0.02)


@pytest.mark.parametrize(("loop_in", "finished_cases"), [("first", 0), ("second", 1), ("fourth", 3)])
def test_a_run_killed_mid_case_leaves_a_sound_store_that_judge_calls_cut_short(
    tmp_path: Path, loop_in: str, finished_cases: int
) -> None:
    (tmp_path / "target.yaml").write_text(TARGET, encoding="utf-8")
    (tmp_path / "test_cases.py").write_text(CRASH_CASES, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    session_dir = tmp_path / "reports" / "20250101T000000Z-killed"
    command = [sys.executable, "-m", "pytest", str(tmp_path / "test_cases.py"), f"--rootdir={tmp_path}",
               "-c", str(tmp_path / "pytest.ini"), *plugin_args(), "-p", "no:cacheprovider", "-q",
               f"--eprom-target={tmp_path / 'target.yaml'}", f"--eprom-session-dir={session_dir}"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "EPROM_TEST_LOOP_IN": loop_in}
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store_file = session_dir / "session.sqlite"
    try:
        def at_the_moment() -> bool:
            if not store_file.exists():
                return False
            with SessionStore(store_file) as store:
                looping = len(store.exchanges(path_suffix=f"/api/{loop_in}"))
                return looping >= 50 and len(store.case_outcomes()) == finished_cases

        _wait_until(at_the_moment, timeout=60)
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)
    with SessionStore(store_file) as store:
        assert store.integrity_problems() == []
    lines: list[str] = []
    code = judge_command(session_dir, say=lines.append, warn=lines.append)
    assert code in (0, 1), lines
    never_ran = 4 - finished_cases
    assert any(f"the run was cut short: {never_ran} of 4 cases never ran" in line.lower() for line in lines), lines
    evidence = json.loads((session_dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["session"]["run"]["finished"] is False and len(evidence["cases"]) == finished_cases
    assert KEY.encode() not in (session_dir / "evidence" / "evidence.json").read_bytes()
