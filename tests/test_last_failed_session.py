"""``run --last-failed`` end to end: two real sessions against the reference system in a faulty variant. The
second one re-runs exactly the cases that failed in the first, nothing else (issue 13: the unit tests in
``test_selection.py`` stub the runner; this one does not)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from verification.cli import main
from verification.commands.demo import DEMO_KEY_VARIABLE, free_port, write_demo_target
from verification.evidence.bundle import load_outcomes
from verification.reference import run_reference_system

pytestmark = pytest.mark.slow


def _sessions(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "outcomes.json").is_file())


def test_last_failed_reruns_exactly_the_failed_cases_of_a_real_session(tmp_path: Path, capsys):
    os.environ.setdefault(DEMO_KEY_VARIABLE, f"test-{secrets.token_urlsafe(18)}")
    root, port = tmp_path / "reports", free_port()
    with run_reference_system(eprom_base_url=f"http://127.0.0.1:{port}/promswebapi",
                              api_key=os.environ[DEMO_KEY_VARIABLE], behaviour="missing_auth_check") as reference:
        target = tmp_path / "target.yaml"
        write_demo_target(target, eprom_port=port, reference=reference)
        # R-AUTH fails on this variant; R-UNKNOWN-ORDER passes: the re-run must leave the passing case out.
        assert main(["run", str(target), "--only", "R-AUTH", "R-UNKNOWN-ORDER", "--report-dir", str(root), "-q"]) == 1
        first = _sessions(root)[-1]
        cases = load_outcomes(first)[0]
        failed = {case.nodeid for case in cases if case.outcome == "failed"}
        passed = {case.nodeid for case in cases if case.outcome == "passed"}
        assert failed and passed, [(case.nodeid, case.outcome) for case in cases]

        assert main(["run", str(target), "--last-failed", "--report-dir", str(root), "-q"]) == 1
    second = _sessions(root)[-1]
    assert second != first
    rerun = load_outcomes(second)[0]
    assert {case.nodeid for case in rerun} == failed
    assert all(case.outcome == "failed" for case in rerun)
    assert f"re-running the {len(failed)} case(s) that failed in {first}" in capsys.readouterr().out
