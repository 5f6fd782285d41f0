"""``eprom-verify demo``: the embedded default. The bundled reference ordering system is verified by a
full run against the embedded simulator, through exactly the path a user's target file takes."""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import yaml

from ..runner import new_session_dir, run_session
from ..serving import free_port  # noqa: F401 - tests and benches import it from here
from .arguments import check_report_dir, resolve_only

__all__ = ["command", "run_demo", "DEMO_KEY_VARIABLE"]

DEMO_KEY_VARIABLE = "EPROM_DEMO_API_KEY"


def write_demo_target(path: Path, *, eprom_port: int, reference: object) -> None:
    """The demo target as a user would write it; the key stays a ``${VAR}`` reference, never on disk."""
    from ..config import DEMO_PAPER_FORM_ID

    # The bundled system declares every capability: the demo shows the whole checklist.
    document = {
        "name": "eprom-verify reference ordering system (demo)",
        "environment": "test",
        "api_key": "${" + DEMO_KEY_VARIABLE + "}",
        "eprom": {"mode": "simulator", "listen": f"127.0.0.1:{eprom_port}"},
        "bestillersystem": reference.bestillersystem_config(),  # type: ignore[attr-defined]
        "forms": [
            {"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": True, "paper": False},
            {"id": DEMO_PAPER_FORM_ID, "name": "Demo paper form", "signing": False, "paper": True},
        ],
        "test_persons": ["26670271527"],
        # The bundled system gives up on ePROM's order answer after 10 s (and does not retry): ePROM's answer
        # held back longer would reach nobody, and the slow-ePROM case could verify nothing.
        "budgets": {"slow_answer_s": 5},
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def run_demo(
    *, report_root: Path, only: Sequence[str] = (), profile: str | None = None, quiet: bool = False,
    variant: str = "correct",
) -> int:
    """Start the reference system, write its target file, and run the session; returns the exit code."""
    from ..config import load_target
    from ..reference import run_reference_system

    api_key = os.environ.get(DEMO_KEY_VARIABLE) or f"demo-{secrets.token_urlsafe(18)}"
    os.environ[DEMO_KEY_VARIABLE] = api_key
    session_dir = new_session_dir(report_root)
    eprom_port = free_port()
    eprom_base_url = f"http://127.0.0.1:{eprom_port}/promswebapi"
    with run_reference_system(
        eprom_base_url=eprom_base_url, api_key=api_key, behaviour=variant, db_path=str(session_dir / "reference.sqlite")
    ) as reference:
        target_path = session_dir / "target.yaml"
        write_demo_target(target_path, eprom_port=eprom_port, reference=reference)
        target = load_target(target_path)
        return run_session(
            target, target_path, report_root=report_root, only=only, profile=profile, quiet=quiet,
            session_dir=session_dir,
        )


def command(args: argparse.Namespace) -> int:
    """``eprom-verify demo``: the bundled reference system, verified by a full run."""
    only = resolve_only(args.only)
    check_report_dir(args.report_dir)
    return run_demo(report_root=args.report_dir, only=only, profile=args.profile, quiet=args.quiet)
