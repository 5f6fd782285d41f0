"""``eprom-verify doctor TARGET.yaml``: try once everything the target names (:mod:`verification.doctor`);
exit 4 when the system cannot be reached."""

from __future__ import annotations

import argparse

from ..errors import ExitCode
from .arguments import load_target_or_exit

__all__ = ["command"]


def command(args: argparse.Namespace) -> int:
    from ..doctor import diagnose, reachable, render

    findings = diagnose(load_target_or_exit(args.target))
    print(render(findings))
    return ExitCode.OK if reachable(findings) else ExitCode.USAGE
