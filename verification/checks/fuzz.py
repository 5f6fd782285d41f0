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

What one example covers is named by :mod:`verification.stimuli.features`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from ..recorder.store import Exchange
from ..stimuli.curl import curl_command
from ..stimuli.features import (
    describe_enums,
    describe_members,
    describe_timestamps,
    enum_form_features,
    forward_compat_features,
    timestamp_features,
)
from ..stimuli.fuzzing import FuzzRun, Observation
from ..stimuli.strategies import Stimulus
from .failure import CheckFailure, Deviations, NotVerifiable

__all__ = ["check_enum_forms", "check_timestamps", "check_forward_compat"]
_ACKNOWLEDGED = 'HTTP 2xx with {"success": true} (BR-21)'
_MOST_PATTERNS = 6
Features = Callable[[Stimulus], Iterable[str]]


def check_enum_forms(run: FuzzRun, *, meaning_judged: bool = True, check_id: str = "R-ENUM-FORMS") -> None:
    """Every enum field as a name or an integer is accepted (BR-24), and when a probe is configured the
    meaning is kept (a new status stored, answers stored). Numeric strings are never sent: the guide
    documents them only in the E3 response (Q06, corrected), so refusing them in a callback is correct."""
    found = Deviations(check_id)
    _judge_acceptance(found, run, enum_form_features, describe_enums,
                      why="enum values may come as names or as integers (BR-24)",
                      c1="R-ENUM-FORMS.1", other="R-ENUM-FORMS.2")
    problems = _judge_meaning(found, run.observations, status="R-ENUM-FORMS.3",
                              answers="R-ENUM-FORMS.4") if meaning_judged else []
    _raise(found, run)
    _not_verifiable_if(problems, check_id)


def check_timestamps(run: FuzzRun, *, check_id: str = "R-TIMESTAMPS") -> None:
    """Every documented timestamp shape (offset, no zone, seven digits, space separator, ``Z``) is accepted."""
    found = Deviations(check_id)
    _judge_acceptance(found, run, timestamp_features, describe_timestamps,
                      why="no timestamp format is specified; every documented shape occurs (Q04, BR-24)",
                      c1="R-TIMESTAMPS.1", other="R-TIMESTAMPS.2")
    _raise(found, run)


def check_forward_compat(run: FuzzRun, *, meaning_judged: bool, check_id: str = "R-FORWARD-COMPAT") -> None:
    """Members added after 2022 and unknown members (top level and nested) are accepted and change nothing;
    without a probe the "change nothing" part is not verifiable."""
    found = Deviations(check_id)
    _judge_acceptance(found, run, forward_compat_features, describe_members,
                      why="ePROM adds members over time; a receiver must ignore what it does not know (BR-24)",
                      c1="R-FORWARD-COMPAT.1", other="R-FORWARD-COMPAT.2")
    problems = _judge_meaning(found, run.observations, status="R-FORWARD-COMPAT.3",
                              answers="R-FORWARD-COMPAT.4") if meaning_judged else []
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
    found: Deviations, run: FuzzRun, features: Features, describe: Callable[[Stimulus], str], *, why: str,
    c1: str, other: str,
) -> None:
    """Every request acknowledged: ``c1`` is the requirement for a refused C1, ``other`` for the rest."""
    minimal = run.minimal_failure
    if minimal is None and not run.rejected:
        return
    shown = minimal or run.rejected[0]
    stimulus = _stimulus(shown) or ("?", {})
    requirement = c1 if stimulus[0] == "C1" else other
    found.check(requirement, False, describe(stimulus), _reply(shown), f"{_ACKNOWLEDGED}: {why}",
                exchange_id=shown.id)
    if _only_repeats_refused(run.earlier_deliveries, run.exchanges):  # then no feature is to blame
        found.check(requirement, False, "refused requests",
                    f"all {len(run.rejected)} repeat an update acknowledged before",
                    "a repeated delivery acknowledged like the first (BR-22)")
    else:
        for feature, count, first in _always_refused(run.exchanges, features):
            found.check(requirement, False, feature, f"refused every time ({count} of {count} requests)", "accepted",
                        exchange_id=first)
    found.check(requirement, False, "requests refused in this run",
                f"{len(run.rejected)} of {len(run.exchanges)} (shrinking included)", "none")


def _always_refused(exchanges: list[Exchange], features: Features) -> list[tuple[str, int, int | None]]:
    """``(feature, times sent, first exchange)`` for the features refused every time they were sent.

    A feature that only ever travelled together with a more frequent one already listed explains nothing
    more (a nested member inside a refused ``filledOutBy``): it is left out, so the list names causes.
    """
    sent: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        stimulus = _stimulus(exchange)
        for feature in set(features(stimulus)) if stimulus else ():
            sent.setdefault(feature, []).append(exchange)
    always = sorted(
        ((feature, seen) for feature, seen in sent.items() if not any(ex.meta.get("accepted") for ex in seen)),
        key=lambda item: (-len(item[1]), item[0].count(".") + item[0].count("["), item[0]),  # shallow first
    )
    explained: set[int | None] = set()
    causes = []
    for feature, seen in always:
        ids = {exchange.id for exchange in seen}
        if not ids <= explained:
            causes.append((feature, len(seen), seen[0].id))
            explained |= ids
    return causes[:_MOST_PATTERNS]


def _update_key(exchange: Exchange) -> tuple[Any, ...] | None:
    """What a callback means to the system (order, status, channel, code or answers), to spot repeats."""
    from ..spec.payloads import FormReturnCallback, PayloadError, read_promsformorder

    try:
        update = read_promsformorder(exchange.request_body)
    except PayloadError:
        return None
    if isinstance(update, FormReturnCallback):
        return update.form_order_id.lower(), update.form_order_status, json.dumps(update.form_data, sort_keys=True)
    return (update.form_order_id.lower(), update.form_order_status, update.notification_channel,
            update.form_order_status_error_code)


def _only_repeats_refused(earlier: list[Exchange], exchanges: list[Exchange]) -> bool:
    """Every refused request repeats an update the system acknowledged before (in the run or earlier)."""
    from .round_trip import acknowledged as was_acknowledged

    acknowledged = {key for ex in earlier if was_acknowledged(ex) and (key := _update_key(ex)) is not None}
    refused_repeats = 0
    for exchange in exchanges:
        key = _update_key(exchange)
        if exchange.meta.get("accepted"):
            if key is not None:
                acknowledged.add(key)
        elif key is None or key not in acknowledged:
            return False
        else:
            refused_repeats += 1
    return refused_repeats > 0


def _judge_meaning(found: Deviations, observations: list[Observation], *, status: str, answers: str
                   ) -> list[Observation]:
    """Deviations for observations whose probe says the meaning was lost; returns unreadable ones."""
    problems = []
    for seen in observations:
        if seen.problem:
            problems.append(seen)
        elif not seen.kept:
            expected = (f"one more stored update (count {(seen.before or 0) + 1} or more)" if seen.expect == "one more"
                        else "the answers stored (count 1 or more)")
            received = f"count {seen.before} → {seen.after}" if seen.before is not None else f"count {seen.after}"
            found.check(status if seen.probe == "status" else answers, False,
                        f"probe.{seen.probe} after an accepted {seen.what}", received, expected,
                        exchange_id=seen.exchange_id)
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
