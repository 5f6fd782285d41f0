"""``evidence.json``: the machine-readable verdict of a session, built only from redacted data.

Top-level keys: ``format``, ``generated_at``, ``session`` (id, times, operator, profile, kit version),
``system`` and ``eprom`` (from the redacted target), ``verdict`` and ``counts``, ``items`` (every checklist
and catalogue ID in checklist order, with its status, reason, caveats, checks, cases, exchange ids,
failures and attestation), ``unknown_ids`` (IDs cases named that the checklist does not know), ``cases``,
``hypothesis``, ``exchanges`` (the transcript, bodies capped), ``observed`` (fields and enum values seen
from ePROM, for ``judge --compare``) and ``redaction`` (the policy and the aliases, without numbers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..spec.checklist import ChecklistItem
from ..spec.wire import GUID_PATTERN
from .redact import SUMMARY_KEYS, Redactor
from .results import STATUSES, CaseOutcome, ItemResult, case_counts, counts_line, human_items, verdict, verdict_meaning
from .speclinks import spec_link

__all__ = [
    "FORMAT",
    "REDACTION_POLICY",
    "BODY_LIMIT",
    "build_evidence",
    "redact_outcome",
    "observed_from",
    "how_verified",
    "dumps",
]

FORMAT = "eprom-verify-evidence/1"
BODY_LIMIT = 16_000  # characters of a body kept in evidence.json; the rest is counted, not kept
TEXT_LIMIT = 8_000

REDACTION_POLICY = (
    "API key and every credential value: masked as ********** wherever it occurs (also base64, "
    "URL-encoded, inside 'Basic …', in JSON bodies and URL queries)",
    "national ids (any 11-digit run with valid check digits, every class, synthetic included): a "
    "per-session alias such as 'person-1' with its class; never the number, never a hash",
    "singleUseCode: masked; loginUrl: scheme and host kept, path and query masked",
    "physicalAddress and formData: replaced by a structural summary (field ids, types, lengths)",
    "free text (tracebacks, captured output, JUnit XML, pytest-html) is redacted with the same policy; a "
    "leak scan over the finished bundle fails the run if the key or a national id is left anywhere",
)

# Fields whose values are enumerations on the wire (section 4 of the spec), collected for --compare.
ENUM_FIELDS = frozenset({
    "formorderstatus", "notificationchannel", "formorderstatuserrorcode", "sentstatus", "eventtype",
    "status", "filledoutbyacttype", "distributionrule", "type", "instansendret",
})
_GUID = re.compile(GUID_PATTERN)

_HOW = {
    "automatic": "automatic (the kit over HTTP)",
    "simulator": "simulator",
    "human": "human attestation",
}


def how_verified(entry: ChecklistItem, mode: str) -> list[str]:
    """The checklist's ``verified_by`` in the report's words; in relay mode the simulator's part is
    done against the real ePROM test/QA environment through the recording relay."""
    labels = []
    for way in entry.verified_by:
        if way == "simulator" and mode == "relay":
            labels.append("relay against ePROM test/QA")
        else:
            labels.append(_HOW.get(way, way))
    return labels


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [{len(text) - limit} more characters not kept]"


def redact_outcome(outcome: CaseOutcome, redactor: Redactor) -> CaseOutcome:
    """A case outcome with every text field redacted (and long texts capped)."""
    failure = None
    if outcome.failure:
        failure = {
            **outcome.failure,
            "title": redactor.text(str(outcome.failure.get("title", ""))),
            "deviations": [redactor.deviation(d) for d in outcome.failure.get("deviations", [])],
        }
    hypothesis = ({k: redactor.text(v) if isinstance(v, str) else v for k, v in outcome.hypothesis.items()}
                  if outcome.hypothesis else None)
    return CaseOutcome(
        nodeid=redactor.text(outcome.nodeid),
        ids=outcome.ids,
        outcome=outcome.outcome,
        reason=redactor.text(outcome.reason),
        kind=outcome.kind,
        failure=failure,
        longrepr=_cap(redactor.text(outcome.longrepr), TEXT_LIMIT),
        captured=_cap(redactor.text(outcome.captured), TEXT_LIMIT),
        duration_s=outcome.duration_s,
        exchange_ids=outcome.exchange_ids,
        hypothesis=hypothesis,
    )


def _capped_exchange(record: dict[str, Any]) -> dict[str, Any]:
    for key in ("request_body", "response_body"):
        body = record.get(key) or ""
        if len(body) > BODY_LIMIT:
            record[key] = body[:BODY_LIMIT]
            record[f"{key}_length"] = len(body)
    return record


def _exchange_record(exchange: Any, redactor: Redactor, failing: set[int]) -> dict[str, Any]:
    """The redacted exchange; one a failure rests on also carries its request as curl, with the key as
    ``${EPROM_API_KEY}`` and the rest redacted like everything else."""
    from ..stimuli.curl import curl_command

    record = _capped_exchange(redactor.exchange(exchange))
    if exchange.id in failing:
        record["curl"] = _cap(redactor.text(curl_command(exchange)), BODY_LIMIT)
    return record


def _item_record(
    entry: ChecklistItem, result: ItemResult, mode: str, redactor: Redactor, attestable: frozenset[str]
) -> dict[str, Any]:
    data = entry.as_dict()
    data.pop("capability", None)
    record = {
        **data,
        "capability": list(entry.capability),
        "attestable": entry.id in attestable,
        "how_verified": how_verified(entry, mode),
        "spec": spec_link(entry.spec_ref),
        **redactor.data(result.to_dict()),
    }
    record["failures"] = [
        {**redactor.data(f), "deviations": [redactor.deviation(d) for d in f.get("deviations", [])]}
        for f in result.failures
    ]
    return record


def build_evidence(
    *,
    items: Sequence[ChecklistItem],
    results: Mapping[str, ItemResult],
    outcomes: Sequence[CaseOutcome],
    exchanges: Iterable[Any],
    target: Mapping[str, Any],
    session: Mapping[str, Any],
    attestations: Mapping[str, Mapping[str, Any]],
    hypothesis: Mapping[str, Any],
    redactor: Redactor,
    generated_at: str,
) -> dict[str, Any]:
    """The evidence document. ``exchanges`` are raw store exchanges; everything else is redacted here."""
    raw_exchanges = list(exchanges)
    mode = str((target.get("eprom") or {}).get("mode", "simulator"))
    known = {entry.id for entry in items}
    attestable = frozenset(entry.id for entry in human_items(items))
    safe_outcomes = [redact_outcome(o, redactor) for o in outcomes]
    failing = {i for r in results.values() if r.status == "failed" for i in r.exchange_ids}
    counts = {status: 0 for status in STATUSES}
    for result in results.values():
        counts[result.status] += 1
    return {
        "format": FORMAT,
        "generated_at": generated_at,
        "session": redactor.data(dict(session)),
        "system": _system(target, session, redactor),
        "eprom": redactor.data(dict(target.get("eprom") or {})),
        "verdict": verdict(results),
        "verdict_meaning": verdict_meaning(verdict(results), outcomes),
        "counts": counts,
        "case_counts": case_counts(outcomes),
        "summary": counts_line(verdict(results), counts, case_counts(outcomes)),
        "items": [_item_record(entry, results[entry.id], mode, redactor, attestable) for entry in items],
        "unknown_ids": sorted({i for o in outcomes for i in o.ids} - known),
        "cases": [o.to_dict() for o in safe_outcomes],
        "attestations": redactor.data({k: dict(v) for k, v in attestations.items()}),
        "hypothesis": redactor.data(_hypothesis(hypothesis, safe_outcomes)),
        "exchanges": [_exchange_record(ex, redactor, failing) for ex in raw_exchanges],
        "observed": redactor.data(observed_from(raw_exchanges)),
        "redaction": {"enabled": True, "policy": list(REDACTION_POLICY), "aliases": redactor.aliases.described()},
    }


def _system(target: Mapping[str, Any], session: Mapping[str, Any], redactor: Redactor) -> dict[str, Any]:
    system = target.get("bestillersystem") or {}
    return redactor.data({
        "name": target.get("name"),
        "environment": target.get("environment"),
        "version": session.get("system_version") or "unknown",
        "callback_base_url": system.get("callback_base_url"),
        "capabilities": system.get("capabilities", []),
        "trigger": system.get("trigger"),
        "probe": system.get("probe"),
        "accepts_unknown_orders": system.get("accepts_unknown_orders"),
        "forms": target.get("forms", []),
        "test_persons": target.get("test_persons", []),
    })


def _hypothesis(settings: Mapping[str, Any], outcomes: Sequence[CaseOutcome]) -> dict[str, Any]:
    cases = [{"nodeid": o.nodeid, **o.hypothesis} for o in outcomes if o.hypothesis]
    return {"settings": dict(settings), "cases": cases}


# -- what ePROM sent (for comparing bundles) ---------------------------------------------------------------


def _endpoint(exchange: Any) -> str:
    path = urlsplit(exchange.url).path.rstrip("/").lower()
    return f"{exchange.method.upper()} {_GUID.sub('{id}', path) or '/'}"


def _walk(value: Any, prefix: str, fields: set[str], enums: dict[str, set[str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            fields.add(path)
            lowered = str(key).lower()
            if lowered in SUMMARY_KEYS:
                continue  # answers and addresses: the field is noted, its content is not
            if lowered in ENUM_FIELDS and isinstance(item, str | int) and not isinstance(item, bool):
                enums.setdefault(path, set()).add(str(item))
            _walk(item, path, fields, enums)
    elif isinstance(value, list):
        for item in value:
            _walk(item, f"{prefix}[]", fields, enums)


def observed_from(exchanges: Iterable[Any]) -> dict[str, Any]:
    """Per endpoint, the JSON fields and enum values ePROM sent: callbacks to the system (requests) and
    ePROM's answers to the system (responses)."""
    fields: dict[str, set[str]] = {}
    enums: dict[str, dict[str, set[str]]] = {}
    for exchange in exchanges:
        if exchange.direction == "to_system":
            body, where = exchange.json_request(), "callback"
        else:
            body, where = exchange.json_response(), "response"
        if not isinstance(body, Mapping | list):
            continue
        key = f"{where} {_endpoint(exchange)}"
        _walk(body, "", fields.setdefault(key, set()), enums.setdefault(key, {}))
    return {
        "fields": {key: sorted(values) for key, values in sorted(fields.items())},
        "enum_values": {
            key: {path: sorted(values) for path, values in sorted(paths.items())}
            for key, paths in sorted(enums.items()) if paths
        },
    }


def dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
