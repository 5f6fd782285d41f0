"""Exact writers: the JSON bodies the kit and the simulator send, shaped as the guide documents them.

Reading is lenient (``payloads``); writing is exact. Every writer returns a plain ``dict`` ready for
``json.dumps``. Enum fields are written as names (as in the [5567066] examples) unless ``enum_style`` says
``"int"`` (the [HEAD] C1/C3 style, 2026-05-15) or ``"str-int"`` (a numeric string, Q06).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Literal

from .enums import (
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    VolvenStatus,
    wire_name,
)

__all__ = [
    "ZERO_GUID",
    "EnumStyle",
    "enum_value",
    "new_guid",
    "local_timestamp",
    "utc_timestamp",
    "order_status_callback",
    "form_return_callback",
    "message_status_callback",
    "personvern_callback",
    "event",
    "GUID_PATTERN",
]

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
# A GUID as ePROM writes it (.NET's default "D" form); readers accept more (``payloads.is_guid``).
GUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EnumStyle = Literal["name", "int", "str-int"]


def new_guid() -> str:
    return str(uuid.uuid4())


def enum_value(member: Any, style: EnumStyle = "name") -> str | int:
    if style == "int":
        return int(member)
    if style == "str-int":
        return str(int(member))
    return wire_name(member)


def utc_timestamp(moment: datetime | None = None) -> str:
    """``2023-03-29T08:20:10.1804332Z``: UTC with seven fractional digits, as ePROM's .NET writes it."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def local_timestamp(moment: datetime | None = None) -> str:
    """``2023-03-29T10:20:10.1804332``: Norwegian local time, no zone (Q04)."""
    from zoneinfo import ZoneInfo

    moment = (moment or datetime.now(timezone.utc)).astimezone(ZoneInfo("Europe/Oslo"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


def order_status_callback(
    *,
    form_order_id: str,
    status: FormOrderStatus = FormOrderStatus.Ordered,
    channel: NotificationChannel = NotificationChannel.Helsenorge,
    error_code: FormOrderStatusErrorCode = FormOrderStatusErrorCode.None_,
    api_key: str = "",
    with_timestamps: bool = True,
    enum_style: EnumStyle = "name",
    channel_style: EnumStyle | None = None,
) -> dict[str, Any]:
    """C1 (3.1): ``PUT <ApiBaseUrl>/api/PromsFormOrder`` with the order status."""
    body: dict[str, Any] = {
        "apiKey": api_key,
        "formOrderId": form_order_id,
        "notificationChannel": enum_value(channel, channel_style or enum_style),
    }
    if with_timestamps:
        now = datetime.now(timezone.utc)
        body["timestamp"] = local_timestamp(now)
        body["timestampUtc"] = utc_timestamp(now)
    body["formOrderStatus"] = enum_value(status, enum_style)
    body["formOrderStatusErrorCode"] = enum_value(error_code, enum_style)
    return body


def event(event_type: FormOrderEventType, *, question_id: str | None = None, at: datetime | None = None) -> dict:
    """One ``formOrderEventLog`` entry; ``timestampUtc`` in the documented space-separated shape."""
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    entry: dict[str, Any] = {"eventType": event_type.value}
    if question_id is not None:
        entry["questionId"] = question_id
    entry["timestampUtc"] = moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return entry


def form_return_callback(
    *,
    form_order_id: str,
    status: FormOrderStatus = FormOrderStatus.Completed,
    answers: dict[str, Any] | None = None,
    signed_form_id: str = ZERO_GUID,
    scanned_paper_id: str = ZERO_GUID,
    channel: NotificationChannel | None = None,
    warnings: list[dict[str, str]] | None = None,
    event_log: list[dict[str, Any]] | None = None,
    patient_initiated: dict[str, Any] | None = None,
    filled_out_by: dict[str, Any] | None = None,
    api_key: str = "",
    timestamp: str | None = None,
    enum_style: EnumStyle = "name",
) -> dict[str, Any]:
    """C2 (3.2): the completed or expired form; ``formData`` is a *stringified* JSON object."""
    body: dict[str, Any] = {"apiKey": api_key, "formOrderId": form_order_id}
    if status == FormOrderStatus.Completed:
        body["formData"] = json.dumps(answers or {}, ensure_ascii=False)
    body["formOrderStatus"] = enum_value(status, enum_style)
    body["signedFormId"] = signed_form_id
    body["timestamp"] = timestamp or local_timestamp()
    body["scannedPaperId"] = scanned_paper_id
    body["formDataWarnings"] = warnings or []
    if channel is not None:
        body["notificationChannel"] = enum_value(channel, enum_style)
    if event_log is not None:
        body["formOrderEventLog"] = event_log
    if patient_initiated is not None:
        body["isPatientInitiated"] = True
        body["patientInitiatedValues"] = patient_initiated
    if filled_out_by is not None:
        body["filledOutBy"] = filled_out_by
    return body


def message_status_callback(
    *,
    message_to_citizen_id: str,
    sent_status: SentStatus = SentStatus.Sent,
    channel: NotificationChannel = NotificationChannel.Helsenorge,
    api_key: str = "",
    shape: Literal["message", "formorder"] = "message",
    enum_style: EnumStyle = "name",
) -> dict[str, Any]:
    """C3 (3.3) in the example shape (``messageToCitizenId`` + ``sentStatus``) or the old field-list
    shape (``formOrderId`` + ``formOrderStatus`` ``Ordered``/``Error``, Q07)."""
    if shape == "formorder":
        status = FormOrderStatus.Ordered if sent_status == SentStatus.Sent else FormOrderStatus.Error
        return {
            "apiKey": api_key,
            "formOrderId": message_to_citizen_id,
            "notificationChannel": enum_value(channel, enum_style),
            "formOrderStatus": enum_value(status, enum_style),
        }
    return {
        "apiKey": api_key,
        "messageToCitizenId": message_to_citizen_id,
        "notificationChannel": enum_value(channel, enum_style),
        "sentStatus": enum_value(sent_status, enum_style),
    }


def personvern_callback(
    *, national_id: str, setting_id: str, name: str, status: VolvenStatus = VolvenStatus.RES
) -> dict[str, Any]:
    """C4 (3.4): no key in the body; it travels in a header (``Authorization: Basic <key>``, our reading)."""
    return {"nationalId": national_id, "id": setting_id, "name": name, "status": status.value}
