"""The plugin's evidence hooks, end to end in a pytest subprocess: outcomes per case, the bundle at the
end, JUnit XML and pytest-html redacted into it, Waiting and NotVerifiable honest, exit 1 on a leak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from evidence_support import D_NUMBER, KEY, VERIFICATION_PERSON, bundle_text

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120

TARGET = f"""
name: Plugin test system
environment: test
api_key: {KEY}
eprom: {{mode: simulator, listen: "127.0.0.1:0"}}
bestillersystem:
  callback_base_url: http://127.0.0.1:9
  capabilities: [formorder]
forms: [{{id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: false, paper: false}}]
test_persons: ["{VERIFICATION_PERSON}"]
"""

CASES = f'''
import json
import pytest
from hypothesis import given, settings, strategies as st
from verification.checks.failure import CheckFailure, Deviation, NotVerifiable, Waiting
from verification.recorder.store import Exchange

KEY, PERSON, OTHER = "{KEY}", "{VERIFICATION_PERSON}", "{D_NUMBER}"


def record(session, body):
    return session.store.record(Exchange("to_system", "kit", "PUT", "http://127.0.0.1:9/api/PromsFormOrder",
                                         {{"Authorization": "Basic " + KEY}}, json.dumps(body), 200, {{}},
                                         '{{"success": true}}'))


@pytest.mark.eprom("R-STATUS-ORDERED")
def test_status_passes(eprom_session):
    record(eprom_session, {{"apiKey": KEY, "formOrderStatus": "Ordered"}})


@pytest.mark.eprom("R-AUTH")
def test_auth_fails(eprom_session):
    exchange_id = record(eprom_session, {{"apiKey": "wrong-key-for-r-auth"}})
    print("sent with", KEY, "for", PERSON)
    raise CheckFailure(check_id="R-AUTH", title="a wrong key was accepted",
                       deviations=[Deviation("success", True, "false or 4xx", "BR-23", exchange_id),
                                   Deviation("nationalId", OTHER, "rejected", "", exchange_id)])


@pytest.mark.eprom("R-IDEMPOTENT")
def test_not_verifiable(eprom_session):
    raise NotVerifiable("R-IDEMPOTENT", "no probe configured")


@pytest.mark.eprom("S-ROUND-TRIP")
def test_waiting(eprom_session):
    raise Waiting("S-ROUND-TRIP", "no C2 yet")


@pytest.mark.eprom("R-RETURN-PAPER")
def test_not_applicable(eprom_session):
    pytest.skip("not applicable: no form is paper-enabled")


@pytest.mark.eprom("R-ROUTES")
def test_plain_error(eprom_session):
    assert PERSON == "x", "compared " + PERSON + " with " + KEY


@pytest.mark.eprom("R-ENUM-FORMS")
@settings(max_examples=5, database=None)
@given(st.sampled_from(["Ordered", 2, "2"]))
def test_property(status):
    pass
'''


def plugin_args() -> list[str]:
    installed = any(ep.name == "eprom_verify" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "verification.pytest_plugin"]


def run_cases(tmp_path: Path, *extra: str, conftest: str = "") -> tuple[subprocess.CompletedProcess[str], Path]:
    (tmp_path / "target.yaml").write_text(TARGET, encoding="utf-8")
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    if conftest:
        (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest), encoding="utf-8")
    session_dir = tmp_path / "reports" / "20250101T000000Z-plugin"
    session_dir.mkdir(parents=True)
    command = [
        sys.executable, "-m", "pytest", str(tmp_path / "test_cases.py"), f"--rootdir={tmp_path}",
        "-c", str(tmp_path / "pytest.ini"), *plugin_args(), "-p", "no:cacheprovider", "-p", "no:randomly",
        f"--eprom-target={tmp_path / 'target.yaml'}", f"--eprom-session-dir={session_dir}",
        f"--junitxml={session_dir / 'junit.xml'}", f"--html={session_dir / 'report.html'}",
        "--self-contained-html", "-q", *extra,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=TIMEOUT_S)
    return done, session_dir


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    return run_cases(tmp_path_factory.mktemp("plugin"))


def test_the_run_writes_a_clean_bundle(finished) -> None:
    done, session_dir = finished
    assert done.returncode == 1, done.stdout + done.stderr  # two cases failed
    assert "eprom-verify: evidence bundle" in done.stdout
    bundle = session_dir / "evidence"
    assert sorted(bundle_text(bundle)) == [
        "MANIFEST.sha256", "evidence.json", "junit.xml", "kit-version.txt", "pytest-report.html", "report.html",
        "target.redacted.yaml"]
    for name, data in bundle_text(bundle).items():
        assert KEY.encode() not in data and VERIFICATION_PERSON.encode() not in data, name
        assert D_NUMBER.encode() not in data, name


def test_each_case_gets_its_outcome_and_each_id_its_status(finished) -> None:
    _, session_dir = finished
    stored = json.loads((session_dir / "outcomes.json").read_text(encoding="utf-8"))
    cases = {case["nodeid"].split("::")[1]: case for case in stored["cases"]}
    assert {name: (case["outcome"], case["kind"]) for name, case in cases.items()} == {
        "test_status_passes": ("passed", ""),
        "test_auth_fails": ("failed", ""),
        "test_not_verifiable": ("skipped", "not_verifiable"),
        "test_waiting": ("skipped", "waiting"),
        "test_not_applicable": ("skipped", "not_applicable"),
        "test_plain_error": ("failed", ""),
        "test_property": ("passed", ""),
    }
    assert cases["test_auth_fails"]["failure"]["deviations"][0]["exchange_id"] == 2
    assert cases["test_auth_fails"]["exchange_ids"] == [2]
    assert cases["test_status_passes"]["exchange_ids"] == [1]
    assert "**********" in cases["test_auth_fails"]["captured"]
    assert cases["test_plain_error"]["longrepr"] and KEY not in cases["test_plain_error"]["longrepr"]
    assert stored["hypothesis"]["derandomize"] in (True, False)
    evidence = json.loads((session_dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    statuses = {item["id"]: item["status"] for item in evidence["items"]}
    assert statuses["R-STATUS-ORDERED"] == "passed" and statuses["R-AUTH"] == "failed"
    assert statuses["R-IDEMPOTENT"] == "not run" and statuses["S-ROUND-TRIP"] == "waiting"
    assert statuses["R-RETURN-PAPER"] == "not applicable" and statuses["R-ROUTES"] == "failed"
    statistics = evidence["hypothesis"]["cases"][0]
    assert statistics["nodeid"].endswith("test_property") and statistics["statistics"]
    assert statistics["examples"] == {"passing": 3, "failing": 0, "invalid": 0}  # the 3 values sampled_from has


def test_junit_and_pytest_html_are_redacted_in_place(finished) -> None:
    _, session_dir = finished
    junit = (session_dir / "junit.xml").read_text(encoding="utf-8")
    assert KEY not in junit and VERIFICATION_PERSON not in junit and "person-1" in junit
    assert junit == (session_dir / "evidence" / "junit.xml").read_text(encoding="utf-8")
    assert "evidence/report.html" in (session_dir / "report.html").read_text(encoding="utf-8")


def test_a_leak_found_by_the_scan_fails_the_run(tmp_path: Path) -> None:
    # A leak the redactor cannot see: a file planted in the bundle (stands for any miss of the redactor).
    conftest = f'''
        import pytest
        from verification.evidence import bundle

        _write_files = bundle._write_files

        def _planting(session_dir, bundle_dir, staging, *args):
            files = _write_files(session_dir, bundle_dir, staging, *args)
            (staging / "planted.log").write_text("debug: {VERIFICATION_PERSON}", encoding="utf-8")
            return files

        bundle._write_files = _planting
    '''
    done, session_dir = run_cases(tmp_path, "-k", "status_passes", conftest=conftest)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "planted.log: byte offset 7: national id (fødselsnummer, synthetic SyntPop)" in done.stderr
    assert VERIFICATION_PERSON not in done.stdout + done.stderr
    assert not (session_dir / "evidence" / "MANIFEST.sha256").exists()


def test_the_terminal_never_shows_the_key(finished) -> None:
    # The FAILED summary lines, tracebacks and captured output once printed the raw key (issue 12).
    done, session_dir = finished
    printed = done.stdout + done.stderr
    assert "FAILED test_cases.py::test_plain_error" in printed and "FAILED [R-AUTH]" in printed, printed
    assert "sent with **********" in printed and "compared" in printed
    assert KEY not in printed and KEY[:-2] not in printed and KEY[2:10] not in printed
    junit = (session_dir / "junit.xml").read_text(encoding="utf-8")
    assert KEY[:-2] not in junit and KEY[2:10] not in junit


def test_the_terminal_shows_national_ids_as_the_bundles_aliases(finished) -> None:
    # The captured output, the failure's traceback (a deviation received a D-nummer), the assertion message.
    done, session_dir = finished
    printed = done.stdout + done.stderr
    assert VERIFICATION_PERSON not in printed and D_NUMBER not in printed, printed
    assert "for person-1 (fødselsnummer, synthetic SyntPop)" in printed  # the test person, first as in the bundle
    assert "person-2 (D-nummer)" in printed, printed
    evidence = json.loads((session_dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["redaction"]["aliases"][:2] == [
        {"alias": "person-1", "class": "fødselsnummer, synthetic SyntPop"}, {"alias": "person-2", "class": "D-nummer"}]


def test_verbose_output_shows_no_national_id(tmp_path: Path) -> None:
    done, _ = run_cases(tmp_path, "-k", "auth_fails or plain_error", "-v", "--tb=long", "-rA")
    printed = done.stdout + done.stderr
    assert "compared person-1 (fødselsnummer, synthetic SyntPop) with **********" in printed, printed
    assert VERIFICATION_PERSON not in printed and D_NUMBER not in printed and KEY not in printed
