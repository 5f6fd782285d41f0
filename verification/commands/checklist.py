"""``eprom-verify checklist [--format json]``: the checklist and catalogue with IDs and requirement text."""

from __future__ import annotations

import argparse

from ..errors import ExitCode

__all__ = ["command"]


def command(args: argparse.Namespace) -> int:
    from ..spec.checklist import load_checklist, to_json, to_table

    items = load_checklist()
    print(to_json(items) if args.format == "json" else to_table(items))
    return ExitCode.OK
