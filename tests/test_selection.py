"""Selection as pytest users expect (issue 13, finding 4): ``--only`` is case-insensitive, an unknown ID is
exit 4 with "did you mean" and no session folder, ``pytest -k R-AUTH`` selects by check ID, and
``run --last-failed`` re-runs the cases that failed in the previous session of the same target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from target_files import simulator_target, write_target

from verification import runner
from verification.cli import main
from verification.selection import SelectionError, last_failed_nodeids, resolve_only

ROOT = Path(__file__).resolve().parents[1]
@pytest.fixture
def target(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("EPROM_SELECTION_KEY", "selection-key")
    return write_target(tmp_path, simulator_target(key_variable="EPROM_SELECTION_KEY", name="Selection test system"))


def test_only_is_case_insensitive_and_spelled_as_the_checklist_spells_it():
    assert resolve_only(["r-auth", "v1.2", "S-sign.3", "R-AUTH"]) == ("R-AUTH", "V1.2", "S-SIGN.3")


def test_an_unknown_id_suggests_the_close_ones():
    with pytest.raises(SelectionError, match=r"--only R-AUTHX: .*did you mean R-AUTH\b"):
        resolve_only(["R-AUTHX"])


def test_a_mistyped_only_exits_4_and_leaves_no_session_folder(target: Path, tmp_path: Path, capsys):
    assert main(["run", str(target), "--only", "R-AUTHX", "--report-dir", str(tmp_path / "reports")]) == 4
    assert "did you mean R-AUTH" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_pytest_k_selects_by_check_id():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "cases", "-c", "cases/pytest.ini", "--rootdir", "cases", "--collect-only",
         "-q", "-k", "R-TIMESTAMPS", "-p", "verification.pytest_plugin", "-p", "_hypothesis_pytestplugin"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    selected = [line for line in result.stdout.splitlines() if "::" in line]
    assert result.returncode == 0 and selected, result.stdout[-2000:]
    assert all("fuzz" in line for line in selected), selected


def _session(root: Path, name: str, target_name: str, outcomes: dict[str, str]) -> Path:
    folder = root / name
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "target.redacted.yaml").write_text(yaml.safe_dump({"name": target_name}))
    cases = [{"nodeid": nodeid, "outcome": outcome} for nodeid, outcome in outcomes.items()]
    (folder / "outcomes.json").write_text(json.dumps({"format": 1, "cases": cases}))
    return folder


def test_last_failed_reads_the_newest_session_of_the_same_target(tmp_path: Path):
    root = tmp_path / "reports"
    _session(root, "20260101T000000Z-aaaaaa", "Selection test system", {"a.py::old": "failed"})
    newest = _session(root, "20260102T000000Z-bbbbbb", "Selection test system",
                      {"a.py::x": "failed", "a.py::y": "passed", "a.py::z": "error"})
    _session(root, "20260103T000000Z-cccccc", "Another system", {"a.py::other": "failed"})
    assert last_failed_nodeids(root, "Selection test system") == (newest, ["a.py::x", "a.py::z"])


def test_run_last_failed_passes_the_failed_cases_to_the_run(target: Path, tmp_path: Path, monkeypatch):
    root = tmp_path / "reports"
    _session(root, "20260102T000000Z-bbbbbb", "Selection test system",
             {"test_receiver_security.py::test_bad_api_keys_rejected_alike": "failed"})
    seen = {}
    monkeypatch.setattr(runner, "run_session", lambda *args, **kwargs: seen.update(kwargs) or 1)
    assert main(["run", str(target), "--last-failed", "--report-dir", str(root)]) == 1
    assert seen["nodeids"] == ["test_receiver_security.py::test_bad_api_keys_rejected_alike"]
    assert runner.CASES_DIR.joinpath("test_receiver_security.py").is_file()


def test_run_last_failed_without_an_earlier_session_is_a_usage_error(target: Path, tmp_path: Path, capsys):
    assert main(["run", str(target), "--last-failed", "--report-dir", str(tmp_path / "reports")]) == 4
    assert "no earlier session of 'Selection test system'" in capsys.readouterr().err
