"""``eprom-verify run TARGET.yaml``: every applicable check against the target (``--last-failed``, ``--strict``,
``--dry-run``); the session itself is :func:`verification.runner.run_session`."""

from __future__ import annotations

import argparse

from ..errors import ExitCode, UsageError
from .arguments import check_report_dir, load_target_or_exit, resolve_only

__all__ = ["command"]


def command(args: argparse.Namespace) -> int:
    from ..runner import run_session

    only = resolve_only(args.only)
    target = load_target_or_exit(args.target)
    if not args.dry_run:
        check_report_dir(args.report_dir)
    nodeids: list[str] = []
    if args.last_failed:
        from ..selection import SelectionError, last_failed_nodeids

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
        target, args.target, report_root=args.report_dir, only=only, profile=args.profile, quiet=args.quiet,
        dry_run_only=args.dry_run, nodeids=nodeids, require=args.require, verbose=args.verbose,
        strict=args.strict,
    )
