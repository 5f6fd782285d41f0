"""One verification session: a session folder, the safety gate, then the cases as a pytest run."""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from .config import Target, production_reason
from .errors import ExitCode

__all__ = ["run_session", "new_session_dir", "safety_refusal", "refuse_production", "dry_run", "CASES_DIR"]

# The cases ship as ``verification.cases`` (the repository's top-level ``cases/`` is their source folder).
CASES_DIR = Path(importlib.util.find_spec("verification.cases").origin).parent  # type: ignore[arg-type,union-attr]
# The run loads exactly these plugins, whatever else is installed (a stray plugin must not change a verdict).
RUN_PLUGINS = (
    "verification.pytest_plugin", "pytest_html.plugin", "pytest_metadata.plugin",
    "_hypothesis_pytestplugin",
)


# The plugin ends the run at budgets.run_s itself; this backstop only catches a run that did not (a hung
# teardown): past the deadline plus this grace, it is interrupted (SIGINT: fixtures tear down, the simulator
# and trigger commands are stopped), and killed if it still does not end.
_BACKSTOP_GRACE_S = 60.0
_INTERRUPT_GRACE_S = 15.0


def _run_limit(target: Target, profile: str | None) -> float:
    from .stimuli.profiles import resolve_profile

    return target.budgets.run_limit(resolve_profile(profile, target.profile))


def _run_pytest(args: list[str], env: dict[str, str], *, hard_limit_s: float) -> int:
    process = subprocess.Popen([sys.executable, "-m", "pytest", *args], env=env)
    try:
        return process.wait(timeout=hard_limit_s)
    except subprocess.TimeoutExpired:
        print(f"eprom-verify: the run did not end within {hard_limit_s:g} s (budgets.run_s and a grace); "
              "interrupting it", file=sys.stderr)
        process.send_signal(signal.SIGINT)
        _end(process)
        return ExitCode.INTERNAL
    except KeyboardInterrupt:  # the terminal sent SIGINT to pytest as well: let it tear down, bounded
        _end(process)
        raise


def _end(process: subprocess.Popen[bytes]) -> None:
    """Wait for an interrupted pytest to tear down; kill it if it does not within the grace."""
    try:
        process.wait(timeout=_INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def new_session_dir(report_root: Path) -> Path:
    """``reports/<UTC time>-<random>``: sortable, unique, and says nothing about the system."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = report_root / f"{stamp}-{secrets.token_hex(3)}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def refuse_production(target: Target) -> str | None:
    """The refusal text when a safety rule forbids active checks against this target, else ``None``."""
    reason = production_reason(target)
    if reason is None:
        return None
    return (
        f"refused before the first request: {reason}. Safety rule: no active or fuzzing request is ever "
        "sent to production, so nothing active is allowed there. Allowed instead: "
        "`eprom-verify run --dry-run TARGET.yaml` prints the planned pre-flight requests and sends nothing; "
        "to run the pre-flight, point the target at ePROM's test or QA environment (environment: test|qa, "
        "eprom.upstream https://proms.hemitdev.org/promswebapi or https://pasientrapportering.qa.nhn.no/webapi)."
    )


def direct_mode_checks(only: Sequence[str] = ()) -> tuple[str, ...]:
    """The P-checks a direct-mode run runs: all of them, or those ``--only`` names."""
    from .direct.preflight import P_CHECKS

    return tuple(check for check in P_CHECKS if not only or check in only)


def safety_refusal(target: Target, *, only: Sequence[str] = ()) -> str | None:
    """The one safety gate, before anything is sent: production, then the direct-mode request cap."""
    refusal = refuse_production(target)
    if refusal or target.eprom.mode != "direct":
        return refusal
    from .direct.preflight import budget_problem, plan_preflight

    plan = plan_preflight(target, checks=direct_mode_checks(only))
    if plan.request_count > target.max_requests:
        return (f"refused before the first request: {budget_problem(plan, target)}. Safety rule: a hard cap on "
                "the requests the kit sends to ePROM per run. `eprom-verify run --dry-run TARGET.yaml` shows the plan.")
    return None


def dry_run(target: Target, *, only: Sequence[str] = ()) -> int:
    """Print what a run would send to ePROM, redacted, and send nothing: 0 allowed, 4 refused."""
    refusal = safety_refusal(target, only=only)
    print(f"eprom-verify dry run of {target.name!r} (environment {target.environment}, eprom.mode "
          f"{target.eprom.mode}): nothing is sent")
    if target.eprom.mode == "direct":
        from .direct.preflight import plan_preflight, render_plan

        print(render_plan(plan_preflight(target, checks=direct_mode_checks(only)), target))
    else:
        print(f"in {target.eprom.mode} mode the kit itself sends no request to a real ePROM")
    print(f"a real run would be refused (exit 4): {refusal}" if refusal else "a real run would be allowed")
    return ExitCode.USAGE if refusal else ExitCode.OK


def _doctor_allows(target: Target, *, quiet: bool) -> bool:
    """The doctor's pre-flight: its lines (all of them unless ``quiet`` and all is well); False stops the run."""
    from .doctor import diagnose, reachable, render

    findings = diagnose(target)
    ok = reachable(findings)
    if ok and quiet:
        print(f"eprom-verify doctor: {len(findings)} tried, everything answers", flush=True)
    else:
        print(render(findings), file=sys.stdout if ok else sys.stderr, flush=True)
    if not ok:
        print("eprom-verify: stopped before any case (exit 4); no session folder was created. "
              "Run `eprom-verify doctor TARGET.yaml` after the fix.", file=sys.stderr)
    return ok


def run_session(
    target: Target,
    target_path: Path,
    *,
    report_root: Path,
    only: Sequence[str] = (),
    profile: str | None = None,
    quiet: bool = False,
    session_dir: Path | None = None,
    dry_run_only: bool = False,
    doctor: bool = True,
    nodeids: Sequence[str] = (),
    require: str | None = None,
    verbose: bool = False,
    strict: bool = False,
) -> int:
    """Run every applicable case against ``target``; returns the exit code (pytest's convention).

    ``dry_run_only`` prints the plan and sends nothing (:func:`dry_run`). ``doctor`` first tries once
    everything the target names (:mod:`verification.doctor`): a system that cannot be reached stops the
    run with exit 4, before any case and before a session folder exists. ``strict``: advice (eprom-verify
    recommends) fails its check (``--eprom-strict``)."""
    if dry_run_only:
        return dry_run(target, only=only)
    refusal = safety_refusal(target, only=only)
    if refusal:
        print(f"eprom-verify: {refusal}", file=sys.stderr)
        return ExitCode.USAGE
    if target.eprom.mode == "direct":  # the pre-flight: only the P-checks talk to ePROM directly
        only = direct_mode_checks(only)
        if not only:
            print("eprom-verify: in direct mode only the pre-flight checks run (P-…); --only named none",
                  file=sys.stderr)
            return ExitCode.USAGE
    elif target.eprom.mode == "relay":  # the relay records; judging is a separate step (issue 5)
        print("eprom-verify: in relay mode the kit starts no simulator and sends nothing itself: record the "
              "session with `eprom-verify relay TARGET.yaml`, then judge it with `eprom-verify judge SESSION_DIR`",
              file=sys.stderr)
        return ExitCode.USAGE
    elif target.eprom.mode != "simulator":
        print(f"eprom-verify: eprom.mode {target.eprom.mode!r} is not supported by this version yet; "
              "use mode: simulator", file=sys.stderr)
        return ExitCode.USAGE
    # The doctor tries the system's routes; not when no selected case talks to the system (the P-checks
    # talk to ePROM alone, and are all that direct mode runs).
    talks_to_system = target.eprom.mode == "simulator" and not (only and all(i.upper().startswith("P-") for i in only))
    from . import deadline

    run_clock = deadline.start(_run_limit(target, profile))  # the doctor's tries count, and pytest's start-up
    allowed = not (doctor and talks_to_system) or _doctor_allows(target, quiet=quiet)
    left_s = deadline.stop()  # pytest continues the clock (run_clock); this process only waits for it
    if not allowed:
        return ExitCode.USAGE
    created = session_dir is None
    session_dir = session_dir or new_session_dir(report_root)
    args = [
        *([str(CASES_DIR / nodeid) for nodeid in nodeids] or [str(CASES_DIR)]),  # nodeids: --last-failed
        f"--rootdir={CASES_DIR}",
        "-c", str(CASES_DIR / "pytest.ini"),
        f"--eprom-target={target_path}",
        f"--eprom-session-dir={session_dir}",
        f"--junitxml={session_dir / 'junit.xml'}",
        f"--html={session_dir / 'report.html'}",
        "--self-contained-html",
        "-p", "no:cacheprovider",
    ]
    if profile:
        args.append(f"--eprom-profile={profile}")
    if strict:
        args.append("--eprom-strict")
    if only:
        args += ["--eprom-only", *only]
    # -v: pytest's own tracebacks and a line per case; otherwise the kit's failed-checks section says it all
    # (causes first, whole words, curl), so pytest's traceback and its cut short summary are left out.
    args += ["-v"] if verbose else [*(["-q"] if quiet else []), "--tb=no", "-rN"]
    for plugin in RUN_PLUGINS:
        args += ["-p", plugin]
    # pytest runs in its own process: the library never imports pytest, and the run's plugin set and
    # environment are exactly these, whatever the caller has loaded.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **run_clock}
    code = _run_pytest(args, env, hard_limit_s=left_s + _BACKSTOP_GRACE_S)
    if code == 5:  # no case applicable: honest, but nothing was verified
        print("eprom-verify: no case was applicable to this target; nothing was verified", file=sys.stderr)
        if created:  # a run that sent nothing leaves no session folder
            import shutil

            shutil.rmtree(session_dir, ignore_errors=True)
        return ExitCode.FAILED
    print(f"\neprom-verify: session folder {session_dir}")
    if target.reports_keep:
        from .retention import prune

        removed = prune(report_root, target.reports_keep, target.name)
        if removed:
            print(f"eprom-verify: reports.keep {target.reports_keep}: removed {len(removed)} older session "
                  f"folder(s) of {target.name!r}")
    return _required(code, session_dir) if require == "complete" else code


def _required(code: int, session_dir: Path) -> int:
    """``--require complete``: a run that otherwise passes (exit 0) exits 1 unless the verdict is ``passed``."""
    import json

    if code != 0:
        return code
    try:
        verdict = json.loads((session_dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))["verdict"]
    except (OSError, ValueError, KeyError):
        verdict = "unknown (no evidence.json)"
    if verdict == "passed":
        return ExitCode.OK
    print(f"eprom-verify: verdict {verdict}; --require complete makes that exit 1", file=sys.stderr)
    return ExitCode.FAILED
