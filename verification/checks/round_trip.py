"""S-ROUND-TRIP (V1.1–V1.4, V3.1–V3.2): one order from trigger to stored answer, every step judged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..recorder.store import Exchange
from ..spec.enums import FormOrderStatus, NotificationChannel, parse_enum, wire_name
from ..spec.wire import ZERO_GUID
from .failure import Deviations, NotVerifiable, Waiting
from .sender_trigger import trigger_reached

__all__ = ["check_round_trip", "acknowledged", "RecordedOrder", "check_recorded_round_trips"]


def acknowledged(exchange: Exchange) -> bool:
    """2xx with a JSON object whose ``success`` is the boolean true (BR-21)."""
    from ..spec.payloads import PayloadError, read_callback_reply

    if exchange.error or not 200 <= (exchange.status or 0) < 300:
        return False
    try:
        return read_callback_reply(exchange.response_body).success is True
    except PayloadError:
        return False


def _answer(exchange: Exchange) -> str:
    return exchange.error or f"HTTP {exchange.status} {exchange.response_body[:200]!r}"


def check_round_trip(
    exchanges: Mapping[int, Exchange], trip: Any, *, expected_channel: NotificationChannel,
    check_id: str = "S-ROUND-TRIP",
) -> None:
    """Exactly one E1, answered with an order; C1 and C2 each acknowledged on first delivery; the C1
    channel the one the rule and the person's reachability call for; answers stored once (probe).
    ``exchanges`` holds the trip's recorded exchanges by id (``scenarios.trip_exchanges``)."""
    if not trigger_reached(trip.placement.trigger):
        raise NotVerifiable(check_id, f"the trigger never reached the system: {'; '.join(trip.problems)}")
    found = Deviations(check_id)
    for problem in trip.problems:
        found.check("S-ROUND-TRIP.1", False, "scenario", problem, "every step of the round trip happens")
    _judge_orders(found, exchanges, trip)
    _judge_callback(found, exchanges, trip.c1_ids, "C1 order status", acknowledged_="S-ROUND-TRIP.5",
                    once="S-ROUND-TRIP.7")
    _judge_callback(found, exchanges, trip.c2_ids, "C2 form return", acknowledged_="S-ROUND-TRIP.6",
                    once="S-ROUND-TRIP.8")
    if trip.c1_ids:
        body = exchanges[trip.c1_ids[0]].json_request() or {}
        channel = _channel(body.get("notificationChannel"))
        found.check("S-ROUND-TRIP.9", channel == expected_channel, "C1.notificationChannel", channel,
                    wire_name(expected_channel), exchange_id=trip.c1_ids[0])
        status = body.get("formOrderStatus")
        found.check("S-ROUND-TRIP.10", _status(status) == FormOrderStatus.Ordered, "C1.formOrderStatus", status,
                    "Ordered")
    for kind, answer in trip.probes.items():
        found.check(
            "S-ROUND-TRIP.11" if kind == "status" else "S-ROUND-TRIP.12", answer.count == 1, f"probe.{kind}",
            answer.count if answer.count is not None else answer.problem, "stored exactly once (count 1)",
            exchange_id=answer.exchange.id if answer.exchange else None,
        )
    found.raise_if_any()


def _judge_orders(found: Deviations, exchanges: Mapping[int, Exchange], trip: Any) -> None:
    e1 = [exchanges[i] for i in trip.placement.e1_ids]
    if not e1:
        return
    found.check("S-ROUND-TRIP.2", len(e1) == 1, "E1 requests for one trigger", len(e1), "exactly 1")
    first = e1[0]
    found.check("S-ROUND-TRIP.3", 200 <= (first.status or 0) < 300, "E1 response", _answer(first),
                "2xx: the order reaches ePROM without an error", exchange_id=first.id)
    found.check("S-ROUND-TRIP.4", trip.placement.form_order_id not in (None, ZERO_GUID), "E1 response id",
                trip.placement.form_order_id, "a non-zero order id", exchange_id=first.id)


def _judge_callback(found: Deviations, exchanges: Mapping[int, Exchange], ids: list[int], what: str, *,
                    acknowledged_: str, once: str) -> None:
    """The first delivery acknowledged (requirement ``acknowledged_``), and no second one needed (``once``)."""
    if not ids:
        return
    attempts = [exchanges[i] for i in ids]
    first = attempts[0]
    found.check(acknowledged_, acknowledged(first), f"{what}: reply to the first delivery", _answer(first),
                'HTTP 2xx with {"success": true} (BR-21)', exchange_id=first.id)
    found.check(once, len(attempts) == 1, f"{what}: deliveries needed", len(attempts),
                "1 (acknowledged on first delivery)", exchange_id=attempts[-1].id)


def _channel(value: Any) -> NotificationChannel | Any:
    try:
        return parse_enum(NotificationChannel, value, field="notificationChannel")
    except ValueError:
        return value


def _status(value: Any) -> FormOrderStatus | None:
    try:
        return parse_enum(FormOrderStatus, value, field="formOrderStatus")
    except ValueError:
        return None


# -- passive form, for sessions the relay recorded -------------------------------------------------


@dataclass
class RecordedOrder:
    """One order the session placed, with the ePROM callbacks recorded for it (by kind)."""

    form_order_id: str
    e1: Exchange
    callbacks: dict[str, list[Exchange]] = field(default_factory=dict)


def _judge_deliveries(found: Deviations, attempts: list[Exchange], what: str, *, acknowledged_: str,
                      once: str) -> None:
    """Each distinct callback (identical bodies are one callback delivered again) acknowledged at once."""
    by_body: dict[str, list[Exchange]] = {}
    for attempt in attempts:
        by_body.setdefault(attempt.request_body, []).append(attempt)
    for deliveries in by_body.values():
        _judge_callback(found, {ex.id: ex for ex in deliveries}, [ex.id for ex in deliveries], what,
                        acknowledged_=acknowledged_, once=once)


def check_recorded_round_trips(orders: Iterable[RecordedOrder], *, check_id: str = "S-ROUND-TRIP") -> None:
    """Every order of a recorded session: its C1 and its C2 each acknowledged on first delivery. A step not
    recorded yet (ePROM's C1, the citizen's answer) makes the check *waiting*, never failed. The expected
    channel is not judged: it depends on the real test person's state in the test environment."""
    orders = list(orders)
    if not orders:
        raise Waiting(check_id, "no order has been placed through the relay yet")
    found = Deviations(check_id)
    waiting = []
    for order in orders:
        for kind, what, first, once in (("C1", "C1 order status", "S-ROUND-TRIP.5", "S-ROUND-TRIP.7"),
                                        ("C2", "C2 form return", "S-ROUND-TRIP.6", "S-ROUND-TRIP.8")):
            attempts = order.callbacks.get(kind, [])
            if attempts:
                _judge_deliveries(found, attempts, f"{what} of {order.form_order_id}", acknowledged_=first,
                                  once=once)
            else:
                waiting.append(f"no {kind} yet for order {order.form_order_id}")
    found.raise_if_any()
    if waiting:
        raise Waiting(check_id, "; ".join(waiting))
