"""``eprom-verify simulate TARGET.yaml [--open]``: the ePROM simulator alone, in the foreground."""

from __future__ import annotations

import argparse
import sys

from ..errors import ExitCode
from .arguments import load_target_or_exit

__all__ = ["command"]


def command(args: argparse.Namespace) -> int:
    from ..simulator import BUSY_PORT_FIX, SimulatorSettings, SimulatorStartError, serve

    target = load_target_or_exit(args.target)
    try:
        serve(SimulatorSettings.from_target(target), target.eprom.listen.host, target.eprom.listen.port,
              urls=args.open)
    except SimulatorStartError as exc:
        print(f"eprom-verify simulate: {exc}\nfix: {BUSY_PORT_FIX}", file=sys.stderr)
        return ExitCode.USAGE
    return ExitCode.OK
