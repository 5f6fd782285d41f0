"""Scenarios in simulator mode: drive the system and the simulated citizen, wait on recorded events.

A scenario only stimulates and waits; it returns the ids of the exchanges it rests on, and the checks
judge those exchanges from the session store. Waiting is always on a recorded event (the simulator's
long-poll), bounded by a timeout; a missing event is recorded as a problem for the check to report.

Correlation: what the system sends after a trigger is matched with the trigger by the parameters it was
given (form and national id for an order; the recipient for a letter, SMS or e-mail; the person and the
setting type for a privacy call), never by the trigger's reply. A refused trigger (not 2xx, not exit 0)
means nothing should be sent: the scenario then waits only the short settle window, not the trigger
timeout. After the first matching request the scenario waits a settle window for duplicates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..checks.outbound import endpoint_of
from ..checks.sender_trigger import describe_trigger, trigger_ok
from ..recorder.store import Exchange, SessionStore
from ..spec.enums import FormOrderStatus, NotificationChannel
from ..spec.payloads import PayloadError, member, read_form_order_request, read_form_order_response
from ..spec.wire import ZERO_GUID, order_status_callback
from ..system import SystemUnderVerification

__all__ = [
    "OrderPlacement",
    "RoundTrip",
    "Outbound",
    "ZeroIdOrder",
    "place_order",
    "place_order_with_fault",
    "order_answered_with_zero_id",
    "probe_zero_orders",
    "UNKNOWN_PERSON",
    "send_outbound",
    "round_trip",
    "ChannelOrder",
    "order_and_ask_channel",
    "recollect_orders",
    "exchanges_by_id",
    "trip_exchanges",
    "E1_PATH",
    "SETTLE_S",
    "OUTBOUND_KINDS",
]

E1_PATH = "/api/v2/formorder"
SETTLE_S = 0.2  # how long to wait for a duplicate after the last matching request
UNMATCHED_GRACE_S = 0.5  # how long to wait on once the system sent something else than what was asked
# A synthetic (Tenor, month +80) fødselsnummer with valid check digits that no register holds: the
# simulator is told so, and ePROM answers an order for it with the all-zero id. Simulator mode only.
UNKNOWN_PERSON = "01889900128"
# Past a held-back (slow) answer, at most: it is recorded only once the simulator sends it, and the
# duplicate window then ends SETTLE_S after that record (the margin bounds a record that never shows).
HELD_BACK_MARGIN_S = 1.0
# Trigger kind → (path suffix the simulator filters on, endpoints it may reach).
OUTBOUND_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "message": ("/api/v2/messagetocitizen", ("E3",)),
    "sms": ("/api/unsecuremessagesms", ("E4",)),
    "email": ("/api/unsecuremessageemail", ("E5",)),
    "personvern": ("personverninnstilling", ("E6", "E7")),
}


@dataclass
class OrderPlacement:
    """What one trigger led to: the trigger exchange, every E1 that followed, and the order id."""

    parameters: dict[str, Any]
    trigger: Exchange
    e1_ids: list[int] = field(default_factory=list)
    form_order_id: str | None = None
    problems: list[str] = field(default_factory=list)
    after_id: int = 0  # the simulator's last exchange before the trigger
    # The ``orders`` probe for the all-zero id before the trigger and after the E1s (when asked for and the
    # target has that probe): an order taken under the id that is no order shows as a rise.
    zero_orders: tuple[Any, Any] = (None, None)


@dataclass
class Outbound:
    """A letter, SMS, e-mail or privacy call: the trigger and the requests that followed it."""

    kind: str
    parameters: dict[str, Any]
    trigger: Exchange
    exchange_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ZeroIdOrder:
    """An order ePROM answered with the all-zero id, then a C1 for that id and the status probe."""

    placement: OrderPlacement
    callback: Exchange
    probe: Any = None  # ProbeAnswer, when the target has a status probe


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
    try:
        order = read_form_order_request(exchange.get("request_body") or "")
    except PayloadError:
        return _loosely_matches(exchange, parameters)
    return order.national_id == parameters["nationalId"] and order.form_id.lower() == parameters["formId"].lower()


def _loosely_matches(exchange: dict[str, Any], parameters: dict[str, Any]) -> bool:
    """A body the reader refuses (a wrong type somewhere) still belongs to the trigger when it names the
    same person and form: the body check must see it, not lose it."""
    body = Exchange(**exchange).json_request()
    if not isinstance(body, dict):
        return False
    form_id = member(body, "formId", None)
    return member(body, "nationalId", None) == parameters["nationalId"] and (
        isinstance(form_id, str) and form_id.lower() == parameters["formId"].lower()
    )


def _first_wait(system: SystemUnderVerification, trigger: Exchange, settle_s: float) -> float:
    """A taken trigger may be answered before the system acts: wait up to the trigger timeout. A refused
    one means nothing is sent: wait only the settle window."""
    return system.settings.trigger.timeout_s if trigger_ok(trigger) else max(settle_s, 0.05)


def place_order(
    system: SystemUnderVerification,
    simulator: Any,
    parameters: dict[str, Any],
    *,
    settle_s: float = SETTLE_S,
    settle_until: float | None = None,
    zero_orders: bool = False,
) -> OrderPlacement:
    """Trigger one order and collect every E1 the system sends for it (including any duplicates).

    ``settle_until`` (a ``time.monotonic()`` deadline) extends the duplicate window, e.g. past an answer
    the simulator is holding back. ``zero_orders``: ask the ``orders`` probe for the all-zero id before
    the trigger and after the last E1 (:attr:`OrderPlacement.zero_orders`)."""
    before = probe_zero_orders(system) if zero_orders else None
    after = simulator.last_exchange_id()
    trigger = system.trigger(parameters)
    placement = OrderPlacement(parameters, trigger, after_id=after)
    try:
        return _collect_orders(system, simulator, placement, settle_s=settle_s, settle_until=settle_until)
    finally:
        if before is not None:
            placement.zero_orders = (before, probe_zero_orders(system))


def probe_zero_orders(system: SystemUnderVerification) -> Any:
    """The ``orders`` probe's answer for the all-zero id, or None when the target has no such probe."""
    return system.probe("orders", ZERO_GUID) if system.has_probe("orders") else None


def _collect_orders(
    system: SystemUnderVerification, simulator: Any, placement: OrderPlacement, *, settle_s: float,
    settle_until: float | None,
) -> OrderPlacement:
    trigger, parameters, after = placement.trigger, placement.parameters, placement.after_id
    if not trigger_ok(trigger):
        placement.problems.append(f"trigger failed: {describe_trigger(trigger)}")
    timeout = _first_wait(system, trigger, settle_s)
    if settle_until is not None:  # a held-back E1 is recorded when its answer goes out, maybe after the trigger
        timeout = max(timeout, round(settle_until - time.monotonic(), 1))  # gave up waiting for it
    found, unmatched = _collect(simulator, after=after, timeout=timeout, path=E1_PATH,
                                matches=lambda ex: _matches_parameters(ex, parameters), settle_s=settle_s,
                                settle_until=settle_until)
    if not found:
        placement.problems += _unmatched_problem(unmatched, "E1")
        if trigger_ok(trigger) and not unmatched:
            placement.problems.append(f"no E1 request reached ePROM within {timeout}s of the trigger")
        return placement
    placement.e1_ids = [ex["id"] for ex in found]
    placement.form_order_id = _order_id(found)
    return placement


def _collect(
    simulator: Any,
    *,
    after: int,
    timeout: float,
    path: str,
    matches: Callable[[dict[str, Any]], bool],
    settle_s: float,
    settle_until: float | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(matching, unmatched)`` requests to ePROM on ``path`` after ``after``: the first match within
    ``timeout``, then more until a settle window passes without one. When the system sends on the path but
    nothing matches, it has acted on the trigger with other parameters: the wait ends
    :data:`UNMATCHED_GRACE_S` later instead of at the timeout."""
    found: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        batch = simulator.wait(after=after, timeout=max(deadline - time.monotonic(), 0), direction="to_eprom",
                               path=path)
        if not batch:
            return found, unmatched
        after = batch[-1]["id"]
        hits = [matches(ex) for ex in batch]
        new = [ex for ex, hit in zip(batch, hits) if hit]
        unmatched += [ex for ex, hit in zip(batch, hits) if not hit]
        if new:
            found += new
            held_answered = any((ex.get("meta") or {}).get("fault") == "delay" for ex in found)
            wait_more = (settle_s if settle_until is None or held_answered
                         else max(settle_s, settle_until - time.monotonic()))
            deadline = time.monotonic() + wait_more  # a duplicate may still follow
        elif not found:
            deadline = min(deadline, time.monotonic() + UNMATCHED_GRACE_S)


def _unmatched_problem(unmatched: list[dict[str, Any]], what: str) -> list[str]:
    if not unmatched:
        return []
    ids = ", ".join(f"#{ex['id']}" for ex in unmatched[:5])
    return [(f"the system sent {len(unmatched)} {what} request(s) after the trigger ({ids}), none with the "
             "parameters it was given")]


def place_order_with_fault(
    system: SystemUnderVerification,
    simulator: Any,
    parameters: dict[str, Any],
    fault: str,
    *,
    count: int = 1,
    delay_s: float = 0.0,
    settle_s: float = SETTLE_S,
    zero_orders: bool = False,
) -> OrderPlacement:
    """The next ``count`` E1 requests get ``fault`` (``"400"``, ``"503"``, ``"delay"``, ``"zero_id"``…);
    the duplicate window reaches past a held-back answer; the faults are cleared afterwards."""
    simulator.inject_fault("E1", fault, count=count, delay_s=delay_s)
    # the held-back answer is recorded once it is sent: wait past it with room for a loaded machine
    settle_until = time.monotonic() + delay_s + max(settle_s, HELD_BACK_MARGIN_S) if fault == "delay" else None
    try:
        return place_order(system, simulator, parameters, settle_s=settle_s, settle_until=settle_until,
                           zero_orders=zero_orders)
    finally:
        simulator.clear_faults()


def order_answered_with_zero_id(
    system: SystemUnderVerification, simulator: Any, parameters: dict[str, Any]
) -> ZeroIdOrder:
    """An order for a person the register does not hold: ePROM answers the all-zero id, as the guide says
    («Dette skjer hvis fødselsnummeret ikke eksisterer», BestillingAvSkjemaV2.md:207). The ``orders`` probe
    for that id is asked before and after; then the kit, as ePROM never would, sends a C1 for the id and
    asks the status probe about it: a system that took the id as an order shows it."""
    simulator.configure(population={UNKNOWN_PERSON: {"exists": False}})  # merged with the test persons
    placement = place_order(system, simulator, {**parameters, "nationalId": UNKNOWN_PERSON}, zero_orders=True)
    body = order_status_callback(
        form_order_id=ZERO_GUID, status=FormOrderStatus.Ordered, channel=NotificationChannel.Helsenorge,
        api_key=system.target.api_key.reveal(),
    )
    callback = system.send_callback("C1", body, meta={"purpose": "zero-id order", "formOrderId": ZERO_GUID})
    probe = system.probe("status", ZERO_GUID) if system.has_probe("status") else None
    return ZeroIdOrder(placement, callback, probe)


def _recipient_matches(exchange: dict[str, Any], kind: str, parameters: dict[str, Any]) -> bool:
    body = Exchange(**exchange).json_request()
    if not isinstance(body, dict):
        return False
    names = {"sms": ("nationalId", "phoneNumber"), "email": ("nationalId", "emailAddress")}.get(kind, ("nationalId",))
    given = [(name, parameters[name]) for name in names if parameters.get(name)]
    return bool(given) and all(member(body, name, None) == value for name, value in given)


def send_outbound(
    system: SystemUnderVerification,
    simulator: Any,
    kind: str,
    parameters: dict[str, Any],
    *,
    settle_s: float = 0.0,
) -> Outbound:
    """Trigger a letter (``message``), ``sms``, ``email`` or ``personvern`` call and collect the requests
    that followed, matched by recipient."""
    path, endpoints = OUTBOUND_KINDS[kind]
    if not system.has_trigger_for(kind):
        raise RuntimeError(f"target has no {kind} trigger")
    after = simulator.last_exchange_id()
    trigger = system.trigger(parameters, kind=kind)
    outcome = Outbound(kind, parameters, trigger)
    if not trigger_ok(trigger):
        outcome.problems.append(f"trigger failed: {describe_trigger(trigger)}")
    found, unmatched = _collect(
        simulator, after=after, timeout=_first_wait(system, trigger, settle_s), path=path, settle_s=settle_s,
        matches=lambda ex: endpoint_of(Exchange(**ex)) in endpoints and _recipient_matches(ex, kind, parameters),
    )
    outcome.exchange_ids = [ex["id"] for ex in found]
    outcome.problems += [] if found else _unmatched_problem(unmatched, kind)
    if not found and not unmatched and trigger_ok(trigger):
        outcome.problems.append(f"no {'/'.join(endpoints)} request reached ePROM after the {kind} trigger")
    return outcome


def recollect_orders(simulator: Any, placement: OrderPlacement) -> None:
    """Count again every E1 for the trigger recorded so far: a scenario that went on after the placement
    (callbacks, the citizen) has given a late duplicate time to arrive, without a separate wait."""
    found = simulator.exchanges(after=placement.after_id, direction="to_eprom", path=E1_PATH)
    matching = [ex for ex in found if _matches_parameters(ex, placement.parameters)]
    if matching:
        placement.e1_ids = [ex["id"] for ex in matching]
        placement.form_order_id = placement.form_order_id or _order_id(matching)


def _order_id(e1_exchanges: list[dict[str, Any]]) -> str | None:
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


def _signed_downloads(simulator: Any, signed_form_id: str, *, timeout: float, settle_s: float) -> list[int]:
    """Every E2 for the signed document: the first within ``timeout``, then any repeat in the settle window."""
    found, _ = _collect(simulator, after=0, timeout=timeout, path=f"/api/ExternalDocument/{signed_form_id}",
                        matches=lambda ex: True, settle_s=settle_s)
    return [ex["id"] for ex in found]


def _placed_with_c1(
    system: SystemUnderVerification, simulator: Any, parameters: dict[str, Any], *, timeout: float,
    settle_s: float = SETTLE_S,
) -> tuple[OrderPlacement, list[int], list[str]]:
    """Place one order and wait until its C1 delivery settled: the placement, the C1 attempts, the problems."""
    placement = place_order(system, simulator, parameters, settle_s=settle_s)
    problems = list(placement.problems)
    order_id = placement.form_order_id
    if order_id is None:
        problems.append("no order was created, so no callback can follow")
        return placement, [], problems
    c1_ids = _callback_ids(simulator, "C1", order_id, timeout=timeout)
    if not c1_ids:
        problems.append(f"the simulator sent no C1 for order {order_id} within {timeout}s")
    return placement, c1_ids, problems


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
    # settle_s=0: the trip itself is the window in which a duplicate E1 would show up
    placement, c1_ids, problems = _placed_with_c1(system, simulator, parameters, timeout=timeout, settle_s=0)
    trip = RoundTrip(placement, c1_ids=c1_ids, problems=problems)
    order_id = placement.form_order_id
    if order_id is None:
        return trip
    # The citizen delivers as the order demands: a real patient signs an order the system placed with
    # mustBeSigned ("Signér og levere"), whether or not the kit asked for signing (the guide leaves that
    # choice to the system), so the kit's own citizen never refuses it.
    sign = sign or simulator.order(order_id).get("mustBeSigned") is True
    completed = simulator.complete(order_id, answers=answers or {"q1": 1}, sign=sign)
    trip.signed_form_id = (completed.get("sent") or {}).get("signedFormId")
    trip.c2_ids = _callback_ids(simulator, "C2", order_id, timeout=timeout)
    if sign and trip.signed_form_id and trip.signed_form_id != ZERO_GUID:
        window = system.target.budgets.signed_download_s  # a later (batch) download is not verified in this run
        trip.e2_ids = _signed_downloads(simulator, trip.signed_form_id, timeout=window, settle_s=SETTLE_S)
    for kind in ("status", "answers", "signed"):
        # no download within the window (a batch system): how many signed documents it stored is not judged
        if system.has_probe(kind) and (kind != "signed" or (sign and trip.e2_ids)):
            trip.probes[kind] = system.probe(kind, order_id)
    recollect_orders(simulator, placement)
    return trip


@dataclass
class ChannelOrder:
    """An order, the C1 that reports the channel used, and the channel probe's answer after that C1."""

    placement: OrderPlacement
    c1_ids: list[int] = field(default_factory=list)
    stored: Any = None  # ProbeAnswer of the channel probe, when the target has one
    problems: list[str] = field(default_factory=list)


def order_and_ask_channel(
    system: SystemUnderVerification, simulator: Any, parameters: dict[str, Any], *, timeout: float = 10.0
) -> ChannelOrder:
    """Place one order, wait until its C1 delivery settled, then ask the system which channel it stored."""
    placement, c1_ids, problems = _placed_with_c1(system, simulator, parameters, timeout=timeout)
    order = ChannelOrder(placement, c1_ids=c1_ids, problems=problems)
    if placement.form_order_id is not None and system.has_probe("channel"):
        order.stored = system.probe("channel", placement.form_order_id)
    return order


def exchanges_by_id(store: SessionStore, ids: list[int]) -> list[Exchange]:
    return [store.get(i) for i in ids]


def trip_exchanges(store: SessionStore, trip: Any) -> dict[int, Exchange]:
    """The recorded E1s, C1s and C2s of a round trip, by id: what ``check_round_trip`` judges."""
    ids = [*trip.placement.e1_ids, *trip.c1_ids, *trip.c2_ids]
    return {exchange_id: store.get(exchange_id) for exchange_id in ids}
