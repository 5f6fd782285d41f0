"""What a verification run prints (the plugin, in a pytest subprocess): a progress line per checklist area,
one line per failed check (its ID, the requirement, what was sent, what came back, what was expected), and
the cases that judge the whole session run last."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TARGET = """
name: Output test system
environment: test
api_key: output-test-key-0123456789
eprom: {mode: simulator, listen: "127.0.0.1:0"}
bestillersystem: {callback_base_url: "http://127.0.0.1:9", capabilities: [formorder]}
forms: [{id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: false, paper: false}]
"""

CASES = '''
import pytest
from verification.checks.failure import CheckFailure, Deviation


@pytest.mark.eprom("R-LATENCY", whole_session=True)
def test_session_wide():
    print("ran: session-wide")


@pytest.mark.eprom("R-AUTH")
def test_auth():
    raise CheckFailure(check_id="R-AUTH", title="Callbacks with a bad API key rejected", deviations=[
        Deviation("PUT /api/PromsFormOrder [C1 with empty apiKey]: reply", "HTTP 200 '{\\"success\\": true}'",
                  "rejected: HTTP 4xx", "BR-23", 7),
        Deviation("answers to the bad keys", "400; 401", "the same answer", "BR-23", 8)])


@pytest.mark.eprom("S-ROUND-TRIP", "V1.1")
def test_round_trip():
    print("ran: round trip")
'''


def test_a_run_prints_areas_and_one_line_per_failed_check(tmp_path: Path):
    (tmp_path / "target.yaml").write_text(TARGET)
    (tmp_path / "test_cases.py").write_text(textwrap.dedent(CASES))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_cases.py"), f"--rootdir={tmp_path}", "-p",
         "no:cacheprovider", f"--eprom-target={tmp_path / 'target.yaml'}",
         f"--eprom-session-dir={tmp_path / 'session'}", "-v", "-s"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert out.index("ran: round trip") < out.index("ran: session-wide"), "whole-session cases run last"
    assert "eprom-verify: receiver: 1 failed [1/3 cases" in out and "eprom-verify: sender: 1 passed [2/3" in out
    assert ("FAILED [R-AUTH] R-AUTH (BR-23): sent PUT /api/PromsFormOrder [C1 with empty apiKey]: reply — got "
            "HTTP 200 '{\"success\": true}' — expected rejected: HTTP 4xx (+1 more)") in unwrapped(out)


def unwrapped(out: str) -> str:
    """The kit's section wraps long lines with an indent; joined again to compare whole sentences."""
    return "".join(line if line.startswith(("FAILED", "CAUSE", "ERROR")) else " " + line.strip()
                   if line.startswith("   ") else "\n" + line for line in out.splitlines())


def run_cases(tmp_path: Path, cases: str, *extra: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "target.yaml").write_text(TARGET)
    (tmp_path / "test_cases.py").write_text(textwrap.dedent(cases))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_cases.py"), f"--rootdir={tmp_path}", "-p",
         "no:cacheprovider", f"--eprom-target={tmp_path / 'target.yaml'}",
         f"--eprom-session-dir={tmp_path / 'session'}", *extra],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )


def test_console_report_and_evidence_show_one_set_of_numbers(tmp_path: Path):
    """Finding 6: the demo printed "63 passed, 24 skipped" and "45 passed, 13 pending attestation, …", and
    "6 files" for a folder of 7."""
    import json
    import re

    cases = CASES.replace("def test_round_trip():", "def test_round_trip(eprom_session):")
    result = run_cases(tmp_path, cases, "-q")
    evidence = json.loads((tmp_path / "session" / "evidence" / "evidence.json").read_text())
    summary = evidence["summary"]
    assert summary.startswith(f"verdict {evidence['verdict']}: ") and "3 cases (1 failed, 2 passed)" in summary
    assert f"eprom-verify: {summary}" in result.stdout
    assert summary in (tmp_path / "session" / "evidence" / "report.html").read_text()
    assert evidence["verdict_meaning"] in (tmp_path / "session" / "evidence" / "report.html").read_text()
    held = len([p for p in (tmp_path / "session" / "evidence").iterdir() if p.is_file()])
    assert re.search(rf"evidence bundle \S+ \({held} files\)", result.stdout), result.stdout[-1500:]
    assert "1 failed, 2 passed in" in result.stdout.splitlines()[-1]  # pytest's line says the same of the cases


def test_require_complete_turns_an_incomplete_verdict_into_exit_1(tmp_path: Path, capsys):
    import json

    from verification.runner import _required

    (tmp_path / "evidence").mkdir()
    for verdict, code, expected in (("incomplete", 0, 1), ("passed", 0, 0), ("failed", 1, 1)):
        (tmp_path / "evidence" / "evidence.json").write_text(json.dumps({"verdict": verdict}))
        assert _required(code, tmp_path) == expected, verdict
    assert "verdict incomplete; --require complete makes that exit 1" in capsys.readouterr().err


def test_the_pytest_html_page_has_its_own_title_and_no_tuples_or_local_paths(tmp_path: Path):
    """Finding 7: evidence/pytest-report.html was titled "report.html" and opened with raw Python tuples
    carrying the operator's absolute paths into the bundle sent to Hemit."""
    import html

    skipping = CASES + '''

@pytest.mark.eprom("R-IDEMPOTENT")
def test_not_verifiable(eprom_session):
    pytest.skip("not run: no probe configured")
'''
    run_cases(tmp_path, skipping.replace("def test_round_trip():", "def test_round_trip(eprom_session):"),
              "-q", f"--html={tmp_path / 'session' / 'report.html'}", "--self-contained-html")
    page = html.unescape((tmp_path / "session" / "evidence" / "pytest-report.html").read_text(encoding="utf-8"))
    assert ">eprom-verify: the session as pytest saw it</title>" in page
    assert "not run: no probe configured" in page
    assert "('/" not in page and str(tmp_path) not in page and str(REPO) not in page  # ('/abs/path', 12, …)


def test_a_kit_internal_error_is_one_line_without_traceback_unless_verbose(tmp_path: Path):
    cases = '''
import pytest


@pytest.fixture
def broken():
    raise RuntimeError("the kit's own fixture broke")


@pytest.mark.eprom("R-AUTH")
def test_auth(broken):
    pass
'''
    out = run_cases(tmp_path, cases, "-q", "--tb=no", "-rN").stdout
    assert "ERROR [R-AUTH] RuntimeError: the kit's own fixture broke (kit-internal; -v shows the traceback)" in unwrapped(out)
    assert "Traceback" not in out and "raise RuntimeError" not in out
