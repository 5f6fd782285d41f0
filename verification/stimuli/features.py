"""What one fuzz example covers, named: enum styles, timestamp shapes, later and unknown members.

A *feature* is a short label such as ``C1 formOrderStatus as int``, ``C2 timestamp offset`` or
``C2 filledOutBy (added 2025-03-18)``. The fuzz runner shows them as hypothesis events (the statistics
say how often each was sent); the checks count, per feature, how often it was refused, so a feature refused
every time names the mistake. The ``describe_*`` functions put one example into words for a failure.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..spec.payloads import PayloadError, read_promsformorder, unknown_members
from ..spec.timestamps import shape_of
from .strategies import LATER_MEMBERS, Stimulus, describe_enum_value, style_of

__all__ = [
    "ENUM_MEMBERS",
    "enum_form_features",
    "timestamp_features",
    "forward_compat_features",
    "describe_enums",
    "describe_timestamps",
    "describe_members",
]

ENUM_MEMBERS: dict[str, tuple[str, ...]] = {
    "C1": ("formOrderStatus", "notificationChannel", "formOrderStatusErrorCode"),
    "C2": ("formOrderStatus", "notificationChannel"),
    "C3": ("sentStatus", "formOrderStatus", "notificationChannel"),
}


def enum_form_features(stimulus: Stimulus) -> list[str]:
    """``C1 formOrderStatus as int``, … for every enum member present."""
    kind, body = stimulus
    return [f"{kind} {name} as {style_of(body[name])}" for name in ENUM_MEMBERS.get(kind, ()) if name in body]


def _timestamp_members(body: dict[str, Any]) -> list[tuple[str, Any]]:
    found = [(name, body[name]) for name in ("timestamp", "timestampUtc") if name in body]
    for entry in body.get("formOrderEventLog") or ():
        if isinstance(entry, dict) and "timestampUtc" in entry:
            found.append(("formOrderEventLog[].timestampUtc", entry["timestampUtc"]))
    values = body.get("patientInitiatedValues")
    if isinstance(values, dict):
        found += [(f"patientInitiatedValues.{n}", values[n]) for n in ("orderTimestamp", "orderTimestampUTC")
                  if n in values]
    return found


def timestamp_features(stimulus: Stimulus) -> list[str]:
    """``C2 timestamp offset``, ``C2 formOrderEventLog[].timestampUtc space_ms``, … (each once)."""
    kind, body = stimulus
    return sorted({f"{kind} {path} {shape_of(value)}" for path, value in _timestamp_members(body)})


def _unknown_paths(body: dict[str, Any]) -> list[str]:
    """Members the payload readers do not know, ``formOrderEventLog[2].x`` as ``formOrderEventLog[].x``."""
    try:
        model = read_promsformorder(body)
    except PayloadError:
        return []
    return sorted({re.sub(r"\[\d+\]", "[]", path) for path in unknown_members(model)})


def _later_paths(kind: str, body: dict[str, Any]) -> list[str]:
    found = []
    for path in LATER_MEMBERS.get(kind, {}):
        head, _, tail = path.partition(".")
        value = body.get(head)
        if (not tail and value is not None) or (tail and isinstance(value, dict) and tail in value):
            found.append(path)
    return found


def forward_compat_features(stimulus: Stimulus) -> list[str]:
    """``C2 filledOutBy (added 2025-03-18)``, ``C1 unknown schemaVersion``, … (each once)."""
    kind, body = stimulus
    later = [f"{kind} {path} (added {LATER_MEMBERS[kind][path]})" for path in _later_paths(kind, body)]
    unknown = [f"{kind} unknown {path}" for path in _unknown_paths(body)]
    return sorted(set(later + unknown))


def describe_enums(stimulus: Stimulus) -> str:
    """``C1 formOrderStatus=2 (int), notificationChannel="1" (str-int), …``"""
    kind, body = stimulus
    fields = [f"{name}={describe_enum_value(body[name])}" for name in ENUM_MEMBERS.get(kind, ()) if name in body]
    return f"{kind} {', '.join(fields)}"


def describe_timestamps(stimulus: Stimulus) -> str:
    """``C2 timestamp="2019-05-03T00:00:00+02:00" (offset), …``"""
    kind, body = stimulus
    fields = [f"{path}={json.dumps(value)} ({shape_of(value)})" for path, value in _timestamp_members(body)]
    return f"{kind} {', '.join(fields) or 'without timestamps'}"


def describe_members(stimulus: Stimulus) -> str:
    """``C2 with filledOutBy, unknown schemaVersion``"""
    kind, body = stimulus
    members = _later_paths(kind, body) + [f"unknown {path}" for path in _unknown_paths(body)]
    return f"{kind} with {', '.join(members) or 'no later or unknown member'}"
