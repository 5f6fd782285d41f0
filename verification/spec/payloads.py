"""Lenient readers of every ePROM payload: what ePROM or an ordering system may put on the wire.

Writing is exact (``wire``); reading is lenient in exactly the ways the documentation shows payloads to
vary (BR-24):

- property names in any casing (Q05: ``timestampUtc`` / ``orderTimestampUTC``, ``success`` / ``Success``);
  when two casings of one name are present the documented casing wins and the other stays in ``extra``;
- enums as names (any casing), integers or numeric strings (Q06), through :func:`enums.parse_enum`;
- ``formData`` and ``metadata`` as stringified JSON objects, and also as raw objects, recorded in
  ``form_data_as_object`` / ``metadata_as_object`` so a check can still flag them (BR-03);
- both C3 shapes (Q07), every documented timestamp shape (Q04, ``timestamps``), missing optional members
  (older payloads), unknown members kept in ``extra`` for drift reports (:func:`unknown_members`).

Everything else is read as its JSON type: a number where a string belongs is refused, not converted.
Readers take a decoded JSON object or its text (``str``/``bytes``) and keep the object as received in
``raw``, so a check can tell ``"true"`` from ``true`` (:func:`member` looks names up case-insensitively).
They check shape and type only; what the values mean (GUID format, national-id check digits, business
rules) is judged by the checks. The documentation's placeholders (``"<pvkId>"``) therefore read.

Errors::

    ValueError
     └── PayloadError          field, received, expected; "field: received …, expected …"

An :class:`enums.EnumValueError` never escapes a reader: it becomes a :class:`PayloadError` naming the
member's path (``formOrderEventLog[1].eventType``).

UNSPECIFIED in the documentation, our careful reading (each also noted where it applies):

- booleans: ``true``/``false`` and the strings ``"true"``/``"false"`` (any casing; a form-encoded E1 body,
  tolerated since release v13.0.2, can only carry strings); numbers are refused;
- ``metadata``/``formData``: an empty string means none; a string must hold a JSON *object* (E1-6);
- required members are the ones the spec marks required (E1 ``formId``, ``nationalId``, ``expiryDate``;
  E6/E7 ``nationalId``, ``type``, E7 ``status``; the ids and statuses of C1–C4); ``apiKey`` is never
  required by a reader, because its absence is for the receiver's authentication to judge (R-AUTH);
- name-only enums that may grow (``eventType``, ``filledOutByActType``, Volven ``status``): a known name
  becomes the member, an unknown name is kept as its string, anything else is refused;
- the callback reply's ``success`` counts only as a JSON boolean; anything else reads as ``None``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal, TypeVar, overload
from urllib.parse import unquote, urlsplit

from .enums import (
    C2_STATUSES,
    DistributionRule,
    EnumValueError,
    FilledOutByActType,
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    InstansEndret,
    NotificationChannel,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    SentStatus,
    VolvenStatus,
    parse_enum,
)
from .timestamps import PayloadError, parse_timestamp

__all__ = [
    "PayloadError",
    "MISSING",
    "Body",
    "member",
    "is_guid",
    "is_zero_guid",
    "unknown_members",
    # E1 / E2
    "PhysicalAddress",
    "FormOrderRequest",
    "E1_DEFAULTS",
    "FormOrderResponse",
    "read_physical_address",
    "read_form_order_request",
    "read_form_order_response",
    "read_external_document_id",
    # E3 / E4 / E5
    "SenderInfo",
    "MessageInfo",
    "MessageToCitizenRequest",
    "MessageToCitizenResponse",
    "UnsecureSmsRequest",
    "UnsecureEmailRequest",
    "read_message_to_citizen_request",
    "read_message_to_citizen_response",
    "read_unsecure_sms_request",
    "read_unsecure_email_request",
    # E6 / E7 / E8
    "PersonvernGetRequest",
    "PersonvernSetting",
    "PersonvernSetRequest",
    "PersonvernSetResponse",
    "ResidentsActivePiRequest",
    "ResidentInstance",
    "ResidentsActivePiResponse",
    "PvkError",
    "read_personvern_get_request",
    "read_personvern_setting",
    "read_personvern_set_request",
    "read_personvern_set_response",
    "read_residents_request",
    "read_residents_response",
    "read_pvk_error",
    # C1–C4 and the reply
    "OrderStatusCallback",
    "FormDataWarning",
    "FormOrderEvent",
    "PatientInitiatedValues",
    "FilledOutBy",
    "FormReturnCallback",
    "MessageStatusCallback",
    "PersonvernCallback",
    "CallbackReply",
    "read_order_status_callback",
    "read_form_return_callback",
    "read_message_status_callback",
    "read_personvern_callback",
    "read_callback_reply",
    "C1_MEMBERS",
    "C2_MEMBERS",
    "classify_promsformorder",
    "read_promsformorder",
]

Body = Mapping[str, Any] | str | bytes
E = TypeVar("E", bound=Enum)


class _Missing:
    """The value of a member that is not there (``None`` is JSON ``null``)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


# --- helpers for readers and checks -------------------------------------------------------------------


def member(body: Mapping[str, Any], name: str, default: Any = MISSING) -> Any:
    """The raw value of member ``name`` in any casing (documented casing first), else ``default``.

    Two members in foreign casings of one name (``FormId`` and ``FORMID``) raise :class:`PayloadError`.
    """
    key = _key(body, name, where=name)
    return default if key is None else body[key]


def is_guid(text: object) -> bool:
    """Whether ``text`` is a GUID string in a form .NET's ``Guid.Parse`` takes (hyphens, braces, none)."""
    if not isinstance(text, str):
        return False
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


def is_zero_guid(text: object) -> bool:
    """Whether ``text`` is the all-zero GUID, ePROM's "none" (no order, not signed, not paper)."""
    return is_guid(text) and uuid.UUID(str(text).strip()).int == 0


def _no_guid(text: str | None) -> bool:
    return text is None or not text.strip() or is_zero_guid(text)


def unknown_members(payload: object, path: str = "") -> dict[str, Any]:
    """Every member a reader did not know, nested ones included, keyed by path: the drift report."""
    found: dict[str, Any] = {}
    if isinstance(payload, (tuple, list)):
        for index, item in enumerate(payload):
            found.update(unknown_members(item, f"{path}[{index}]"))
        return found
    if not is_dataclass(payload):
        return found
    for name, value in getattr(payload, "extra", {}).items():
        found[f"{path}.{name}" if path else name] = value
    for model_field in fields(payload):
        if model_field.name not in ("extra", "raw"):
            child = getattr(payload, model_field.name)
            found.update(unknown_members(child, _child_path(path, model_field)))
    return found


def _child_path(path: str, model_field: Any) -> str:
    wire = model_field.metadata.get("wire", model_field.name)
    return f"{path}.{wire}" if path else wire


def _wire(name: str, default: Any = None) -> Any:
    """A nested model's field, knowing its documented member name for paths in drift reports."""
    return field(default=default, metadata={"wire": name})


def _extra() -> Any:
    return field(default_factory=dict)


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


# --- reading one JSON object --------------------------------------------------------------------------


def _key(body: Mapping[str, Any], name: str, *, where: str) -> str | None:
    if name in body:
        return name
    folded = name.lower()
    keys = [key for key in body if isinstance(key, str) and key.lower() == folded]
    if len(keys) > 1:
        raise PayloadError(where, keys, "one member of that name, in whatever casing")
    return keys[0] if keys else None


def _decoded(body: Body) -> Any:
    if isinstance(body, (str, bytes, bytearray)):
        try:
            return json.loads(body)
        except ValueError:
            raise PayloadError("(body)", body, "a JSON object") from None
    return body


class _Members:
    """One JSON object read case-insensitively; remembers which members were read, the rest is extra."""

    def __init__(self, body: object, path: str = ""):
        if not isinstance(body, Mapping):
            raise PayloadError(path or "(body)", body, "a JSON object")
        self.body = body
        self.path = path
        self._read: set[str] = set()

    def where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        return _key(self.body, name, where=self.where(name)) is not None

    def value(self, name: str) -> Any:
        key = _key(self.body, name, where=self.where(name))
        if key is None:
            return MISSING
        self._read.add(key)
        return self.body[key]

    def extra(self) -> dict[str, Any]:
        return {key: value for key, value in self.body.items() if key not in self._read}

    def present(self, name: str, expected: str, *, required: bool = False) -> Any:
        """The value, or ``None`` for missing/null; a missing or null required member is an error."""
        value = self.value(name)
        if value is MISSING or value is None:
            if required:
                raise PayloadError(self.where(name), value, f"{expected} (required)")
            return None
        return value

    @overload
    def text(self, name: str, *, required: Literal[True], numbers_too: bool = ...) -> str: ...
    @overload
    def text(self, name: str, *, required: bool = ..., numbers_too: bool = ...) -> str | None: ...

    def text(self, name: str, *, required: bool = False, numbers_too: bool = False) -> str | None:
        value = self.present(name, "a string", required=required)
        if numbers_too and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if value is not None and not isinstance(value, str):
            raise PayloadError(self.where(name), value, "a string")
        return value

    def flag(self, name: str) -> bool | None:
        value = self.present(name, "a boolean")
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise PayloadError(self.where(name), value, "a boolean (true or false)")

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.present(name, "an integer", required=required)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
            return int(value)
        raise PayloadError(self.where(name), value, "an integer")

    @overload
    def enum(self, enum_cls: type[E], name: str, *, required: Literal[True]) -> E: ...
    @overload
    def enum(self, enum_cls: type[E], name: str, *, required: bool = ...) -> E | None: ...

    def enum(self, enum_cls: type[E], name: str, *, required: bool = False) -> E | None:
        value = self.present(name, f"a {enum_cls.__name__}", required=required)
        return None if value is None else _enum(enum_cls, value, self.where(name))

    @overload
    def open_enum(self, enum_cls: type[E], name: str, *, required: Literal[True]) -> E | str: ...
    @overload
    def open_enum(self, enum_cls: type[E], name: str, *, required: bool = ...) -> E | str | None: ...

    def open_enum(self, enum_cls: type[E], name: str, *, required: bool = False) -> E | str | None:
        """A name-only enum that may grow: known names become members, unknown names stay strings."""
        value = self.present(name, f"a {enum_cls.__name__} name", required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise PayloadError(self.where(name), value, f"a {enum_cls.__name__} name (a string)")
        try:
            return parse_enum(enum_cls, value, field=self.where(name))
        except EnumValueError:
            return value

    @overload
    def moment(self, name: str, *, required: Literal[True]) -> datetime: ...
    @overload
    def moment(self, name: str, *, required: bool = ...) -> datetime | None: ...

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.present(name, "a date-time string", required=required)
        return None if value is None else parse_timestamp(value, field=self.where(name))

    def stringified_object(self, name: str) -> tuple[dict[str, Any] | None, bool]:
        """``(object, came_as_raw_object)`` for a member documented as a stringified JSON object."""
        value = self.present(name, "a string holding a JSON object")
        if value is None:
            return None, False
        if isinstance(value, Mapping):
            return dict(value), True
        expected = "a string holding a JSON object"
        if not isinstance(value, str):
            raise PayloadError(self.where(name), value, expected)
        if not value.strip():
            return None, False
        try:
            parsed = json.loads(value)
        except ValueError as error:
            raise PayloadError(self.where(name), value, f"{expected} (not JSON: {error})") from None
        if not isinstance(parsed, dict):
            raise PayloadError(self.where(name), value, f"{expected}, not a JSON {type(parsed).__name__}")
        return parsed, False

    def nested(self, name: str) -> _Members | None:
        value = self.present(name, "a JSON object")
        return None if value is None else _Members(value, self.where(name))

    def items(self, name: str) -> list[_Members] | None:
        """The members of an array of objects, each with its own path (``name[0]``)."""
        values = self.array(name)
        if values is None:
            return None
        return [_Members(item, f"{self.where(name)}[{index}]") for index, item in enumerate(values)]

    def array(self, name: str) -> list[Any] | None:
        value = self.present(name, "a JSON array")
        if value is not None and not isinstance(value, list):
            raise PayloadError(self.where(name), value, "a JSON array")
        return value


def _enum(enum_cls: type[E], value: object, where: str) -> E:
    try:
        return parse_enum(enum_cls, value, field=where)
    except EnumValueError as error:
        raise PayloadError(where, value, f"one of {error.allowed}") from None


# --- E1, E2: ordering a form, downloading the signed document ------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PhysicalAddress:
    """E1 ``physicalAddress``; other members (a second address line?) are UNSPECIFIED and go to extra."""

    full_name: str | None = _wire("fullName")
    address_line1: str | None = _wire("addressLine1")
    postal_code: str | None = _wire("postalCode")  # a string: leading zeros matter (release v13.5.1)
    postal_place: str | None = _wire("postalPlace")
    extra: dict[str, Any] = _extra()


# E1 members the guide documents as optional with a default: absent means the default, so an order that omits
# one is the order that asks for it («dontStoreCompletedFormInPha - Optional. … Default: false», «distributionRule
# - Optional. … Default: Basic», «testMode - Optional. … Default: false», BestillingAvSkjemaV2.md:91, 92, 106).
# mustBeSigned has no written default («mustBeSigned - Optional. Whether the form must be signed», :93): absent
# means not signed, the value the guide's own example sends (``var mustBeSigned = false;``, :42).
E1_DEFAULTS: dict[str, Any] = {
    "dontStoreCompletedFormInPha": False,
    "distributionRule": DistributionRule.Basic,
    "mustBeSigned": False,
    "testMode": False,
}


@dataclass(frozen=True, kw_only=True)
class FormOrderRequest:
    """E1 body (``POST api/v2/formorder``); reads the retired v1 body (E9) too, which is a subset.

    ``None`` means the member was absent or null; the documented defaults are the properties'.
    ``api_key`` is set only when a v1-style client puts the key in the body (BR-01, Q13).
    """

    form_id: str
    national_id: str
    expiry_date: datetime
    reminder_date: datetime | None = None
    metadata: dict[str, Any] | None = None
    metadata_as_object: bool = False  # came as a raw JSON object, not the documented string (BR-03)
    dont_store_completed_form_in_pha: bool | None = None
    distribution_rule: DistributionRule | None = None
    must_be_signed: bool | None = None
    signing_text: str | None = None
    physical_address: PhysicalAddress | None = _wire("physicalAddress")
    test_mode: bool | None = None
    on_behalf_of_national_id: str | None = None
    api_key: str | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()

    @property
    def effective_distribution_rule(self) -> DistributionRule:
        return E1_DEFAULTS["distributionRule"] if self.distribution_rule is None else self.distribution_rule


@dataclass(frozen=True, kw_only=True)
class FormOrderResponse:
    """E1 response; the echoed request members (format UNSPECIFIED, Q23) are left in ``extra``."""

    id: str
    single_use_code: str | None = None
    login_url: str | None = None
    notification_channel: NotificationChannel | None = None  # the *preferred* channel (BR-05)
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()

    @property
    def created(self) -> bool:
        """False for the all-zero id: no order was created (the national id does not exist, Q16)."""
        return not _no_guid(self.id)


def read_physical_address(body: Body) -> PhysicalAddress:
    """E1 ``physicalAddress`` on its own (inside an order, :func:`read_form_order_request` reads it)."""
    return _physical_address(_Members(_decoded(body)))


def _physical_address(members: _Members) -> PhysicalAddress:
    return PhysicalAddress(
        full_name=members.text("fullName"),
        address_line1=members.text("addressLine1"),
        postal_code=members.text("postalCode"),
        postal_place=members.text("postalPlace"),
        extra=members.extra(),
    )


def read_form_order_request(body: Body) -> FormOrderRequest:
    """E1 (and E9) body. Also takes the mapping of a form-encoded order (release v13.0.2)."""
    members = _Members(_decoded(body))
    metadata, metadata_as_object = members.stringified_object("metadata")
    address = members.nested("physicalAddress")
    return FormOrderRequest(
        form_id=members.text("formId", required=True),
        national_id=members.text("nationalId", required=True),
        expiry_date=members.moment("expiryDate", required=True),
        reminder_date=members.moment("reminderDate"),
        metadata=metadata,
        metadata_as_object=metadata_as_object,
        dont_store_completed_form_in_pha=members.flag("dontStoreCompletedFormInPha"),
        distribution_rule=members.enum(DistributionRule, "distributionRule"),
        must_be_signed=members.flag("mustBeSigned"),
        signing_text=members.text("signingText"),
        physical_address=None if address is None else _physical_address(address),
        test_mode=members.flag("testMode"),
        on_behalf_of_national_id=members.text("onBehalfOfNationalId"),
        api_key=members.text("apiKey"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_form_order_response(body: Body) -> FormOrderResponse:
    """E1 response. ``singleUseCode`` (format UNSPECIFIED) is read as text, a number too."""
    members = _Members(_decoded(body))
    return FormOrderResponse(
        id=members.text("id", required=True),
        single_use_code=members.text("singleUseCode", numbers_too=True),
        login_url=members.text("loginUrl"),
        notification_channel=members.enum(NotificationChannel, "notificationChannel"),
        extra=members.extra(),
        raw=dict(members.body),
    )


_EXTERNAL_DOCUMENT_PATH = re.compile(r".*/api/ExternalDocument/(?P<id>[^/]+)/?", re.IGNORECASE)


def read_external_document_id(url_or_path: str) -> str:
    """E2: the ``SignedFormId`` of ``GET …/api/ExternalDocument/<SignedFormId>`` (path case-insensitive).

    The 2019 path without ``/api/`` (Q30) is refused: no current page documents it.
    """
    path = urlsplit(url_or_path).path if isinstance(url_or_path, str) else None
    match = _EXTERNAL_DOCUMENT_PATH.fullmatch(path or "")
    if match is None:
        raise PayloadError("(path)", url_or_path, "…/api/ExternalDocument/<SignedFormId>")
    return unquote(match["id"])


# --- E3, E4, E5: letters, SMS, e-mail ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SenderInfo:
    """E3 ``senderInfo`` (member names from the C# sample only)."""

    organisation_name: str | None = None
    organisation_nr: str | None = None
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class MessageInfo:
    """E3 ``messageInfo`` (member names from the C# sample only)."""

    title: str | None = None
    description: str | None = None
    merknad: str | None = None
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class MessageToCitizenRequest:
    """E3 body (``POST api/v2/messagetocitizen``).

    ``document_collection`` is kept as received: its structure is UNSPECIFIED in every version of the
    docs. ``form_id`` is the [5567066]-only leftover (Q21); ``api_key`` is set only for v1-style clients.
    """

    national_id: str
    sender_info: SenderInfo | None = _wire("senderInfo")
    message_info: MessageInfo | None = _wire("messageInfo")
    document_collection: Any = None
    notification_priority_list: tuple[NotificationChannel, ...] | None = None
    test_mode: bool | None = None
    paper_color_print: bool | None = None
    form_id: str | None = None
    api_key: str | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class MessageToCitizenResponse:
    """E3 response; ``notificationChannel`` ``"0"`` (None) means nothing was sent (Q16)."""

    notification_channel: NotificationChannel | None = None
    message_to_citizen_id: str | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()

    @property
    def sent(self) -> bool:
        return self.notification_channel not in (None, NotificationChannel.None_)


@dataclass(frozen=True, kw_only=True)
class UnsecureSmsRequest:
    """E4 body (``POST api/unsecuremessagesms``); the key travels in the body for this endpoint.

    The reply (``success``, read by the samples as ``Success``) reads with :func:`read_callback_reply`.
    """

    api_key: str | None = None
    sms_text: str | None = None
    national_id: str | None = None
    phone_number: str | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class UnsecureEmailRequest:
    """E5 body (``POST api/unsecuremessageemail``); key in the body; reply as for E4."""

    api_key: str | None = None
    email_title: str | None = None
    email_text: str | None = None
    national_id: str | None = None
    email_address: str | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


def read_message_to_citizen_request(body: Body) -> MessageToCitizenRequest:
    members = _Members(_decoded(body))
    sender, info = members.nested("senderInfo"), members.nested("messageInfo")
    channels = members.array("notificationPriorityList")
    where = members.where("notificationPriorityList")
    return MessageToCitizenRequest(
        national_id=members.text("nationalId", required=True),
        sender_info=None if sender is None else _sender_info(sender),
        message_info=None if info is None else _message_info(info),
        document_collection=members.present("documentCollection", "a JSON object"),
        notification_priority_list=None if channels is None else tuple(
            _enum(NotificationChannel, channel, f"{where}[{index}]") for index, channel in enumerate(channels)
        ),
        test_mode=members.flag("testMode"),
        paper_color_print=members.flag("paperColorPrint"),
        form_id=members.text("formId"),
        api_key=members.text("apiKey"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def _sender_info(members: _Members) -> SenderInfo:
    return SenderInfo(
        organisation_name=members.text("organisationName"),
        organisation_nr=members.text("organisationNr", numbers_too=True),
        extra=members.extra(),
    )


def _message_info(members: _Members) -> MessageInfo:
    return MessageInfo(
        title=members.text("title"),
        description=members.text("description"),
        merknad=members.text("merknad"),
        extra=members.extra(),
    )


def read_message_to_citizen_response(body: Body) -> MessageToCitizenResponse:
    members = _Members(_decoded(body))
    return MessageToCitizenResponse(
        notification_channel=members.enum(NotificationChannel, "notificationChannel"),
        message_to_citizen_id=members.text("messageToCitizenId"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_unsecure_sms_request(body: Body) -> UnsecureSmsRequest:
    """E4. "Either nationalId or phoneNumber" (E4-2) is the receiver's rule, not the reader's."""
    members = _Members(_decoded(body))
    return UnsecureSmsRequest(
        api_key=members.text("apiKey"),
        sms_text=members.text("smsText"),
        national_id=members.text("nationalId"),
        phone_number=members.text("phoneNumber"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_unsecure_email_request(body: Body) -> UnsecureEmailRequest:
    """E5. "Either nationalId or emailAddress" (E5-2) is the receiver's rule, not the reader's."""
    members = _Members(_decoded(body))
    return UnsecureEmailRequest(
        api_key=members.text("apiKey"),
        email_title=members.text("emailTitle"),
        email_text=members.text("emailText"),
        national_id=members.text("nationalId"),
        email_address=members.text("emailAddress"),
        extra=members.extra(),
        raw=dict(members.body),
    )


# --- E6, E7, E8: privacy settings ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PersonvernGetRequest:
    """E6 body. The 11-character rule on ``nationalId`` (400) is the receiver's to apply."""

    national_id: str
    type: PersonvernInnstillingType
    pvk_id: str | None = None  # [HEAD] only
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class PersonvernSetting:
    """E6 response. Enums as names or numbers: UNSPECIFIED, both read."""

    national_id: str | None = None
    type: PersonvernInnstillingType | None = None
    id: str | None = None
    name: str | None = None
    status: PersonvernInnstillingStatus | None = None
    sequence_number: int | None = None  # [HEAD]
    created_date_time_offset: datetime | None = None  # [HEAD]
    last_changed_date_time_offset: datetime | None = None  # [HEAD]
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class PersonvernSetRequest:
    """E7 body."""

    national_id: str
    type: PersonvernInnstillingType
    status: PersonvernInnstillingStatus
    pvk_id: str | None = None  # [HEAD] only
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class PersonvernSetResponse:
    """E7 response."""

    instans_endret: InstansEndret | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class ResidentsActivePiRequest:
    """E8 body ([HEAD] only). Missing ``pvkId`` is the receiver's 400 ("PvkPart", Q26)."""

    pvk_id: str | None = None
    paging_reference: int | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class ResidentInstance:
    """One E8 ``personvernInnstillinger`` entry (documented with mixed casing: ``NationalId``)."""

    national_id: str | None = None
    sequence_number: int | None = None
    created_date_time_offset: datetime | None = None
    last_changed_date_time_offset: datetime | None = None
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class ResidentsActivePiResponse:
    """E8 response; call again while ``paging_reference`` > 0."""

    paging_reference: int | None = None
    id: str | None = None
    name: str | None = None
    part_kode: str | None = None
    type: PersonvernInnstillingType | None = None
    personvern_innstillinger: tuple[ResidentInstance, ...] = _wire("personvernInnstillinger", ())
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class PvkError:
    """The 502 body of E6–E8 when PVK fails: ``{ statusCode, status, message }`` (value types UNSPECIFIED)."""

    status_code: Any = None
    status: Any = None
    message: Any = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


def read_personvern_get_request(body: Body) -> PersonvernGetRequest:
    members = _Members(_decoded(body))
    return PersonvernGetRequest(
        national_id=members.text("nationalId", required=True),
        type=members.enum(PersonvernInnstillingType, "type", required=True),
        pvk_id=members.text("pvkId"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_personvern_setting(body: Body) -> PersonvernSetting:
    members = _Members(_decoded(body))
    return PersonvernSetting(
        national_id=members.text("nationalId"),
        type=members.enum(PersonvernInnstillingType, "type"),
        id=members.text("id"),
        name=members.text("name"),
        status=members.enum(PersonvernInnstillingStatus, "status"),
        sequence_number=members.integer("sequenceNumber"),
        created_date_time_offset=members.moment("createdDateTimeOffset"),
        last_changed_date_time_offset=members.moment("lastChangedDateTimeOffset"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_personvern_set_request(body: Body) -> PersonvernSetRequest:
    members = _Members(_decoded(body))
    return PersonvernSetRequest(
        national_id=members.text("nationalId", required=True),
        type=members.enum(PersonvernInnstillingType, "type", required=True),
        status=members.enum(PersonvernInnstillingStatus, "status", required=True),
        pvk_id=members.text("pvkId"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_personvern_set_response(body: Body) -> PersonvernSetResponse:
    members = _Members(_decoded(body))
    return PersonvernSetResponse(
        instans_endret=members.enum(InstansEndret, "instansEndret"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_residents_request(body: Body) -> ResidentsActivePiRequest:
    members = _Members(_decoded(body))
    return ResidentsActivePiRequest(
        pvk_id=members.text("pvkId"),
        paging_reference=members.integer("pagingReference"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_residents_response(body: Body) -> ResidentsActivePiResponse:
    members = _Members(_decoded(body))
    return ResidentsActivePiResponse(
        paging_reference=members.integer("pagingReference"),
        id=members.text("id"),
        name=members.text("name"),
        part_kode=members.text("partKode"),
        type=members.enum(PersonvernInnstillingType, "type"),
        personvern_innstillinger=tuple(map(_resident, members.items("personvernInnstillinger") or ())),
        extra=members.extra(),
        raw=dict(members.body),
    )


def _resident(members: _Members) -> ResidentInstance:
    return ResidentInstance(
        national_id=members.text("NationalId"),
        sequence_number=members.integer("SequenceNumber"),
        created_date_time_offset=members.moment("createdDateTimeOffset"),
        last_changed_date_time_offset=members.moment("lastChangedDateTimeOffset"),
        extra=members.extra(),
    )


def read_pvk_error(body: Body) -> PvkError:
    members = _Members(_decoded(body))
    return PvkError(
        status_code=members.present("statusCode", "a value"),
        status=members.present("status", "a value"),
        message=members.present("message", "a value"),
        extra=members.extra(),
        raw=dict(members.body),
    )


# --- C1, C2: PUT <ApiBaseUrl>/api/PromsFormOrder ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrderStatusCallback:
    """C1. Older payloads lack ``formOrderStatusErrorCode`` (before 2021-06-30) and the timestamps."""

    form_order_id: str
    form_order_status: FormOrderStatus
    api_key: str | None = None
    notification_channel: NotificationChannel | None = None  # the channel actually used
    timestamp: datetime | None = None  # zone-less: Norwegian local time
    timestamp_utc: datetime | None = None  # zone-less: UTC
    form_order_status_error_code: FormOrderStatusErrorCode | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class FormDataWarning:
    field_name: str | None = None
    warning: str | None = None
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class FormOrderEvent:
    """One ``formOrderEventLog`` entry; an event type newer than the docs stays a string."""

    event_type: FormOrderEventType | str
    question_id: str | None = None
    timestamp_utc: datetime | None = None
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class PatientInitiatedValues:
    """``patientInitiatedValues`` of a patient-initiated return (3.2.3)."""

    form_id: str
    national_id: str
    order_timestamp: datetime | None = None  # [HEAD] 2023-04-19, local time
    order_timestamp_utc: datetime | None = None  # [HEAD] 2023-06-08, "orderTimestampUTC"
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class FilledOutBy:
    """[HEAD] ``filledOutBy`` (Helsenorge only); an act type newer than the docs stays a string."""

    national_id: str | None = None
    act_type: FilledOutByActType | str | None = None
    extra: dict[str, Any] = _extra()


@dataclass(frozen=True, kw_only=True)
class FormReturnCallback:
    """C2: the completed or expired form.

    ``form_data`` is the parsed answers object; ``form_data_as_object`` says it came as a raw object
    rather than the documented string. Its presence for ``Completed`` is for the checks to judge;
    for ``Expired`` its content is UNSPECIFIED. ``form_order_event_log`` is ``None`` when absent
    (before 2021-05-19), ``()`` when empty.
    """

    form_order_id: str
    form_order_status: FormOrderStatus
    api_key: str | None = None
    form_data: dict[str, Any] | None = None
    form_data_as_object: bool = False
    signed_form_id: str | None = None
    timestamp: datetime | None = None
    scanned_paper_id: str | None = None
    form_data_warnings: tuple[FormDataWarning, ...] = _wire("formDataWarnings", ())
    notification_channel: NotificationChannel | None = None
    is_patient_initiated: bool | None = None
    patient_initiated_values: PatientInitiatedValues | None = _wire("patientInitiatedValues")
    form_order_event_log: tuple[FormOrderEvent, ...] | None = _wire("formOrderEventLog")
    filled_out_by: FilledOutBy | None = _wire("filledOutBy")
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()

    @property
    def is_signed(self) -> bool:
        """A signed document waits for download (E2): ``signedFormId`` present and not all zeros."""
        return not _no_guid(self.signed_form_id)

    @property
    def is_paper(self) -> bool:
        """The form went out on paper: ``scannedPaperId`` present and not all zeros."""
        return not _no_guid(self.scanned_paper_id)


def read_order_status_callback(body: Body) -> OrderStatusCallback:
    members = _Members(_decoded(body))
    return OrderStatusCallback(
        api_key=members.text("apiKey"),
        form_order_id=members.text("formOrderId", required=True),
        notification_channel=members.enum(NotificationChannel, "notificationChannel"),
        timestamp=members.moment("timestamp"),
        timestamp_utc=members.moment("timestampUtc"),
        form_order_status=members.enum(FormOrderStatus, "formOrderStatus", required=True),
        form_order_status_error_code=members.enum(FormOrderStatusErrorCode, "formOrderStatusErrorCode"),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_form_return_callback(body: Body) -> FormReturnCallback:
    members = _Members(_decoded(body))
    form_data, form_data_as_object = members.stringified_object("formData")
    patient_initiated = members.nested("patientInitiatedValues")
    event_log = members.items("formOrderEventLog")
    filled_out_by = members.nested("filledOutBy")
    return FormReturnCallback(
        api_key=members.text("apiKey"),
        form_order_id=members.text("formOrderId", required=True),
        form_data=form_data,
        form_data_as_object=form_data_as_object,
        form_order_status=members.enum(FormOrderStatus, "formOrderStatus", required=True),
        signed_form_id=members.text("signedFormId"),
        timestamp=members.moment("timestamp"),
        scanned_paper_id=members.text("scannedPaperId"),
        form_data_warnings=tuple(_warning(item) for item in members.items("formDataWarnings") or ()),
        notification_channel=members.enum(NotificationChannel, "notificationChannel"),
        is_patient_initiated=members.flag("isPatientInitiated"),
        patient_initiated_values=None if patient_initiated is None else _patient_initiated(patient_initiated),
        form_order_event_log=None if event_log is None else tuple(_event(item) for item in event_log),
        filled_out_by=None if filled_out_by is None else _filled_out_by(filled_out_by),
        extra=members.extra(),
        raw=dict(members.body),
    )


def _warning(members: _Members) -> FormDataWarning:
    return FormDataWarning(
        field_name=members.text("fieldName"), warning=members.text("warning"), extra=members.extra()
    )


def _event(members: _Members) -> FormOrderEvent:
    return FormOrderEvent(
        event_type=members.open_enum(FormOrderEventType, "eventType", required=True),
        question_id=members.text("questionId"),
        timestamp_utc=members.moment("timestampUtc"),
        extra=members.extra(),
    )


def _patient_initiated(members: _Members) -> PatientInitiatedValues:
    return PatientInitiatedValues(
        form_id=members.text("formId", required=True),
        national_id=members.text("nationalId", required=True),
        order_timestamp=members.moment("orderTimestamp"),
        order_timestamp_utc=members.moment("orderTimestampUTC"),
        extra=members.extra(),
    )


def _filled_out_by(members: _Members) -> FilledOutBy:
    return FilledOutBy(
        national_id=members.text("filledOutByActNationalId"),
        act_type=members.open_enum(FilledOutByActType, "filledOutByActType"),
        extra=members.extra(),
    )


# Spec 3.2.1, step 2: members only one of the two callbacks carries.
C2_MEMBERS = (
    "formData",
    "signedFormId",
    "scannedPaperId",
    "formDataWarnings",
    "formOrderEventLog",
    "isPatientInitiated",
    "patientInitiatedValues",
    "filledOutBy",
)
C1_MEMBERS = ("formOrderStatusErrorCode", "timestampUtc")


def classify_promsformorder(body: Body) -> Literal["C1", "C2"]:
    """Tell an order status (C1) from a form return (C2); both arrive on ``PUT …/api/PromsFormOrder``.

    Spec 3.2.1: ``formOrderStatus`` decides (``Completed``/``Expired`` → C2; ``Ordered``, ``Error`` and
    the UNSPECIFIED ``PhysicalMailReturned``/``DigipostDelivered`` → C1, status updates without form
    data). ``Completed`` is 0: the status is compared as a member, never tested for truth (Q18). Only
    when the status is missing or unreadable do the corroborating members decide, and only when they
    all point one way.
    """
    members = _Members(_decoded(body))
    status = members.value("formOrderStatus")
    try:
        parsed = parse_enum(FormOrderStatus, status, field="formOrderStatus")
    except EnumValueError:
        parsed = None
    if parsed is not None:
        return "C2" if parsed in C2_STATUSES else "C1"
    says_c2 = any(members.has(name) for name in C2_MEMBERS)
    says_c1 = any(members.has(name) for name in C1_MEMBERS)
    if says_c2 != says_c1:
        return "C2" if says_c2 else "C1"
    raise PayloadError(
        "formOrderStatus",
        status,
        "a FormOrderStatus name or number, or members that tell an order status (C1) from a form return (C2)",
    )


def read_promsformorder(body: Body) -> OrderStatusCallback | FormReturnCallback:
    """Read a ``PUT …/api/PromsFormOrder`` body as the callback :func:`classify_promsformorder` says."""
    decoded = _decoded(body)
    if classify_promsformorder(decoded) == "C2":
        return read_form_return_callback(decoded)
    return read_order_status_callback(decoded)


# --- C3, C4 and the reply --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MessageStatusCallback:
    """C3, normalised: ``messageToCitizenId`` + ``sentStatus`` whichever shape came (Q07).

    ``shape`` records what came: ``"message"`` (the examples' members), ``"formorder"`` (the [5567066]
    field list: ``formOrderId`` + ``formOrderStatus`` ``Ordered``/``Error``) or ``"mixed"``. When both
    shapes name an id, ``messageToCitizenId`` wins and ``formOrderId`` stays in ``extra``.
    """

    message_to_citizen_id: str
    sent_status: SentStatus
    shape: Literal["message", "formorder", "mixed"]
    api_key: str | None = None
    notification_channel: NotificationChannel | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class PersonvernCallback:
    """C4. The key travels in a header, not here; ``status`` is a Volven 7609 code (not E6/E7's)."""

    national_id: str
    id: str
    status: VolvenStatus | str  # the [5567066] list ends in "...": unknown codes stay strings
    name: str | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True, kw_only=True)
class CallbackReply:
    """The ordering system's reply to C1–C4 (also ePROM's E4/E5 reply): ``{"success": true|false}``.

    ``success`` is ``None`` when the member is missing or not a JSON boolean (``"true"`` included):
    the documented reply is a boolean, and a string is for the checks to report, not to guess.
    """

    success: bool | None = None
    extra: dict[str, Any] = _extra()
    raw: dict[str, Any] = _raw()


_OLD_C3_STATUS = {FormOrderStatus.Ordered: SentStatus.Sent, FormOrderStatus.Error: SentStatus.Error}


def read_message_status_callback(body: Body) -> MessageStatusCallback:
    members = _Members(_decoded(body))
    message_id = members.text("messageToCitizenId")
    id_is_new = message_id is not None
    if message_id is None:
        message_id = members.text("formOrderId")
    if message_id is None:
        raise PayloadError("messageToCitizenId", MISSING, "a string (or formOrderId, the old shape; Q07)")
    sent_status = members.enum(SentStatus, "sentStatus")
    status_is_new = sent_status is not None
    if sent_status is None:
        sent_status = _old_c3_status(members)
    return MessageStatusCallback(
        api_key=members.text("apiKey"),
        message_to_citizen_id=message_id,
        notification_channel=members.enum(NotificationChannel, "notificationChannel"),
        sent_status=sent_status,
        shape=_c3_shape(id_is_new, status_is_new),
        extra=members.extra(),
        raw=dict(members.body),
    )


def _c3_shape(id_is_new: bool, status_is_new: bool) -> Literal["message", "formorder", "mixed"]:
    if id_is_new and status_is_new:
        return "message"
    return "mixed" if id_is_new or status_is_new else "formorder"


def _old_c3_status(members: _Members) -> SentStatus:
    status = members.enum(FormOrderStatus, "formOrderStatus")
    if status is None:
        raise PayloadError("sentStatus", MISSING, "a SentStatus (or formOrderStatus Ordered|Error; Q07)")
    if status not in _OLD_C3_STATUS:
        raise PayloadError("formOrderStatus", members.value("formOrderStatus"), "Ordered or Error (Q07)")
    return _OLD_C3_STATUS[status]


def read_personvern_callback(body: Body) -> PersonvernCallback:
    members = _Members(_decoded(body))
    return PersonvernCallback(
        national_id=members.text("nationalId", required=True),
        id=members.text("id", required=True),
        name=members.text("name"),
        status=members.open_enum(VolvenStatus, "status", required=True),
        extra=members.extra(),
        raw=dict(members.body),
    )


def read_callback_reply(body: Body) -> CallbackReply:
    members = _Members(_decoded(body))
    success = members.value("success")
    return CallbackReply(
        success=success if isinstance(success, bool) else None,
        extra=members.extra(),
        raw=dict(members.body),
    )
