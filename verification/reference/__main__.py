"""``python -m verification.reference``: run the reference ordering system in the foreground.

The API key is read from the environment (``EPROM_API_KEY`` by default), never from the command line,
so it does not show in process lists. Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ExitCode
from .behaviour import VARIANTS, variant
from .runtime import ReferenceSettings
from ..serving import bind
from .server import serve_child, serve_forever


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m verification.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--eprom-base-url", help="ePROM for this system, e.g. http://127.0.0.1:18080/promswebapi")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS choose (default)")
    parser.add_argument("--db", default=None, help="SQLite file (default: in memory)")
    parser.add_argument("--variant", default="correct", help="a named faulty variant (see --list-variants)")
    parser.add_argument("--api-key-env", default="EPROM_API_KEY", help="environment variable holding the API key")
    parser.add_argument("--list-variants", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # started by the kit
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.child:
        serve_child(sys.stdin, sys.stdout)
        return ExitCode.OK
    if args.list_variants:
        for name, record in VARIANTS.items():
            if name != "correct":
                print(f"{name:28} {'CORRECT: ' if record.must_pass else ''}{record.description}")
        return ExitCode.OK
    api_key = os.environ.get(args.api_key_env, "")
    if not args.eprom_base_url or not api_key:
        print(f"need --eprom-base-url and the API key in ${args.api_key_env}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        settings = ReferenceSettings(args.eprom_base_url, api_key, variant(args.variant), args.db)
    except KeyError as unknown:
        print(unknown.args[0], file=sys.stderr)
        return ExitCode.USAGE
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    serve_forever(settings, sock, lambda: print(f"reference system listening on http://{args.host}:{port}", flush=True))
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
