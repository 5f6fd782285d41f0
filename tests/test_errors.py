"""One exit-code enum and one base exception: every exception the kit raises derives from
``EpromVerifyError`` and carries an ``ExitCode``; commands return members, never bare numbers."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import verification
from verification import errors
from verification.errors import EpromVerifyError, ExitCode

ROOT = Path(__file__).resolve().parents[1]
# Modules whose functions return exit codes.
COMMAND_MODULES = ("cli.py", "runner.py", "simulator/__main__.py", "reference/__main__.py",
                   *sorted(path.relative_to(ROOT / "verification").as_posix()
                           for path in (ROOT / "verification" / "commands").glob("*.py")))


def _kit_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(verification.__path__, "verification."):
        if info.name.endswith("__main__") or info.name == "verification.pytest_plugin":
            continue
        module = importlib.import_module(info.name)
        found += [value for name, value in vars(module).items()
                  if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name
                  and not name.startswith("_") and not issubclass(value, Warning)]
    return found


def test_exit_codes_follow_pytest() -> None:
    assert [(code.name, int(code)) for code in ExitCode] == [
        ("OK", 0), ("FAILED", 1), ("INTERRUPTED", 2), ("INTERNAL", 3), ("USAGE", 4)]


@pytest.mark.parametrize("exception", _kit_exceptions(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_exception_has_the_one_base_and_an_exit_code(exception: type[BaseException]) -> None:
    # A BaseException like KeyboardInterrupt (the run's deadline) cannot share the base; it is drawn apart.
    assert issubclass(exception, EpromVerifyError) or not issubclass(exception, Exception)
    assert isinstance(exception.exit_code, ExitCode)  # type: ignore[attr-defined]
    assert exception.__name__ in (errors.__doc__ or ""), "draw it in verification/errors.py's hierarchy"


def test_the_exit_codes_the_classes_carry() -> None:
    from verification.checks.failure import CheckFailure, NotVerifiable
    from verification.config import TargetError
    from verification.direct.client import SafetyError
    from verification.evidence.bundle import BundleError, StoreCorrupt

    assert TargetError([]).exit_code == SafetyError("r", "m").exit_code == BundleError().exit_code == ExitCode.USAGE
    assert StoreCorrupt().exit_code == ExitCode.INTERNAL
    assert CheckFailure.exit_code == ExitCode.FAILED and NotVerifiable.exit_code == ExitCode.OK
    assert isinstance(TargetError([]), ValueError)  # the standard bases stay


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_commands_return_exit_code_members_not_numbers(module: str) -> None:
    tree = ast.parse((ROOT / "verification" / module).read_text(encoding="utf-8"))
    bare = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Return)
            and isinstance(node.value, ast.Constant) and type(node.value.value) is int]
    assert bare == [], f"{module}: return ExitCode.<NAME> instead of a number (lines {bare})"
