"""Statuses per checklist and catalogue ID, from the outcomes of the cases and the human attestations.

Every ID of ``checklist.yaml`` gets exactly one status, with its reason and the exchanges it rests on:

``passed``               every case behind it passed (parts that could not be judged are listed as caveats)
``failed``               a case behind it failed, or a human attested that it does not work
``waiting``              the events it needs have not been recorded yet (a session judged while in progress)
``pending attestation``  a human part nobody has attested yet; never shown as passed
``attested``             the human part attested as working, and every automated part passed
``not applicable``       the target does not declare the capability the item is about
``not run``              no case ran for it (not selected, no trigger, not verifiable), with the reason

How a case signals what it is: a failing check raises ``CheckFailure``; ``NotVerifiable`` and ``Waiting``
are turned into skips by the plugin; a case that does not apply skips with a reason starting
``not applicable:``. A catalogue check's status comes from the cases naming it; a checklist item's from the
checks that prove it, the cases naming it directly, its children (``parent``) and its attestation.

A failure rolls up to a checklist item only when one of its deviations' requirements feeds that item
(``feeds`` of the requirement in ``spec/checklist.yaml``): S-ORDER-BODY failing on ``metadata`` fails V2.4, not V2.6. A
failure that names no requirement (an error in a case) rolls up to every item the case or check proves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..deadline import CUT_SHORT
from ..spec.checklist import ChecklistItem, load_checklist
from ..spec.requirements import load_requirements

__all__ = [
    "STATUSES",
    "CaseOutcome",
    "ItemResult",
    "failure_record",
    "item_statuses",
    "human_items",
    "verdict",
    "VERDICT_MEANING",
    "verdict_meaning",
    "case_counts",
    "counts_line",
]

PASSED, FAILED, WAITING = "passed", "failed", "waiting"
PENDING, ATTESTED = "pending attestation", "attested"
NOT_APPLICABLE, NOT_RUN = "not applicable", "not run"
STATUSES = (PASSED, FAILED, WAITING, PENDING, ATTESTED, NOT_APPLICABLE, NOT_RUN)
# Combining statuses: the first one present wins.
_PRECEDENCE = (FAILED, WAITING, PENDING, ATTESTED, PASSED, NOT_RUN, NOT_APPLICABLE)


@dataclass
class CaseOutcome:
    """What one pytest case came to, as the plugin collects it (plain data; JSON round trip)."""

    nodeid: str
    ids: tuple[str, ...] = ()
    outcome: str = "passed"  # passed | failed | error | skipped | xfailed | xpassed
    reason: str = ""  # skip reason, or the failure's first line
    kind: str = ""  # for skips: waiting | not_verifiable | not_applicable | "" (plain skip)
    failure: dict[str, Any] | None = None  # failure_record() of a CheckFailure
    longrepr: str = ""  # traceback of a failure that is not a CheckFailure (redacted before writing)
    captured: str = ""  # captured output of a failed case
    duration_s: float = 0.0
    exchange_ids: tuple[int, ...] = ()
    hypothesis: dict[str, Any] | None = None  # {"statistics": …, "notes": …, "examples": {"passing": n, …}}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ids"], data["exchange_ids"] = list(self.ids), list(self.exchange_ids)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseOutcome:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["ids"] = tuple(known.get("ids", ()))
        known["exchange_ids"] = tuple(known.get("exchange_ids", ()))
        return cls(**known)

    @property
    def effective(self) -> str:
        """The outcome in status words: passed, failed, waiting, not applicable or not run."""
        if self.outcome in ("failed", "error", "xfailed", "xpassed"):
            return FAILED
        if self.outcome == "skipped":
            return {"waiting": WAITING, "not_applicable": NOT_APPLICABLE}.get(self.kind, NOT_RUN)
        return PASSED

    def summary(self) -> str:
        if self.failure:
            return f"{self.failure.get('check_id', '')}: {self.failure.get('title', '')}".strip(": ")
        return self.reason or self.outcome


def failure_record(failure: Any) -> dict[str, Any]:
    """A ``CheckFailure`` as plain data (values that are not JSON-able become their ``repr``)."""
    return {
        "check_id": failure.check_id,
        "title": failure.title,
        "severity": failure.severity,
        "deviations": [
            {
                "field": d.field,
                "received": _plain(d.received),
                "expected": _plain(d.expected),
                "rule": d.rule,
                "exchange_id": d.exchange_id,
            }
            for d in failure.deviations
        ],
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return repr(value)


@dataclass
class ItemResult:
    """The verdict on one ID."""

    id: str
    status: str
    reason: str
    caveats: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # catalogue checks behind a checklist item
    cases: list[str] = field(default_factory=list)  # node ids of the cases naming the ID
    exchange_ids: list[int] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    attestation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def human_items(items: Sequence[ChecklistItem] | None = None) -> tuple[ChecklistItem, ...]:
    """The items a person attests (V2.x, S-ONBEHALF.1/2/3, S-SIGN.2): human in ``verified_by``, not a
    line the guide splits into sub-items (S-ONBEHALF, S-SIGN are judged from their parts)."""
    items = tuple(items or load_checklist())
    return tuple(i for i in items if i.kind == "checklist" and "human" in i.verified_by and not _is_split(i, items))


def _is_split(entry: ChecklistItem, items: Sequence[ChecklistItem]) -> bool:
    return any(child.parent == entry.id and child.requirement_no == entry.requirement_no for child in items)


def _applies(entry: ChecklistItem, capabilities: frozenset[str] | None) -> bool:
    return capabilities is None or not entry.capability or bool(set(entry.capability) & capabilities)


def item_statuses(
    outcomes: Iterable[CaseOutcome],
    *,
    attestations: Mapping[str, Mapping[str, Any]] | None = None,
    capabilities: Iterable[str] | None = None,
    items: Sequence[ChecklistItem] | None = None,
) -> dict[str, ItemResult]:
    """One :class:`ItemResult` per ID, in checklist order. ``capabilities=None`` means "all apply"."""
    items = tuple(items or load_checklist())
    caps = None if capabilities is None else frozenset(capabilities)
    outcomes = list(outcomes)
    attestations = attestations or {}
    by_id: dict[str, list[CaseOutcome]] = {}
    for outcome in outcomes:
        for item_id in outcome.ids:
            by_id.setdefault(item_id, []).append(outcome)
    results: dict[str, ItemResult] = {}
    for entry in items:
        if entry.kind == "check":
            results[entry.id] = _judge_check(entry, by_id.get(entry.id, []), caps)
    human = {entry.id for entry in human_items(items)}
    # Children before parents: the file lists parents first, so walk it backwards.
    for entry in reversed(items):
        if entry.kind == "checklist":
            results[entry.id] = _judge_item(
                entry, items, results, by_id.get(entry.id, []), attestations.get(entry.id), entry.id in human, caps
            )
    return {entry.id: results[entry.id] for entry in items}


def _judge_check(entry: ChecklistItem, cases: list[CaseOutcome], caps: frozenset[str] | None) -> ItemResult:
    if not _applies(entry, caps):
        return ItemResult(entry.id, NOT_APPLICABLE, _capability_reason(entry))
    if not cases:
        return ItemResult(entry.id, NOT_RUN, "no case for this check ran in this session")
    return _from_cases(entry.id, cases)


def _capability_reason(entry: ChecklistItem) -> str:
    return f"the target does not declare the capability {' or '.join(entry.capability)}"


def _from_cases(item_id: str, cases: list[CaseOutcome]) -> ItemResult:
    statuses = [case.effective for case in cases]
    status = _combine(statuses)
    failing = [c for c in cases if c.effective == FAILED]
    caveats = [f"{c.nodeid}: {c.reason}" for c in cases if c.effective in (NOT_RUN, NOT_APPLICABLE) and c.reason]
    reason = _reason(status, cases, failing)
    return ItemResult(
        item_id,
        status,
        reason,
        caveats=caveats if status == PASSED else [],
        cases=[c.nodeid for c in cases],
        exchange_ids=_exchange_ids(failing or cases),
        failures=[c.failure or _plain_failure(c) for c in failing],
    )


def _reason(status: str, cases: list[CaseOutcome], failing: list[CaseOutcome]) -> str:
    if status == FAILED:
        return "; ".join(dict.fromkeys(c.summary() for c in failing))
    if status == PASSED:
        passed = sum(c.effective == PASSED for c in cases)
        return f"{passed} of {len(cases)} case(s) passed"
    relevant = [c for c in cases if c.effective == status]
    return "; ".join(dict.fromkeys(c.reason or c.outcome for c in relevant))


def _plain_failure(case: CaseOutcome) -> dict[str, Any]:
    """A failure that is not a CheckFailure (an error in the case itself): its message, no deviations."""
    return {"check_id": "", "title": case.reason or case.outcome, "severity": "major", "deviations": [],
            "nodeid": case.nodeid}


def _exchange_ids(cases: Iterable[CaseOutcome]) -> list[int]:
    ids: set[int] = set()
    for case in cases:
        ids.update(case.exchange_ids)
        for deviation in (case.failure or {}).get("deviations", []):
            if deviation.get("exchange_id"):
                ids.add(int(deviation["exchange_id"]))
    return sorted(ids)


def _combine(statuses: Iterable[str]) -> str:
    present = set(statuses)
    for status in _PRECEDENCE:
        if status in present:
            return status
    return NOT_RUN


def _judge_item(
    entry: ChecklistItem,
    items: Sequence[ChecklistItem],
    results: Mapping[str, ItemResult],
    direct_cases: list[CaseOutcome],
    attestation: Mapping[str, Any] | None,
    is_human: bool,
    caps: frozenset[str] | None,
) -> ItemResult:
    if not _applies(entry, caps):
        return ItemResult(entry.id, NOT_APPLICABLE, _capability_reason(entry), attestation=_plain(attestation))
    checks = [i.id for i in items if i.kind == "check" and entry.id in i.proves]
    children = [i.id for i in items if i.parent == entry.id]
    parts: list[tuple[str, ItemResult]] = [(cid, _as_part_of(results[cid], entry.id)) for cid in checks]
    parts += [(child, results[child]) for child in children]
    if direct_cases:
        cases = [_case_as_part_of(case, entry.id) for case in direct_cases]
        parts.append(("cases naming " + entry.id, _from_cases(entry.id, cases)))
    if is_human:
        parts.append(("attestation", _attestation_result(entry.id, attestation)))
    result = _merge(entry.id, parts, children)
    result.checks = checks
    result.cases = [c.nodeid for c in direct_cases]
    result.attestation = _plain(attestation) if attestation else None
    return result


def _feeds(failure: Mapping[str, Any], item_id: str) -> bool:
    """Whether a failure rolls up to ``item_id``: a deviation's requirement feeds it, or the failure names
    no requirement at all (an error in a case, a deviation of an older bundle)."""
    register = load_requirements()
    rules = [deviation.get("rule", "") for deviation in failure.get("deviations", [])]
    if not rules or any(rule not in register for rule in rules):
        return True
    return any(item_id in register[rule].feeds for rule in rules)


def _not_fed(failures: Iterable[Mapping[str, Any]], item_id: str) -> str:
    rules = sorted({d.get("rule", "") for f in failures for d in f.get("deviations", [])})
    return f"failed only on requirements that do not feed {item_id} ({', '.join(rules)})"


def _as_part_of(result: ItemResult, item_id: str) -> ItemResult:
    """A check's result as a part of ``item_id``: its failure counts there only where a requirement feeds it."""
    if result.status != FAILED or any(_feeds(failure, item_id) for failure in result.failures):
        return result
    return ItemResult(result.id, PASSED, "its requirements that feed this item passed",
                      caveats=[f"{result.id} {_not_fed(result.failures, item_id)}"], cases=result.cases)


def _case_as_part_of(case: CaseOutcome, item_id: str) -> CaseOutcome:
    """A case naming ``item_id`` directly, failed only on requirements that feed other items: passed here."""
    if case.effective != FAILED or case.failure is None or _feeds(case.failure, item_id):
        return case
    return replace(case, outcome="passed", reason=_not_fed([case.failure], item_id), failure=None)


def _attestation_result(item_id: str, attestation: Mapping[str, Any] | None) -> ItemResult:
    if not attestation:
        return ItemResult(item_id, PENDING, "needs a person on Helsenorge: run eprom-verify attest SESSION_DIR")
    who, when = attestation.get("who", "?"), attestation.get("when", "?")
    notes = f": {attestation['notes']}" if attestation.get("notes") else ""
    if attestation.get("verified"):
        return ItemResult(item_id, ATTESTED, f"attested by {who} at {when}{notes}")
    failure = {"check_id": item_id, "title": f"attested as NOT working by {who} at {when}{notes}",
               "severity": "major", "deviations": []}
    return ItemResult(item_id, FAILED, failure["title"], failures=[failure])


def _merge(item_id: str, parts: list[tuple[str, ItemResult]], children: Sequence[str] = ()) -> ItemResult:
    """Combine the parts of a checklist item (checks, children, direct cases, attestation)."""
    if not parts:
        return ItemResult(item_id, NOT_RUN, "no check proves it and no case names it yet")
    applicable = [(name, r) for name, r in parts if r.status != NOT_APPLICABLE]
    status = _combine(r.status for _, r in applicable) if applicable else NOT_APPLICABLE
    deciding = [(name, r) for name, r in applicable if r.status == status] or parts
    # A child item's own reason is in its own row of the matrix: name it, do not nest it.
    reason = "; ".join(f"{name}: {r.status}" + (f" ({r.reason})" if status != PASSED and name not in children else "")
                       for name, r in deciding)
    not_run = [name for name, r in applicable if r.status == NOT_RUN]
    caveats = [f"not run: {', '.join(not_run)}"] if not_run and status in (PASSED, ATTESTED) else []
    caveats += [c for _, r in deciding for c in r.caveats]
    exchange_ids = sorted({x for _, r in (deciding if status == FAILED else applicable) for x in r.exchange_ids})
    failures = [f for _, r in deciding for f in r.failures] if status == FAILED else []
    return ItemResult(item_id, status, reason, caveats=list(dict.fromkeys(caveats)), exchange_ids=exchange_ids,
                      failures=failures)


def verdict(results: Mapping[str, ItemResult]) -> str:
    """``failed`` if any ID failed; ``incomplete`` if any applicable ID is not yet decided; else ``passed``."""
    statuses = {r.status for r in results.values()}
    if FAILED in statuses:
        return "failed"
    if statuses & {WAITING, PENDING, NOT_RUN}:
        return "incomplete"
    return "passed"


# One sentence per verdict: what it means, and what CI does with it (report, console, README say the same).
VERDICT_MEANING = {
    "passed": "Every applicable checklist item passed or was attested: the evidence is complete and can be sent "
              "to Hemit (exit 0).",
    "incomplete": "No check failed, but some applicable items are still open (pending attestation, waiting or "
                  "not run): not yet evidence for go-live; exit 0, or 1 with `run --require complete`.",
    "failed": "At least one checklist item or check failed: the system does not yet do what the guide requires "
              "(exit 1).",
}
CUT_SHORT_MEANING = ("The run was cut short at its time limit (budgets.run_s): cases were not run, so this is not "
                     "evidence for go-live (exit 1).")


def verdict_meaning(verdict_word: str, outcomes: Iterable[CaseOutcome]) -> str:
    """The sentence for the verdict; an incomplete run the deadline cut short exits 1, and says so."""
    cut = any(o.outcome == "skipped" and CUT_SHORT in o.reason for o in outcomes)
    return CUT_SHORT_MEANING if cut and verdict_word == "incomplete" else VERDICT_MEANING[verdict_word]


_PYTEST_OUTCOMES = ("failed", "passed", "skipped", "xfailed", "xpassed", "error")  # pytest's summary order


def case_counts(outcomes: Iterable[CaseOutcome]) -> dict[str, int]:
    """The cases by pytest's outcome words, as pytest's own summary line counts them."""
    counts = {name: 0 for name in _PYTEST_OUTCOMES}
    for outcome in outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    return {name: n for name, n in counts.items() if n}


def counts_line(verdict_: str, counts: Mapping[str, int], cases: Mapping[str, int]) -> str:
    """The one summary of a session, word for word the same on the console, in report.html and evidence.json:
    IDs (checklist items and catalogue checks) by status, then the pytest cases behind them."""
    ids = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "none"
    run = ", ".join(f"{n} {outcome}" for outcome, n in cases.items() if n) or "none"
    return f"verdict {verdict_}: {sum(counts.values())} IDs ({ids}); {sum(cases.values())} cases ({run})"
