"""``eprom-verify relay TARGET.yaml [--session DIR]``: the safety gate, the session, the relay in the foreground.

The relay forwards real traffic, so it is refused (exit 4) for a production target; it needs
``eprom.mode: relay`` and ``eprom.public_url``. The session folder notes that it is a relay session, where
the target file is (so ``judge`` can read it again) and every start of the relay, so a session paused with
Ctrl+C goes on with ``--session DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import ExitCode
from ..recorder.relay import RelayError, RelaySettings, serve_relay
from ..recorder.store import now_iso
from .arguments import check_report_dir, load_target_or_exit

__all__ = ["command", "relay_refusal", "start_session", "relay_command"]


def relay_refusal(target: Any) -> str | None:
    """Why the relay must not start for this target (exit 4), or ``None``."""
    from ..runner import refuse_production

    refusal = refuse_production(target)
    if refusal:  # the relay would forward real traffic: it is for test/QA only
        return refusal
    if target.eprom.mode != "relay":
        return f"the relay needs eprom.mode: relay (the target has {target.eprom.mode})"
    if not target.eprom.public_url:
        return ("the relay needs eprom.public_url: the URL registered as ApiBaseUrl in ePROM admin, which "
                "reaches the relay's callback face")
    return None


def start_session(target: Any, target_path: Any, *, session_dir: Any = None, report_root: Any = None) -> Any:
    """Open (or reopen, ``--session``) the relay's session and note this start in it."""
    from ..runner import new_session_dir
    from ..session import open_session

    folder = Path(session_dir) if session_dir else new_session_dir(Path(report_root or "reports"))
    session = open_session(target, folder)
    info = session.store.info()
    session.store.set_info("mode", "relay")
    session.store.set_info("target_path", str(Path(target_path).resolve()))
    session.store.set_info("relay_starts", [*info.get("relay_starts", []), now_iso()])
    return session


def relay_command(target: Any, target_path: Any, *, session_dir: Any = None, report_root: Any = None) -> int:
    """Record a real-environment session until Ctrl-C; exit 4 when a safety rule refuses it."""
    refusal = relay_refusal(target)
    if refusal:
        print(f"eprom-verify: relay refused: {refusal}", file=sys.stderr)
        return ExitCode.USAGE
    session = start_session(target, target_path, session_dir=session_dir, report_root=report_root)
    settings = RelaySettings.from_target(target, store_path=str(session.store.path), session=session.id)
    session.close()
    listen, callback = target.eprom.listen, target.eprom.callback_listen

    def tell(eprom_url: str, callback_url: str) -> None:
        print(f"eprom-verify relay: recording into {session.dir}", flush=True)
        print(f"  the system's ePROM base URL: {eprom_url}  →  {target.eprom.upstream}")
        print(f"  ePROM's callbacks: {target.eprom.public_url} (registered as ApiBaseUrl) → {callback_url}"
              f"  →  {target.bestillersystem.callback_base_url}")
        print(f"  judge at any time: eprom-verify judge {session.dir}    stop with Ctrl+C", flush=True)

    try:
        serve_relay(settings, eprom_listen=(listen.host, listen.port),
                    callback_listen=(callback.host, callback.port), on_ready=tell)
    except RelayError as exc:
        print(f"eprom-verify: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:  # Ctrl+C is how a relay session is paused or ended: not an interruption
        pass
    print(f"eprom-verify relay: stopped; go on with --session {session.dir}, or judge it", flush=True)
    return ExitCode.OK


def command(args: argparse.Namespace) -> int:
    """``eprom-verify relay TARGET.yaml [--session DIR]``."""
    target = load_target_or_exit(args.target)
    if args.session is None:
        check_report_dir(args.report_dir)
    return relay_command(target, args.target, session_dir=args.session, report_root=args.report_dir)
