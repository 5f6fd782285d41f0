"""Named faults for outbound tests: the next *n* requests to an endpoint get a chosen misbehaviour.

Kinds: an HTTP status (``"400"``, ``"401"``, ``"404"``, ``"500"``, ``"502"``, ``"503"``, ``"504"``) answered
at once, with the documented text of that endpoint where there is one (E1 400 → E1-1, E3 502/504 →
E3-2/E3-1, …) unless ``message`` is given; ``"delay"`` (answer normally after ``delay_s``); ``"zero_id"``
(E1: answer as if the person did not exist; E3: ``notificationChannel "0"``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import UsageError

__all__ = ["Fault", "FaultBoard", "FaultError", "DEFAULT_MESSAGE_IDS", "GENERIC_TEXTS"]

ENDPOINTS = ("E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8")
STATUS_KINDS = ("400", "401", "404", "500", "502", "503", "504")
KINDS = STATUS_KINDS + ("delay", "zero_id")
ZERO_ID_ENDPOINTS = ("E1", "E3")

# The documented text each endpoint answers a fault status with (Appendix C ids).
DEFAULT_MESSAGE_IDS = {
    ("E1", "400"): "E1-1",
    ("E3", "400"): "E3-3",
    ("E3", "502"): "E3-2",
    ("E3", "504"): "E3-1",
    ("E4", "400"): "E4-2",
    ("E5", "400"): "E5-2",
}
# UNSPECIFIED: ePROM documents no texts for these; ASP.NET-like generic ones.
GENERIC_TEXTS = {
    "400": "Bad Request",
    "401": "",
    "404": "Not Found",
    "500": "An error has occurred.",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
    "504": "Gateway Timeout",
}


class FaultError(UsageError, ValueError):
    """A fault request the simulator cannot take."""


@dataclass
class Fault:
    endpoint: str
    kind: str
    remaining: int = 1
    delay_s: float = 0.0
    message: str | None = None

    @classmethod
    def from_request(cls, data: dict[str, Any]) -> Fault:
        unknown = set(data) - {"endpoint", "kind", "count", "delay_s", "message"}
        if unknown:
            raise FaultError(f"unknown fault members: {sorted(unknown)}")
        endpoint, kind = str(data.get("endpoint", "")).upper(), str(data.get("kind", ""))
        count, delay_s = data.get("count", 1), data.get("delay_s", 0.0)
        if endpoint not in ENDPOINTS:
            raise FaultError(f"endpoint must be one of {ENDPOINTS}, got {endpoint!r}")
        if kind not in KINDS:
            raise FaultError(f"kind must be one of {KINDS}, got {kind!r}")
        if kind == "zero_id" and endpoint not in ZERO_ID_ENDPOINTS:
            raise FaultError(f"zero_id applies to {ZERO_ID_ENDPOINTS} only")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise FaultError("count must be a positive integer")
        if not isinstance(delay_s, (int, float)) or not 0 <= delay_s <= 120:
            raise FaultError("delay_s must be a number of seconds between 0 and 120")
        if kind == "delay" and delay_s <= 0:
            raise FaultError("a delay fault needs delay_s > 0")
        message = data.get("message")
        return cls(endpoint, kind, count, float(delay_s), None if message is None else str(message))

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind in STATUS_KINDS else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultBoard:
    """Pending faults, first in first out per endpoint."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, endpoint: str) -> Fault | None:
        """The fault for this request to ``endpoint``, consuming one use of it."""
        for fault in self._faults:
            if fault.endpoint == endpoint:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [fault.to_dict() for fault in self._faults]
