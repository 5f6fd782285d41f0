"""The enum parser (names in any casing, integers, numeric strings; nothing else) and the writers' styles."""

from __future__ import annotations

import enum
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verification.spec import (
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
    enum_value,
    form_return_callback,
    message_status_callback,
    order_status_callback,
    parse_enum,
    wire_name,
)

INT_ENUMS = [
    DistributionRule,
    NotificationChannel,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    SentStatus,
    PersonvernInnstillingType,
    PersonvernInnstillingStatus,
    InstansEndret,
]
NAME_ENUMS = [VolvenStatus, FormOrderEventType, FilledOutByActType]
ALL_MEMBERS = [pytest.param(m, id=f"{type(m).__name__}.{m.name}") for cls in INT_ENUMS + NAME_ENUMS for m in cls]
INT_MEMBERS = [pytest.param(m, id=f"{type(m).__name__}.{m.name}") for cls in INT_ENUMS for m in cls]
CASINGS = [str, str.lower, str.upper, str.swapcase, str.title]
SETTINGS = settings(max_examples=60, derandomize=True, database=None, deadline=None)


@pytest.mark.parametrize("member", ALL_MEMBERS)
@pytest.mark.parametrize("casing", CASINGS, ids=["as-is", "lower", "upper", "swapcase", "title"])
def test_names_in_every_casing(member: enum.Enum, casing) -> None:
    assert parse_enum(type(member), casing(wire_name(member)), field="f") is member


@given(data=st.data())
@SETTINGS
def test_names_in_arbitrary_mixed_casing(data: st.DataObject) -> None:
    member = data.draw(st.sampled_from([m for cls in INT_ENUMS + NAME_ENUMS for m in cls]))
    name = wire_name(member)
    flips = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    mixed = "".join(c.swapcase() if flip else c for c, flip in zip(name, flips))
    assert parse_enum(type(member), mixed, field="f") is member


def test_surrounding_whitespace_is_tolerated() -> None:
    assert parse_enum(NotificationChannel, " Helsenorge ", field="f") is NotificationChannel.Helsenorge


@pytest.mark.parametrize("member", INT_MEMBERS)
def test_integers_and_numeric_strings(member: enum.IntEnum) -> None:
    cls = type(member)
    assert parse_enum(cls, int(member), field="f") is member
    assert parse_enum(cls, str(int(member)), field="f") is member


def test_none_travels_as_none() -> None:
    assert wire_name(NotificationChannel.None_) == "None"
    assert wire_name(FormOrderStatusErrorCode.None_) == "None"
    assert parse_enum(NotificationChannel, "none", field="f") is NotificationChannel.None_
    assert parse_enum(FormOrderStatusErrorCode, "NONE", field="f") is FormOrderStatusErrorCode.None_
    with pytest.raises(EnumValueError):
        parse_enum(NotificationChannel, "None_", field="f")


def test_completed_is_zero_and_parses_from_every_form() -> None:
    for value in ("Completed", "completed", 0, "0"):
        assert parse_enum(FormOrderStatus, value, field="f") is FormOrderStatus.Completed


@pytest.mark.parametrize("cls", INT_ENUMS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
def test_booleans_are_not_numbers(cls, value: bool) -> None:
    with pytest.raises(EnumValueError):
        parse_enum(cls, value, field="f")


@pytest.mark.parametrize("cls", INT_ENUMS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", [99, -1, "99", "-1", "1.0", 1.0, "", "  ", None, "Bogus", [1], {"a": 1}])
def test_unknown_numbers_and_garbage(cls, value: object) -> None:
    with pytest.raises(EnumValueError):
        parse_enum(cls, value, field="f")


@pytest.mark.parametrize("cls", NAME_ENUMS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", [0, 1, "0", "1", True, None, "", "Bogus"])
def test_name_only_enums_refuse_numbers(cls, value: object) -> None:
    with pytest.raises(EnumValueError):
        parse_enum(cls, value, field="f")


def test_error_names_the_field_and_the_allowed_values() -> None:
    with pytest.raises(EnumValueError) as caught:
        parse_enum(SentStatus, "Delivered", field="sentStatus")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == "sentStatus"
    assert error.value == "Delivered"
    assert "Sent (0)" in error.allowed and "Error (1)" in error.allowed
    assert str(error).startswith("sentStatus: 'Delivered'")
    assert "Sent (0), Error (1)" in str(error)


def test_error_lists_wire_names_not_python_names() -> None:
    with pytest.raises(EnumValueError) as caught:
        parse_enum(NotificationChannel, 9, field="notificationChannel")
    assert "None (0)" in caught.value.allowed and "None_" not in caught.value.allowed


@pytest.mark.parametrize(
    ("style", "expected"), [("name", "PatientUnreachable"), ("int", 1), ("str-int", "1")]
)
def test_enum_value_styles(style, expected) -> None:
    assert enum_value(FormOrderStatusErrorCode.PatientUnreachable, style) == expected


@pytest.mark.parametrize(
    ("style", "status", "channel", "code"),
    [
        ("name", "Error", "None", "SikkerDigitalPostError"),
        ("int", 3, 0, 2),
        ("str-int", "3", "0", "2"),
    ],
)
def test_order_status_callback_styles(style, status, channel, code) -> None:
    body = order_status_callback(
        form_order_id="x",
        status=FormOrderStatus.Error,
        channel=NotificationChannel.None_,
        error_code=FormOrderStatusErrorCode.SikkerDigitalPostError,
        enum_style=style,
    )
    assert (body["formOrderStatus"], body["notificationChannel"], body["formOrderStatusErrorCode"]) == (
        status,
        channel,
        code,
    )


def test_head_style_integer_channel_with_named_statuses() -> None:
    """[HEAD] C1: notificationChannel as an integer, formOrderStatus still a name."""
    body = order_status_callback(form_order_id="x", channel_style="int")
    assert body["notificationChannel"] == 1 and body["formOrderStatus"] == "Ordered"
    assert body["formOrderStatusErrorCode"] == "None"


def test_message_status_callback_styles_and_shapes() -> None:
    head = message_status_callback(message_to_citizen_id="m", enum_style="int")
    assert head["sentStatus"] == 0 and head["notificationChannel"] == 1
    old = message_status_callback(message_to_citizen_id="m", sent_status=SentStatus.Error, shape="formorder")
    assert old["formOrderId"] == "m" and old["formOrderStatus"] == "Error" and "sentStatus" not in old


def test_form_return_callback_stringifies_form_data_and_writes_styles() -> None:
    body = form_return_callback(form_order_id="x", answers={"HealthGeneral": 1}, enum_style="int")
    assert isinstance(body["formData"], str) and json.loads(body["formData"]) == {"HealthGeneral": 1}
    assert body["formOrderStatus"] == 0  # Completed is 0 on the wire in the integer style
