"""Form orders and letters: their records, their lifecycle, and the callback bodies each step sends.

Lifecycle of an order: placed (E1) → distributed (C1 ``Ordered`` on the actual channel, or ``Error``/
``PatientUnreachable``/``None``) → completed by the simulated citizen (C2 ``Completed``; signed, on paper)
or expired (C2 ``Expired``). The simulated citizen refuses what a real one cannot do; each refusal is a
:class:`CitizenRefusal` with the reason (e.g. delivering a must-be-signed form without signing, S-SIGN.2).

Choices where the guide is silent (UNSPECIFIED): a ``NoDistribution`` order gets C1 ``Ordered`` with
channel ``None``; ``testMode`` orders get C1 but never C2 (BR-10: "the answer is not returned"); orders
expire only when asked to (``/_sim/citizen/expire``), not by the clock; a patient-initiated C2 carries no
``notificationChannel``.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from verification.spec.enums import (
    DistributionRule,
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    wire_name,
)
from verification.spec.wire import ZERO_GUID, event, form_return_callback, local_timestamp, new_guid, utc_timestamp

from ..errors import EpromVerifyError
from .channels import Distribution
from .dispatcher import DeliveryOutcome
from .settings import SimulatorSettings

__all__ = [
    "Order",
    "Letter",
    "CitizenRefusal",
    "DEFAULT_ANSWERS",
    "single_use_code",
    "completion_callback",
    "paper_callback",
    "expiry_callback",
    "patient_initiated_values",
    "callback_api_key",
    "OTHER_SYSTEM_SKIP",
]

OTHER_SYSTEM_SKIP = "placed with another ordering system's key: ePROM calls that system's ApiBaseUrl"

# The RAND-12 answers of the guide's form-return example.
DEFAULT_ANSWERS: dict[str, Any] = {
    "HealthGeneral": 1, "HealthLimitingActivities": 1, "HealthLimitingFloors": 1,
    "PhysicalHealthLessDone": 1, "PhysicalHealthLimitingActivity": 1, "EmotionalIssuesLessDone": 1,
    "EmotionalIssuesLimitingActivity": 1, "LastFourWeeksPain": 2, "LastFourWeeksRelaxed": 2,
    "LastFourWeeksSurplusOfEnergy": 2, "LastFourWeeksDepressed": 2, "LastFourWeeksSocial": 1,
}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud to a citizen


class CitizenRefusal(EpromVerifyError):
    """What the simulated citizen (or ePROM) would not do, with the reason."""


@dataclass
class Order:
    """One form order as the simulator holds it."""

    id: str
    form_id: str
    national_id: str
    rule: DistributionRule
    preferred_channel: NotificationChannel
    must_be_signed: bool = False
    on_behalf_of: str | None = None
    test_mode: bool = False
    physical_address: bool = False
    placed_by_other_system: bool = False
    patient_initiated: bool = False
    single_use_code: str | None = None
    status: FormOrderStatus | None = None
    channel: NotificationChannel | None = None
    error_code: FormOrderStatusErrorCode | None = None
    signed_form_id: str = ZERO_GUID
    scanned_paper_id: str = ZERO_GUID
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    deliveries: list[DeliveryOutcome] = field(default_factory=list)
    # Set once C1 has been delivered (or skipped): C2 never overtakes C1.
    distributed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def apply(self, distribution: Distribution) -> None:
        self.status, self.channel, self.error_code = (
            distribution.status, distribution.channel, distribution.error_code
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "formOrderId": self.id,
            "formId": self.form_id,
            "nationalId": self.national_id,
            "distributionRule": self.rule.name,
            "preferredChannel": wire_name(self.preferred_channel),
            "channel": None if self.channel is None else wire_name(self.channel),
            "status": None if self.status is None else self.status.name,
            "errorCode": None if self.error_code is None else wire_name(self.error_code),
            "mustBeSigned": self.must_be_signed,
            "onBehalfOf": self.on_behalf_of,
            "testMode": self.test_mode,
            "placedByOtherSystem": self.placed_by_other_system,
            "patientInitiated": self.patient_initiated,
            "singleUseCode": self.single_use_code,
            "signedFormId": self.signed_form_id,
            "scannedPaperId": self.scanned_paper_id,
            "createdAt": self.created_at,
            "deliveries": [outcome.to_dict() for outcome in self.deliveries],
        }


@dataclass
class Letter:
    """One letter (E3) and its status."""

    id: str
    national_id: str
    channel: NotificationChannel | None
    test_mode: bool = False
    placed_by_other_system: bool = False
    deliveries: list[DeliveryOutcome] = field(default_factory=list)

    @property
    def sent_status(self) -> SentStatus:
        return SentStatus.Error if self.channel is None else SentStatus.Sent

    def to_dict(self) -> dict[str, Any]:
        return {
            "messageToCitizenId": self.id,
            "nationalId": self.national_id,
            "channel": None if self.channel is None else wire_name(self.channel),
            "sentStatus": self.sent_status.name,
            "testMode": self.test_mode,
            "placedByOtherSystem": self.placed_by_other_system,
            "deliveries": [outcome.to_dict() for outcome in self.deliveries],
        }


def single_use_code() -> str:
    """A code for ``NoDistribution`` orders (format UNSPECIFIED; 8 unambiguous characters)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def callback_api_key(settings: SimulatorSettings) -> str:
    return settings.api_key if settings.callback_api_key == "system" else ""


def _require_open(order: Order) -> None:
    if order.status == FormOrderStatus.Error:
        raise CitizenRefusal(
            "the order was never distributed (C1 Error/PatientUnreachable): the citizen never received it"
        )
    if order.status in (FormOrderStatus.Completed, FormOrderStatus.Expired):
        raise CitizenRefusal(f"the order is already {order.status.name}")
    if order.status is None:
        raise CitizenRefusal("the order has not been distributed yet")


def _default_event_log(answers: dict[str, Any], *, signed: bool) -> list[dict[str, Any]]:
    log = [event(FormOrderEventType.FormOpened)]
    log += [event(FormOrderEventType.QuestionAccessed, question_id=key) for key in answers]
    if signed:
        log += [event(FormOrderEventType.SigningStarted), event(FormOrderEventType.SigningCompleted)]
    return log + [event(FormOrderEventType.FormDelivered)]


def completion_callback(
    order: Order,
    settings: SimulatorSettings,
    *,
    answers: dict[str, Any] | None,
    sign: bool,
    event_log: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """C2 ``Completed`` for a citizen delivering on screen; marks the order completed."""
    _require_open(order)
    if order.must_be_signed and not sign:
        raise CitizenRefusal(
            "the order requires a signature (mustBeSigned): the citizen must deliver with "
            "'Signér og levere' (S-SIGN.2); send sign: true"
        )
    if sign and not order.must_be_signed:
        raise CitizenRefusal("the order was not placed with mustBeSigned: there is nothing to sign")
    answers = DEFAULT_ANSWERS if answers is None else answers
    if sign:
        order.signed_form_id = new_guid()
    order.status = FormOrderStatus.Completed
    return form_return_callback(
        form_order_id=order.id,
        status=FormOrderStatus.Completed,
        answers=answers,
        signed_form_id=order.signed_form_id,
        channel=order.channel,
        event_log=_default_event_log(answers, signed=sign) if event_log is None else event_log,
        api_key=callback_api_key(settings),
        enum_style=settings.status_style,
    )


def paper_callback(order: Order, settings: SimulatorSettings, *, answers: dict[str, Any] | None) -> dict[str, Any]:
    """C2 ``Completed`` for a scanned paper answer (non-zero ``scannedPaperId``)."""
    _require_open(order)
    if order.channel != NotificationChannel.PhysicalMailbox:
        raise CitizenRefusal(
            f"the order went out on {wire_name(order.channel or NotificationChannel.None_)}, not on paper"
        )
    order.scanned_paper_id = new_guid()
    order.status = FormOrderStatus.Completed
    return form_return_callback(
        form_order_id=order.id,
        status=FormOrderStatus.Completed,
        answers=DEFAULT_ANSWERS if answers is None else answers,
        scanned_paper_id=order.scanned_paper_id,
        channel=order.channel,
        event_log=[],
        api_key=callback_api_key(settings),
        enum_style=settings.status_style,
    )


def expiry_callback(order: Order, settings: SimulatorSettings) -> dict[str, Any]:
    """C2 ``Expired``; marks the order expired."""
    _require_open(order)
    order.status = FormOrderStatus.Expired
    return form_return_callback(
        form_order_id=order.id,
        status=FormOrderStatus.Expired,
        channel=order.channel,
        api_key=callback_api_key(settings),
        enum_style=settings.status_style,
    )


def patient_initiated_values(form_id: str, national_id: str) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    return {
        "formId": form_id,
        "nationalId": national_id,
        "orderTimestamp": local_timestamp(now),
        "orderTimestampUTC": utc_timestamp(now),
    }
