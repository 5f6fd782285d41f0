"""The ``verification.spec`` package: an explicit ``__all__`` that resolves, and a cheap import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import verification.spec as spec

REPO = Path(__file__).parents[2]


def test_every_public_name_resolves_once() -> None:
    assert len(spec.__all__) == len(set(spec.__all__))
    missing = [name for name in spec.__all__ if not hasattr(spec, name)]
    assert not missing


def test_module_all_lists_are_re_exported() -> None:
    from verification.spec import enums, hosts, messages, payloads, routes, timestamps, wire

    for module in (enums, wire, payloads, timestamps, routes, messages, hosts):
        assert set(module.__all__) <= set(spec.__all__), module.__name__


def test_national_id_names_load_on_first_use() -> None:
    assert spec.classify_national_id(spec.VERIFICATION_PERSON).check_digits_ok


def test_import_costs_only_the_standard_library() -> None:
    probe = (
        "import sys; before = set(sys.modules); import verification.spec; "
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before}"
        " - set(sys.stdlib_module_names) - {'verification'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"
