"""Every documented timestamp shape (spec 1.5, Q04), the zone-less reading per field, and garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verification.spec import (
    DOCUMENTED_SHAPES,
    PayloadError,
    local_timestamp,
    parse_timestamp,
    utc_timestamp,
    zone_less_means_for,
)

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (text, field, the instant it denotes, in UTC)
SHAPES = [
    ("2019-05-03T00:00:00+02:00", "timestamp", at("2019-05-02T22:00:00")),
    ("2023-03-29T10:20:10.1804332", "timestamp", at("2023-03-29T08:20:10.180433")),  # CEST, 7 digits
    ("2023-03-29T08:20:10.1804332Z", "timestampUtc", at("2023-03-29T08:20:10.180433")),
    ("2023-03-29T10:01:49.857", "patientInitiatedValues.orderTimestamp", at("2023-03-29T08:01:49.857")),
    ("2023-03-29T08:01:49.857Z", "patientInitiatedValues.orderTimestampUTC", at("2023-03-29T08:01:49.857")),
    ("2021-05-07 09:17:51.220", "formOrderEventLog[0].timestampUtc", at("2021-05-07T09:17:51.220")),
    ("2022-03-11T09:46:46.000Z", "expiryDate", at("2022-03-11T09:46:46")),
    ("2024-06-01", "expiryDate", at("2024-05-31T22:00:00")),  # midnight in Oslo, CEST
    ("2024-01-15T10:00:00", "timestamp", at("2024-01-15T09:00:00")),  # CET in winter
    ("2024-01-15T10:00:00+0100", "timestamp", at("2024-01-15T09:00:00")),
    ("2024-01-15T10:00:00+01", "timestamp", at("2024-01-15T09:00:00")),
    ("2024-01-15T10:00:00-05:30", "timestamp", at("2024-01-15T15:30:00")),
    ("2024-01-15T10:00", "timestamp", at("2024-01-15T09:00:00")),
    ("2024-01-15t10:00:00z", "timestampUtc", at("2024-01-15T10:00:00")),
    (" 2024-01-15T10:00:00Z ", "timestampUtc", at("2024-01-15T10:00:00")),
    ("2023-03-29T08:20:10.1", "timestampUtc", at("2023-03-29T08:20:10.100")),
]


@pytest.mark.parametrize(("text", "field", "instant"), SHAPES, ids=[s[0].strip() for s in SHAPES])
def test_documented_shapes(text: str, field: str, instant: datetime) -> None:
    parsed = parse_timestamp(text, field=field)
    assert isinstance(parsed.tzinfo, timezone)  # a fixed offset: safe to compare across zones (PEP 495)
    assert parsed == instant


def test_every_documented_shape_is_in_the_table() -> None:
    assert set(DOCUMENTED_SHAPES) <= {text for text, _, _ in SHAPES}


def test_the_paired_c1_examples_denote_one_instant() -> None:
    local = parse_timestamp("2023-03-29T10:20:10.1804332", field="timestamp")
    utc = parse_timestamp("2023-03-29T08:20:10.1804332Z", field="timestampUtc")
    assert local == utc


@pytest.mark.parametrize(
    ("field", "means"),
    [
        ("timestampUtc", "utc"),
        ("TimestampUTC", "utc"),
        ("patientInitiatedValues.orderTimestampUTC", "utc"),
        ("formOrderEventLog[1].timestampUtc", "utc"),
        ("timestamp", "oslo"),
        ("patientInitiatedValues.orderTimestamp", "oslo"),
        ("expiryDate", "oslo"),
        ("timestampUtc.orderTimestamp", "oslo"),  # only the field's own name counts
    ],
)
def test_zone_less_reading_follows_the_field_name(field: str, means: str) -> None:
    assert zone_less_means_for(field) == means


def test_explicit_zone_less_reading_overrides_the_name() -> None:
    as_utc = parse_timestamp("2024-06-01T12:00:00", field="timestamp", zone_less_means="utc")
    as_oslo = parse_timestamp("2024-06-01T12:00:00", field="timestampUtc", zone_less_means="oslo")
    assert as_utc - as_oslo == timedelta(hours=2)


def test_a_zone_on_the_value_beats_the_field_name() -> None:
    assert parse_timestamp("2024-06-01T12:00:00+02:00", field="timestampUtc") == at("2024-06-01T10:00:00")


def test_the_repeated_autumn_hour_reads_as_its_first_occurrence() -> None:
    parsed = parse_timestamp("2024-10-27T02:30:00", field="timestamp")
    assert parsed == at("2024-10-27T00:30:00")  # still CEST (+02:00)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "yesterday",
        "2023-13-01",
        "2023-02-30",
        "2023-03-29T25:00:00",
        "2023-03-29T10:20:10+24:00",
        "29.03.2023",
        "2023-03-29T10:20:10 CEST",
        "2022-09-22.",
        "20230329T102010",
        12345,
        None,
        True,
    ],
)
def test_garbage_names_the_field(garbage: object) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_timestamp(garbage, field="formOrderEventLog[2].timestampUtc")  # type: ignore[arg-type]
    error = caught.value
    assert error.field == "formOrderEventLog[2].timestampUtc"
    assert error.received == garbage
    assert str(error).startswith(f"formOrderEventLog[2].timestampUtc: received {garbage!r}, expected ")


MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@given(moment=MOMENTS)
@settings(max_examples=80, derandomize=True, database=None, deadline=None)
def test_the_writers_timestamps_read_back(moment: datetime) -> None:
    assert parse_timestamp(utc_timestamp(moment), field="timestampUtc") == moment
    local = parse_timestamp(local_timestamp(moment), field="timestamp")
    # The autumn hour happens twice in Oslo; zone-less text cannot say which (fold=0 is our reading).
    assert local - moment in (timedelta(0), timedelta(hours=-1))
