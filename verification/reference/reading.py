"""Reading callback bodies the way a careful third-party system would: leniently, by hand.

Member names are matched case-insensitively (Q05); enums are accepted as names, integers or numeric
strings (Q06); timestamps are kept as received (any shape, Q04); unknown members are ignored. Anything the
system cannot use raises :class:`Rejection` with the HTTP status to answer; its ``reason`` is for the
system's own diagnostics and never goes on the wire.

The reference system stands in for a third-party system, so it does not use the kit's payload models.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ..errors import EpromVerifyError
from ..spec.enums import (
    C2_STATUSES,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    parse_enum,
)
from .behaviour import Behaviour

__all__ = [
    "Rejection",
    "member",
    "read_json_object",
    "authenticate_body",
    "authenticate_header",
    "FormOrderUpdate",
    "MessageStatus",
    "PersonvernChange",
    "read_form_order_update",
    "read_message_status",
    "read_personvern_change",
    "unknown_members",
    "FORM_ORDER_MEMBERS",
    "MESSAGE_STATUS_MEMBERS",
    "PERSONVERN_MEMBERS",
]

E = TypeVar("E")
_ABSENT = object()

FORM_ORDER_MEMBERS = frozenset(
    m.lower()
    for m in (
        "apiKey formOrderId notificationChannel timestamp timestampUtc formOrderStatus formOrderStatusErrorCode "
        "formData signedFormId scannedPaperId formDataWarnings formOrderEventLog isPatientInitiated "
        "patientInitiatedValues filledOutBy"
    ).split()
)
MESSAGE_STATUS_MEMBERS = frozenset(
    m.lower() for m in "apiKey messageToCitizenId formOrderId notificationChannel sentStatus formOrderStatus".split()
)
PERSONVERN_MEMBERS = frozenset(m.lower() for m in "nationalId id name status".split())


class Rejection(EpromVerifyError):
    """The system refuses a callback; ``status`` is the HTTP status it answers with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def member(body: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """The value of member ``name``, matched case-insensitively; JSON ``null`` counts as absent."""
    wanted = name.lower()
    for key, value in body.items():
        if key.lower() == wanted and value is not None:
            return value
    return default


def unknown_members(body: Mapping[str, Any], known: frozenset[str]) -> list[str]:
    return [key for key in body if key.lower() not in known]


def read_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 rejection."""
    try:
        body = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise Rejection(400, "body is not JSON") from None
    if not isinstance(body, dict):
        raise Rejection(400, "body is not a JSON object")
    return body


def _same_secret(received: str, own_key: str) -> bool:
    return hmac.compare_digest(received.encode("utf-8"), own_key.encode("utf-8"))


def authenticate_body(body: Mapping[str, Any], own_key: str, behaviour: Behaviour) -> None:
    """C1–C3: the body ``apiKey`` must be exactly this system's key (BR-23, strict reading)."""
    if behaviour.missing_auth_check:
        return
    received = member(body, "apiKey")
    if not isinstance(received, str) or not _same_secret(received, own_key):
        raise Rejection(401, "apiKey is not this system's key")


def authenticate_header(authorization: str | None, own_key: str, behaviour: Behaviour) -> None:
    """C4: ``Authorization: Basic <key>`` with the raw key (1.4, best reading); scheme in any case."""
    if behaviour.missing_auth_check:
        return
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not _same_secret(credential, own_key):
        raise Rejection(401, "Authorization header does not carry this system's key")


def _enum(enum_cls: type[E], body: Mapping[str, Any], name: str, behaviour: Behaviour) -> E | None:
    value = member(body, name)
    if value is None:
        return None
    if behaviour.names_only_enums and (not isinstance(value, str) or value.strip().lstrip("-").isdigit()):
        raise Rejection(400, f"{name} is not an enum name")
    if behaviour.names_and_integers_only and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        raise Rejection(400, f"{name} is neither an enum name nor an integer")  # correct: BR-24's two forms
    if behaviour.accepts_boolean_enums and isinstance(value, bool):
        return enum_cls(int(value))  # type: ignore[call-arg]  # the fault: int(True) is 1
    try:
        parsed = parse_enum(enum_cls, value, field=name)  # type: ignore[type-var]
    except ValueError:
        raise Rejection(400, f"{name} is not a valid {enum_cls.__name__}") from None
    if parsed in _missing_from_stale_copy(enum_cls, behaviour):
        raise Rejection(400, f"{name} is not a valid {enum_cls.__name__}")  # the fault: an old enum copy
    return parsed


def _missing_from_stale_copy(enum_cls: type, behaviour: Behaviour) -> tuple[Any, ...]:
    """Members an out-of-date copy of the enum lacks (the ``stale_*_enum`` faults)."""
    if enum_cls is NotificationChannel and behaviour.stale_channel_enum:
        return NotificationChannel.Unsecure, NotificationChannel.PhysicalMailbox
    if enum_cls is FormOrderStatusErrorCode and behaviour.stale_error_code_enum:
        return (FormOrderStatusErrorCode.SikkerDigitalPostError,)
    return ()


def _guid(body: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = member(body, name)
    if value is None:
        if required:
            raise Rejection(400, f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise Rejection(400, f"{name} is not a GUID string")
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise Rejection(400, f"{name} is not a GUID") from None


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = member(body, name)
    if value is not None and not isinstance(value, str):
        raise Rejection(400, f"{name} is not a string")
    return value


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = member(body, name, False)
    if isinstance(value, str):  # "true" from a loosely typed sender
        return value.strip().lower() == "true"
    return value is True


# crashes_on_undocumented_status: a table of handlers keyed by the documented statuses only.
_DOCUMENTED_HANDLERS = {status: status for status in FormOrderStatus if status <= FormOrderStatus.Error}


@dataclass(frozen=True)
class FormOrderUpdate:
    """A C1 or C2 on ``/api/PromsFormOrder``, classified per spec 3.2.1."""

    form_order_id: str
    status: FormOrderStatus
    channel: NotificationChannel | None
    error_code: FormOrderStatusErrorCode | None
    timestamp: str | None
    answers_json: str | None  # canonical JSON of formData's object, for Completed only
    signed_form_id: str | None  # None when absent or all zeros
    scanned_paper_id: str | None
    warnings_json: str
    event_log_json: str
    patient_initiated: bool
    patient_form_id: str | None
    patient_national_id: str | None

    @property
    def is_form_return(self) -> bool:
        """C2 (Completed / Expired); everything else is an order-status update (C1)."""
        return self.status in C2_STATUSES

    @property
    def answers_hash(self) -> str:
        return hashlib.sha256((self.answers_json or "").encode("utf-8")).hexdigest()


def _answers(body: Mapping[str, Any]) -> str:
    """``formData``: a string holding a JSON object (3.2), returned in canonical form."""
    text = member(body, "formData")
    if not isinstance(text, str):
        raise Rejection(400, "formData is missing or not a string")
    try:
        answers = json.loads(text)
    except ValueError:
        raise Rejection(400, "formData is not JSON") from None
    if not isinstance(answers, dict):
        raise Rejection(400, "formData is not a JSON object")
    return json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _non_zero(guid: str | None) -> str | None:
    return None if guid is None or uuid.UUID(guid).int == 0 else guid


def _json_list(body: Mapping[str, Any], name: str) -> str:
    value = member(body, name, [])
    if not isinstance(value, list):
        raise Rejection(400, f"{name} is not a list")
    return json.dumps(value, ensure_ascii=False)


def _timestamp(body: Mapping[str, Any], behaviour: Behaviour) -> str | None:
    """``timestamp``, kept as received; the ``strict_iso_timestamps`` fault parses it with one pattern."""
    text = _text(body, "timestamp")
    if text is not None and behaviour.strict_iso_timestamps:
        try:  # the fault: the C1 example's shape, .NET's seventh digit cut off to fit %f
            datetime.strptime(text[:26], "%Y-%m-%dT%H:%M:%S.%f")
        except ValueError:
            raise Rejection(400, "timestamp is not yyyy-MM-ddTHH:mm:ss.fffffff") from None
    return text


def read_form_order_update(body: Mapping[str, Any], behaviour: Behaviour) -> FormOrderUpdate:
    """Read a C1/C2 body (already authenticated) into a :class:`FormOrderUpdate`."""
    form_order_id = _guid(body, "formOrderId", required=True)
    status = _enum(FormOrderStatus, body, "formOrderStatus", behaviour)
    missing = status is None or (behaviour.falsy_completed and not status)  # the fault: 0 is falsy
    if missing:
        raise Rejection(400, "formOrderStatus is missing")
    assert status is not None and form_order_id is not None
    if behaviour.crashes_on_undocumented_status:
        status = _DOCUMENTED_HANDLERS[status]  # the fault: a KeyError (HTTP 500) for statuses 4 and 5
    completed = status == FormOrderStatus.Completed
    if behaviour.crashes_without_error_code and status not in C2_STATUSES:
        body["formOrderStatusErrorCode"]  # the fault: an unguarded index (KeyError → 500)
    if behaviour.crashes_on_odd_returns and completed:  # the fault: the C2's shape trusted (→ 500)
        json.loads(body.get("formData"))  # type: ignore[arg-type]
        [entry.get("eventType") for entry in body.get("formOrderEventLog") or []]
    if behaviour.expired_needs_form_data and status in C2_STATUSES:
        _answers(body)  # the fault: formData required on every form return
    patient = member(body, "patientInitiatedValues", {})
    if not isinstance(patient, dict):
        raise Rejection(400, "patientInitiatedValues is not an object")
    if behaviour.rejects_filled_out_by and member(body, "filledOutBy") is not None:
        raise Rejection(400, "filledOutBy is not a member of PromsFormOrderRequest")  # the fault: a 2024 model
    scanned_paper_id = _non_zero(_guid(body, "scannedPaperId", required=False))
    if behaviour.rejects_scanned_paper and scanned_paper_id is not None:
        raise Rejection(200, "paper returns are not supported")  # the fault: answered success: false
    return FormOrderUpdate(
        form_order_id=form_order_id,
        status=status,
        channel=_enum(NotificationChannel, body, "notificationChannel", behaviour),
        error_code=_enum(FormOrderStatusErrorCode, body, "formOrderStatusErrorCode", behaviour),
        timestamp=_timestamp(body, behaviour),
        answers_json=_answers(body) if completed else None,
        signed_form_id=_non_zero(_guid(body, "signedFormId", required=False)),
        scanned_paper_id=scanned_paper_id,
        warnings_json=_json_list(body, "formDataWarnings"),
        event_log_json=_json_list(body, "formOrderEventLog"),
        # The rejects_patient_initiated fault ignores the flag, so the unknown order id is refused.
        patient_initiated=_flag(body, "isPatientInitiated") and not behaviour.rejects_patient_initiated,
        patient_form_id=_guid(patient, "formId", required=False),
        patient_national_id=_text(patient, "nationalId"),
    )


@dataclass(frozen=True)
class MessageStatus:
    """A C3 on ``/api/MessageToCitizen``, from either documented shape (Q07)."""

    message_id: str
    sent_status: SentStatus
    channel: NotificationChannel | None


def read_message_status(body: Mapping[str, Any], behaviour: Behaviour) -> MessageStatus:
    """Example shape (``messageToCitizenId`` + ``sentStatus``) or field-list shape (``formOrderId`` +
    ``formOrderStatus`` ``Ordered``/``Error``)."""
    channel = _enum(NotificationChannel, body, "notificationChannel", behaviour)
    if member(body, "messageToCitizenId") is None and behaviour.c3_message_shape_only:
        raise Rejection(400, "messageToCitizenId is missing")  # the fault: the field-list shape refused
    if member(body, "messageToCitizenId") is not None:
        message_id = _guid(body, "messageToCitizenId", required=True)
        sent = _enum(SentStatus, body, "sentStatus", behaviour)
    else:
        message_id = _guid(body, "formOrderId", required=True)
        old_status = _enum(FormOrderStatus, body, "formOrderStatus", behaviour)
        sent = {FormOrderStatus.Ordered: SentStatus.Sent, FormOrderStatus.Error: SentStatus.Error}.get(
            old_status  # type: ignore[arg-type]
        )
    if sent is None:
        raise Rejection(400, "no usable sentStatus / formOrderStatus")
    assert message_id is not None
    return MessageStatus(message_id=message_id, sent_status=sent, channel=channel)


@dataclass(frozen=True)
class PersonvernChange:
    """A C4 on ``/api/PersonvernInnstilling``; ``status`` is a Volven 7609 code, kept as sent."""

    national_id: str
    setting_id: str
    name: str | None
    status: str


def read_personvern_change(body: Mapping[str, Any], behaviour: Behaviour | None = None) -> PersonvernChange:
    if behaviour is not None and behaviour.crashes_on_malformed_privacy:  # the fault: unguarded (→ 500)
        len(body.get("nationalId"))  # type: ignore[arg-type]
        uuid.UUID(body.get("id"))  # type: ignore[arg-type]
    national_id = _text(body, "nationalId")
    if national_id is None or len(national_id) != 11 or not national_id.isdigit():
        raise Rejection(400, "nationalId is not 11 digits")
    status = _text(body, "status")
    if not status or not status.strip():
        raise Rejection(400, "status is missing")
    setting_id = _guid(body, "id", required=True)
    assert setting_id is not None
    return PersonvernChange(
        national_id=national_id, setting_id=setting_id, name=_text(body, "name"), status=status.strip()
    )
