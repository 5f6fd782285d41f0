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
    "guide_requires",
    "check_refused_or_handled",
    "check_order_as_asked",
    "check_personvern_as_asked",
    "kit_supplied_ids",
]

# The guide's sentences these checks rest on (upstream file:line, verbatim).
V1_1 = ("IntegrasjonVerifikasjon.md:9", "verifiser at bestilling blir sendt til ePROM uten feilmelding")
V1_3 = ("IntegrasjonVerifikasjon.md:11", "verifiser at skjema blir bestilt til forventet varslingskanal")
V1_4 = ("IntegrasjonVerifikasjon.md:12", "Mål: ingen feilsituasjoner eller duplikate meldinger")
V2_4 = ("IntegrasjonVerifikasjon.md:18", "verifiser at ev metadata fungerer etter hensikten")
V2_6 = ("IntegrasjonVerifikasjon.md:20", "verifiser at kopi av skjema blir lagret/ikke lagret som forventet "
        "avhengig av spesifikasjonen (etter levering)")
ON_BEHALF = ("BestillingAvSkjemaV2.md:107", "onBehalfOfNationalId - Optional. The national id number of the "
             "citizen the form order is regarding.")
ON_BEHALF_COPY = ("IntegrasjonVerifikasjon.md:28", "_på vegne av:_ verifiser [...] at den som fyller ut skjema ikke "
                  "mottar kopi")
SIGNING = ("IntegrasjonVerifikasjon.md:29", "verifiser at skjema blir bestilt med signering")
SIGNING_TEXT = ("SkjemaSomKreverSignatur.md:17", "signingText: signeringstekst som vises til pasienten")
# Each E1 member's own line in the guide (BestillingAvSkjemaV2.md, "Parametere - Inn").
MEMBER_LINES = {
    "formId": ("BestillingAvSkjemaV2.md:86", "formId - The form to place an order for"),
    "nationalId": ("BestillingAvSkjemaV2.md:87", "nationalId  - The national id number of the patient the ordered "
                   "form is addressing"),
    "metadata": ("BestillingAvSkjemaV2.md:90", "metadata - Optional. Metadata to send with the order."),
    "dontStoreCompletedFormInPha": ("BestillingAvSkjemaV2.md:91", "dontStoreCompletedFormInPha - Optional. If true, "
                                    "the completed form will not be stored in the patients \"Personlig helsearkiv\" "
                                    "(Helsenorge) or sent to secure digital mailbox. Default: false"),
    "distributionRule": ("BestillingAvSkjemaV2.md:92", "distributionRule - Optional. The rule used when deciding how "
                         "to notify the patient [...] Default: Basic"),
    "mustBeSigned": ("BestillingAvSkjemaV2.md:93", "mustBeSigned - Optional. Whether the form must be signed"),
    "signingText": SIGNING_TEXT,
    "physicalAddress": ("BestillingAvSkjemaV2.md:95", "physicalAddress - Optional. The address to use when sending "
                        "to physical mailbox."),
    "onBehalfOfNationalId": ON_BEHALF,
}


def guide_requires(what: str, source: tuple[str, str]) -> str:
    """``the guide requires <what> («quote», upstream file:line)`` — only over a sentence of the guide."""
    where, quote = source
    return f"the guide requires {what} («{quote}», {where})"


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


def _describe(trigger: Exchange) -> str:
    from .sender import describe_trigger  # sender imports this module's helpers

    return describe_trigger(trigger)


def _taken(trigger: Exchange) -> bool:
    from .sender import trigger_ok

    return trigger_ok(trigger)


def check_refused_or_handled(
    trigger: Exchange, e1: Sequence[Exchange], *, asked: str, check_id: str
) -> None:
    """The kit asked for ``asked``, which ePROM refuses: the system refuses the trigger (nothing sent), or
    forwards it and, after ePROM's 400, does not send it again. A trigger that never reached the system
    is not verifiable (never a pass)."""
    if not trigger_reached(trigger):
        raise NotVerifiable(check_id, f"the trigger asking for {asked} never reached the system "
                            f"({_describe(trigger)}), so whether it refuses or forwards it is not known")
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    found = Deviations(check_id, f"Asked for {asked}: refused, or forwarded once and ePROM's 400 handled")
    if not orders:
        found.advise(trigger_refused(trigger), "trigger reply", _describe(trigger),
                     "answering a trigger the system will not carry out with HTTP 4xx or a non-zero exit, "
                     "so the caller sees the refusal", exchange_id=trigger.id)
        found.raise_if_any()
        return
    rejected = [ex for ex in orders if 400 <= (ex.status or 0) < 500]
    if not rejected:
        raise NotVerifiable(check_id, f"ePROM did not refuse {asked} (it answered {answer_text(orders[0])}), "
                            "so how the system handles the refusal cannot be seen")
    found.require(len(orders) == 1, "E1 requests after ePROM's 400", len(orders),
                  "1: " + guide_requires("no error situations and no duplicate messages; a refused order sent "
                                         "again is refused again", V1_4), rule="V1.4", exchange_id=orders[-1].id)
    found.advise(trigger_refused(trigger) or not _taken(trigger), "trigger reply", _describe(trigger),
                 "surfacing ePROM's refusal to the caller (a non-2xx reply or a non-zero exit)",
                 exchange_id=trigger.id)
    found.raise_if_any()


# -- the E1 against the order parameters -------------------------------------------------------------

# trigger parameter → (the guide's verification sentence about it, or None: only the trigger contract; the
# checklist item a mismatch feeds). mustBeSigned and signingText feed signing only when signing was asked.
_ASKED_MEMBERS: dict[str, tuple[tuple[str, str] | None, str]] = {
    "formId": (None, "V1.1"),
    "nationalId": (None, "V1.1"),
    "dontStoreCompletedFormInPha": (V2_6, "V2.6"),
    "onBehalfOfNationalId": (ON_BEHALF_COPY, "S-ONBEHALF.3"),
    "mustBeSigned": (None, "V1.1"),
    "signingText": (None, "S-SIGN.1"),
    "distributionRule": (V1_3, "V1.3"),
    "metadata": (V2_4, "V2.4"),
    "physicalAddress": (None, "V1.1"),
}


def _asked_rule(name: str, parameters: Mapping[str, Any]) -> tuple[tuple[str, str] | None, str]:
    if name in ("mustBeSigned", "signingText") and parameters.get("mustBeSigned") is True:
        return SIGNING, "S-SIGN.1"
    return _ASKED_MEMBERS[name]


def _as_asked(name: str, asked: Any, parameters: Mapping[str, Any]) -> str:
    """``'Basic' as the trigger asked: …`` with who requires it: the guide's verification sentence about the
    member where there is one, else eprom-verify's trigger contract; always the member's own line."""
    sentence, _ = _asked_rule(name, parameters)
    what = f"{_shown(name, asked)!r} as the trigger asked"
    where, quote = MEMBER_LINES[name]
    if sentence is None:
        return (f"{what}: eprom-verify's trigger contract requires a member the trigger named to reach ePROM with "
                f"that value (the member: «{quote}», {where})")
    return f"{what}: " + guide_requires("it", sentence) + f" (the member: «{quote}», {where})"


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
    found = Deviations(check_id, "The order ePROM receives is the order the trigger asked for")
    for exchange in orders:
        body = exchange.json_request()
        if not isinstance(body, Mapping):
            continue  # S-ORDER-BODY's own finding
        for name in _ASKED_MEMBERS:
            if name not in parameters:
                continue
            asked, sent = parameters[name], member(body, name)
            found.require(_same(name, asked, sent), f"E1.{name}", _shown(name, sent),
                          _as_asked(name, asked, parameters), rule=_asked_rule(name, parameters)[1],
                          exchange_id=exchange.id)
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
    found = Deviations(check_id, "The privacy call is the one the trigger asked for")
    for exchange in calls:
        endpoint = endpoint_of(exchange)
        found.require(endpoint == wanted, "privacy call", endpoint,
                      f"{wanted}: the trigger asked to {'update' if wanted == 'E7' else 'read'} the setting",
                      rule="BR-27", exchange_id=exchange.id)
        body = exchange.json_request()
        if isinstance(body, Mapping):
            for name, enum in (("type", PersonvernInnstillingType), ("status", PersonvernInnstillingStatus)):
                if parameters.get(name) is None or (name == "status" and endpoint != "E7"):
                    continue
                found.require(_same_enum(enum, parameters[name], member(body, name, None)), f"{endpoint}.{name}",
                              member(body, name, None), f"{parameters[name]!r} as the trigger asked",
                              rule="BR-27", exchange_id=exchange.id)
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
