"""The whole run against a hostile system (the plugin in a pytest subprocess, as `eprom-verify run` runs
it): budgets.run_s ends it, the cases left are not run with the reason, the bundle is still written, the
exit is 1, a route that keeps timing out fails fast, and no process a trigger command started survives."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from hostile_peers import answers_the_doctor, hostile_server, never_answers, slow
from test_hostile_commands import gone, marker

REPO = Path(__file__).resolve().parents[2]
RUN_S = 8
SLACK_S = 5  # what a run may take past budgets.run_s: tear-down and the bundle (README, "Bounds")

CASES = '''
import pytest


@pytest.mark.eprom("R-LATENCY")
def test_callbacks_to_a_silent_system(eprom_system):
    for _ in range(3):
        eprom_system.send_callback("C1", {"formOrderId": "184738d0-3c39-e611-9c2a-34e6d72e03c7"})
    third = eprom_system.send_callback("C1", {"formOrderId": "184738d0-3c39-e611-9c2a-34e6d72e03c7"})
    print("third:", third.error)


@pytest.mark.eprom("S-ORDER")
def test_a_hanging_trigger(eprom_system):
    print("trigger:", eprom_system.trigger({"formId": "x"}).error)


@pytest.mark.eprom("R-AUTH")
def test_cut_short(eprom_system):
    base = eprom_system.settings.callback_base_url
    for number in range(60):  # a new route each time, 1 s a try: the run's deadline passes meanwhile
        if eprom_system.client.send("PUT", f"{base}/route-{number}").error.startswith("not sent"):
            break
    assert False, "failed only because its answers were cut short"


@pytest.mark.eprom("R-JSON")
def test_never_started(eprom_system):
    raise AssertionError("never runs: the deadline has passed")
'''


def test_the_run_ends_at_its_deadline_with_the_rest_not_run(tmp_path: Path) -> None:
    mark = marker()
    with hostile_server(never_answers) as url:
        (tmp_path / "target.yaml").write_text(textwrap.dedent(f"""\
            name: Hostile system
            environment: test
            api_key: hostile-test-key-0123456789
            eprom: {{mode: simulator, listen: "127.0.0.1:0"}}
            bestillersystem:
              callback_base_url: {url}
              trigger: {{command: ["sh", "-c", "(sleep {mark} &); sleep {mark}"], timeout_s: 0.5}}
              capabilities: [formorder, message, personvern]
            forms: [{{id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: false, paper: false}}]
            test_persons: ["26670271527"]
            budgets: {{callback_s: 1, run_s: {RUN_S}}}
            """))
        (tmp_path / "test_cases.py").write_text(textwrap.dedent(CASES))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(tmp_path / "test_cases.py"), f"--rootdir={tmp_path}", "-p",
             "no:cacheprovider", f"--eprom-target={tmp_path / 'target.yaml'}", "-p", "no:xdist",
             f"--eprom-session-dir={tmp_path / 'session'}", f"--junitxml={tmp_path / 'session' / 'junit.xml'}",
             "-v", "-s"],
            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
        )
        took = time.monotonic() - started
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert took < RUN_S + 60, out  # a sanity bound (the clock starts in pytest here); the next test keeps the real one
    assert "third: PUT /api/PromsFormOrder timed out 2 times; not tried again" in out, out
    assert "trigger: timeout after " in out and "s; the command and its processes were killed" in out, out
    reasons = {case.get("name"): (case.find("skipped").get("message") if case.find("skipped") is not None else "")
               for case in ET.parse(tmp_path / "session" / "junit.xml").getroot().iter("testcase")}
    assert "deadline expired (budgets.run_s = 8 s) during this case" in reasons["test_cut_short"]
    assert "deadline expired (budgets.run_s = 8 s) before this case started" in reasons["test_never_started"]
    assert "2 case(s) not run" in out
    assert (tmp_path / "session" / "evidence").is_dir(), out
    assert gone(mark)


def test_the_runners_backstop_interrupts_a_run_that_does_not_end(tmp_path: Path, capsys) -> None:
    from verification.runner import _run_pytest

    (tmp_path / "test_hangs.py").write_text("import threading\n\ndef test_hangs():\n    threading.Event().wait()\n")
    started = time.monotonic()
    code = _run_pytest([str(tmp_path / "test_hangs.py"), "-p", "no:cacheprovider", "-q"],
                       dict(os.environ), hard_limit_s=3)
    assert code == 3 and time.monotonic() - started < 20
    assert "did not end within 3 s" in capsys.readouterr().err


def test_a_hostile_system_gets_the_whole_run_within_its_deadline(tmp_path: Path) -> None:
    """`eprom-verify run` with the packaged cases against a system whose triggers answer after 60 s and whose
    callbacks after 20 s (it answers the doctor): the run ends within budgets.run_s and the slack, every
    case left is not run with the reason, the bundle is written, the exit is 1."""
    run_s = 12

    def hostile(conn, request, stop):  # noqa: ANN001 - a hostile_peers behaviour
        (slow(60) if b" /_trigger/" in request else slow(20))(conn, request, stop)

    with hostile_server(answers_the_doctor(hostile)) as url:
        (tmp_path / "target.yaml").write_text(textwrap.dedent(f"""\
            name: Slow system
            environment: test
            api_key: hostile-test-key-0123456789
            eprom: {{mode: simulator, listen: "127.0.0.1:0"}}
            bestillersystem:
              callback_base_url: {url}
              trigger: {{url: {url}/_trigger/order, timeout_s: 30, personvern: {{url: {url}/_trigger/personvern}}}}
              probe: {{status: "{url}/_probe/status/{{formOrderId}}"}}
              capabilities: [formorder, personvern]
            forms: [{{id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: false, paper: false}}]
            test_persons: ["26670271527"]
            budgets: {{callback_s: 30, run_s: {run_s}}}
            """))
        load = interpreter_start_s()
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "verification.cli", "run", str(tmp_path / "target.yaml"),
                                 "--report-dir", str(tmp_path / "reports"), "-q"],
                                capture_output=True, text=True, timeout=120, cwd=tmp_path)
        took = time.monotonic() - started
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    # The slack is start-up and tear-down work (two interpreters, the simulator, the bundle): on a machine
    # that other processes keep busy it takes longer, by about what an interpreter's start takes longer.
    assert took < run_s + SLACK_S + 2 * max(load - IDLE_START_S, 0), (took, load, out)
    assert f"the run's deadline expired (budgets.run_s = {run_s} s);" in out, out
    (session,) = (tmp_path / "reports").iterdir()
    assert (session / "evidence" / "evidence.json").is_file(), out
    reasons = [case.find("skipped").get("message") for case in ET.parse(session / "junit.xml").getroot().iter("testcase")
               if case.find("skipped") is not None]
    assert any("before this case started" in reason for reason in reasons), reasons


IDLE_START_S = 0.6  # an interpreter importing what a run imports, on the idle 2-core machine


def interpreter_start_s() -> float:
    """How long an interpreter takes now to import what a run imports: the machine's current slowness."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import pytest, hypothesis, httpx, uvicorn, verification.pytest_plugin, "
                    "verification.evidence.bundle"], check=True)
    return time.monotonic() - started
