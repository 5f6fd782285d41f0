"""``python -m verification.simulator --settings FILE|- [--host H] [--port P] [--foreground]``.

``--settings -`` reads the settings from stdin: :func:`run_simulator` hands them over that way, so no file
holding the API key is left behind, whatever happens to either process.

Without ``--foreground`` it prints one JSON readiness line on stdout (what :func:`run_simulator` waits
for); with it, a human-readable banner.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from verification.serving import announce_ready

from ..errors import ExitCode
from .process import SimulatorStartError, serve, serve_blocking
from .settings import SettingsError, SimulatorSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verification.simulator", description="The embedded ePROM simulator"
    )
    parser.add_argument("--settings", required=True, type=Path, help="settings JSON (SimulatorSettings.to_json); - reads stdin")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: the OS chooses")
    parser.add_argument("--foreground", action="store_true", help="print a banner instead of the readiness line")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if str(args.settings) == "-" else args.settings.read_text(encoding="utf-8")
        settings = SimulatorSettings.from_json(text)
    except (OSError, ValueError, SettingsError) as exc:
        print(f"eprom simulator: cannot read settings {args.settings}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        if args.foreground:
            serve(settings, args.host, args.port)
        else:
            serve_blocking(settings, args.host, args.port, announce_ready)
    except SimulatorStartError as exc:  # a busy port is the user's fix, not a traceback
        print(f"eprom simulator: {exc}", file=sys.stderr)
        return ExitCode.INTERNAL
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
