"""The strategies generate what the lenient readers accept and classify as the kind they stand for."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verification.spec.enums import (
    C1_STATUSES,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    parse_enum,
)
from verification.spec.national_id import classify
from verification.spec.payloads import (
    FormReturnCallback,
    OrderStatusCallback,
    classify_promsformorder,
    read_form_return_callback,
    read_message_status_callback,
    read_order_status_callback,
    read_personvern_callback,
    read_promsformorder,
)
from verification.spec.timestamps import CALLBACK_TIMESTAMP_SHAPES, TIMESTAMP_SHAPES, parse_timestamp, shape_of
from verification.stimuli import fuzz_stimuli as F
from verification.stimuli import strategies as S
from verification.stimuli.features import (
    enum_form_features,
    forward_compat_features,
    timestamp_features,
)

FEW = settings(max_examples=60, deadline=None, derandomize=True, database=None)
ORDER = "3f1c2b4e-8a7d-4c1e-9b2a-0d5e6f7a8b9c"
RETURN = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
NORWEGIAN = set("æøåÆØÅ")


def _synthetic(number: str) -> bool:
    info = classify(number)
    return info.synthetic in ("tenor", "syntpop") and info.accepted_by_eprom


@FEW
@given(S.order_status_callbacks())
def test_order_status_callbacks_read_as_c1_with_the_meaning_written(body):
    assert classify_promsformorder(body) == "C1"
    c1 = read_order_status_callback(body)
    assert (c1.form_order_status, c1.notification_channel, c1.form_order_status_error_code) in S.C1_MEANINGS
    assert c1.form_order_status in C1_STATUSES and body["apiKey"] == ""
    assert (c1.timestamp is None) == (c1.timestamp_utc is None)  # added together: both or neither


@FEW
@given(S.order_status_callbacks(timestamps_present="always"))
def test_the_two_c1_timestamps_name_one_instant(body):
    c1 = read_order_status_callback(body)
    assert c1.timestamp is not None and c1.timestamp_utc is not None
    assert abs(c1.timestamp - c1.timestamp_utc) < timedelta(microseconds=1)


@FEW
@given(S.form_return_callbacks())
def test_form_returns_read_as_c2_whatever_the_status_style(body):
    # Completed is 0 and travels as 0, "0" or "Completed": it must still classify as a form return.
    assert classify_promsformorder(body) == "C2"
    c2 = read_form_return_callback(body)
    assert c2.form_order_status in (FormOrderStatus.Completed, FormOrderStatus.Expired)
    if c2.form_order_status == FormOrderStatus.Completed:
        assert isinstance(body["formData"], str) and not c2.form_data_as_object and c2.form_data
    else:
        assert "formData" not in body
    assert not c2.is_signed and not c2.is_paper


@FEW
@given(S.completed_form_returns(styles=st.sampled_from(("int", "str-int"))))
def test_completed_as_zero_is_a_form_return(body):
    assert body["formOrderStatus"] in (0, "0")
    assert isinstance(read_promsformorder(body), FormReturnCallback)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        pytest.param(S.expired_form_returns(), "expired", id="expired"),
        pytest.param(S.paper_form_returns(), "paper", id="paper"),
        pytest.param(S.signed_form_returns(), "signed", id="signed"),
        pytest.param(S.patient_initiated_form_returns(), "patient", id="patient-initiated"),
    ],
)
def test_each_kind_of_form_return_reads_as_that_kind(strategy, expected):
    @FEW
    @given(strategy)
    def check(body):
        c2 = read_form_return_callback(body)
        if expected == "expired":
            assert c2.form_order_status == FormOrderStatus.Expired and c2.form_data is None
        elif expected == "paper":
            assert c2.is_paper and c2.notification_channel == NotificationChannel.PhysicalMailbox
            assert c2.form_order_event_log == ()
        elif expected == "signed":
            assert c2.is_signed and c2.form_order_status == FormOrderStatus.Completed
        else:
            assert c2.is_patient_initiated is True and c2.patient_initiated_values is not None
            assert _synthetic(c2.patient_initiated_values.national_id)

    check()


@FEW
@given(S.completed_form_returns(filled_out_by=S.filled_out_by_values(), event_log_values=S.event_logs()))
def test_filled_out_by_and_event_logs_read_and_carry_synthetic_ids_only(body):
    c2 = read_form_return_callback(body)
    assert c2.filled_out_by is not None and _synthetic(c2.filled_out_by.national_id)
    for event in c2.form_order_event_log or ():
        assert event.timestamp_utc is not None
        assert (event.question_id is not None) == (event.event_type == "QuestionAccessed")


@FEW
@given(S.message_status_callbacks())
def test_message_status_callbacks_read_in_both_shapes(body):
    c3 = read_message_status_callback(body)
    assert c3.shape == ("message" if "messageToCitizenId" in body else "formorder")
    assert c3.sent_status in SentStatus


@FEW
@given(S.personvern_callbacks())
def test_personvern_callbacks_read_with_a_synthetic_id(body):
    c4 = read_personvern_callback(body)
    assert _synthetic(c4.national_id) and "apiKey" not in body


@FEW
@given(S.national_ids())
def test_national_ids_are_synthetic_only(number):
    assert _synthetic(number)


@FEW
@given(S.moments(), st.sampled_from(list(TIMESTAMP_SHAPES)), st.sampled_from(["utc", "oslo"]))
def test_every_shape_renders_as_documented_and_reads_back_as_the_instant(moment, shape, zone_less):
    text = S.render_timestamp(moment, shape, zone_less=zone_less, tick=7)
    assert shape_of(text) == shape
    assert shape_of(TIMESTAMP_SHAPES[shape]) == shape  # the documented example has that shape too
    read = parse_timestamp(text, field="x", zone_less_means=zone_less)
    tolerance = {"date": timedelta(days=1), "offset": timedelta(seconds=1)}.get(shape, timedelta(milliseconds=1))
    assert abs(read - moment) < tolerance


@FEW
@given(S.norwegian_texts())
def test_norwegian_texts_carry_aeoeaa(text):
    assert NORWEGIAN & set(text)


@FEW
@given(S.form_data_strings(objects=S.form_data_objects(values=S.norwegian_texts())))
def test_form_data_is_a_stringified_object_with_the_letters_unescaped(text):
    assert isinstance(json.loads(text), dict) and NORWEGIAN & set(text) and "\\u00" not in text


@FEW
@given(S.order_status_callbacks(extra_members=S.unknown_members()))
def test_unknown_members_are_unknown_to_the_readers(body):
    c1 = read_order_status_callback(body)
    assert c1.extra and set(c1.extra) <= set(S.UNKNOWN_MEMBER_NAMES)


@FEW
@given(S.enum_styles(), st.sampled_from(list(FormOrderStatusErrorCode)), st.data())
def test_enum_values_parse_back_to_the_member_in_their_style(style, member, data):
    value = data.draw(S.enum_values(st.just(member), styles=st.just(style)))
    assert S.style_of(value) == style and parse_enum(FormOrderStatusErrorCode, value, field="x") == member


# --- what the fuzz checks send ----------------------------------------------------------------------------


# One order per C1 meaning (ePROM sends one C1 per order): the meaning is the order's, the form varies.
STATUS_ORDERS = tuple((f"{n:08d}-0000-4000-8000-000000000000", meaning) for n, meaning in enumerate(S.C1_MEANINGS))
ORDER_OF = dict((order_id, meaning) for order_id, meaning in STATUS_ORDERS)


def _stimuli(plan):
    return plan(status_orders=STATUS_ORDERS, return_order_ids=st.just(RETURN))


@pytest.mark.parametrize("plan", [F.enum_form_stimuli, F.timestamp_stimuli, F.forward_compat_stimuli],
                         ids=["enum-forms", "timestamps", "forward-compat"])
def test_fuzz_stimuli_are_readable_and_go_to_the_placed_orders(plan):
    @FEW
    @given(_stimuli(plan))
    def check(stimulus):
        kind, body = stimulus
        update = read_promsformorder(body)
        assert kind == ("C1" if isinstance(update, OrderStatusCallback) else "C2")
        if kind == "C1":  # every C1 to an order says what that order's one C1 says
            meaning = ORDER_OF[update.form_order_id]
            assert (update.form_order_status, update.notification_channel) == meaning[:2]
        else:
            assert update.form_order_id == RETURN
        if kind == "C2":  # no Expired: that is R-RETURN-EXPIRED's business
            assert update.form_order_status == FormOrderStatus.Completed

    check()


@FEW
@given(_stimuli(F.timestamp_stimuli))
def test_timestamp_stimuli_vary_only_the_timestamps(stimulus):
    assert not any("as int" in f or "as str-int" in f for f in enum_form_features(stimulus))
    assert not forward_compat_features(stimulus) or all("added" in f for f in forward_compat_features(stimulus))
    assert all(not f.endswith(" other") for f in timestamp_features(stimulus))


@FEW
@given(_stimuli(F.forward_compat_stimuli))
def test_forward_compat_stimuli_use_names_and_the_basic_values(stimulus):
    kind, body = stimulus
    assert all(f.endswith("as name") for f in enum_form_features(stimulus))
    assert body.get("notificationChannel") in (None, "Helsenorge", "DigitalMailbox", "None")


def test_the_explicit_examples_cover_every_style_every_shape_and_the_new_members():
    ids = {"status_orders": STATUS_ORDERS, "return_order_id": RETURN}
    enum_features = {f for s in F.enum_form_examples(**ids) for f in enum_form_features(s)}
    assert {f"C1 {name} as {style}" for name in ("formOrderStatus", "notificationChannel", "formOrderStatusErrorCode")
            for style in S.CALLBACK_ENUM_STYLES} <= enum_features
    assert not any("as str-int" in f for f in enum_features)  # BR-24 documents names and integers only
    stamp_features = {f for s in F.timestamp_examples(**ids) for f in timestamp_features(s)}
    every_shape = {f"{kind} timestamp {shape}" for kind in ("C1", "C2") for shape in CALLBACK_TIMESTAMP_SHAPES}
    assert every_shape <= stamp_features
    member_features = {f for s in F.forward_compat_examples(**ids) for f in forward_compat_features(s)}
    assert {"C2 filledOutBy (added 2025-03-18)", "C1 timestamp (added 2023-04-19)", "C1 unknown fremtidigFelt",
            "C2 unknown formOrderEventLog[].schemaVersion", "C2 unknown filledOutBy.schemaVersion"} <= member_features
