"""``eprom-verify run`` in direct mode, end to end, against the simulator on loopback (as nightly CI runs it):
the P cases run and pass, a misbehaving ePROM fails them, drift is shown in the summary, and in simulator
mode the P cases are not applicable."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from direct_support import KEY, PERSON, direct_target, write_target

from verification.simulator import SimulatorSettings, run_simulator

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sim():
    with run_simulator(SimulatorSettings.from_target(direct_target())) as handle:
        yield handle


def run(target: Path, report_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verification.cli", "run", str(target), "--report-dir", str(report_dir), *extra],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )


def outcomes(report_dir: Path) -> dict[str, str]:
    (junit,) = report_dir.glob("*/junit.xml")
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        verdict = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        found[case.get("name")] = verdict
    return found


def test_direct_mode_runs_the_p_cases_and_shows_drift(sim, tmp_path):
    sim.configure(answer_overrides={"notificationChannel": "CarrierPigeon"})
    try:
        result = run(write_target(tmp_path / "target.yaml", sim.api_base_url), tmp_path / "reports")
    finally:
        sim.configure(answer_overrides={})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verdicts = outcomes(tmp_path / "reports")
    assert len(verdicts) == 12 and set(verdicts.values()) == {"passed"}
    assert "DRIFT E1 answer: unknown enum value notificationChannel = 'CarrierPigeon'" in result.stdout
    assert KEY not in result.stdout + result.stderr and PERSON not in result.stdout + result.stderr


def test_direct_mode_fails_on_an_epROM_that_does_not_know_the_key(sim, tmp_path):
    sim.configure(api_key="someone-elses-key")
    try:
        result = run(write_target(tmp_path / "target.yaml", sim.api_base_url), tmp_path / "reports",
                     "--only", "P-API-KEY", "P-FORMS")
    finally:
        sim.configure(api_key=KEY)
    assert result.returncode == 1
    assert outcomes(tmp_path / "reports") == {"test_api_key": "failure", "test_forms": "failure"}
    assert "FAILED [P-API-KEY]" in result.stdout


def test_in_simulator_mode_the_p_cases_are_not_applicable(tmp_path):
    target = write_target(tmp_path / "target.yaml", eprom={"mode": "simulator", "listen": "127.0.0.1:0"})
    result = run(target, tmp_path / "reports", "--only", "P-API-KEY", "-q")
    assert outcomes(tmp_path / "reports") == {"test_api_key": "skipped"}
    assert "not applicable: the P-checks call ePROM directly" in ET.parse(
        next((tmp_path / "reports").glob("*/junit.xml"))).getroot().find(".//skipped").get("message")
    assert result.returncode == 0
