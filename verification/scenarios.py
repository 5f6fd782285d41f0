"""Scenarios in simulator mode: drive the system and the simulated citizen, wait on recorded events.

A scenario only stimulates and waits; it returns the ids of the exchanges it rests on, and the checks
judge those exchanges from the session store. Waiting is always on a recorded event (the simulator's
long-poll), bounded by a timeout; a missing event is recorded as a problem for the check to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .recorder.store import Exchange, SessionStore
from .spec.wire import ZERO_GUID
from .system import SystemUnderVerification

__all__ = ["OrderPlacement", "RoundTrip", "place_order", "round_trip", "E1_PATH"]

E1_PATH = "/api/v2/formorder"


@dataclass
class OrderPlacement:
    """What one trigger led to: the trigger exchange, every E1 that followed, and the order id."""

    parameters: dict[str, Any]
    trigger: Exchange
    e1_ids: list[int] = field(default_factory=list)
    form_order_id: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class RoundTrip:
    """Trigger → E1 → C1 → citizen → C2 (→ E2), with the exchange ids of every step."""

    placement: OrderPlacement
    c1_ids: list[int] = field(default_factory=list)
    c2_ids: list[int] = field(default_factory=list)
    e2_ids: list[int] = field(default_factory=list)
    signed_form_id: str | None = None
    probes: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _matches_parameters(exchange: dict[str, Any], parameters: dict[str, Any]) -> bool:
    """Correlate an E1 with the trigger by the order parameters, never by the trigger's reply."""
    from .spec.payloads import PayloadError, read_form_order_request

    try:
        order = read_form_order_request(exchange.get("request_body") or "")
    except PayloadError:
        return False
    return order.national_id == parameters["nationalId"] and order.form_id.lower() == parameters["formId"].lower()


def place_order(
    system: SystemUnderVerification, simulator: Any, parameters: dict[str, Any], *, settle_s: float = 0.5
) -> OrderPlacement:
    """Trigger one order and collect every E1 the system sends for it (including any duplicates)."""
    after = simulator.last_exchange_id()
    trigger = system.trigger(parameters)
    placement = OrderPlacement(parameters, trigger)
    if trigger.error or not (200 <= (trigger.status or 0) < 300):
        placement.problems.append(
            f"trigger failed: sent POST {trigger.url}, got {trigger.status or trigger.error}"
        )
    timeout = system.settings.trigger.timeout_s
    found = _wait_e1(simulator, parameters, after=after, timeout=timeout)
    if not found:
        placement.problems.append(f"no E1 request reached ePROM within {timeout}s of the trigger")
        return placement
    # Any duplicate would arrive shortly after the first; wait a bounded window for it on the log.
    last = found[-1]["id"]
    while more := _wait_e1(simulator, parameters, after=last, timeout=settle_s):
        found += more
        last = more[-1]["id"]
    placement.e1_ids = [ex["id"] for ex in found]
    placement.form_order_id = _order_id(found)
    return placement


def _wait_e1(simulator: Any, parameters: dict[str, Any], *, after: int, timeout: float) -> list[dict[str, Any]]:
    found = simulator.wait(after=after, timeout=timeout, direction="to_eprom", path=E1_PATH)
    matching = [ex for ex in found if _matches_parameters(ex, parameters)]
    if found and not matching:  # other traffic arrived first: keep waiting past it, within the budget
        return _wait_e1(simulator, parameters, after=found[-1]["id"], timeout=timeout)
    return matching


def _order_id(e1_exchanges: list[dict[str, Any]]) -> str | None:
    from .spec.payloads import PayloadError, read_form_order_response

    for exchange in e1_exchanges:
        if not 200 <= (exchange.get("status") or 0) < 300:
            continue
        try:
            response = read_form_order_response(exchange.get("response_body") or "")
        except PayloadError:
            continue
        if response.id and response.id != ZERO_GUID:
            return response.id
    return None


def _callback_ids(simulator: Any, kind: str, form_order_id: str, *, timeout: float) -> list[int]:
    """Every delivery attempt of one callback kind for the order, once the delivery has settled."""
    found = simulator.wait(after=0, timeout=timeout, direction="to_system", callback=kind, formOrderId=form_order_id)
    if found:
        simulator.order(form_order_id, settled=True)
        found = simulator.exchanges(direction="to_system", callback=kind, formOrderId=form_order_id)
    return [ex["id"] for ex in found]


def round_trip(
    system: SystemUnderVerification,
    simulator: Any,
    parameters: dict[str, Any],
    *,
    answers: dict[str, Any] | None = None,
    sign: bool = False,
    timeout: float = 10.0,
) -> RoundTrip:
    """The full checklist round trip for one order, every step waited for and recorded."""
    placement = place_order(system, simulator, parameters)
    trip = RoundTrip(placement, problems=list(placement.problems))
    order_id = placement.form_order_id
    if order_id is None:
        trip.problems.append("no order was created, so no callback can follow")
        return trip
    trip.c1_ids = _callback_ids(simulator, "C1", order_id, timeout=timeout)
    if not trip.c1_ids:
        trip.problems.append(f"the simulator sent no C1 for order {order_id} within {timeout}s")
    completed = simulator.complete(order_id, answers=answers or {"q1": 1}, sign=sign)
    trip.signed_form_id = (completed.get("sent") or {}).get("signedFormId")
    trip.c2_ids = _callback_ids(simulator, "C2", order_id, timeout=timeout)
    if sign and trip.signed_form_id and trip.signed_form_id != ZERO_GUID:
        found = simulator.wait(
            after=0, timeout=timeout, direction="to_eprom", path=f"/api/ExternalDocument/{trip.signed_form_id}"
        )
        trip.e2_ids = [ex["id"] for ex in found]
    for kind in ("status", "answers", "signed"):
        if system.has_probe(kind) and (kind != "signed" or sign):
            trip.probes[kind] = system.probe(kind, order_id)
    return trip


def exchanges_by_id(store: SessionStore, ids: list[int]) -> list[Exchange]:
    return [store.get(i) for i in ids]
