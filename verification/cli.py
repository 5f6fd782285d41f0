"""``eprom-verify``: the command line. Imports are lazy so that ``--help`` and ``checklist`` start fast.

Exit codes follow pytest's: 0 every required check passed, 1 a check failed, 2 interrupted,
3 internal error, 4 usage or configuration error (bad target file, refused by a safety rule).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import ExitCode, UsageError



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eprom-verify",
        description="Verify an ordering system (Bestillersystem) against Hemit's ePROM integration guide "
        "and verification checklist.",
        epilog="Exit codes: 0 passed, 1 a check failed, 2 interrupted, 3 internal error, 4 usage/configuration.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="embedded default: simulator + bundled reference system, full run")
    _add_run_options(demo)

    run = commands.add_parser("run", help="run every applicable check against the target")
    run.add_argument("target", type=Path, help="target file (YAML)")
    _add_run_options(run)
    run.add_argument("--last-failed", action="store_true",
                     help="re-run only the cases that failed in the previous session of this target (in --report-dir)")
    run.add_argument("--require", choices=("complete",), default=None,
                     help="complete: exit 1 unless the verdict is passed (pending attestation, waiting or not run "
                     "items make the verdict incomplete, which otherwise exits 0)")
    run.add_argument("--dry-run", action="store_true",
                     help="print the requests the run would send to ePROM (redacted) and send nothing; "
                     "exit 0 if a real run would be allowed, 4 if a safety rule would refuse it")

    doctor = commands.add_parser("doctor", help="try once each callback route, trigger, probe and the simulator "
                                 "port the target names (exit 4 if the system cannot be reached)")
    doctor.add_argument("target", type=Path, help="target file (YAML)")

    clean = commands.add_parser("clean", help="remove old session folders, keeping the newest N")
    clean.add_argument("target", type=Path, nargs="?", help="only this target's sessions; --keep defaults to "
                       "its reports.keep")
    clean.add_argument("--keep", type=int, default=None, metavar="N", help="how many session folders to keep")
    clean.add_argument("--report-dir", type=Path, default=Path("reports"),
                       help="where session folders are (default: reports/ in the current folder)")

    simulate = commands.add_parser("simulate", help="serve the ePROM simulator alone, for development")
    simulate.add_argument("target", type=Path, help="target file (YAML)")
    simulate.add_argument("--open", action="store_true", help="also print every URL to point the system at")

    relay = commands.add_parser("relay", help="recording relay between the system and ePROM's test/QA environment")
    relay.add_argument("target", type=Path, help="target file (YAML) with eprom.mode: relay")
    relay.add_argument("--session", type=Path, metavar="DIR", help="go on recording into this session folder")
    relay.add_argument("--report-dir", type=Path, default=Path("reports"),
                       help="where a new session folder goes (default: reports/ in the current folder)")

    selftest = commands.add_parser("selftest", help="run the checks against the bundled faulty systems: "
                                   "detection matrix (exit 1 if a fault is missed or a check alarms falsely)")
    selftest.add_argument("--variant", nargs="+", metavar="NAME", default=None, help="only these variants")
    selftest.add_argument("--report-dir", type=Path, default=None, help="keep the sessions here")
    selftest.add_argument("--jobs", type=int, default=2, help="sessions at a time (default 2)")

    checklist = commands.add_parser("checklist", help="the checklist and catalogue with IDs and requirement text")
    checklist.add_argument("--format", choices=("table", "json"), default="table")
    _add_evidence_commands(commands)
    return parser


def _add_evidence_commands(commands: argparse._SubParsersAction) -> None:
    """``judge``, ``attest`` and ``verify-evidence`` (issue 6; the work is in verification.commands.evidence)."""
    judge = commands.add_parser("judge", help="judge a recorded session again and rewrite its evidence bundle")
    judge.add_argument("session_dir", type=Path, metavar="SESSION_DIR")
    judge.add_argument("--compare", type=Path, metavar="OTHER_BUNDLE",
                       help="list new failures, fixed items, new fields/enum values against another bundle")
    judge.add_argument("--target", type=Path, metavar="TARGET.yaml", help="the target file (to mask its API key)")
    judge.add_argument("--sign", type=Path, metavar="KEY.pem",
                       help="sign the manifest with this Ed25519 key (default: $EPROM_VERIFY_SIGNING_KEY)")
    attest = commands.add_parser("attest", help="record the human checklist items (V2.x, S-ONBEHALF.*, S-SIGN.2)")
    attest.add_argument("session_dir", type=Path, metavar="SESSION_DIR")
    attest.add_argument("--file", type=Path, metavar="ATTEST.yaml", help="read the answers from a YAML file")
    attest.add_argument("--who", default="", help="who attests (the default answer)")
    verify = commands.add_parser("verify-evidence", help="check an evidence bundle against its MANIFEST.sha256")
    verify.add_argument("directory", type=Path, metavar="DIR")
    verify.add_argument("--public-key", type=Path, metavar="PUB.pem", help="also verify MANIFEST.sha256.sig")


def _add_run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--report-dir", type=Path, default=Path("reports"),
                     help="where session folders go (default: reports/ in the current folder)")
    sub.add_argument("--only", nargs="+", metavar="ID", default=(),
                     help="run only the cases for these IDs (any case; `eprom-verify checklist` lists them)")
    sub.add_argument("--profile", choices=("quick", "certification"), default=None)
    sub.add_argument("-q", "--quiet", action="store_true", help="less output")
    sub.add_argument("--strict", action="store_true", help="advice (eprom-verify recommends …) fails checks too")
    sub.add_argument("-v", "--verbose", action="store_true", help="a line per case and pytest's tracebacks")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("eprom-verify: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `eprom-verify checklist | head`: the reader left; no traceback, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.INTERRUPTED
    except UsageError as exc:
        print(f"eprom-verify: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a folder that is a file, unwritable, or on a full disk: the operator's fix
        if exc.errno not in _WRITE_ERRORS or not exc.filename:
            raise
        print(f"eprom-verify: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return ExitCode.USAGE


_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR,
                           errno.EEXIST, errno.EISDIR})


def check_report_dir(report_dir: Path) -> None:
    """``--report-dir`` must hold new session folders: a file there, no permission or a full disk is a
    usage error (exit 4) before anything runs, not a traceback or a half-written session. Nothing is
    created: the probe goes into the folder, or its nearest existing parent, and is removed."""
    existing = report_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
        probe = existing / f".eprom-verify-write-test-{os.getpid()}"
        try:
            with probe.open("wb") as stream:
                stream.write(b"\0" * 65536)  # a full disk shows on a write, not on creating the file
                stream.flush()
                os.fsync(stream.fileno())
        finally:
            probe.unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError(f"--report-dir {report_dir} cannot hold session folders: "
                          f"{exc.strerror or exc} ({exc.filename or existing})") from None


def _dispatch(args: argparse.Namespace) -> int:
    if getattr(args, "only", ()):  # before anything is written: a mistyped ID leaves no session folder
        args.only = _resolve_only(args.only)
    if args.command == "checklist":
        return _checklist(args.format)
    if args.command == "run":
        return _run(args.target, args)
    if args.command == "demo":
        from .commands.demo import run_demo

        check_report_dir(args.report_dir)
        return run_demo(report_root=args.report_dir, only=args.only, profile=args.profile, quiet=args.quiet)
    if args.command == "simulate":
        return _simulate(args.target, urls=args.open)
    if args.command == "clean":
        return _clean(args)
    if args.command == "doctor":
        from .doctor import diagnose, reachable, render

        findings = diagnose(load_target_or_exit(args.target))
        print(render(findings))
        return ExitCode.OK if reachable(findings) else ExitCode.USAGE
    if args.command == "relay":
        from .commands.relay import relay_command

        target = load_target_or_exit(args.target)
        if args.session is None:
            check_report_dir(args.report_dir)
        return relay_command(target, args.target, session_dir=args.session, report_root=args.report_dir)
    if args.command in ("judge", "attest", "verify-evidence"):
        return _evidence_command(args)
    if args.command == "selftest":
        from .commands.selftest import selftest

        if args.report_dir is not None:
            check_report_dir(args.report_dir)
        return selftest(variants=args.variant, report_root=args.report_dir, jobs=args.jobs)
    raise AssertionError(f"unhandled command {args.command}")


def _evidence_command(args: argparse.Namespace) -> int:
    from .commands import evidence as commands

    if args.command == "judge":
        return commands.judge_command(args.session_dir, compare=args.compare, target_path=args.target,
                                      signing_key=args.sign)
    if args.command == "attest":
        return commands.attest_command(args.session_dir, file=args.file, who=args.who)
    return commands.verify_evidence_command(args.directory, public_key=args.public_key)


def _checklist(fmt: str) -> int:
    from .spec.checklist import load_checklist, to_json, to_table

    items = load_checklist()
    print(to_json(items) if fmt == "json" else to_table(items))
    return ExitCode.OK


class _AnyVariable(dict):
    """The environment, where an unset ``${VAR}`` reads as a placeholder: for commands that never use the
    values (``clean`` needs the target's name, not its API key)."""

    def get(self, name, default=None):
        return os.environ.get(name, f"<{name} unset>")


def load_target_or_exit(path: Path, *, needs_environment: bool = True):
    """The target, or a :class:`UsageError` carrying the loader's full list of problems."""
    from .config import TargetError, load_target

    try:
        return load_target(path, environ=None if needs_environment else _AnyVariable())
    except TargetError as exc:
        raise UsageError(f"bad target file\n{exc}") from None


def _resolve_only(given: Sequence[str]) -> tuple[str, ...]:
    from .selection import SelectionError, resolve_only

    try:
        return resolve_only(given)
    except SelectionError as exc:
        raise UsageError(str(exc)) from None


def _run(target_path: Path, args: argparse.Namespace) -> int:
    from .runner import run_session

    target = load_target_or_exit(target_path)
    if not args.dry_run:
        check_report_dir(args.report_dir)
    if args.strict:
        from .checks.failure import STRICT_VARIABLE

        os.environ[STRICT_VARIABLE] = "1"  # read where each check decides, also in a child pytest
    nodeids: list[str] = []
    if args.last_failed:
        from .selection import SelectionError, last_failed_nodeids

        try:
            previous, nodeids = last_failed_nodeids(args.report_dir, target.name)
        except SelectionError as exc:
            raise UsageError(str(exc)) from None
        if not nodeids:
            print(f"eprom-verify: nothing failed in the previous session of {target.name!r} ({previous}); "
                  "nothing to re-run")
            return ExitCode.OK
        print(f"eprom-verify: re-running the {len(nodeids)} case(s) that failed in {previous}")
    return run_session(
        target, target_path, report_root=args.report_dir, only=args.only, profile=args.profile, quiet=args.quiet,
        dry_run_only=args.dry_run, nodeids=nodeids, require=args.require, verbose=args.verbose,
    )


def _clean(args: argparse.Namespace) -> int:
    from .retention import prune, session_folders

    target = load_target_or_exit(args.target, needs_environment=False) if args.target else None
    keep = args.keep if args.keep is not None else (target.reports_keep if target else None)
    if keep is None or keep < 1:
        raise UsageError("clean: say how many session folders to keep: --keep N (N >= 1), or give a target "
                          "file with reports: {keep: N}")
    name = target.name if target else None
    removed = prune(args.report_dir, keep, name)
    left = len(session_folders(args.report_dir, name))
    print(f"eprom-verify clean: removed {len(removed)} session folder(s), kept {left} in {args.report_dir}"
          + (f" (target {name!r})" if name else ""))
    return ExitCode.OK


def _simulate(target_path: Path, *, urls: bool = False) -> int:
    from .simulator import BUSY_PORT_FIX, SimulatorSettings, SimulatorStartError, serve

    target = load_target_or_exit(target_path)
    try:
        serve(SimulatorSettings.from_target(target), target.eprom.listen.host, target.eprom.listen.port, urls=urls)
    except SimulatorStartError as exc:
        print(f"eprom-verify simulate: {exc}\nfix: {BUSY_PORT_FIX}", file=sys.stderr)
        return ExitCode.USAGE
    return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
