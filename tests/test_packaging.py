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
