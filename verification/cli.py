"""``eprom-verify``: the command line, argparse only. Each subcommand is a module of
:mod:`verification.commands` with a ``command(args) -> ExitCode``; it is imported only when chosen, so that
``--help`` and ``checklist`` start fast.

Exit codes follow pytest's: 0 every required check passed, 1 a check failed, 2 interrupted,
3 internal error, 4 usage or configuration error (bad target file, refused by a safety rule).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import ExitCode, UsageError

# Subcommand -> its module in verification.commands.
COMMANDS = {"demo": "demo", "run": "run", "doctor": "doctor", "clean": "clean", "simulate": "simulate",
            "relay": "relay", "selftest": "selftest", "checklist": "checklist", "judge": "evidence",
            "attest": "evidence", "verify-evidence": "evidence"}


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
    """``judge``, ``attest`` and ``verify-evidence`` (issue 6)."""
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
        return importlib.import_module(f"{__package__}.commands.{COMMANDS[args.command]}").command(args)
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


if __name__ == "__main__":
    raise SystemExit(main())
