"""What the kit sends as ePROM to the callback endpoints (C1–C4): every documented shape, and the bodies
and keys a careful receiver must refuse.

A :class:`Stimulus` is one request to deliver, labelled in the domain's words ("C1 Ordered via Unsecure");
its :class:`Storage` says what storing it should change in the system, as the probe counts it (one more
status or answer, or nothing). Bodies come from the exact writers of :mod:`verification.spec.wire`.
Nothing here sends anything: :mod:`verification.scenarios.receiver` delivers.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from ..spec.enums import (
    DistributionRule,
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    VolvenStatus,
    wire_name,
)
from ..spec.wire import (
    event,
    form_return_callback,
    local_timestamp,
    message_status_callback,
    new_guid,
    order_status_callback,
    personvern_callback,
    utc_timestamp,
)

__all__ = [
    "Stimulus",
    "Storage",
    "NORWEGIAN_ANSWERS",
    "RULE_FOR_CHANNEL",
    "ordered_via",
    "ordered_in_older_shape",
    "ERROR_CODES",
    "UNDOCUMENTED_STATUSES",
    "error_status",
    "error_statuses",
    "undocumented_statuses",
    "completed_return",
    "expired_return",
    "paper_return",
    "patient_initiated_return",
    "stale_order_status",
    "redelivered",
    "with_api_key_variants",
    "malformed_bodies",
    "malformed_returns",
    "malformed_privacy_changes",
    "return_for_unknown_order",
    "with_other_methods",
    "provocations",
    "letter_statuses",
    "privacy_changes",
    "privacy_changes_with_bad_keys",
    "KEY_VARIANTS",
]

CallbackKind = Literal["C1", "C2", "C3", "C4"]
ProbeKind = Literal["status", "answers"]

# Answers with Norwegian text: a receiver must keep æøå intact inside the stringified formData.
NORWEGIAN_ANSWERS: dict[str, Any] = {
    "HealthGeneral": 3, "LastFourWeeksPain": 2, "Kommentar": "Blåbær og ærlig svar, på søndag",
}
_WARNINGS = [{"fieldName": "LastFourWeeksPain", "warning": "Verdien er utenfor forventet område"}]


@dataclass(frozen=True)
class Storage:
    """What delivering a stimulus should change, as the probe ``probe`` counts it for ``form_order_id``:
    ``increase`` 1 = stored once, 0 = nothing stored (a redelivery, or a callback to refuse). ``latest``: the
    order status the ``status`` probe's optional ``latest`` must show afterwards (C2 ``Expired``), which
    also verifies a system keeping only the latest status, whose count cannot grow."""

    probe: ProbeKind
    form_order_id: str
    increase: int
    latest: FormOrderStatus | None = None


@dataclass(frozen=True)
class Stimulus:
    """One request the kit delivers as ePROM; ``raw`` replaces the JSON body (malformed bodies); a header
    given as ``None`` is left out, even one the kit adds by default (C4's ``Authorization``)."""

    label: str
    kind: CallbackKind
    body: Any = None
    raw: str | None = None
    method: str = "PUT"
    headers: Mapping[str, str | None] | None = None
    trailing_slash: bool = False
    stores: Storage | None = None


# -- C1: order status ----------------------------------------------------------------------------------


def _c1(order_id: str, api_key: str, status: FormOrderStatus, channel: NotificationChannel,
        error: FormOrderStatusErrorCode = FormOrderStatusErrorCode.None_, *, stored: bool = True) -> Stimulus:
    label = f"C1 {wire_name(status)} via {wire_name(channel)}"
    if error != FormOrderStatusErrorCode.None_:
        label += f" ({wire_name(error)})"
    body = order_status_callback(form_order_id=order_id, status=status, channel=channel, error_code=error,
                                 api_key=api_key)
    return Stimulus(label, "C1", body, stores=Storage("status", order_id, 1) if stored else None)


def ordered_via(order_id: str, api_key: str, channel: NotificationChannel) -> Stimulus:
    """C1 ``Ordered`` on ``channel``: a status the system stores once."""
    return _c1(order_id, api_key, FormOrderStatus.Ordered, channel)


# A distribution rule under which ePROM reports ``Ordered`` on a channel (4.1): one order per channel.
# Except for None and Helsenorge, the channel is a fallback of the rule (the citizen is not on Helsenorge),
# so E1's preferred channel (BR-05) differs from the one C1 reports: V1.3 is about telling them apart.
RULE_FOR_CHANNEL: dict[NotificationChannel, DistributionRule] = {
    NotificationChannel.None_: DistributionRule.NoDistribution,
    NotificationChannel.Helsenorge: DistributionRule.Basic,
    NotificationChannel.DigitalMailbox: DistributionRule.Basic,
    NotificationChannel.Unsecure: DistributionRule.AllowUnsecure,
    NotificationChannel.PhysicalMailbox: DistributionRule.BasicOrPaper,
}


def ordered_in_older_shape(order_id: str, api_key: str) -> Stimulus:
    """C1 ``Ordered`` via Helsenorge without ``formOrderStatusErrorCode`` and without the timestamps: the
    shape the guide documented before the error code was added (BR-24)."""
    stimulus = ordered_via(order_id, api_key, NotificationChannel.Helsenorge)
    body = {k: v for k, v in stimulus.body.items()
            if k not in ("formOrderStatusErrorCode", "timestamp", "timestampUtc")}
    return replace(stimulus, label=f"{stimulus.label}, older shape (no formOrderStatusErrorCode)", body=body)


ERROR_CODES = (FormOrderStatusErrorCode.PatientUnreachable, FormOrderStatusErrorCode.SikkerDigitalPostError)
UNDOCUMENTED_STATUSES = ((FormOrderStatus.PhysicalMailReturned, NotificationChannel.PhysicalMailbox),
                         (FormOrderStatus.DigipostDelivered, NotificationChannel.DigitalMailbox))


def error_status(order_id: str, api_key: str, error: FormOrderStatusErrorCode) -> Stimulus:
    """R-STATUS-ERROR: C1 ``Error`` with ``error``, channel ``None`` (one error code per order)."""
    return _c1(order_id, api_key, FormOrderStatus.Error, NotificationChannel.None_, error)


def error_statuses(order_ids: Sequence[str], api_key: str) -> list[Stimulus]:
    """R-STATUS-ERROR: C1 ``Error`` with each documented error code, each to an order of its own."""
    return [error_status(order_id, api_key, error) for order_id, error in zip(order_ids, ERROR_CODES, strict=True)]


def undocumented_statuses(order_ids: Sequence[str], api_key: str) -> list[Stimulus]:
    """R-STATUS-OTHER: the statuses with no documented callback semantics (Q17), on their natural channel,
    each to an order of its own."""
    return [_c1(order_id, api_key, status, channel, stored=False)
            for order_id, (status, channel) in zip(order_ids, UNDOCUMENTED_STATUSES, strict=True)]


def stale_order_status(order_id: str, api_key: str) -> Stimulus:
    """R-ORDERING: a C1 ``Ordered`` stamped an hour ago, arriving after the form return."""
    body = order_status_callback(form_order_id=order_id, api_key=api_key)
    earlier = datetime.now(timezone.utc) - timedelta(hours=1)
    body |= {"timestamp": local_timestamp(earlier), "timestampUtc": utc_timestamp(earlier)}
    return Stimulus("stale C1 Ordered (an hour old) after the C2", "C1", body)


# -- C2: form return -----------------------------------------------------------------------------------


def _event_log(answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    log = [event(FormOrderEventType.FormOpened)]
    log += [event(FormOrderEventType.QuestionAccessed, question_id=key) for key in answers]
    return log + [event(FormOrderEventType.FormDelivered)]


def completed_return(order_id: str, api_key: str, *, answers: Mapping[str, Any] = NORWEGIAN_ANSWERS) -> Stimulus:
    """R-RETURN-COMPLETED: C2 ``Completed``, stringified ``formData``, event log and warnings."""
    body = form_return_callback(form_order_id=order_id, answers=dict(answers), api_key=api_key,
                                event_log=_event_log(answers), warnings=_WARNINGS)
    return Stimulus("C2 Completed with event log and warnings", "C2", body, stores=Storage("answers", order_id, 1))


def expired_return(order_id: str, api_key: str) -> Stimulus:
    """R-RETURN-EXPIRED: C2 ``Expired`` (no ``formData``): a status update the probe contract counts (the case
    sends it ahead of the order's C1, so a latest-only count moves from 0 to 1 too)."""
    body = form_return_callback(form_order_id=order_id, status=FormOrderStatus.Expired, api_key=api_key)
    return Stimulus("C2 Expired", "C2", body, stores=Storage("status", order_id, 1, latest=FormOrderStatus.Expired))


def paper_return(order_id: str, api_key: str) -> Stimulus:
    """R-RETURN-PAPER: a scanned paper answer (non-zero ``scannedPaperId``) with both paper date formats:
    ``yyyy-mm-dd`` (since v12.1.2, June 2024) and ``dd.mm.yyyy`` (before)."""
    answers = {"HealthGeneral": 2, "Utfyllingsdato": "2024-06-03", "Operasjonsdato": "03.06.2024"}
    body = form_return_callback(form_order_id=order_id, answers=answers, scanned_paper_id=new_guid(),
                                channel=NotificationChannel.PhysicalMailbox, event_log=[], api_key=api_key)
    return Stimulus("C2 Completed on paper (scannedPaperId, both date formats)", "C2", body,
                    stores=Storage("answers", order_id, 1))


def patient_initiated_return(order_id: str, api_key: str, *, form_id: str, national_id: str) -> Stimulus:
    """R-PATIENT-INITIATED: C2 for an order the system never placed, started by the citizen (3.2.3)."""
    now = datetime.now(timezone.utc)
    values = {"formId": form_id, "nationalId": national_id, "orderTimestamp": local_timestamp(now),
              "orderTimestampUTC": utc_timestamp(now)}
    body = form_return_callback(form_order_id=order_id, answers=NORWEGIAN_ANSWERS, api_key=api_key,
                                event_log=_event_log(NORWEGIAN_ANSWERS), patient_initiated=values)
    return Stimulus("C2 Completed, patient-initiated (unknown formOrderId)", "C2", body,
                    stores=Storage("answers", order_id, 1))


def redelivered(stimulus: Stimulus, times: int) -> list[Stimulus]:
    """The same callback ``times`` times, as ePROM's retries deliver it: stored by the first only."""
    again = replace(stimulus.stores, increase=0) if stimulus.stores else None
    return [stimulus] + [
        replace(stimulus, label=f"{stimulus.label}, delivery {n}", stores=again) for n in range(2, times + 1)
    ]


# -- refused: keys, bodies, methods ----------------------------------------------------------------------

KEY_VARIANTS = ("missing", "empty", "wrong", "other-system", "whitespace-padded")


def _key_variant(name: str, api_key: str) -> str | None:
    """The ``apiKey`` a bad caller sends; random keys never share characters with the real one by design."""
    return {
        "missing": None,
        "empty": "",
        "wrong": "wrong-" + secrets.token_hex(8),
        "other-system": secrets.token_urlsafe(max(len(api_key) * 3 // 4, 12))[: max(len(api_key), 16)],
        "whitespace-padded": f" {api_key} ",
    }[name]


def with_api_key_variants(stimulus: Stimulus) -> list[Stimulus]:
    """R-AUTH: ``stimulus`` with each bad ``apiKey`` (missing, empty, wrong, another system's, padded);
    each must be refused and store nothing."""
    api_key = str(stimulus.body.get("apiKey", ""))
    refused = replace(stimulus.stores, increase=0) if stimulus.stores else None
    variants = []
    for name in KEY_VARIANTS:
        body = {k: v for k, v in stimulus.body.items() if k != "apiKey"}
        key = _key_variant(name, api_key)
        if key is not None:
            body = {"apiKey": key, **body}
        variants.append(replace(stimulus, label=f"{stimulus.label} with {name} apiKey", body=body, stores=refused))
    return variants


def malformed_bodies(order_id: str, api_key: str) -> list[Stimulus]:
    """R-MALFORMED: bodies no receiver can use; each must be refused without a 5xx and store nothing."""
    valid = order_status_callback(form_order_id=order_id, api_key=api_key)
    nothing = Storage("status", order_id, 0)

    def body(label: str, **changes: Any) -> Stimulus:
        changed = {k: v for k, v in {**valid, **changes}.items() if v is not _DROP}
        return Stimulus(f"C1 {label}", "C1", changed, stores=nothing)

    def raw(label: str, text: str) -> Stimulus:
        return Stimulus(f"C1 {label}", "C1", raw=text, stores=nothing)

    return [
        raw("body that is not JSON (cut off)", json.dumps(valid)[:40]),
        raw("body that is empty", ""),
        raw("body that is a JSON array", json.dumps([valid])),
        raw("body that is a JSON string", json.dumps("Ordered")),
        raw("body that is JSON null", "null"),
        body("without formOrderId", formOrderId=_DROP),
        body("without formOrderStatus", formOrderStatus=_DROP),
        body("with formOrderId a number", formOrderId=12345),
        body("with formOrderId not a GUID", formOrderId="not-a-guid"),
        body("with formOrderStatus an object", formOrderStatus={"name": "Ordered"}),
        body("with formOrderStatus a boolean", formOrderStatus=True),
        body("with notificationChannel a boolean", notificationChannel=False),
    ]


def malformed_returns(order_id: str, api_key: str, *, unknown_order_id: str) -> list[Stimulus]:
    """R-MALFORMED: C2s no ePROM version sends (robustness): ``formData`` missing, null or an array on a
    ``Completed`` (no answers to store: ``answers`` unchanged), event-log entries that are not objects,
    and a patient-initiated return without ``patientInitiatedValues`` (storage not judged: a lenient
    reader may keep the answers)."""
    valid = completed_return(order_id, api_key).body
    no_answers = Storage("answers", order_id, 0)

    def changed(label: str, stores: Storage | None, **changes: Any) -> Stimulus:
        body = {k: v for k, v in {**valid, **changes}.items() if v is not _DROP}
        return Stimulus(f"C2 Completed {label}", "C2", body, stores=stores)

    patient = {k: v for k, v in {**valid, "formOrderId": unknown_order_id, "isPatientInitiated": True}.items()
               if k != "patientInitiatedValues"}
    return [
        changed("without formData", no_answers, formData=_DROP),
        changed("with formData null", no_answers, formData=None),
        changed("with formData a JSON array", no_answers, formData=[{"HealthGeneral": 3}]),
        changed("with event-log entries that are not objects", None, formOrderEventLog=["FormOpened", 3, None]),
        Stimulus("C2 Completed, patient-initiated without patientInitiatedValues", "C2", patient),
    ]


def malformed_privacy_changes(national_id: str) -> list[Stimulus]:
    """R-MALFORMED: C4s no ePROM version sends (robustness): ``nationalId`` missing, too short or a number,
    an ``id`` that is not a GUID. The key header is right, so only the body is wrong."""
    valid = personvern_callback(national_id=national_id, setting_id=new_guid(), name="Reservasjon mot registrering")
    cases = {
        "without nationalId": {"nationalId": _DROP},
        "with nationalId of 5 digits": {"nationalId": national_id[:5]},
        "with nationalId a number": {"nationalId": int(national_id)},
        "with id not a GUID": {"id": "personvern-1"},
    }
    return [Stimulus(f"C4 {label}", "C4", {k: v for k, v in {**valid, **change}.items() if v is not _DROP})
            for label, change in cases.items()]


def return_for_unknown_order(api_key: str) -> Stimulus:
    """R-UNKNOWN-ORDER: C2 ``Completed`` for an order id the system never placed, not patient-initiated."""
    order_id = new_guid()
    stimulus = completed_return(order_id, api_key)
    return replace(stimulus, label=f"{stimulus.label} for an order never placed", stores=Storage("answers", order_id, 0))


_DROP = object()


def with_other_methods(
    stimulus: Stimulus, methods: Sequence[str] = ("POST", "PATCH", "DELETE", "GET")
) -> list[Stimulus]:
    """R-ROUTES: a valid callback sent with another method; refused (404/405) and nothing stored."""
    refused = replace(stimulus.stores, increase=0) if stimulus.stores else None
    return [replace(stimulus, label=f"{stimulus.label} sent as {method}", method=method, stores=refused)
            for method in methods]


def provocations(api_key: str) -> list[Stimulus]:
    """R-NO-LEAK: requests that make a careless receiver show its internals: a body cut off, a wrong key,
    a wrong method, an order it never placed."""
    status = ordered_via(new_guid(), api_key, NotificationChannel.Helsenorge)
    cut_off = Stimulus("C1 body that is not JSON (cut off)", "C1", raw=json.dumps(status.body)[:40])
    wrong_key = with_api_key_variants(status)[KEY_VARIANTS.index("wrong")]
    unknown = replace(status, label=f"{status.label} for an order never placed")
    return [replace(s, stores=None) for s in (cut_off, wrong_key, *with_other_methods(status, ("GET",)), unknown)]


# -- C3 and C4 -----------------------------------------------------------------------------------------


def letter_statuses(message_ids: Sequence[str], api_key: str) -> list[Stimulus]:
    """R-MESSAGE-STATUS: C3 as every version of the guide documents it (Q07): the example shape with
    names ([5567066]) and with integers ([HEAD]), and the field-list shape (``formOrderId`` +
    ``formOrderStatus``). ePROM sends a letter one C3, its outcome (``Sent`` or ``Error``): each shape goes
    to its own letter (``message_ids``, one per shape, whose own C3 the simulator withheld), and the
    statuses and channels vary across the letters."""
    shapes: list[tuple[str, SentStatus, NotificationChannel, dict[str, Any]]] = [
        ("messageToCitizenId + sentStatus as names", SentStatus.Sent, NotificationChannel.DigitalMailbox, {}),
        ("messageToCitizenId + sentStatus as integers", SentStatus.Error, NotificationChannel.None_,
         {"enum_style": "int"}),
        ("formOrderId + formOrderStatus", SentStatus.Sent, NotificationChannel.PhysicalMailbox, {"shape": "formorder"}),
        # The field list's other status (SendeMeldingTilInnbyggerV2: `{ Ordered | Error }`); a mutant refusing it passed.
        ("formOrderId + formOrderStatus", SentStatus.Error, NotificationChannel.Unsecure, {"shape": "formorder"}),
    ]
    return [
        Stimulus(f"C3 {label} ({wire_name(sent)} via {wire_name(channel)})", "C3",
                 message_status_callback(message_to_citizen_id=message_id, api_key=api_key, sent_status=sent,
                                         channel=channel, **options))
        for message_id, (label, sent, channel, options) in zip(message_ids, shapes, strict=True)
    ]


LETTER_SHAPES = 4  # the C3 shapes of :func:`letter_statuses`, one letter each


def privacy_changes(national_id: str) -> list[Stimulus]:
    """R-PVK: C4 with each Volven 7609 status; the system's key in ``Authorization: Basic <key>``."""
    setting_id = new_guid()
    return [
        Stimulus(f"C4 status {status.value}", "C4",
                 personvern_callback(national_id=national_id, setting_id=setting_id,
                                     name="Reservasjon mot registrering", status=status))
        for status in (VolvenStatus.RES, VolvenStatus.IRES, VolvenStatus.SAM, VolvenStatus.ISAM)
    ]


def privacy_changes_with_bad_keys(national_id: str) -> list[Stimulus]:
    """R-PVK: C4 without the key header, with an empty key and with a wrong key; each must be refused."""
    body = personvern_callback(national_id=national_id, setting_id=new_guid(), name="Reservasjon mot registrering")
    headers: dict[str, dict[str, str | None]] = {
        "without Authorization": {"Authorization": None},  # None: leave the header out altogether
        "with an empty key": {"Authorization": "Basic"},  # "Basic " and nothing: HTTP trims the space
        "with a wrong key": {"Authorization": f"Basic wrong-{secrets.token_hex(8)}"},
    }
    return [Stimulus(f"C4 {label}", "C4", body, headers=value) for label, value in headers.items()]
