"""Drift in ePROM's answers: members and enum values the spec digest does not know, recorded, never fatal.

ePROM changes without notice (the guide turned enum names into integers in 2026), so an answer is read
with the lenient readers of :mod:`verification.spec.payloads`; whatever they cannot place becomes a
:class:`Drift` entry instead of an error:

- ``unknown member`` — a member neither documented for the answer nor an echo of a request member (the
  E1 answer echoes the request, Q23);
- ``unknown enum value`` — a value of a documented enum member that is no member of the enum;
- ``enum as number`` — a documented enum member sent as a number (the E1 answer's representation is
  UNSPECIFIED; other payloads moved from names to integers, so this is shown, not judged);
- ``unexpected type`` / ``missing member`` — a documented member the reader could not read.

Only successful (2xx) answers are read: the envelope of error answers is UNSPECIFIED (spec 1.5).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..spec.enums import NotificationChannel
from ..spec.payloads import MISSING, PayloadError, read_form_order_response, unknown_members

__all__ = ["Drift", "answer_drift"]

# Documented E1 request members: the answer echoes them ("I tillegg til alle inn-parametre").
_E1_ECHOED = frozenset(name.lower() for name in (
    "formId", "nationalId", "expiryDate", "reminderDate", "metadata", "dontStoreCompletedFormInPha",
    "distributionRule", "mustBeSigned", "signingText", "physicalAddress", "testMode", "onBehalfOfNationalId",
))
_E1_ENUMS = {"notificationchannel": NotificationChannel}


@dataclass(frozen=True)
class Drift:
    """One thing in an answer that the spec digest does not describe."""

    endpoint: str
    path: str
    kind: str
    value: Any

    def render(self) -> str:
        return f"{self.endpoint} answer: {self.kind} {self.path} = {_short(self.value)}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def answer_drift(endpoint: str, status: int | None, body_text: str) -> list[Drift]:
    """The drift in one answer of ``endpoint`` (only ``"E1"`` is read so far); ``[]`` when none."""
    if endpoint != "E1" or status is None or not 200 <= status < 300:
        return []
    try:
        body = json.loads(body_text)
    except ValueError:
        return [Drift(endpoint, "(body)", "not JSON", body_text[:200])]
    if not isinstance(body, dict):
        return [Drift(endpoint, "(body)", "not a JSON object", body)]
    return _e1_drift(dict(body))


def _e1_drift(body: dict[str, Any]) -> list[Drift]:
    found: list[Drift] = []
    removed: set[str] = set()
    while True:  # each round removes one unreadable member, so this ends
        try:
            response = read_form_order_response(body)
            break
        except PayloadError as error:
            key = _top_key(body, error.field)
            if key is None or body[key] is None:  # a required member is missing: nothing more to read
                if error.field.lower() not in removed:
                    found.append(Drift("E1", error.field, "missing member", None))
                return found
            removed.add(key.lower())
            found.append(_unreadable(error, body.pop(key)))
    for path, value in unknown_members(response).items():
        if path.split(".")[0].split("[")[0].lower() not in _E1_ECHOED:
            found.append(Drift("E1", path, "unknown member", value))
    for name in _E1_ENUMS:
        key = _top_key(body, name)
        if key is not None and _is_number(body[key]):
            found.append(Drift("E1", key, "enum as number", body[key]))
    return found


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or isinstance(value, str) and value.strip().lstrip("-").isdigit()


def _top_key(body: dict[str, Any], path: str) -> str | None:
    name = path.split(".")[0].split("[")[0].lower()
    return next((key for key in body if key.lower() == name), None)


def _unreadable(error: PayloadError, value: Any) -> Drift:
    name = error.field.split(".")[0].lower()
    if name in _E1_ENUMS and isinstance(value, (str, int)) and not isinstance(value, bool):
        return Drift("E1", error.field, "unknown enum value", value)
    return Drift("E1", error.field, "unexpected type", value if value is not MISSING else None)
