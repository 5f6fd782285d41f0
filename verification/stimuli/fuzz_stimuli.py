"""What each fuzz check sends: the documented cases, always sent first, and the strategy that follows.

Each check varies one thing and keeps the rest documented and cheap to draw, so it fails only for what it
is about: R-ENUM-FORMS the style of every enum field, R-TIMESTAMPS the shape of every timestamp member,
R-FORWARD-COMPAT the members added after 2022 and unknown ones.

Only what ePROM can produce (issue 10): ePROM sends one C1 per order, then one C2. So each status order is
pinned to one C1 meaning (``status_orders``: (order id, meaning) pairs, one order per meaning) and every C1
to it says the same in another form; the return order gets one set of answers (``_PINNED_ANSWERS``) in
every form. What varies across requests to one order is how they are written, never what they say. The building blocks are in
:mod:`verification.stimuli.strategies`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..spec.enums import (
    FilledOutByActType,
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
)
from ..spec.national_id import synthetic_national_ids
from ..spec.timestamps import CALLBACK_TIMESTAMP_SHAPES, TimestampShape
from ..spec.wire import EnumStyle, enum_value, form_return_callback
from .strategies import (
    BASIC_C1_MEANINGS,
    CALLBACK_ENUM_STYLES,
    REQUIRED_C1_MEANINGS,
    C1Meaning,
    Stimulus,
    completed_form_returns,
    event_logs,
    filled_out_by_values,
    form_data_warnings,
    form_order_events,
    order_status_body,
    order_status_callbacks,
    render_timestamp,
    timestamps,
    unknown_members,
)

__all__ = [
    "enum_form_stimuli",
    "timestamp_stimuli",
    "forward_compat_stimuli",
    "enum_form_examples",
    "timestamp_examples",
    "forward_compat_examples",
]

_BASIC_CHANNELS = st.none() | st.sampled_from((NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox))

# --- the documented cases: explicit examples, and the parts lean strategies draw from ---------------

_DOCUMENTED_INSTANT = datetime(2023, 3, 29, 8, 20, 10, 180433, tzinfo=timezone.utc)  # the C1 example's
_DOCUMENTED_ANSWERS = {"HealthGeneral": 1, "LastFourWeeksPain": 2, "Kommentar": "Vondt i skulderen, særlig om natten"}
_DOCUMENTED_WARNINGS = ({"fieldName": "HealthGeneral", "warning": "Verdien er utenfor forventet område"},)
# formData as the lean strategies send it: the documented answers, and answers a patient may well write
# (quotes, a line break, a null, a list, a paper date).
_FORM_DATA = tuple(json.dumps(answers, ensure_ascii=False) for answers in (
    _DOCUMENTED_ANSWERS,
    {"HealthGeneral": 3, "Kommentar": "Går på tur hver dag, føler meg bedre – \"takk\"\nHilsen Åse"},
    {"q1": 0, "smerte.intensitet": 7.5, "fritekst_øvrig": None, "flervalg": [1, 3], "Dato": "24.06.2024"},
))
# The one set of answers of a return order, written as the documented examples write them.
_PINNED_ANSWERS = form_return_callback(form_order_id="", answers=_DOCUMENTED_ANSWERS)["formData"]
_ORDERED = (FormOrderStatus.Ordered, NotificationChannel.Helsenorge, FormOrderStatusErrorCode.None_)
_UNREACHABLE = (FormOrderStatus.Error, NotificationChannel.None_, FormOrderStatusErrorCode.PatientUnreachable)


def _documented_stamps(shape: TimestampShape = "local_7", utc_shape: TimestampShape = "utc_7_z") -> dict[str, str]:
    return {"timestamp": render_timestamp(_DOCUMENTED_INSTANT, shape, tick=2),
            "timestampUtc": render_timestamp(_DOCUMENTED_INSTANT, utc_shape, zone_less="utc", tick=2)}


def _documented_return(
    order_id: str, *, style: EnumStyle = "name", shape: TimestampShape = "local_7",
    event_shape: TimestampShape = "space_ms", filled_out_by: dict[str, Any] | None = None,
    nested_extra: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A C2 ``Completed`` like the documented example, its parts rendered as asked."""
    more = nested_extra or {}
    log = _documented_event_log(event_shape)
    body = form_return_callback(
        form_order_id=order_id, answers=_DOCUMENTED_ANSWERS, channel=NotificationChannel.Helsenorge,
        warnings=[{**warning, **more} for warning in _DOCUMENTED_WARNINGS],
        event_log=[{**log[0], **more}, *log[1:]],
        filled_out_by=None if filled_out_by is None else {**filled_out_by, **more},
        timestamp=render_timestamp(_DOCUMENTED_INSTANT, shape, tick=2), enum_style=style,
    )
    return {**body, **(extra or {})}


def _documented_event_log(shape: TimestampShape = "space_ms") -> list[dict[str, Any]]:
    stamp = render_timestamp(_DOCUMENTED_INSTANT, shape, zone_less="utc")
    return [{"eventType": "FormOpened", "timestampUtc": stamp},
            {"eventType": "QuestionAccessed", "questionId": "HealthGeneral", "timestampUtc": stamp},
            {"eventType": "FormDelivered", "timestampUtc": stamp}]


def _lean_returns(return_order_ids: SearchStrategy[str], **overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Completed`` whose parts are drawn from the documented ones: what a fuzz check about something
    else than the answers sends."""
    defaults = {
        "form_order_ids": return_order_ids,
        "form_data": st.just(_PINNED_ANSWERS),
        "warnings": st.sampled_from(([], list(_DOCUMENTED_WARNINGS))),
        "event_log_values": st.sampled_from((None, [], _documented_event_log())),
        "timestamp_values": st.just(render_timestamp(_DOCUMENTED_INSTANT, "local_7", tick=2)),
    }
    return completed_form_returns(**{**defaults, **overrides})


def _documented_returns(
    return_order_ids: SearchStrategy[str], *, styles: SearchStrategy[EnumStyle] = st.sampled_from(CALLBACK_ENUM_STYLES),
    channels: SearchStrategy[NotificationChannel | None] = st.none() | st.sampled_from(NotificationChannel),
) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Completed`` bodies built from the documented parts ahead of time, then given an order id, a
    status style and a channel: a handful of draws per example, for the fuzz check about enum styles."""
    stamp = render_timestamp(_DOCUMENTED_INSTANT, "local_7", tick=2)
    bases = [
        form_return_callback(form_order_id="", answers={}, warnings=list(_DOCUMENTED_WARNINGS), event_log=log,
                             timestamp=stamp) | {"formData": _PINNED_ANSWERS}
        for log in (None, _documented_event_log())  # the log left out (older shape) or sent: the same return
    ]
    return st.builds(_restyled_return, return_order_ids, st.sampled_from(bases), styles, channels, styles)


def _restyled_return(
    order_id: str, base: dict[str, Any], status_style: EnumStyle, channel: NotificationChannel | None,
    channel_style: EnumStyle,
) -> dict[str, Any]:
    body = {**base, "formOrderId": order_id, "formOrderStatus": enum_value(FormOrderStatus.Completed, status_style)}
    if channel is not None:
        body["notificationChannel"] = enum_value(channel, channel_style)
    return body


# --- what each fuzz check sends ------------------------------------------------------------------------

_REQUIRED_STATUSES = frozenset({FormOrderStatus.Ordered, FormOrderStatus.Error})


def _as(kind: str, bodies: SearchStrategy[dict[str, Any]]) -> SearchStrategy[Stimulus]:
    return st.tuples(st.just(kind), bodies)  # not a map: hypothesis then prints ('C1', {...}) when it fails


def _pinned(status_orders: Sequence[tuple[str, C1Meaning]], meanings: Sequence[C1Meaning]) -> SearchStrategy:
    """(order id, meaning) of the status orders whose meaning is one of ``meanings``."""
    return st.sampled_from([pair for pair in status_orders if pair[1] in meanings])


def enum_form_stimuli(
    *, status_orders: Sequence[tuple[str, C1Meaning]], return_order_ids: SearchStrategy[str]
) -> SearchStrategy[Stimulus]:
    """R-ENUM-FORMS: C1 (``Ordered`` on every channel, ``Error`` with either code, one order each) and C2
    ``Completed`` (with or without a channel), every enum field as a name or an integer, independently
    (BR-24). Everything else is documented and cheap to draw (the representation is what varies):
    documented members and answers, timestamps as the simulator writes them, no ``Expired``
    (R-RETURN-EXPIRED's business)."""
    return st.one_of(
        _as("C1", order_status_callbacks(
            orders=_pinned(status_orders, REQUIRED_C1_MEANINGS), styles=st.sampled_from(CALLBACK_ENUM_STYLES),
            timestamp_members=st.sampled_from(({}, _documented_stamps())),
        )),
        _as("C2", _documented_returns(return_order_ids)),
    )


def timestamp_stimuli(
    *, status_orders: Sequence[tuple[str, C1Meaning]], return_order_ids: SearchStrategy[str]
) -> SearchStrategy[Stimulus]:
    """R-TIMESTAMPS: every documented shape in ``timestamp``/``timestampUtc`` of C1, and in ``timestamp``
    and the event log of a C2 ``Completed``; enums as names, the basic values only."""
    every = st.sampled_from(CALLBACK_TIMESTAMP_SHAPES)
    names = st.just("name")
    return st.one_of(
        _as("C1", order_status_callbacks(
            orders=_pinned(status_orders, BASIC_C1_MEANINGS), styles=names,
            timestamp_shapes=every, utc_timestamp_shapes=every, timestamps_present="always",
        )),
        _as("C2", _lean_returns(
            return_order_ids, styles=names, channels=_BASIC_CHANNELS, timestamp_values=timestamps(shapes=every),
            event_log_values=event_logs(events=form_order_events(shapes=every), max_size=3),
        )),
    )


def forward_compat_stimuli(
    *, status_orders: Sequence[tuple[str, C1Meaning]], return_order_ids: SearchStrategy[str]
) -> SearchStrategy[Stimulus]:
    """R-FORWARD-COMPAT: the members added after 2022 (C1 timestamps, ``filledOutBy``) and unknown members,
    at the top level and nested (event log, warnings, ``filledOutBy``); enums as names with the basic
    values, timestamps as the simulator writes them, so a refusal points at the new members. (The later
    members of ``patientInitiatedValues`` travel with R-PATIENT-INITIATED's patient-initiated returns.)"""
    unknown = st.just({}) | unknown_members()
    names = st.just("name")
    return st.one_of(
        _as("C1", order_status_callbacks(
            orders=_pinned(status_orders, BASIC_C1_MEANINGS), styles=names,
            timestamp_members=st.just(_documented_stamps()), extra_members=unknown,
        )),
        _as("C2", _lean_returns(
            return_order_ids, styles=names, channels=_BASIC_CHANNELS,
            warnings=form_data_warnings(field_names=st.just("HealthGeneral"), warnings=st.just("Verdien er uvanlig"),
                                        extra_members=unknown, max_size=1),
            event_log_values=st.lists(form_order_events(event_types=st.just(FormOrderEventType.FormOpened),
                                                        extra_members=unknown), max_size=2),
            filled_out_by=st.none() | filled_out_by_values(extra_members=unknown), extra_members=unknown,
        )),
    )


# --- explicit examples: the documented cases every profile sends before generating ----------------------

def _order_of(status_orders: Sequence[tuple[str, C1Meaning]], meaning: C1Meaning) -> str:
    return next(order_id for order_id, pinned in status_orders if pinned == meaning)


def enum_form_examples(*, status_orders: Sequence[tuple[str, C1Meaning]], return_order_id: str) -> list[Stimulus]:
    """Every field in one style at a time: each status order's C1, and the C2 ``Completed``, per style."""
    examples: list[Stimulus] = []
    for style in CALLBACK_ENUM_STYLES:
        for order_id, meaning in status_orders:
            if meaning in REQUIRED_C1_MEANINGS:
                body = order_status_body(order_id, meaning, (style, style, style), "", _documented_stamps(), {})
                examples.append(("C1", body))
        examples.append(("C2", _documented_return(return_order_id, style=style)))
    return examples


def timestamp_examples(*, status_orders: Sequence[tuple[str, C1Meaning]], return_order_id: str) -> list[Stimulus]:
    """Every documented shape in every timestamp member: one C1 and one C2 per shape."""
    examples: list[Stimulus] = []
    ordered = _order_of(status_orders, _ORDERED)
    for shape in CALLBACK_TIMESTAMP_SHAPES:
        stamps = _documented_stamps(shape, shape)
        examples.append(("C1", order_status_body(ordered, _ORDERED, ("name",) * 3, "", stamps, {})))
        examples.append(("C2", _documented_return(return_order_id, shape=shape, event_shape=shape)))
    return examples


def forward_compat_examples(
    *, status_orders: Sequence[tuple[str, C1Meaning]], return_order_id: str
) -> list[Stimulus]:
    """C1 as before 2023 and with its timestamps; C2 with ``filledOutBy``; unknown members at the top level
    and nested."""
    unknown = {"fremtidigFelt": {"nivå": 2, "kilde": "ePROM"}}
    filled_out_by = {"filledOutByActNationalId": synthetic_national_ids(1, seed=7)[0],
                     "filledOutByActType": FilledOutByActType.Foreldrerepresentasjon.value}
    ordered, unreachable = _order_of(status_orders, _ORDERED), _order_of(status_orders, _UNREACHABLE)
    return [
        ("C1", order_status_body(ordered, _ORDERED, ("name",) * 3, "", {}, {})),
        ("C1", order_status_body(unreachable, _UNREACHABLE, ("name",) * 3, "", _documented_stamps(), unknown)),
        ("C2", _documented_return(return_order_id, filled_out_by=filled_out_by)),
        ("C2", _documented_return(return_order_id, filled_out_by=filled_out_by, nested_extra={"schemaVersion": 3},
                                  extra=unknown)),
    ]
