"""V1.3, simulator part: the channel the system stored for an order is the one C1 reports as used.

The E1 response's ``notificationChannel`` is only the *preferred* channel (BR-05); the channel ePROM
actually used arrives in C1. Only the channel probe (``bestillersystem.probe.channel``) can tell which
one the system kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..recorder.store import Exchange
from ..spec.enums import NotificationChannel, parse_enum, wire_name
from ..spec.payloads import PayloadError, read_form_order_response
from .failure import Deviations, NotVerifiable

__all__ = ["check_stored_channel"]


# check → (a step of the scenario missing, no C1, the probe unreadable, the stored channel)
_REQUIREMENTS = {
    "S-ROUND-TRIP": ("S-ROUND-TRIP.13", "S-ROUND-TRIP.14", "S-ROUND-TRIP.15", "S-ROUND-TRIP.16"),
    "R-STATUS-ORDERED": ("R-STATUS-ORDERED.3", "R-STATUS-ORDERED.4", "R-STATUS-ORDERED.5", "R-STATUS-ORDERED.6"),
}


def check_stored_channel(
    e1: Exchange | None, c1: Exchange | None, stored: Any, *, problems: Iterable[str] = (),
    check_id: str = "S-ROUND-TRIP",
) -> None:
    """The channel probe's answer (a :class:`~verification.system.ProbeAnswer`, None without a channel
    probe) names the channel of the order's C1, not the preferred channel of its E1 response (V1.3)."""
    if stored is None:
        raise NotVerifiable(check_id, "no channel probe configured: give bestillersystem.probe.channel, answering "
                                      '{"notificationChannel": …} for an order, to show which channel was stored')
    scenario, no_c1, unreadable, same_channel = _REQUIREMENTS[check_id]
    found = Deviations(check_id, "stored notification channel")
    for problem in problems:
        found.check(scenario, False, "scenario", problem, "the order is placed and its C1 delivered")
    if c1 is None:
        found.check(no_c1, False, "C1", None, "a C1 for the order, reporting the channel used")
        found.raise_if_any()
    actual = _channel((c1.json_request() or {}).get("notificationChannel"))
    expected = f"{_name(actual)}: the channel C1 reported" + _not_preferred(e1, actual)
    where = stored.exchange.id if stored.exchange else None
    if stored.problem:
        found.check(unreadable, False, "probe.channel", stored.problem, expected, exchange_id=where)
    else:
        kept = _channel(stored.value)
        same = kept == actual or (stored.value is None and actual == NotificationChannel.None_)  # null: no channel
        found.check(same_channel, same, "probe.channel", stored.value, expected, exchange_id=where)
    found.raise_if_any()


def _not_preferred(e1: Exchange | None, actual: Any) -> str:
    """", not E1's preferred X (BR-05)" when the E1 response named another channel."""
    try:
        preferred = read_form_order_response(e1.response_body).notification_channel if e1 else None
    except PayloadError:
        return ""
    return f", not E1's preferred {_name(preferred)} (BR-05)" if preferred not in (None, actual) else ""


def _channel(value: Any) -> NotificationChannel | Any:
    try:
        return parse_enum(NotificationChannel, value, field="notificationChannel")
    except ValueError:
        return value


def _name(channel: Any) -> str:
    return wire_name(channel) if isinstance(channel, NotificationChannel) else repr(channel)
