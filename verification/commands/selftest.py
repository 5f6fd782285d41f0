"""``eprom-verify selftest``: the checks against the bundled reference system, correct and in every named
faulty variant, with the detection matrix.

Each variant is one full verification session, exactly as ``eprom-verify demo`` runs it, in its own
process (two at a time; the kit's own suite runs one per test, in the test's process): the reference
system with that :class:`~verification.reference.Behaviour`, the simulator, every case. The failed check
IDs are read from the session's ``outcomes.json``. The selftest fails (exit 1) when

- the correct system, or one of the correct alternative designs (a variant record that must pass: one
  status per order, enum names and integers only, …), fails any check (a false alarm of the kit), or a
  session ends in an error;
- a faulty variant is not caught by every check its record (:data:`~verification.reference.behaviour.VARIANTS`)
  names in ``catches`` (a missed fault);
- a variant fails a check that is neither in its catches nor in its ``collateral`` (a false alarm).

The sessions run with a callback budget of :data:`BUDGET_S` (not the default 10 s) so that the slow
variant costs seconds. Besides the behaviour variants there are deployment variants
(:data:`DEPLOYMENTS`): the correct system described by a faulty target file, where only the named checks
run, because nothing else may be sent to such a deployment.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from ..errors import ExitCode

__all__ = ["VariantRun", "Deployment", "DEPLOYMENTS", "BUDGET_S", "selftest", "run_variant", "judge_runs", "matrix",
           "summary"]

BUDGET_S = 4.0  # room for a cold first callback on a loaded machine; the slow variant takes 6 s
_VARIANT_TIMEOUT_S = 300.0
_SETUP_FAILED = ExitCode.INTERNAL  # the run's own exit code when the session could not start (pytest's "internal error")


@dataclass(frozen=True)
class Deployment:
    """The correct system described by a target file with a fault; only ``only`` runs against it."""

    description: str
    catches: frozenset[str]
    changes: dict[str, Any]
    only: tuple[str, ...]
    # A fault the target reader itself refuses (exit 4, naming this field) before any request: the kit's
    # safety rules catch it first, and that refusal is what the selftest expects of its checks.
    refused_field: str | None = None


DEPLOYMENTS: dict[str, Deployment] = {
    "plain_http_in_qa": Deployment(
        "callbacks registered as plain http on a public host name in the QA environment",
        frozenset({"R-TRANSPORT"}),
        {"environment": "qa", "bestillersystem": {"callback_base_url": "http://callbacks.example.org:8080"}},
        ("R-TRANSPORT",),
        refused_field="bestillersystem.callback_base_url",  # https off loopback is a target-file rule now
    ),
}


@dataclass
class VariantRun:
    """What one session against one variant came to."""

    name: str
    exit_code: int
    failed: set[str] = field(default_factory=set)  # catalogue check IDs of the failed cases
    ran: set[str] = field(default_factory=set)  # catalogue check IDs with at least one case that ran
    seconds: float = 0.0
    problem: str = ""  # why the session itself went wrong (no outcomes, an internal error)
    session_dir: Path | None = None
    retried: str = ""  # the first attempt's problem, when the session could not start the first time


# -- one variant, in the child process ------------------------------------------------------------------


def _write_target(path: Path, *, eprom_port: int, reference: Any, deployment: Deployment | None) -> None:
    from .demo import write_demo_target

    write_demo_target(path, eprom_port=eprom_port, reference=reference)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # The variant's whole run ends (with its bundle) before the selftest's own timeout would kill it;
    # retries_slow_orders gives up after 0.3 s, so ePROM's answer held back 1 s catches it (and keeps sessions short).
    # The reference system downloads a signed document at once (in ms, on loopback), so the window for it is the
    # callback budget, not the default 10 s that the batch design (downloads_signed_in_batch) would wait out twice.
    document["budgets"] = {"callback_s": BUDGET_S, "run_s": _VARIANT_TIMEOUT_S - 60, "slow_answer_s": 1.0,
                           "signed_download_s": BUDGET_S}
    for key, value in (deployment.changes if deployment else {}).items():
        document[key] = {**document[key], **value} if isinstance(value, dict) else value
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def focus(name: str) -> tuple[str, ...]:
    """The check IDs a focused session of ``name`` runs: a faulty variant's catches (what must fail);
    ``()`` (every case) for the correct system and the correct designs, which must pass everything.

    A catch judged over the whole session (R-LATENCY, S-AUTH-HEADER, …) judges what the other cases of its
    side sent or answered, so the session keeps every check of that area (receiver or sender)."""
    expected = expectations(name)
    if not expected or _correct(name):
        return ()
    areas = {area for check, area in _check_areas() if check in expected[0] & whole_session_checks()}
    return tuple(sorted(expected[0] | {check for check, area in _check_areas() if area in areas}))


@functools.cache
def _check_areas() -> tuple[tuple[str, str], ...]:
    from ..spec.checklist import load_checklist

    return tuple((entry.id, entry.area) for entry in load_checklist() if entry.kind == "check")


@functools.cache
def whole_session_checks() -> frozenset[str]:
    """The check IDs of the cases marked ``@pytest.mark.eprom(..., whole_session=True)``, read from the cases."""
    import ast

    from ..runner import CASES_DIR

    found: set[str] = set()
    for path in sorted(CASES_DIR.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "eprom"
                    and any(k.arg == "whole_session" and getattr(k.value, "value", None) is True
                            for k in node.keywords)):
                found |= {arg.value for arg in node.args if isinstance(arg, ast.Constant)}
    return frozenset(found)


def run_variant(name: str, session_dir: Path, *, focused: bool = False) -> int:
    """One full session against the reference system in variant ``name`` (or a deployment variant);
    ``focused``: a faulty variant runs only the cases of the checks in its :func:`focus`."""
    from ..config import TargetError, load_target
    from .demo import DEMO_KEY_VARIABLE, free_port
    from ..reference import run_reference_system
    from ..runner import run_session

    deployment = DEPLOYMENTS.get(name)
    os.environ.setdefault(DEMO_KEY_VARIABLE, f"selftest-{secrets.token_urlsafe(18)}")
    shutil.rmtree(session_dir, ignore_errors=True)  # a re-used --report-dir: this variant's own older run
    session_dir.mkdir(parents=True)
    eprom_port = free_port()
    with run_reference_system(
        eprom_base_url=f"http://127.0.0.1:{eprom_port}/promswebapi", api_key=os.environ[DEMO_KEY_VARIABLE],
        behaviour="correct" if deployment else name, db_path=str(session_dir / "reference.sqlite"),
    ) as reference:
        target_path = session_dir / "target.yaml"
        _write_target(target_path, eprom_port=eprom_port, reference=reference, deployment=deployment)
        try:
            target = load_target(target_path)
        except TargetError as refusal:
            print(refusal, file=sys.stderr)
            return ExitCode.USAGE
        only = deployment.only if deployment else focus(name) if focused else ()
        return run_session(target, target_path, report_root=session_dir.parent, only=only, quiet=True,
                           session_dir=session_dir, strict=_strict(name))


# -- many variants, from the parent -----------------------------------------------------------------------


def _check_ids() -> frozenset[str]:
    from ..spec.checklist import load_checklist

    return frozenset(entry.id for entry in load_checklist() if entry.kind == "check")


def read_run(name: str, exit_code: int, session_dir: Path, seconds: float) -> VariantRun:
    """The failed and the run check IDs of a finished session, from its ``outcomes.json``."""
    from ..evidence.bundle import load_outcomes

    run = VariantRun(name, exit_code, seconds=round(seconds, 1), session_dir=session_dir)
    outcomes, _ = load_outcomes(session_dir)
    if exit_code not in (0, 1) or not outcomes:
        run.problem = f"the session ended with exit code {exit_code}" + ("" if outcomes else " and no outcomes")
        return run
    checks = _check_ids()
    for outcome in outcomes:
        named = set(outcome.ids) & checks
        if outcome.outcome in ("failed", "error", "xfailed", "xpassed"):
            failure_id = (outcome.failure or {}).get("check_id")
            run.failed |= named | ({failure_id} if failure_id in checks else set())
            if not named and not failure_id:
                run.failed.add(outcome.nodeid)  # a failing case that names no check: shown, never lost
        if outcome.outcome != "skipped":
            run.ran |= named
    return run


def _run_one(name: str, root: Path, *, focused: bool = False, in_process: bool = False) -> VariantRun:
    """One session, in a child process of its own or (``in_process``) in this one, and what it came to."""
    session_dir = root / name
    started = time.monotonic()
    if in_process:
        code, errors = _session_here(name, session_dir, focused=focused)
    else:
        try:
            code, errors = _session_in_child(name, session_dir, focused=focused)
        except subprocess.TimeoutExpired:
            return VariantRun(name, 3, problem=f"did not finish within {_VARIANT_TIMEOUT_S:.0f} s")
    deployment = DEPLOYMENTS.get(name)
    if deployment and deployment.refused_field and code == 4 and f"{deployment.refused_field}:" in errors:
        # refused at the target file, before any request: caught, by the rule its checks stand for
        return VariantRun(name, code, failed=set(deployment.catches), ran=set(deployment.catches),
                          seconds=round(time.monotonic() - started, 1), session_dir=session_dir)
    run = read_run(name, code, session_dir, time.monotonic() - started)
    if run.problem:
        run.problem += ": " + (errors.strip().splitlines() or ["no output"])[-1][:300]
    return run


def _session_in_child(name: str, session_dir: Path, *, focused: bool) -> tuple[int, str]:
    """The session in ``python -m verification.commands.selftest --one``: its exit code and its stderr."""
    command = [sys.executable, "-m", "verification.commands.selftest", "--one", name, "--session-dir", str(session_dir),
               *(["--focused"] if focused else [])]
    root_of_package = str(Path(__file__).resolve().parent.parent)  # importable even when not installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root_of_package, os.environ.get("PYTHONPATH"))))}
    done = subprocess.run(command, capture_output=True, text=True, timeout=_VARIANT_TIMEOUT_S, check=False, env=env)
    return done.returncode, done.stderr


def _session_here(name: str, session_dir: Path, *, focused: bool) -> tuple[int, str]:
    """The session in this process, as ``eprom-verify demo`` runs its own; its stderr is captured, its pytest
    writes where this process does. Bounded as every run is: by the run's deadline and the runner's backstop."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            return run_variant(name, session_dir, focused=focused), errors.getvalue()
    except Exception as exc:  # noqa: BLE001 - e.g. the reference system could not listen: no verdict, try again
        return _SETUP_FAILED, f"{errors.getvalue()}\n{type(exc).__name__}: {exc}"


def _strict(name: str) -> bool:
    from ..reference.behaviour import VARIANTS

    record = VARIANTS.get(name)
    return bool(record and record.strict)


def expectations(name: str) -> tuple[set[str], set[str]] | None:
    """(catches, collateral) of a variant (both empty for a correct design); None for an unknown name."""
    from ..reference.behaviour import VARIANTS

    if name in DEPLOYMENTS:
        return set(DEPLOYMENTS[name].catches), set()
    record = VARIANTS.get(name)
    return None if record is None else (set(record.catches), set(record.collateral))


def judge_runs(runs: Iterable[VariantRun]) -> list[str]:
    """Every reason the selftest fails: missed faults, false alarms, broken sessions, undeclared variants."""
    problems = []
    for run in runs:
        expected = expectations(run.name)
        if run.problem:
            problems.append(f"{run.name}: {run.problem}")
            continue
        if expected is None:
            problems.append(f"{run.name}: no variant record, so nothing is expected of it")
            continue
        catches, collateral = expected
        missed = sorted(catches - run.failed)
        alarms = sorted(run.failed - catches - collateral)
        if missed:
            problems.append(f"{run.name}: missed by {', '.join(missed)}")
        if alarms:
            problems.append(f"{run.name}: false alarm in {', '.join(alarms)}")
    return problems


def matrix(runs: Sequence[VariantRun]) -> str:
    """The detection matrix: one row per variant, one column per check that any row expects or failed.

    ``X`` caught, ``-`` missed, ``!`` false alarm, ``c`` collateral (allowed), ``.`` passed, blank not run."""
    columns = sorted(set().union(*(r.failed | (expectations(r.name) or (set(), set()))[0] for r in runs)))
    width = max([len(r.name) for r in runs] + [7])
    lines = ["detection matrix (X caught, - missed, ! false alarm, c collateral, . passed, blank not run); "
             "correct designs (marked +) must pass everything"]
    lines += [" " * (width + 2) + " ".join(f"{i:>2}" for i in range(1, len(columns) + 1))]
    for run in runs:
        catches, collateral = expectations(run.name) or (set(), set())
        cells = [_cell(check, run, catches, collateral) for check in columns]
        mark = "+" if _correct(run.name) else " "
        lines.append(f"{run.name:<{width}}{mark} " + " ".join(f"{c:>2}" for c in cells) + f"   {run.seconds:5.1f} s")
    lines += [f"  {i:>2} {check}" for i, check in enumerate(columns, start=1)]
    return "\n".join(lines)


def _correct(name: str) -> bool:
    from ..reference.behaviour import VARIANTS

    return name in VARIANTS and VARIANTS[name].must_pass


def summary(runs: Sequence[VariantRun]) -> str:
    """``faults: 60 caught, 0 missed; correct designs: 5 passed, 0 false alarms``."""
    problems = set(judge_runs(runs))
    correct = [r for r in runs if _correct(r.name)]
    faulty = [r for r in runs if not _correct(r.name)]
    bad = lambda run: any(p.startswith(f"{run.name}: ") for p in problems)  # noqa: E731
    return (f"faulty variants: {sum(not bad(r) for r in faulty)} caught as expected, {sum(bad(r) for r in faulty)} "
            f"not; correct designs: {sum(not bad(r) for r in correct)} passed, {sum(bad(r) for r in correct)} "
            "with a false alarm")


def _cell(check: str, run: VariantRun, catches: set[str], collateral: set[str]) -> str:
    if check in run.failed:
        return "X" if check in catches else "c" if check in collateral else "!"
    if check in catches:
        return "-"
    return "." if check in run.ran else ""


def selftest(
    *, variants: Sequence[str] | None = None, report_root: Path | None = None, jobs: int = 2,
    out: TextIO = sys.stdout, progress: Callable[[VariantRun], None] | None = None, focused: bool = False,
    in_process: bool = False,
) -> int:
    """Run the matrix; print it and every problem; 0 when every fault is caught and nothing else fails.

    ``focused`` (the kit's own test suite, for time): each faulty variant runs only the cases of its
    catches (:func:`focus`), so a false alarm it would raise elsewhere goes unseen; the
    correct system and designs still run every case. ``eprom-verify selftest`` runs everything.

    Each session runs in a child process of its own (a run's clock and environment belong to its process, so
    two sessions at a time need two), or, with ``in_process`` (``jobs`` must be 1), in this one: the kit's
    own suite, one session per xdist worker test, saves a Python start-up and the kit's imports per session."""
    from ..reference.behaviour import correct_designs, faulty_variants

    if in_process and jobs != 1:
        raise ValueError("sessions in this process run one at a time (jobs=1)")
    everything = [*correct_designs(), *faulty_variants(), *DEPLOYMENTS]
    names = list(variants) if variants else everything
    unknown = [n for n in names if n not in everything]
    if unknown:
        print(f"eprom-verify selftest: unknown variant(s) {', '.join(unknown)}", file=sys.stderr)
        return ExitCode.USAGE
    root = report_root or Path(tempfile.mkdtemp(prefix="eprom-selftest-"))
    print(f"eprom-verify selftest: {len(names)} sessions, {jobs} at a time, in {root}", file=out, flush=True)

    def one(name: str) -> VariantRun:
        run = _run_one(name, root, focused=focused, in_process=in_process)
        if run.exit_code == _SETUP_FAILED:  # e.g. a port taken meanwhile: no verdict yet, so once more
            first = run.problem
            run = _run_one(name, root, focused=focused, in_process=in_process)
            run.retried = first
        (progress or (lambda r: print(_progress_line(r), file=out, flush=True)))(run)
        return run

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = list(pool.map(one, names))
    print("\n" + matrix(runs), file=out)
    problems = judge_runs(runs)
    for problem in problems:
        print(f"SELFTEST FAILED {problem}", file=out)
    print(summary(runs), file=out)
    print(f"eprom-verify selftest: {'failed' if problems else 'passed'} ({len(runs)} sessions)", file=out)
    if report_root is None and not problems:
        shutil.rmtree(root, ignore_errors=True)
    return ExitCode.FAILED if problems else ExitCode.OK


def _progress_line(run: VariantRun) -> str:
    failed = ", ".join(sorted(run.failed)) or "nothing failed"
    retried = f"  (second attempt; the first: {run.retried})" if run.retried else ""
    return f"  {run.name:<32} {run.seconds:5.1f} s  {run.problem or failed}{retried}"


def command(args: argparse.Namespace) -> int:
    """``eprom-verify selftest [--variant NAME …]``."""
    from .arguments import check_report_dir

    if args.report_dir is not None:
        check_report_dir(args.report_dir)
    return selftest(variants=args.variant, report_root=args.report_dir, jobs=args.jobs)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m verification.commands.selftest --one NAME --session-dir DIR``: one session (the child)."""
    parser = argparse.ArgumentParser(prog="python -m verification.commands.selftest")
    parser.add_argument("--one", required=True, metavar="VARIANT")
    parser.add_argument("--session-dir", required=True, type=Path)
    parser.add_argument("--focused", action="store_true", help="a faulty variant runs only its catches' cases")
    args = parser.parse_args(argv)
    return run_variant(args.one, args.session_dir, focused=args.focused)


if __name__ == "__main__":
    raise SystemExit(main())
