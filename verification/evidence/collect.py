"""Turning pytest's per-phase reports into one :class:`CaseOutcome` per case (no pytest import: the
reports are read by their attributes, so this runs on the controller of a distributed run too).

The plugin attaches to each report ``eprom_ids`` (the IDs the case names) and, for a failed check,
``eprom_failure`` (:func:`~verification.evidence.results.failure_record`). Skip reasons say what kind of
skip it is: ``not verifiable: …``, ``waiting: …``, ``not applicable: …``; any other skip is "not run".
"""

from __future__ import annotations

from typing import Any

from .results import CaseOutcome

__all__ = ["OutcomeCollector", "hypothesis_settings", "SKIP_KINDS"]

SKIP_KINDS = {"not verifiable:": "not_verifiable", "waiting:": "waiting", "not applicable:": "not_applicable"}
_HYPOTHESIS_STATS = "_hypothesis_stats"  # where hypothesis' pytest plugin leaves a case's statistics
_CAPTURE_LIMIT = 8_000


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
    return text.removeprefix("Skipped: ").strip()


def _classify_skip(reason: str) -> tuple[str, str]:
    for prefix, kind in SKIP_KINDS.items():
        if reason.lower().startswith(prefix):
            return kind, reason[len(prefix):].strip()
    return "", reason


def _first_line(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(report.longrepr or "")
    return message.strip().splitlines()[0] if message.strip() else ""


class OutcomeCollector:
    """Merges the setup, call and teardown reports of each case, in the order the cases ran."""

    def __init__(self) -> None:
        self._cases: dict[str, CaseOutcome] = {}

    def add_report(self, report: Any) -> None:
        case = self._cases.setdefault(report.nodeid, CaseOutcome(report.nodeid))
        case.ids = tuple(sorted({*case.ids, *getattr(report, "eprom_ids", ())}))
        case.duration_s = round(case.duration_s + float(getattr(report, "duration", 0.0) or 0.0), 6)
        self._hypothesis(case, report)
        if report.skipped:
            self._skipped(case, report)
        elif report.failed:
            self._failed(case, report)
        elif report.when == "call" and getattr(report, "wasxfail", None) is not None:
            case.outcome = "xpassed"

    def _skipped(self, case: CaseOutcome, report: Any) -> None:
        if case.outcome in ("failed", "error"):
            return
        if getattr(report, "wasxfail", None) is not None:
            case.outcome, case.reason = "xfailed", f"expected failure: {report.wasxfail}"
            return
        case.outcome = "skipped"
        case.kind, case.reason = _classify_skip(_skip_reason(report))

    def _failed(self, case: CaseOutcome, report: Any) -> None:
        failure = getattr(report, "eprom_failure", None)
        if case.outcome not in ("failed", "error"):
            case.outcome = "failed" if report.when == "call" else "error"
            case.kind = ""
            case.reason = _first_line(report)
        if failure and not case.failure:
            case.failure = failure
            case.reason = f"{failure['check_id']}: {failure['title']}"
        else:
            case.longrepr = (case.longrepr + "\n" + str(report.longreprtext)).strip()
        captured = "\n".join(
            f"--- {name} ---\n{text}" for name, text in getattr(report, "sections", []) if name.startswith("Captured")
        )
        case.captured = (case.captured + "\n" + captured).strip()[:_CAPTURE_LIMIT]

    @staticmethod
    def _hypothesis(case: CaseOutcome, report: Any) -> None:
        stats = getattr(report, "__dict__", {}).get(_HYPOTHESIS_STATS)
        notes = "\n".join(text for name, text in getattr(report, "sections", []) if name == "Hypothesis")
        counts = getattr(report, "eprom_hypothesis_counts", None)  # hypothesis' numbers, from the plugin
        if stats or notes or counts:
            known = case.hypothesis or {}
            case.hypothesis = {"statistics": stats or known.get("statistics", ""),
                               "notes": notes or known.get("notes", "")}
            if counts or "examples" in known:
                case.hypothesis["examples"] = counts or known["examples"]

    def add_exchange_range(self, nodeid: str, first: int, last: int) -> None:
        """The exchanges recorded while the case ran (ids ``first+1 … last``)."""
        case = self._cases.get(nodeid)
        if case is not None and last > first:
            deviations = [d.get("exchange_id") for d in (case.failure or {}).get("deviations", [])]
            case.exchange_ids = tuple(sorted({*case.exchange_ids, *range(first + 1, last + 1),
                                              *(int(i) for i in deviations if i)}))

    def outcomes(self) -> list[CaseOutcome]:
        return list(self._cases.values())


def hypothesis_settings(seed: Any = None) -> dict[str, Any]:
    """The Hypothesis settings the session ran with (the certification profile is derandomized)."""
    try:
        from hypothesis import settings
    except ImportError:  # pragma: no cover - a dependency of the kit
        return {}
    current = settings.default
    return {
        "profile": getattr(settings, "_current_profile", None),
        "derandomize": current.derandomize,
        "max_examples": current.max_examples,
        "database": "none" if current.database is None else type(current.database).__name__,
        "seed": seed,
    }
