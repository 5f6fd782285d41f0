"""Packaging facts CI relies on: every dependency pinned to a tested range, and the oldest-versions job's
constraints (.ci/constraints-oldest.txt) exactly the lower bounds pyproject.toml states."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def oldest():
    spec = importlib.util.spec_from_file_location("oldest_constraints", REPO / ".ci" / "oldest_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_oldest_versions_constraints_are_the_lower_bounds_of_pyproject(oldest) -> None:
    assert (REPO / ".ci" / "constraints-oldest.txt").read_text(encoding="utf-8") == oldest.constraints_text(), (
        "regenerate with: python3 .ci/oldest_constraints.py")
    assert oldest.main(["--check"]) == 0


def test_every_dependency_has_a_tested_range(oldest) -> None:
    names = {requirement.name for requirement in oldest.requirements()}
    assert {"pytest", "hypothesis", "cryptography", "pytest-xdist"} <= names
    for requirement in oldest.requirements():
        oldest.lower_bound(requirement)  # ValueError names the requirement without both bounds


def test_a_requirement_without_an_upper_bound_is_named(oldest) -> None:
    from packaging.requirements import Requirement

    with pytest.raises(ValueError, match="cryptography>=42: pin a tested range"):
        oldest.lower_bound(Requirement("cryptography>=42"))


def test_plain_pytest_with_a_target_collects_the_packaged_cases_from_any_folder(tmp_path: Path) -> None:
    """``pytest --eprom-target target.yaml`` without a path, outside the repository: the packaged cases, with
    their own settings (rootdir the cases folder, so node ids name the case files); no xdist there."""
    import os
    import subprocess
    import sys

    target = tmp_path / "target.yaml"
    example = (REPO / "examples" / "target.simulator.yaml").read_text(encoding="utf-8")
    # port 0: a simulator or demo the operator runs meanwhile holds 18080 (a blind trial's false failure)
    target.write_text(example.replace("listen: 127.0.0.1:18080", "listen: 127.0.0.1:0"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", f"--eprom-target={target}", "--collect-only", "-q",
                           "-n", "2"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "EPROM_API_KEY": "collect-only"})
    assert done.returncode == 0, done.stdout + done.stderr
    nodeids = [line for line in done.stdout.splitlines() if "::" in line]
    assert any(n.startswith("test_round_trip.py::") for n in nodeids), done.stdout
    assert "bringing up nodes" not in done.stdout
