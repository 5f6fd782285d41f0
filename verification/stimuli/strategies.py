"""Hypothesis strategies for everything the kit sends as ePROM: C1–C4 bodies and their parts.

Every strategy is a function returning a strategy, named as a plural noun, with keyword-only parameters
that take *strategies* (never values), so a fuzz check narrows a default by passing ``st.just(…)`` or its
own ``sampled_from``. Bodies come from the exact writers of :mod:`verification.spec.wire` and then have
their enum fields re-rendered one by one, so each field travels in its own style:

- enum fields as a name, an integer or a numeric string (:data:`ENUM_STYLES`, Q06), independently per
  field; name-only enums (``eventType``, ``filledOutByActType``, Volven ``status``) as names;
- timestamps in every documented shape (:data:`CALLBACK_TIMESTAMP_SHAPES`, Q04), a zone-less value
  rendered in the zone its field implies (``…Utc`` in UTC, the rest in Norwegian local time);
- ``formData`` as a stringified JSON object with Norwegian text (æøå), question ids and numbers;
- event logs, ``formDataWarnings``, members added after 2022 (:data:`LATER_MEMBERS`) and unknown members,
  at the top level and nested (:func:`unknown_members`);
- national ids from the synthetic ranges only (Tenor +80, SyntPop +65): never a real person's.

The ``apiKey`` of generated bodies is ``""`` (as in the documented examples): the fuzz runner puts the real
key in just before sending, so hypothesis never prints it in a falsifying example.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any, Literal

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..spec.enums import (
    FilledOutByActType,
    FormOrderEventType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    VolvenStatus,
)
from ..spec.national_id import synthetic_national_ids
from ..spec.timestamps import CALLBACK_TIMESTAMP_SHAPES, TimestampShape
from ..spec.wire import (
    ZERO_GUID,
    EnumStyle,
    enum_value,
    form_return_callback,
    message_status_callback,
    order_status_callback,
    personvern_callback,
)

__all__ = [
    "ENUM_STYLES",
    "CALLBACK_ENUM_STYLES",
    "C1_MEANINGS",
    "REQUIRED_C1_MEANINGS",
    "BASIC_C1_MEANINGS",
    "LATER_MEMBERS",
    "UNKNOWN_MEMBER_NAMES",
    "C1Meaning",
    "style_of",
    "describe_enum_value",
    "Stimulus",
    "render_timestamp",
    # parts
    "enum_styles",
    "enum_values",
    "guids",
    "moments",
    "timestamps",
    "national_ids",
    "norwegian_texts",
    "question_ids",
    "answer_values",
    "form_data_objects",
    "form_data_strings",
    "form_data_warnings",
    "form_order_events",
    "event_logs",
    "filled_out_by_values",
    "patient_initiated_values",
    "unknown_members",
    "c1_meanings",
    # callbacks
    "order_status_callbacks",
    "form_return_callbacks",
    "completed_form_returns",
    "expired_form_returns",
    "paper_form_returns",
    "signed_form_returns",
    "patient_initiated_form_returns",
    "message_status_callbacks",
    "personvern_callbacks",
    "order_status_body",
]

ENUM_STYLES: tuple[EnumStyle, ...] = ("name", "int", "str-int")
# The forms BR-24 documents for the callbacks: names and integers. A numeric string is documented only in
# the E3 response (Q06, corrected), so R-ENUM-FORMS never sends one.
CALLBACK_ENUM_STYLES: tuple[EnumStyle, ...] = ("name", "int")

C1Meaning = tuple[FormOrderStatus, NotificationChannel, FormOrderStatusErrorCode]
Stimulus = tuple[str, dict[str, Any]]  # ("C1", body): a callback kind and the body to send
_NONE_CODE = FormOrderStatusErrorCode.None_
# The (status, channel, error code) triples ePROM plausibly sends in a C1 (spec 3.1): Ordered on every
# channel (None for NoDistribution), Error with either code and channel None, and the two UNSPECIFIED
# statuses on the channel they name.
C1_MEANINGS: tuple[C1Meaning, ...] = (
    *((FormOrderStatus.Ordered, channel, _NONE_CODE) for channel in NotificationChannel),
    (FormOrderStatus.Error, NotificationChannel.None_, FormOrderStatusErrorCode.PatientUnreachable),
    (FormOrderStatus.Error, NotificationChannel.None_, FormOrderStatusErrorCode.SikkerDigitalPostError),
    (FormOrderStatus.PhysicalMailReturned, NotificationChannel.PhysicalMailbox, _NONE_CODE),
    (FormOrderStatus.DigipostDelivered, NotificationChannel.DigitalMailbox, _NONE_CODE),
)
# The ones checklist item V1.2 is about ("verifiser mottak av status på bestilling", IntegrasjonVerifikasjon.md:10);
# the other two are R-STATUS-OTHER's business.
REQUIRED_C1_MEANINGS: tuple[C1Meaning, ...] = tuple(
    m for m in C1_MEANINGS if m[0] in (FormOrderStatus.Ordered, FormOrderStatus.Error)
)

# The values every version of the guide shows in its examples (the channels ePROM has always had, the
# first error code): what a check about something else than enum values sends, so it fails only for that.
BASIC_C1_MEANINGS: tuple[C1Meaning, ...] = (
    *((FormOrderStatus.Ordered, channel, _NONE_CODE)
      for channel in (NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox, NotificationChannel.None_)),
    (FormOrderStatus.Error, NotificationChannel.None_, FormOrderStatusErrorCode.PatientUnreachable),
)

# Members added to the callbacks after the guide the project started from ([5567066], 2022-03-04).
LATER_MEMBERS: dict[str, dict[str, str]] = {
    "C1": {"timestamp": "2023-04-19", "timestampUtc": "2023-04-19"},
    "C2": {
        "patientInitiatedValues.orderTimestamp": "2023-04-19",
        "patientInitiatedValues.orderTimestampUTC": "2023-06-08",
        "filledOutBy": "2025-03-18",
    },
}
# Names no version of the guide documents, in the styles a future ePROM might add members.
UNKNOWN_MEMBER_NAMES = (
    "schemaVersion", "fremtidigFelt", "ePromTraceId", "reminderCount", "x-hemit-debug", "Språk",
)

_NORWEGIAN_PHRASES = (
    "Smerter i skulderen, særlig om natten",
    "Går på tur hver dag, føler meg bedre",
    "Vondt i ryggen etter å ha båret ved",
    "Blåbærsyltetøy og brunost til frokost",
    "Ærlig talt: søvnen er dårlig",
    "Øvelsene fra fysioterapeuten hjelper",
    "Får ikke gått trapper uten å hvile",
    "Ingen endring siden forrige gang – takk for spørsmålet!",
)
_NORWEGIAN_ALPHABET = "abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ0123456789 .,:;!?-–()\"'/\n"
_QUESTION_IDS = (
    "HealthGeneral", "LastFourWeeksPain", "LastFourWeeksRelaxed", "PhysicalHealthLessDone", "Kommentar",
    "Spm_1_2", "q1", "smerte.intensitet", "fritekst_øvrig",
)
_DATES = st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31))
_SETTING_NAMES = ("Reservasjon mot forskning", "Samtykke til bruk av helsedata", "Tilgangsbegrensning for pårørende")


def style_of(value: object) -> EnumStyle:
    """The style an enum value travels in: ``int``, ``str-int`` (a numeric string) or ``name``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "int"
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return "str-int"
    return "name"


# --- parts ---------------------------------------------------------------------------------------------


def enum_styles() -> SearchStrategy[EnumStyle]:
    return st.sampled_from(ENUM_STYLES)


def enum_values(
    members: SearchStrategy[Enum], *, styles: SearchStrategy[EnumStyle] = enum_styles()
) -> SearchStrategy[str | int]:
    """A member of an int-valued enum as a name, an integer or a numeric string."""
    return st.builds(enum_value, members, styles)


def guids() -> SearchStrategy[str]:
    return st.uuids().map(str)


def moments(
    *, min_value: datetime = datetime(2019, 1, 1), max_value: datetime = datetime(2030, 12, 31)
) -> SearchStrategy[datetime]:
    """Aware UTC instants, with microseconds (the seventh digit of .NET is added when rendering)."""
    return st.datetimes(min_value=min_value, max_value=max_value).map(lambda m: m.replace(tzinfo=timezone.utc))


def _oslo_offset(moment: datetime) -> timedelta:
    """Europe/Oslo's offset at ``moment`` (UTC), from the zone database."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Oslo")).utcoffset() or timedelta(0)


def render_timestamp(
    moment: datetime, shape: TimestampShape, *, zone_less: Literal["utc", "oslo"] = "oslo", tick: int = 0
) -> str:
    """``moment`` (aware) in ``shape``; a zone-less shape in ``zone_less`` time; ``tick`` is .NET's 7th digit."""
    utc = moment.astimezone(timezone.utc)
    local = utc + _oslo_offset(utc)
    wall = utc if zone_less == "utc" else local
    if shape == "offset":
        offset = _oslo_offset(utc)
        hours, minutes = divmod(int(offset.total_seconds()) // 60, 60)
        return local.strftime("%Y-%m-%dT%H:%M:%S") + f"+{hours:02d}:{minutes:02d}"
    if shape == "local_7":
        return wall.strftime("%Y-%m-%dT%H:%M:%S.%f") + str(tick)
    if shape == "utc_7_z":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{tick}Z"
    millis = f"{wall.microsecond // 1000:03d}"
    if shape == "local_ms":
        return wall.strftime("%Y-%m-%dT%H:%M:%S.") + millis
    if shape == "utc_ms_z":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if shape == "space_ms":
        return wall.strftime("%Y-%m-%d %H:%M:%S.") + millis
    return wall.strftime("%Y-%m-%d")


def timestamps(
    *,
    shapes: SearchStrategy[TimestampShape] = st.sampled_from(CALLBACK_TIMESTAMP_SHAPES),
    instants: SearchStrategy[datetime] = moments(),
    zone_less: Literal["utc", "oslo"] = "oslo",
) -> SearchStrategy[str]:
    """Date-time strings in the documented shapes; ``zone_less`` says how a zone-less shape is meant."""
    ticks = st.integers(min_value=0, max_value=9)
    return st.builds(
        lambda moment, shape, tick: render_timestamp(moment, shape, zone_less=zone_less, tick=tick),
        instants, shapes, ticks,
    )


def _timestamps_for(field: str, shapes: SearchStrategy[TimestampShape]) -> SearchStrategy[str]:
    return timestamps(shapes=shapes, zone_less="utc" if field.lower().endswith("utc") else "oslo")


def national_ids(
    *,
    d_numbers: SearchStrategy[bool] = st.booleans(),
    sources: SearchStrategy[Literal["tenor", "syntpop"]] = st.sampled_from(("tenor", "syntpop")),
) -> SearchStrategy[str]:
    """Synthetic national ids only (Tenor month +80, SyntPop +65), fødselsnummer or D-number."""
    return st.builds(
        lambda seed, d_number, source: synthetic_national_ids(1, d_number=d_number, source=source, seed=seed)[0],
        st.integers(min_value=0, max_value=2**20), d_numbers, sources,
    )


def norwegian_texts(*, max_extra: int = 20) -> SearchStrategy[str]:
    """Free text as a patient writes it: a Norwegian phrase (always with æ, ø or å) plus generated text."""
    return st.builds(
        lambda phrase, extra: phrase + extra,
        st.sampled_from(_NORWEGIAN_PHRASES),
        st.text(alphabet=_NORWEGIAN_ALPHABET, max_size=max_extra),
    )


def question_ids() -> SearchStrategy[str]:
    return st.sampled_from(_QUESTION_IDS)


def answer_values(*, texts: SearchStrategy[str] = norwegian_texts()) -> SearchStrategy[Any]:
    """What a form field holds: a score, a decimal, free text, a yes/no, a multiple choice, a paper date."""
    return st.one_of(
        st.integers(min_value=-1, max_value=100),
        st.decimals(min_value=0, max_value=300, places=1).map(float),
        texts,
        st.booleans(),
        st.lists(st.integers(min_value=0, max_value=9), max_size=4),
        _DATES.map(lambda day: day.isoformat()),
        st.none(),
    )


def form_data_objects(
    *,
    keys: SearchStrategy[str] = question_ids(),
    values: SearchStrategy[Any] = answer_values(),
    min_size: int = 1,
    max_size: int = 6,
) -> SearchStrategy[dict[str, Any]]:
    """The answers object of a completed form, keyed by the form's question ids."""
    return st.dictionaries(keys, values, min_size=min_size, max_size=max_size)


def form_data_strings(*, objects: SearchStrategy[dict[str, Any]] = form_data_objects()) -> SearchStrategy[str]:
    """``formData`` as ePROM sends it: a *stringified* JSON object (UTF-8, æøå unescaped)."""
    return objects.map(lambda answers: json.dumps(answers, ensure_ascii=False))


def _with_extra(base: SearchStrategy[dict[str, Any]], extra: SearchStrategy[dict[str, Any]]) -> SearchStrategy[dict]:
    return st.builds(lambda body, more: {**body, **more}, base, extra)


def form_data_warnings(
    *,
    field_names: SearchStrategy[str] = question_ids(),
    warnings: SearchStrategy[str] = norwegian_texts(max_extra=8),
    extra_members: SearchStrategy[dict[str, Any]] = st.just({}),
    max_size: int = 3,
) -> SearchStrategy[list[dict[str, Any]]]:
    warning = st.fixed_dictionaries({"fieldName": field_names, "warning": warnings})
    return st.lists(_with_extra(warning, extra_members), max_size=max_size)


def form_order_events(
    *,
    event_types: SearchStrategy[FormOrderEventType] = st.sampled_from(FormOrderEventType),
    question: SearchStrategy[str] = question_ids(),
    shapes: SearchStrategy[TimestampShape] = st.just("space_ms"),
    extra_members: SearchStrategy[dict[str, Any]] = st.just({}),
) -> SearchStrategy[dict[str, Any]]:
    """One ``formOrderEventLog`` entry; ``questionId`` only for ``QuestionAccessed``, as documented."""
    stamps = _timestamps_for("timestampUtc", shapes)

    def entry(event_type: FormOrderEventType, question_id: str, stamp: str, extra: dict) -> dict[str, Any]:
        body: dict[str, Any] = {"eventType": event_type.value}
        if event_type == FormOrderEventType.QuestionAccessed:
            body["questionId"] = question_id
        return {**body, "timestampUtc": stamp, **extra}

    return st.builds(entry, event_types, question, stamps, extra_members)


def event_logs(
    *, events: SearchStrategy[dict[str, Any]] = form_order_events(), max_size: int = 6
) -> SearchStrategy[list[dict[str, Any]]]:
    return st.lists(events, max_size=max_size)


def filled_out_by_values(
    *,
    national_id_values: SearchStrategy[str] = national_ids(),
    act_types: SearchStrategy[FilledOutByActType] = st.sampled_from(FilledOutByActType),
    extra_members: SearchStrategy[dict[str, Any]] = st.just({}),
) -> SearchStrategy[dict[str, Any]]:
    """[HEAD, 2025] ``filledOutBy``: who filled in the form on Helsenorge."""
    base = st.fixed_dictionaries(
        {"filledOutByActNationalId": national_id_values, "filledOutByActType": act_types.map(lambda a: a.value)}
    )
    return _with_extra(base, extra_members)


def patient_initiated_values(
    *,
    form_ids: SearchStrategy[str] = guids(),
    national_id_values: SearchStrategy[str] = national_ids(),
    shapes: SearchStrategy[TimestampShape] = st.sampled_from(("local_ms", "local_7")),
    utc_shapes: SearchStrategy[TimestampShape] = st.sampled_from(("utc_ms_z", "utc_7_z")),
    extra_members: SearchStrategy[dict[str, Any]] = st.just({}),
) -> SearchStrategy[dict[str, Any]]:
    """``patientInitiatedValues``; the two order timestamps are optional (added 2023) and independent."""
    base = st.fixed_dictionaries(
        {"formId": form_ids, "nationalId": national_id_values},
        optional={
            "orderTimestamp": _timestamps_for("orderTimestamp", shapes),
            "orderTimestampUTC": _timestamps_for("orderTimestampUTC", utc_shapes),
        },
    )
    return _with_extra(base, extra_members)


def _json_values() -> SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet=_NORWEGIAN_ALPHABET, max_size=12))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(("a", "b", "nivå")), inner, max_size=3)
        ),
        max_leaves=6,
    )


def unknown_members(*, min_size: int = 1, max_size: int = 3) -> SearchStrategy[dict[str, Any]]:
    """Members no version of the guide documents, with any JSON value (objects and arrays included)."""
    return st.dictionaries(st.sampled_from(UNKNOWN_MEMBER_NAMES), _json_values(), min_size=min_size, max_size=max_size)


def c1_meanings(*, statuses: frozenset[FormOrderStatus] | None = None) -> SearchStrategy[C1Meaning]:
    """(status, channel, error code) as ePROM plausibly combines them; ``statuses`` narrows the status."""
    meanings = [m for m in C1_MEANINGS if statuses is None or m[0] in statuses]
    return st.sampled_from(meanings)


# --- callbacks -----------------------------------------------------------------------------------------


def order_status_body(
    form_order_id: str,
    meaning: C1Meaning,
    styles: tuple[EnumStyle, EnumStyle, EnumStyle],
    api_key: str,
    stamps: dict[str, str],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """One C1 body: ``meaning`` with each enum field in its style, ``stamps`` (``timestamp``/``timestampUtc``
    or none) where the writer puts them, ``extra`` members last."""
    status, channel, error_code = meaning
    body = order_status_callback(
        form_order_id=form_order_id, status=status, channel=channel, error_code=error_code,
        api_key=api_key, with_timestamps=False, enum_style=styles[0], channel_style=styles[1],
    )
    body["formOrderStatusErrorCode"] = enum_value(error_code, styles[2])
    head = {name: body.pop(name) for name in ("apiKey", "formOrderId", "notificationChannel")}
    return {**head, **stamps, **body, **extra}  # the timestamps where the writer puts them


def _c1_timestamp_members(
    shapes: SearchStrategy[TimestampShape],
    utc_shapes: SearchStrategy[TimestampShape],
    presence: Literal["always", "optional", "never"],
) -> SearchStrategy[dict[str, str]]:
    """``timestamp`` and ``timestampUtc`` of one instant (added together in 2023: both or neither)."""
    if presence == "never":
        return st.just({})
    pair = st.builds(
        lambda moment, shape, utc_shape, tick: {
            "timestamp": render_timestamp(moment, shape, zone_less="oslo", tick=tick),
            "timestampUtc": render_timestamp(moment, utc_shape, zone_less="utc", tick=tick),
        },
        moments(), shapes, utc_shapes, st.integers(min_value=0, max_value=9),
    )
    return pair if presence == "always" else st.just({}) | pair


def order_status_callbacks(
    *,
    form_order_ids: SearchStrategy[str] = guids(),
    meanings: SearchStrategy[C1Meaning] = c1_meanings(),
    styles: SearchStrategy[EnumStyle] = enum_styles(),
    api_keys: SearchStrategy[str] = st.just(""),
    timestamp_shapes: SearchStrategy[TimestampShape] = st.just("local_7"),
    utc_timestamp_shapes: SearchStrategy[TimestampShape] = st.just("utc_7_z"),
    timestamps_present: Literal["always", "optional", "never"] = "optional",
    timestamp_members: SearchStrategy[dict[str, str]] | None = None,
    extra_members: SearchStrategy[dict[str, Any]] = st.just({}),
    orders: SearchStrategy[tuple[str, C1Meaning]] | None = None,
) -> SearchStrategy[dict[str, Any]]:
    """C1 bodies; each enum field in its own style; the timestamps (added 2023) present, absent or either.

    ``orders`` draws (order id, meaning) together, instead of ``form_order_ids`` and ``meanings`` apart:
    ePROM sends one C1 per order, so a run against a real system pins each order to the one meaning its
    C1 has and varies only how that C1 is written (issue 10).

    By default ``timestamp`` is local time with seven digits and ``timestampUtc`` UTC with ``Z``, as in the
    [HEAD] example and as the simulator sends them; pass the shape strategies to fuzz every documented shape,
    or ``timestamp_members`` for the two members outright.
    """
    stamps = (timestamp_members if timestamp_members is not None
              else _c1_timestamp_members(timestamp_shapes, utc_timestamp_shapes, timestamps_present))
    if orders is not None:
        return st.builds(lambda pair, *rest: order_status_body(pair[0], pair[1], *rest), orders,
                         st.tuples(styles, styles, styles), api_keys, stamps, extra_members)
    return st.builds(order_status_body, form_order_ids, meanings, st.tuples(styles, styles, styles), api_keys, stamps,
                     extra_members)


def _c2_body(
    parts: dict[str, Any], status_style: EnumStyle, channel_style: EnumStyle, extra: dict[str, Any]
) -> dict[str, Any]:
    status = parts["status"]
    channel = parts["channel"]
    body = form_return_callback(
        form_order_id=parts["form_order_id"],
        status=status,
        signed_form_id=parts["signed_form_id"],
        scanned_paper_id=parts["scanned_paper_id"],
        channel=channel,
        warnings=parts["warnings"],
        event_log=parts["event_log"],
        patient_initiated=parts["patient_initiated"],
        filled_out_by=parts["filled_out_by"],
        api_key=parts["api_key"],
        timestamp=parts["timestamp"],
        enum_style=status_style,
    )
    if "formData" in body:  # the writer put "{}" in its place; the generated string goes there
        body["formData"] = parts["form_data"]
    if channel is not None:
        body["notificationChannel"] = enum_value(channel, channel_style)
    if parts["explicitly_not_patient_initiated"] and parts["patient_initiated"] is None:
        body["isPatientInitiated"] = False
    return {**body, **extra}


def form_return_callbacks(
    *,
    form_order_ids: SearchStrategy[str] = guids(),
    statuses: SearchStrategy[FormOrderStatus] = st.sampled_from((FormOrderStatus.Completed, FormOrderStatus.Expired)),
    styles: SearchStrategy[EnumStyle] = enum_styles(),
    form_data: SearchStrategy[str] = form_data_strings(),
    channels: SearchStrategy[NotificationChannel | None] = st.none() | st.sampled_from(NotificationChannel),
    warnings: SearchStrategy[list[dict[str, Any]]] = form_data_warnings(),
    event_log_values: SearchStrategy[list[dict[str, Any]] | None] = st.none() | event_logs(),
    signed_form_ids: SearchStrategy[str] = st.just(ZERO_GUID),
    scanned_paper_ids: SearchStrategy[str] = st.just(ZERO_GUID),
    timestamp_values: SearchStrategy[str] = timestamps(shapes=st.just("local_7")),
    filled_out_by: SearchStrategy[dict[str, Any] | None] = st.none(),
    patient_initiated: SearchStrategy[dict[str, Any] | None] = st.none(),
    explicitly_not_patient_initiated: SearchStrategy[bool] = st.booleans(),
    api_keys: SearchStrategy[str] = st.just(""),
    extra_members: SearchStrategy[dict[str, Any]] = st.just({}),
) -> SearchStrategy[dict[str, Any]]:
    """C2 bodies (``Completed`` with a stringified ``formData``, or ``Expired``).

    ``timestamp`` defaults to the shape the simulator sends (local time, seven digits); the [5567066]
    example's offset form and the others are R-TIMESTAMPS' to vary (``timestamp_values``).

    ``explicitly_not_patient_initiated`` adds an explicit ``"isPatientInitiated": false`` to an ordinary return
    (the field list documents the member for every C2).
    """
    parts = st.fixed_dictionaries(
        {
            "form_order_id": form_order_ids,
            "status": statuses,
            "form_data": form_data,
            "channel": channels,
            "warnings": warnings,
            "event_log": event_log_values,
            "signed_form_id": signed_form_ids,
            "scanned_paper_id": scanned_paper_ids,
            "timestamp": timestamp_values,
            "filled_out_by": filled_out_by,
            "patient_initiated": patient_initiated,
            "explicitly_not_patient_initiated": explicitly_not_patient_initiated,
            "api_key": api_keys,
        }
    )
    return st.builds(_c2_body, parts, styles, styles, extra_members)


def completed_form_returns(**overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Completed`` (on screen); keyword arguments as :func:`form_return_callbacks`."""
    return form_return_callbacks(**{"statuses": st.just(FormOrderStatus.Completed), **overrides})


def expired_form_returns(**overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Expired``: no ``formData``."""
    return form_return_callbacks(**{"statuses": st.just(FormOrderStatus.Expired), **overrides})


def paper_form_returns(**overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Completed`` from a scanned paper form: non-zero ``scannedPaperId``, paper channel, paper dates."""
    paper_answers = form_data_strings(
        objects=form_data_objects(values=st.one_of(st.integers(0, 10), _DATES.map(_paper_date)))
    )
    defaults = {
        "statuses": st.just(FormOrderStatus.Completed),
        "scanned_paper_ids": guids(),
        "channels": st.just(NotificationChannel.PhysicalMailbox),
        "event_log_values": st.just([]),
        "form_data": paper_answers,
    }
    return form_return_callbacks(**{**defaults, **overrides})


def _paper_date(day: Any) -> str:
    # Paper answers carry dates as yyyy-mm-dd since release v12.1.2 (June 2024), dd.mm.yyyy before.
    return day.isoformat() if day.toordinal() % 2 else day.strftime("%d.%m.%Y")


def signed_form_returns(**overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Completed`` with a non-zero ``signedFormId`` (the system then downloads it with E2)."""
    return form_return_callbacks(**{"statuses": st.just(FormOrderStatus.Completed), "signed_form_ids": guids(),
                                    **overrides})


def patient_initiated_form_returns(
    *, form_ids: SearchStrategy[str] = guids(), **overrides: Any
) -> SearchStrategy[dict[str, Any]]:
    """C2 ``Completed`` of a patient-initiated form: an order id the system never saw, plus the values."""
    defaults = {
        "statuses": st.just(FormOrderStatus.Completed),
        "patient_initiated": patient_initiated_values(form_ids=form_ids),
        "form_order_ids": guids(),
    }
    return form_return_callbacks(**{**defaults, **overrides})


def _c3_body(
    message_id: str, shape: Literal["message", "formorder"], sent: SentStatus, channel: NotificationChannel,
    styles: tuple[EnumStyle, EnumStyle], api_key: str,
) -> dict[str, Any]:
    body = message_status_callback(
        message_to_citizen_id=message_id, sent_status=sent, channel=channel, api_key=api_key, shape=shape,
        enum_style=styles[0],
    )
    body["notificationChannel"] = enum_value(channel, styles[1])
    return body


def message_status_callbacks(
    *,
    message_ids: SearchStrategy[str] = guids(),
    shapes: SearchStrategy[Literal["message", "formorder"]] = st.sampled_from(("message", "formorder")),
    sent_statuses: SearchStrategy[SentStatus] = st.sampled_from(SentStatus),
    channels: SearchStrategy[NotificationChannel] = st.sampled_from(NotificationChannel),
    styles: SearchStrategy[EnumStyle] = enum_styles(),
    api_keys: SearchStrategy[str] = st.just(""),
) -> SearchStrategy[dict[str, Any]]:
    """C3 in either documented shape (Q07): ``messageToCitizenId``+``sentStatus`` or the old field list."""
    return st.builds(_c3_body, message_ids, shapes, sent_statuses, channels, st.tuples(styles, styles), api_keys)


def personvern_callbacks(
    *,
    national_id_values: SearchStrategy[str] = national_ids(),
    setting_ids: SearchStrategy[str] = guids(),
    names: SearchStrategy[str] = st.sampled_from(_SETTING_NAMES),
    statuses: SearchStrategy[VolvenStatus] = st.sampled_from(VolvenStatus),
) -> SearchStrategy[dict[str, Any]]:
    """C4 bodies (the key travels in the ``Authorization`` header, not here)."""
    return st.builds(
        lambda nid, sid, name, status: personvern_callback(national_id=nid, setting_id=sid, name=name, status=status),
        national_id_values, setting_ids, names, statuses,
    )


def describe_enum_value(value: object) -> str:
    """``2 (int)``, ``"2" (str-int)``, ``"Ordered" (name)``: a field's value and its style, for messages."""
    return f"{json.dumps(value, ensure_ascii=False)} ({style_of(value)})"
