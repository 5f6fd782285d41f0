"""The trigger is an instruction: what the system sent is judged against what the kit asked for.

Two judgements. :func:`check_refused_or_handled`: the kit asked for something ePROM refuses (an H-number,
signing with ``NoDistribution``, signing on behalf of someone). Two outcomes are right: the system refuses
the trigger and sends nothing, or it forwards the request and handles ePROM's documented 400 (sent once,
never again). The kit never fails a system for data the kit itself supplied, and a trigger that never
reached the system is never counted as a refusal (not verifiable, with the reason).

:func:`check_order_as_asked` and :func:`check_personvern_as_asked`: a member the trigger named reaches
ePROM with the value asked (``dontStoreCompletedFormInPha``, ``onBehalfOfNationalId``, ``signingText``…),
and a privacy trigger with a ``status`` is an update (E7), one without a read (E6).

Trigger reply contract (README, "Trigger contract"): HTTP 2xx / exit 0 taken; HTTP 4xx / a non-zero exit
in time refused; a transport error or timeout means the trigger never reached the system.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..recorder.store import Exchange
from ..spec.enums import (
    DistributionRule,
    EnumValueError,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    parse_enum,
)
from ..spec.payloads import E1_DEFAULTS, MISSING, member
from .failure import Deviations, NotVerifiable
from .outbound import answer_text, endpoint_of

__all__ = [
    "trigger_reached",
    "trigger_refused",
    "trigger_ok",
    "require_no_zero_id_order",
    "describe_trigger",
    "check_refused_or_handled",
    "check_order_as_asked",
    "check_personvern_as_asked",
    "kit_supplied_ids",
]

# The requirements of a trigger asking for what ePROM refuses, per check: (the refusal shown when nothing was
# sent, sent once after ePROM's 400, that 400 surfaced to the caller).
_REFUSAL = {
    "S-ORDER-BODY": ("S-ORDER-BODY.12", "S-ORDER-BODY.13", "S-ORDER-BODY.14", "S-ORDER-BODY.24"),
    "S-ORDER-RULES": ("S-ORDER-RULES.4", "S-ORDER-RULES.5", "S-ORDER-RULES.6", "S-ORDER-RULES.16"),
}


def trigger_reached(trigger: Exchange) -> bool:
    """The system answered the trigger at all: an HTTP status, or a command that ran and exited in time."""
    return trigger.status is not None and not (trigger.method != "EXEC" and trigger.error)


def trigger_refused(trigger: Exchange) -> bool:
    """The system answered and said no: HTTP 4xx, or a command that exited non-zero in time."""
    if not trigger_reached(trigger):
        return False
    if trigger.method == "EXEC":
        return trigger.status != 0
    return 400 <= (trigger.status or 0) < 500


def trigger_ok(trigger: Exchange) -> bool:
    """The trigger was taken: HTTP 2xx, or a command that exited 0, in time."""
    if trigger.error:
        return False
    if trigger.method == "EXEC":
        return trigger.status == 0
    return trigger.status is not None and 200 <= trigger.status < 300


def describe_trigger(trigger: Exchange) -> str:
    """``sent POST <url> with {…}; got HTTP 500 '…'`` — what the kit sent and what came back."""
    sent = trigger.request_body if len(trigger.request_body) <= 300 else trigger.request_body[:300] + "…"
    if trigger.method == "EXEC":
        what = f"ran {trigger.url.removeprefix('command:')} with {sent} on stdin"
        came = trigger.error or f"exit {trigger.status}"
    else:
        what = f"sent {trigger.method} {trigger.url} with {sent}"
        came = answer_text(trigger)
    return f"{what}; got {came}"


def require_no_zero_id_order(found: Deviations, requirement_id: str, orders_before: Any, orders_after: Any, *,
                             after_what: str) -> bool:
    """The ``orders`` probe for the all-zero id counts 0 after ``after_what``: the system holds no order
    under the id the guide says is no order (the count before says whether this stimulus put it there; an
    order held there is a fault whenever it came). False when there is no readable probe."""
    if orders_after is None or orders_after.count is None:
        return False
    before = orders_before.count if orders_before is not None and orders_before.count is not None else "?"
    found.check(requirement_id, orders_after.count == 0, "orders probe for the all-zero id",
                f"{orders_after.count} after {after_what} ({before} before)", "0: the all-zero id is no order",
                exchange_id=orders_after.exchange.id if orders_after.exchange else None)
    return True


def check_refused_or_handled(
    trigger: Exchange, e1: Sequence[Exchange], *, asked: str, check_id: str,
    orders_before: Any = None, orders_after: Any = None,
) -> None:
    """The kit asked for ``asked``, which ePROM refuses: the system refuses the trigger (nothing sent), or
    forwards it and, after ePROM's 400, does not send it again and holds no order for it (the ``orders``
    probe for the all-zero id, the id a client reads from a refusal by default, counts no new order:
    an order refused has no other id the kit could ask about). A trigger that never reached the system
    is not verifiable (never a pass)."""
    if not trigger_reached(trigger):
        raise NotVerifiable(check_id, f"the trigger asking for {asked} never reached the system "
                            f"({describe_trigger(trigger)}), so whether it refuses or forwards it is not known")
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    shown, once, surfaced, stored = _REFUSAL[check_id]
    found = Deviations(check_id, f"asked for {asked}")
    if not orders:
        found.check(shown, trigger_refused(trigger), "trigger reply", describe_trigger(trigger),
                    "answering a trigger the system will not carry out with HTTP 4xx or a non-zero exit, "
                    "so the caller sees the refusal", exchange_id=trigger.id)
        found.raise_if_any()
        return
    rejected = [ex for ex in orders if 400 <= (ex.status or 0) < 500]
    if not rejected:
        raise NotVerifiable(check_id, f"ePROM did not refuse {asked} (it answered {answer_text(orders[0])}), "
                            "so how the system handles the refusal cannot be seen")
    found.check(once, len(orders) == 1, "E1 requests after ePROM's 400", len(orders),
                "1: no error situations and no duplicate messages; a refused order sent again is refused again",
                exchange_id=orders[-1].id)
    require_no_zero_id_order(found, stored, orders_before, orders_after, after_what="ePROM's 400")
    found.check(surfaced, trigger_refused(trigger) or not trigger_ok(trigger), "trigger reply",
                describe_trigger(trigger), "surfacing ePROM's refusal to the caller (a non-2xx reply or a non-zero "
                "exit)", exchange_id=trigger.id)
    found.raise_if_any()


# -- the E1 against the order parameters -------------------------------------------------------------

# check → trigger parameter → the requirement that it reaches the E1 as asked
_ASKED_MEMBERS: dict[str, dict[str, str]] = {
    "S-ORDER-BODY": {
        "formId": "S-ORDER-BODY.15", "nationalId": "S-ORDER-BODY.16", "dontStoreCompletedFormInPha": "S-ORDER-BODY.17",
        "onBehalfOfNationalId": "S-ORDER-BODY.18", "mustBeSigned": "S-ORDER-BODY.19",
        "signingText": "S-ORDER-BODY.20", "distributionRule": "S-ORDER-BODY.21", "metadata": "S-ORDER-BODY.22",
        "physicalAddress": "S-ORDER-BODY.23",
    },
    "S-ORDER-RULES": {
        "formId": "S-ORDER-RULES.7", "nationalId": "S-ORDER-RULES.8",
        "dontStoreCompletedFormInPha": "S-ORDER-RULES.9", "onBehalfOfNationalId": "S-ORDER-RULES.10",
        "mustBeSigned": "S-ORDER-RULES.11", "signingText": "S-ORDER-RULES.12", "distributionRule": "S-ORDER-RULES.13",
        "metadata": "S-ORDER-RULES.14", "physicalAddress": "S-ORDER-RULES.15",
    },
}


def _same(name: str, asked: Any, sent: Any) -> bool:
    if sent is MISSING and name in E1_DEFAULTS:  # absent is the documented default (verification/spec)
        sent = E1_DEFAULTS[name]
    if name in ("formId",) and isinstance(asked, str) and isinstance(sent, str):
        return asked.lower() == sent.lower()
    if name == "distributionRule":
        try:
            return parse_enum(DistributionRule, asked, field=name) == parse_enum(DistributionRule, sent, field=name)
        except EnumValueError:
            return False
    if name == "metadata":
        try:
            sent = json.loads(sent) if isinstance(sent, str) else sent
        except ValueError:
            return False
    if name == "physicalAddress" and isinstance(asked, Mapping) and isinstance(sent, Mapping):
        return all(member(sent, key, None) == value for key, value in asked.items())
    return type(asked) is type(sent) and asked == sent


def _shown(name: str, value: Any) -> Any:
    if value is MISSING:
        default = E1_DEFAULTS.get(name, MISSING)
        return "absent" if default is MISSING else f"absent (the default {getattr(default, 'name', default)!r})"
    if name.lower().endswith("nationalid") and isinstance(value, str) and len(value) == 11:
        return value[:6] + "*****"
    return value


def check_order_as_asked(
    parameters: Mapping[str, Any], e1: Sequence[Exchange], *, check_id: str = "S-ORDER-BODY"
) -> None:
    """Every member the trigger named reaches ePROM in each E1 with the value asked (a dropped, renamed or
    changed member is a deviation); members the kit did not name are the system's own choice."""
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    if not orders:
        raise NotVerifiable(check_id, "no E1 request followed the trigger")
    found = Deviations(check_id, "the order as the trigger asked")
    for exchange in orders:
        body = exchange.json_request()
        if not isinstance(body, Mapping):
            continue  # S-ORDER-BODY's own finding
        for name, requirement in _ASKED_MEMBERS[check_id].items():
            if name not in parameters:
                continue
            asked, sent = parameters[name], member(body, name)
            found.check(requirement, _same(name, asked, sent), f"E1.{name}", _shown(name, sent),
                        f"{_shown(name, asked)!r} as the trigger asked", exchange_id=exchange.id)
    found.raise_if_any()


def check_personvern_as_asked(
    parameters: Mapping[str, Any], calls: Sequence[Exchange], *, check_id: str = "S-PERSONVERN"
) -> None:
    """A privacy trigger with a ``status`` is an update (E7) with that type and status; one without is a
    read (E6) of that type (whether ePROM took it is :func:`.sender_messages.check_personvern`'s part)."""
    wanted = "E7" if parameters.get("status") is not None else "E6"
    calls = [ex for ex in calls if endpoint_of(ex) in ("E6", "E7")]
    if not calls:
        raise NotVerifiable(check_id, "no E6/E7 request followed the privacy trigger")
    found = Deviations(check_id, "the privacy call as the trigger asked")
    for exchange in calls:
        endpoint = endpoint_of(exchange)
        found.check("S-PERSONVERN.7", endpoint == wanted, "privacy call", endpoint,
                    f"{wanted}: the trigger asked to {'update' if wanted == 'E7' else 'read'} the setting",
                    exchange_id=exchange.id)
        body = exchange.json_request()
        if isinstance(body, Mapping):
            for name, enum in (("type", PersonvernInnstillingType), ("status", PersonvernInnstillingStatus)):
                if parameters.get(name) is None or (name == "status" and endpoint != "E7"):
                    continue
                found.check("S-PERSONVERN.8", _same_enum(enum, parameters[name], member(body, name, None)),
                            f"{endpoint}.{name}", member(body, name, None), f"{parameters[name]!r} as the trigger asked",
                            exchange_id=exchange.id)
    found.raise_if_any()


def _same_enum(enum: type, asked: Any, sent: Any) -> bool:
    if isinstance(sent, bool):
        return False
    try:
        return parse_enum(enum, asked, field="asked") == parse_enum(enum, sent, field="sent")
    except EnumValueError:
        return False


def kit_supplied_ids(triggers: Sequence[Exchange]) -> set[str]:
    """Every national id the kit itself put into a trigger: the system forwarding one is no finding."""
    ids: set[str] = set()
    for trigger in triggers:
        try:
            parameters = json.loads(trigger.request_body or "{}")
        except ValueError:
            continue
        if isinstance(parameters, Mapping):
            ids |= {value for name, value in parameters.items()
                    if name.lower().endswith("nationalid") and isinstance(value, str)}
    return ids
