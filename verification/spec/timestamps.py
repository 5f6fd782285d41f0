"""Lenient reading of the date-time shapes ePROM and ordering systems put on the wire (spec 1.5, Q04).

No format is specified; the documented shapes are listed in :data:`DOCUMENTED_SHAPES`. A value with a
zone (``Z`` or an offset) means what it says. A zone-less value is read in the zone its field implies:

- fields named ``…Utc`` / ``…UTC`` (``timestampUtc``, ``orderTimestampUTC``) as UTC, although the event
  log writes them space-separated and without ``Z`` (``2021-05-07 09:17:51.220``);
- every other zone-less value (``timestamp``, ``orderTimestamp``) as Norwegian local time, Europe/Oslo.

That split is UNSPECIFIED in the documentation; it is our reading because the paired examples differ by
exactly two hours on 2023-03-29 (CEST). A zone-less local time that occurs twice (the autumn hour) is read
as its first occurrence (``fold=0``), as .NET does.

Every result carries a fixed UTC offset (Oslo times the offset in force then), never a ``ZoneInfo``:
Python compares a fold-dependent ``ZoneInfo`` time as unequal to every time in another zone (PEP 495),
which would make a check comparing ``timestamp`` with ``timestampUtc`` fail one hour a year.

This module also holds :class:`PayloadError`, the one error of the payload readers: it is the lowest layer
of ``payloads`` and must not import it.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Literal

from ..errors import ContractError

__all__ = [
    "PayloadError",
    "ZoneLessMeans",
    "TimestampShape",
    "TIMESTAMP_SHAPES",
    "CALLBACK_TIMESTAMP_SHAPES",
    "DOCUMENTED_SHAPES",
    "shape_of",
    "parse_timestamp",
    "zone_less_means_for",
]

ZoneLessMeans = Literal["utc", "oslo"]

TimestampShape = Literal["offset", "local_7", "utc_7_z", "local_ms", "utc_ms_z", "space_ms", "date"]
# Each shape ePROM writes, by name, with the documented example it stands for (spec 1.5, Q04).
TIMESTAMP_SHAPES: dict[TimestampShape, str] = {
    "offset": "2019-05-03T00:00:00+02:00",  # C2 timestamp [5567066], with offset
    "local_7": "2023-03-29T10:20:10.1804332",  # C1 timestamp: local, no zone, 7 fractional digits (.NET ticks)
    "utc_7_z": "2023-03-29T08:20:10.1804332Z",  # C1 timestampUtc
    "local_ms": "2023-03-29T10:01:49.857",  # C2 patientInitiatedValues.orderTimestamp
    "utc_ms_z": "2023-03-29T08:01:49.857Z",  # C2 patientInitiatedValues.orderTimestampUTC
    "space_ms": "2021-05-07 09:17:51.220",  # C2 formOrderEventLog[].timestampUtc: space, no zone
    "date": "2024-06-01",  # a date only (E1 dates); not documented for callbacks
}
CALLBACK_TIMESTAMP_SHAPES: tuple[TimestampShape, ...] = tuple(shape for shape in TIMESTAMP_SHAPES if shape != "date")
DOCUMENTED_SHAPES = (
    *(TIMESTAMP_SHAPES[shape] for shape in CALLBACK_TIMESTAMP_SHAPES),
    "2022-03-11T09:46:46.000Z",  # E1 expiryDate as JavaScript's Date.toJSON writes it
    TIMESTAMP_SHAPES["date"],
)

_SHAPE_PATTERNS: tuple[tuple[TimestampShape, re.Pattern[str]], ...] = (
    ("date", re.compile(r"\d{4}-\d\d-\d\d")),
    ("space_ms", re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")),
    ("offset", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d")),
    ("local_7", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}")),
    ("utc_7_z", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z")),
    ("local_ms", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")),
    ("utc_ms_z", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")),
)


def shape_of(text: object) -> str:
    """The :data:`TIMESTAMP_SHAPES` name ``text`` has, or ``"other"``."""
    if isinstance(text, str):
        for shape, pattern in _SHAPE_PATTERNS:
            if pattern.fullmatch(text):
                return shape
    return "other"


_TIMESTAMP = re.compile(
    r"""
    (?P<date>\d{4}-\d{2}-\d{2})
    (?:[Tt\ ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?
    \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?
    """,
    re.VERBOSE | re.ASCII,
)


class PayloadError(ContractError):
    """A member of a payload that cannot be read: names the field, what came and what was expected.

    ``field`` is a path (``patientInitiatedValues.orderTimestamp``, ``formOrderEventLog[1].eventType``);
    ``received`` is the value as it came (or ``None`` when the member was missing).
    """

    def __init__(self, field: str, received: object, expected: str):
        self.field = field
        self.received = received
        self.expected = expected
        super().__init__(f"{field}: received {_shortened(received)}, expected {expected}")


def _shortened(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.cache
def _oslo() -> tzinfo:
    from zoneinfo import ZoneInfo  # loaded on first use, not at import

    return ZoneInfo("Europe/Oslo")


def zone_less_means_for(field: str) -> ZoneLessMeans:
    """``"utc"`` for a field whose own name ends in ``Utc`` (any casing), else ``"oslo"``."""
    own_name = field.rsplit(".", 1)[-1]
    return "utc" if own_name.lower().endswith("utc") else "oslo"


def parse_timestamp(text: str, *, field: str, zone_less_means: ZoneLessMeans | None = None) -> datetime:
    """An aware ``datetime`` for any documented shape; :class:`PayloadError` naming ``field`` otherwise.

    ``zone_less_means`` defaults to what the field's name implies (:func:`zone_less_means_for`). Digits
    beyond microseconds (the seventh of .NET) are dropped, not rounded.
    """
    expected = "a date-time such as " + " or ".join(DOCUMENTED_SHAPES[:3])
    if not isinstance(text, str):
        raise PayloadError(field, text, expected)
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise PayloadError(field, text, expected)
    try:
        naive = _naive(match)
    except ValueError:  # e.g. month 13, 25 o'clock
        raise PayloadError(field, text, "a real calendar date and time") from None
    zone = match["zone"]
    if zone:
        try:
            return naive.replace(tzinfo=_fixed_zone(zone))
        except ValueError:  # an offset of a day or more
            raise PayloadError(field, text, "a UTC offset under 24 hours") from None
    if (zone_less_means or zone_less_means_for(field)) == "utc":
        return naive.replace(tzinfo=timezone.utc)
    in_oslo = naive.replace(tzinfo=_oslo())
    return naive.replace(tzinfo=timezone(in_oslo.utcoffset()))  # type: ignore[arg-type]


def _naive(match: re.Match[str]) -> datetime:
    moment = datetime.strptime(match["date"], "%Y-%m-%d")
    if match["hour"] is None:
        return moment
    microseconds = int((match["fraction"] or "0")[:6].ljust(6, "0"))
    return moment.replace(
        hour=int(match["hour"]),
        minute=int(match["minute"]),
        second=int(match["second"] or 0),
        microsecond=microseconds,
    )


def _fixed_zone(zone: str) -> timezone:
    if zone in ("Z", "z"):
        return timezone.utc
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if zone[0] == "-" else offset)
