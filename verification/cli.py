"""``eprom-verify``: the command line. Imports are lazy so that ``--help`` and ``checklist`` start fast.

Exit codes follow pytest's: 0 every required check passed, 1 a check failed, 2 interrupted,
3 internal error, 4 usage or configuration error (bad target file, refused by a safety rule).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2, 3, 4


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

    simulate = commands.add_parser("simulate", help="serve the ePROM simulator alone, for development")
    simulate.add_argument("target", type=Path, help="target file (YAML)")

    checklist = commands.add_parser("checklist", help="the checklist and catalogue with IDs and requirement text")
    checklist.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _add_run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--report-dir", type=Path, default=Path("reports"), help="where session folders go")
    sub.add_argument("--only", nargs="+", metavar="ID", default=(), help="run only the cases for these IDs")
    sub.add_argument("--profile", choices=("quick", "certification"), default=None)
    sub.add_argument("-q", "--quiet", action="store_true", help="less output")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("eprom-verify: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _UsageError as exc:
        print(f"eprom-verify: {exc}", file=sys.stderr)
        return EXIT_USAGE


class _UsageError(Exception):
    """A configuration problem reported with exit code 4."""


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "checklist":
        return _checklist(args.format)
    if args.command == "run":
        return _run(args.target, args)
    if args.command == "demo":
        from .demo import run_demo

        return run_demo(report_root=args.report_dir, only=args.only, profile=args.profile, quiet=args.quiet)
    if args.command == "simulate":
        return _simulate(args.target)
    raise AssertionError(f"unhandled command {args.command}")


def _checklist(fmt: str) -> int:
    from .spec.checklist import load_checklist, to_json, to_table

    items = load_checklist()
    print(to_json(items) if fmt == "json" else to_table(items))
    return EXIT_OK


def load_target_or_exit(path: Path):
    """The target, or a :class:`_UsageError` carrying the loader's full list of problems."""
    from .config import TargetError, load_target

    try:
        return load_target(path)
    except TargetError as exc:
        raise _UsageError(f"bad target file\n{exc}") from None


def _run(target_path: Path, args: argparse.Namespace) -> int:
    from .runner import run_session

    target = load_target_or_exit(target_path)
    return run_session(
        target, target_path, report_root=args.report_dir, only=args.only, profile=args.profile, quiet=args.quiet
    )


def _simulate(target_path: Path) -> int:
    from .simulator import SimulatorSettings, serve

    target = load_target_or_exit(target_path)
    serve(SimulatorSettings.from_target(target), target.eprom.listen.host, target.eprom.listen.port)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
