"""``eprom-verify clean [TARGET.yaml] [--keep N]``: remove old session folders (:mod:`verification.retention`)."""

from __future__ import annotations

import argparse

from ..errors import ExitCode, UsageError
from .arguments import load_target_or_exit

__all__ = ["command"]


def command(args: argparse.Namespace) -> int:
    from ..retention import prune, session_folders

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
