"""The command line as a newcomer meets it: exit codes, messages, and the house rules of the package."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from target_files import simulator_target, write_target

from verification.cli import main
from verification.spec.checklist import load_checklist

ROOT = Path(__file__).resolve().parents[1]
VALID = simulator_target(key_variable="EPROM_CLI_TEST_KEY", name="CLI test system") | {"test_persons": ["26670271527"]}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verification.cli", *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_checklist_lists_every_id_in_table_and_json():
    table = run_cli("checklist")
    as_json = json.loads(run_cli("checklist", "--format", "json").stdout)
    ids = [item.id for item in load_checklist()]
    assert table.returncode == 0
    assert [entry["id"] for entry in as_json] == ids
    for item_id in ("V1.1", "S-SIGN.3", "R-STATUS-ORDERED", "S-TEST-DATA", "P-DOCUMENTED-ERRORS"):
        assert item_id in table.stdout


def test_run_with_unset_variable_exits_4_naming_it(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("EPROM_CLI_TEST_KEY", raising=False)
    target = write_target(tmp_path, VALID)
    assert main(["run", str(target), "--report-dir", str(tmp_path / "reports")]) == 4
    err = capsys.readouterr().err
    assert "EPROM_CLI_TEST_KEY" in err and "api_key" in err
    assert not (tmp_path / "reports").exists(), "nothing may be written for a bad target"


def test_run_with_missing_field_exits_4_naming_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EPROM_CLI_TEST_KEY", "k-123")
    target = write_target(tmp_path, VALID | {"bestillersystem": {"capabilities": ["formorder"]}})
    assert main(["run", str(target)]) == 4
    assert "bestillersystem.callback_base_url" in capsys.readouterr().err


def test_run_with_missing_file_exits_4(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 4
    assert "nope.yaml" in capsys.readouterr().err


def test_production_target_is_refused_with_4_before_anything(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EPROM_CLI_TEST_KEY", "k-123")
    target = write_target(tmp_path, VALID | {"environment": "production"})
    assert main(["run", str(target), "--report-dir", str(tmp_path / "reports")]) == 4
    assert "production" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("flag", [[], ["--strict"]])
def test_run_strict_reaches_the_cases_as_eprom_strict(flag, tmp_path, monkeypatch):
    """``run --strict`` makes advice fail its check: the run's pytest gets ``--eprom-strict`` (and nothing
    else of this process's environment decides it)."""
    from verification.checks.failure import STRICT_VARIABLE

    monkeypatch.setenv("EPROM_CLI_TEST_KEY", "k-123")
    monkeypatch.delenv(STRICT_VARIABLE, raising=False)
    seen: list[list[str]] = []
    monkeypatch.setattr("verification.runner._doctor_allows", lambda target, quiet: True)
    monkeypatch.setattr("verification.runner._run_pytest", lambda args, env, **_: seen.append(args) or 0)
    target = write_target(tmp_path, VALID)
    assert main(["run", str(target), "--report-dir", str(tmp_path / "reports"), *flag]) == 0
    assert [("--eprom-strict" in args) for args in seen] == [bool(flag)]


def test_help_exits_0():
    result = run_cli("--help")
    assert result.returncode == 0 and "demo" in result.stdout and "checklist" in result.stdout


def test_unknown_command_is_a_usage_error():
    assert run_cli("frobnicate").returncode == 2  # argparse's usage error


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "module", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "verification").rglob("*.py"))
)
def test_library_never_imports_pytest(module):
    if module.startswith("verification/pytest_"):
        return  # the thin plugin and the sibling modules it registers are the one place that may
    assert "pytest" not in _imports(ROOT / module), f"{module} imports pytest; only the plugin may"


def test_a_reader_that_leaves_early_gets_no_traceback():
    """``eprom-verify checklist | head -1``: the pipe closes after one line; no BrokenPipeError traceback."""
    listing = subprocess.Popen([sys.executable, "-m", "verification.cli", "checklist"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert listing.stdout is not None
    listing.stdout.readline()
    listing.stdout.close()  # the reader leaves, as `head` does
    _, errors = listing.communicate(timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipeError" not in errors, errors.decode()
