"""Which cases a run runs: ``--only`` IDs (case-insensitive, an unknown one is a usage error with "did you
mean") and ``--last-failed`` (the cases that failed in the previous session of the same target).

Both are resolved before a session folder exists, so a mistyped ID leaves nothing behind."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from pathlib import Path

import yaml

from .errors import UsageError

__all__ = ["SelectionError", "known_ids", "target_name_of", "resolve_only", "previous_session", "last_failed_nodeids"]


class SelectionError(UsageError, ValueError):
    """The selection cannot be used as given (exit 4); the message says what to do."""


def known_ids() -> dict[str, str]:
    """Every ID a case can prove (checklist items, catalogue checks, business rules), by its upper-case form."""
    from .spec.checklist import BUSINESS_RULES, load_checklist

    return {name.upper(): name for name in [*(entry.id for entry in load_checklist()), *sorted(BUSINESS_RULES)]}


def resolve_only(given: Sequence[str]) -> tuple[str, ...]:
    """The IDs as the checklist spells them; :class:`SelectionError` naming each unknown one."""
    known = known_ids()
    problems, resolved = [], []
    for name in given:
        canonical = known.get(name.strip().upper())
        if canonical is None:
            close = difflib.get_close_matches(name.strip().upper(), list(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(known[c] for c in close)}?" if close else ""
            problems.append(f"--only {name}: no checklist item or check has this ID{hint}")
        elif canonical not in resolved:
            resolved.append(canonical)
    if problems:
        raise SelectionError("\n".join([*problems, "`eprom-verify checklist` lists every ID"]))
    return tuple(resolved)


def target_name_of(session_dir: Path) -> str | None:
    """The target name a session's bundle records (None when it has no bundle)."""
    path = session_dir / "evidence" / "target.redacted.yaml"
    try:
        return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("name")
    except (OSError, yaml.YAMLError, AttributeError):
        return None


def previous_session(report_root: Path, target_name: str) -> Path | None:
    """The newest session folder under ``report_root`` whose bundle names this target (folders sort by time)."""
    if not report_root.is_dir():
        return None
    folders = sorted((p for p in report_root.iterdir() if (p / "outcomes.json").is_file()), reverse=True)
    return next((p for p in folders if target_name_of(p) == target_name), None)


def last_failed_nodeids(report_root: Path, target_name: str) -> tuple[Path, list[str]]:
    """The previous session of ``target_name`` and the node ids of its failed cases."""
    session = previous_session(report_root, target_name)
    if session is None:
        raise SelectionError(f"--last-failed: no earlier session of {target_name!r} in {report_root}/ "
                             "(run without --last-failed first)")
    cases = json.loads((session / "outcomes.json").read_text(encoding="utf-8")).get("cases", [])
    failed = [case["nodeid"] for case in cases if case.get("outcome") in ("failed", "error")]
    return session, list(dict.fromkeys(failed))
