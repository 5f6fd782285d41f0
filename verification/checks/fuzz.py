"""R-ENUM-FORMS, R-TIMESTAMPS, R-FORWARD-COMPAT: judging what a fuzz run sent and what came back.

A fuzz run (:class:`~verification.stimuli.fuzzing.FuzzRun`) holds every exchange hypothesis caused, the
smallest refused request it shrank to, and probe observations. The checks here are plain functions over
that record:

- every example must be acknowledged (2xx with ``{"success": true}``, BR-21);
- the smallest refused example is reported with its reply, the curl command that sends it again (a note
  on the failure) and hypothesis' falsifying notes (with the ``@reproduce_failure`` blob);
- a *feature* (an enum field in one style, a timestamp member in one shape, a later or unknown member)
  that was refused every time it was sent is reported on its own line: it names the mistake;
- R-ENUM-FORMS and R-FORWARD-COMPAT also judge the probe observations: an accepted C1 with a new meaning
  must add a stored status update, an accepted C2 ``Completed`` must leave the answers stored.

The ``*_features`` functions name what one example covers; the fuzz runner shows them as hypothesis
events in the statistics, and the checks use them for the refusal pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..recorder.store import Exchange
from ..spec.payloads import PayloadError, read_promsformorder, unknown_members
from ..stimuli.curl import curl_command
from ..stimuli.fuzzing import FuzzRun, Observation, Stimulus
from ..stimuli.strategies import LATER_MEMBERS, describe_enum_value, shape_of, style_of
from .failure import CheckFailure, Deviations, NotVerifiable

__all__ = [
    "check_enum_forms",
    "check_timestamps",
    "check_forward_compat",
    "enum_form_features",
    "timestamp_features",
    "forward_compat_features",
    "ENUM_MEMBERS",
]

ENUM_MEMBERS: dict[str, tuple[str, ...]] = {
    "C1": ("formOrderStatus", "notificationChannel", "formOrderStatusErrorCode"),
    "C2": ("formOrderStatus", "notificationChannel"),
    "C3": ("sentStatus", "formOrderStatus", "notificationChannel"),
}
_RULES = {"C1": "V1.2", "C2": "V3.1", "C3": "R-MESSAGE-STATUS", "C4": "R-PVK"}
_ACKNOWLEDGED = 'HTTP 2xx with {"success": true} (BR-21)'
_MOST_PATTERNS = 6
Features = Callable[[Stimulus], Iterable[str]]


# --- what one example covers ---------------------------------------------------------------------------


def enum_form_features(stimulus: Stimulus) -> list[str]:
    """``C1 formOrderStatus as int``, … for every enum member present."""
    kind, body = stimulus
    return [f"{kind} {name} as {style_of(body[name])}" for name in ENUM_MEMBERS.get(kind, ()) if name in body]


def _timestamp_members(body: dict[str, Any]) -> list[tuple[str, Any]]:
    found = [(name, body[name]) for name in ("timestamp", "timestampUtc") if name in body]
    for entry in body.get("formOrderEventLog") or ():
        if isinstance(entry, dict) and "timestampUtc" in entry:
            found.append(("formOrderEventLog[].timestampUtc", entry["timestampUtc"]))
    values = body.get("patientInitiatedValues")
    if isinstance(values, dict):
        found += [(f"patientInitiatedValues.{n}", values[n]) for n in ("orderTimestamp", "orderTimestampUTC") if n in values]
    return found


def timestamp_features(stimulus: Stimulus) -> list[str]:
    """``C2 timestamp offset``, ``C2 formOrderEventLog[].timestampUtc space_ms``, … (each once)."""
    kind, body = stimulus
    return sorted({f"{kind} {path} {shape_of(value)}" for path, value in _timestamp_members(body)})


def _unknown_paths(body: dict[str, Any]) -> list[str]:
    try:
        model = read_promsformorder(body)
    except PayloadError:
        return []
    return [_generic_path(path) for path in unknown_members(model)]


def _generic_path(path: str) -> str:
    """``formOrderEventLog[2].x`` → ``formOrderEventLog[].x``: one feature for every entry."""
    return re.sub(r"\[\d+\]", "[]", path)


def _later_paths(kind: str, body: dict[str, Any]) -> list[str]:
    found = []
    for path in LATER_MEMBERS.get(kind, {}):
        head, _, tail = path.partition(".")
        value = body.get(head)
        if (not tail and value is not None) or (tail and isinstance(value, dict) and tail in value):
            found.append(path)
    return found


def forward_compat_features(stimulus: Stimulus) -> list[str]:
    """``C2 filledOutBy (added 2025-03-18)``, ``C1 unknown schemaVersion``, … (each once)."""
    kind, body = stimulus
    later = [f"{kind} {path} (added {LATER_MEMBERS[kind][path]})" for path in _later_paths(kind, body)]
    unknown = [f"{kind} unknown {path}" for path in _unknown_paths(body)]
    return sorted(set(later + unknown))


# --- the checks ----------------------------------------------------------------------------------------


def check_enum_forms(run: FuzzRun, *, meaning_judged: bool = True, check_id: str = "R-ENUM-FORMS") -> None:
    """Every enum field as a name, an integer or a numeric string is accepted (BR-24, Q06), and when a probe
    is configured the meaning is kept (a new status stored, answers stored)."""
    found = Deviations(check_id, "Enum values as names, integers and numeric strings are all accepted")
    _judge_acceptance(found, run, enum_form_features, _describe_enums,
                      why="enum values may come as names, integers or numeric strings (BR-24, Q06)")
    problems = _judge_meaning(found, run.observations) if meaning_judged else []
    _raise(found, run)
    _not_verifiable_if(problems, check_id)


def check_timestamps(run: FuzzRun, *, check_id: str = "R-TIMESTAMPS") -> None:
    """Every documented timestamp shape (offset, no zone, seven digits, space separator, ``Z``) is accepted."""
    found = Deviations(check_id, "Every documented timestamp shape is accepted")
    _judge_acceptance(found, run, timestamp_features, _describe_timestamps,
                      why="no timestamp format is specified; every documented shape occurs (Q04, BR-24)")
    _raise(found, run)


def check_forward_compat(run: FuzzRun, *, meaning_judged: bool, check_id: str = "R-FORWARD-COMPAT") -> None:
    """Members added after 2022 and unknown members (top level and nested) are accepted and change nothing;
    without a probe the "change nothing" part is not verifiable."""
    found = Deviations(check_id, "Members added later and unknown members are accepted, meaning unchanged")
    _judge_acceptance(found, run, forward_compat_features, _describe_members,
                      why="ePROM adds members over time; a receiver must ignore what it does not know (BR-24)")
    problems = _judge_meaning(found, run.observations) if meaning_judged else []
    _raise(found, run)
    _not_verifiable_if(problems, check_id)
    if not meaning_judged:
        raise NotVerifiable(check_id, f"all {len(run.exchanges)} requests were accepted, but whether their meaning "
                                      "was kept is not verifiable: no probe configured (status, answers)")


# --- shared judging ------------------------------------------------------------------------------------


def _stimulus(exchange: Exchange) -> Stimulus | None:
    body = exchange.json_request()
    return (str(exchange.meta.get("callback", "")), body) if isinstance(body, dict) else None


def _reply(exchange: Exchange) -> str:
    return exchange.error or f"HTTP {exchange.status} {exchange.response_body[:200]}".strip()


def _judge_acceptance(
    found: Deviations, run: FuzzRun, features: Features, describe: Callable[[Stimulus], str], *, why: str
) -> None:
    minimal = run.minimal_failure
    if minimal is None and not run.rejected:
        return
    shown = minimal or run.rejected[0]
    stimulus = _stimulus(shown) or ("?", {})
    found.add(
        describe(stimulus), _reply(shown), f"{_ACKNOWLEDGED}: {why}",
        rule=_RULES.get(stimulus[0], ""), exchange_id=shown.id,
    )
    for feature, (refused, sent, first) in _always_refused(run.exchanges, features):
        found.add(feature, f"refused in {refused} of {sent} requests", "accepted", exchange_id=first)
    found.add("requests refused in this run", f"{len(run.rejected)} of {len(run.exchanges)} (shrinking included)",
              "none")


def _always_refused(exchanges: list[Exchange], features: Features) -> list[tuple[str, tuple[int, int, int | None]]]:
    """Features refused every time they were sent (at most a handful, most frequent first)."""
    tally: dict[str, list[Any]] = {}
    for exchange in exchanges:
        stimulus = _stimulus(exchange)
        if stimulus is None:
            continue
        for feature in set(features(stimulus)):
            entry = tally.setdefault(feature, [0, 0, None])
            entry[1] += 1
            if not exchange.meta.get("accepted"):
                entry[0] += 1
                entry[2] = entry[2] or exchange.id
    always = [(f, tuple(v)) for f, v in tally.items() if v[0] == v[1]]
    return sorted(always, key=lambda item: -item[1][1])[:_MOST_PATTERNS]  # type: ignore[return-value]


def _judge_meaning(found: Deviations, observations: list[Observation]) -> list[Observation]:
    """Deviations for observations whose probe says the meaning was lost; returns unreadable ones."""
    problems = []
    for seen in observations:
        if seen.problem:
            problems.append(seen)
        elif not seen.kept:
            expected = (f"one more stored update (count {(seen.before or 0) + 1} or more)" if seen.expect == "one more"
                        else "the answers stored (count 1 or more)")
            received = f"count {seen.before} → {seen.after}" if seen.before is not None else f"count {seen.after}"
            found.add(f"probe.{seen.probe} after an accepted {seen.what}", received, expected,
                      rule="V1.2" if seen.probe == "status" else "V3.1", exchange_id=seen.exchange_id)
    return problems


def _raise(found: Deviations, run: FuzzRun) -> None:
    try:
        found.raise_if_any()
    except CheckFailure as failure:
        if run.minimal_failure is not None:
            failure.add_note("The smallest refused request (API key as ${EPROM_API_KEY}):\n"
                             + curl_command(run.minimal_failure))
        for note in run.falsifying:
            failure.add_note(note)
        failure.add_note(f"hypothesis profile {run.profile}: {json.dumps(run.settings, sort_keys=True)}")
        raise


def _not_verifiable_if(problems: list[Observation], check_id: str) -> None:
    if problems:
        raise NotVerifiable(check_id, f"every request was accepted, but {len(problems)} probe answer(s) could not "
                                      f"be read (first: {problems[0].problem}), so the meaning is not verified")


# --- one example in words ------------------------------------------------------------------------------


def _describe_enums(stimulus: Stimulus) -> str:
    kind, body = stimulus
    fields = ", ".join(f"{name}={describe_enum_value(body[name])}" for name in ENUM_MEMBERS.get(kind, ()) if name in body)
    return f"{kind} {fields}"


def _describe_timestamps(stimulus: Stimulus) -> str:
    kind, body = stimulus
    members = _timestamp_members(body)
    fields = ", ".join(f"{path}={json.dumps(value)} ({shape_of(value)})" for path, value in members)
    return f"{kind} {fields or 'without timestamps'}"


def _describe_members(stimulus: Stimulus) -> str:
    kind, body = stimulus
    members = _later_paths(kind, body) + [f"unknown {path}" for path in _unknown_paths(body)]
    return f"{kind} with {', '.join(members) or 'no later or unknown member'}"
