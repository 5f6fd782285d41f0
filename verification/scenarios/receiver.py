"""Scenarios of the receiver checks (R-…): which orders the callbacks are about, delivering the stimuli,
and reading the probe around them.

Positive callbacks concern orders the system placed itself: the kit triggers the order, the simulator
answers it and delivers its own C1, and only once that delivery has settled does the kit send anything
about the order. ePROM sends at most one C1 per order (flow 1.2, step 6), then the C2: a scenario that is
about a C1 (a status, channel or error code) has the simulator withhold its own and delivers that one C1
itself (``kit_c1=True``); anything else the kit sends to an order is that order's C1 or C2 again
(a redelivery) or a request to refuse. Without a trigger the target must declare ``accepts_unknown_orders: true``; the kit then
uses ids of its own. With neither, :attr:`OrderSource.unavailable` says why the positive checks are not run.

A stimulus that should change what the system stores (or change nothing) is wrapped in probe readings
before and after it: a :class:`Tally`. Without a probe for that kind, the tally is replaced by the reason
it cannot be read, so the check reports the part as not verifiable instead of passing it.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..checks.failure import NotVerifiable
from ..recorder.store import Exchange
from .sender import E1_PATH, place_order
from ..spec.enums import NotificationChannel, parse_enum
from ..spec.wire import new_guid
from ..stimuli.callbacks import Stimulus, Storage, completed_return, stale_order_status
from ..system import ProbeAnswer, SystemUnderVerification

__all__ = [
    "NO_LETTERS",
    "NO_ORDERS",
    "PlacedOrder",
    "OrderSource",
    "Tally",
    "Delivered",
    "send",
    "deliver",
    "deliver_at_once",
    "OutOfOrder",
    "out_of_order",
    "Overtaken",
    "c1_before_answer",
    "SignedReturn",
    "signed_return",
    "observe_tls",
    "E3_PATH",
]

NO_ORDERS = ("not run: no trigger and accepts_unknown_orders is false; to run it, add under bestillersystem: "
             "trigger: {url: <your system>/_trigger/order}, or accepts_unknown_orders: true if your system "
             "acknowledges callbacks for any order id")
NO_LETTERS = ("not run: the target names no message trigger and accepts_unknown_orders is false, so the system "
              "sent no letter for ePROM to report on; to run it, add under bestillersystem: trigger: message: "
              "{url: <your system>/_trigger/message}, or accepts_unknown_orders: true")
E3_PATH = "/api/v2/messagetocitizen"
HELD_C1_S = 0.3  # how long the simulator holds back a C1 so the kit's C2 can overtake it (R-ORDERING)


@dataclass(frozen=True)
class PlacedOrder:
    """An order to call back about; ``reported`` are the simulator's C1 deliveries for it (settled)."""

    form_order_id: str
    by_system: bool
    reported: tuple[Exchange, ...] = ()
    kit_c1: bool = False  # the order has had no C1: the kit delivers its one C1 itself

    @property
    def reported_channels(self) -> tuple[NotificationChannel, ...]:
        """The channels the simulator's C1 already reported for this order."""
        channels = []
        for exchange in self.reported:
            body = exchange.json_request() or {}
            try:
                channels.append(parse_enum(NotificationChannel, body.get("notificationChannel"), field="channel"))
            except ValueError:
                continue
        return tuple(channels)


class OrderSource:
    """Orders for positive callbacks: placed by the system through its trigger, or the kit's own ids."""

    def __init__(self, system: SystemUnderVerification, simulator: Any = None, *, national_id: str):
        self.system = system
        self.simulator = simulator
        self.national_id = national_id
        self.api_key = system.target.api_key.reveal()

    @property
    def unavailable(self) -> str | None:
        """Why positive callbacks cannot be sent (a skip reason), or None."""
        if self.system.has_trigger or self.system.settings.accepts_unknown_orders:
            return None
        return NO_ORDERS

    @property
    def places_orders(self) -> bool:
        """True when orders come from the system (trigger); False when the kit makes up its own ids."""
        return self.system.has_trigger

    def order(self, *, form: Any = None, rule: str | None = None, must_be_signed: bool = False,
              hold_c1: bool = False, kit_c1: bool = False, c1_overtakes: bool = False) -> PlacedOrder:
        """A fresh order; with ``hold_c1`` the simulator's C1 for it is still pending (see :meth:`settle`);
        with ``kit_c1`` the simulator sends none, and the order's one C1 is the kit's to deliver; with
        ``c1_overtakes`` the simulator's C1 reaches the system before E1's answer does."""
        if not self.places_orders:
            return PlacedOrder(new_guid(), by_system=False, kit_c1=True)
        form = form or self.system.target.forms[0]
        parameters: dict[str, Any] = {"formId": form.id, "nationalId": self.national_id}
        if rule:
            parameters["distributionRule"] = rule
        if must_be_signed:
            parameters |= {"mustBeSigned": True, "signingText": "Jeg bekrefter at svarene er mine"}
        delivery = "withhold" if kit_c1 else "before_answer" if c1_overtakes else None
        with self._c1_held(hold_c1), self._c1_delivery(delivery):
            placement = place_order(self.system, self.simulator, parameters, settle_s=0)
        if placement.form_order_id is None:
            raise NotVerifiable("receiver", "the system placed no order to call back about: "
                                + "; ".join(placement.problems or ["ePROM created no order"]))
        order = PlacedOrder(placement.form_order_id, by_system=True, kit_c1=kit_c1)
        return order if hold_c1 else self.settle(order)

    def orders(self, count: int, **options: Any) -> list[PlacedOrder]:
        """``count`` fresh orders (see :meth:`order`): one per C1 a scenario varies, never two C1s to one."""
        return [self.order(**options) for _ in range(count)]

    @contextmanager
    def _c1_delivery(self, delivery: str | None) -> Iterator[None]:
        if delivery is None:
            yield
            return
        self.simulator.configure(c1_delivery=delivery)
        try:
            yield
        finally:
            self.simulator.configure(c1_delivery=self.simulator.settings.c1_delivery)

    @contextmanager
    def _c1_held(self, hold: bool) -> Iterator[None]:
        if not hold:
            yield
            return
        self.simulator.configure(callback_delay_s=HELD_C1_S)
        try:
            yield
        finally:  # back to what the simulator was started with
            self.simulator.configure(callback_delay_s=self.simulator.settings.callback_delay_s)

    def settle(self, order: PlacedOrder) -> PlacedOrder:
        """Wait (bounded) until the simulator's C1 for ``order`` was delivered or given up."""
        if not order.by_system:
            return order
        self.simulator.order(order.form_order_id, settled=True)
        found = self.simulator.exchanges(direction="to_system", callback="C1", formOrderId=order.form_order_id)
        return PlacedOrder(order.form_order_id, True, tuple(self.system.store.get(ex["id"]) for ex in found),
                           kit_c1=order.kit_c1)

    def letter(self, *, kit_c3: bool = False) -> str:
        """A letter the system sent (trigger kind ``message``), or the kit's own id; its messageToCitizenId.
        With ``kit_c3`` the simulator sends no C3 for it: the letter's one C3 is the kit's to deliver.
        ePROM reports only on letters the system sent: without a ``message`` trigger, the kit's own id is used
        only when the target says the system acknowledges callbacks for any id."""
        if not self.system.has_trigger_for("message"):
            if not self.system.settings.accepts_unknown_orders:
                raise NotVerifiable("R-MESSAGE-STATUS", NO_LETTERS)
            return new_guid()
        after = self.simulator.last_exchange_id()
        if kit_c3:
            self.simulator.configure(c3_delivery="withhold")
        try:
            trigger = self.system.trigger({"nationalId": self.national_id}, kind="message")
        finally:
            if kit_c3:
                self.simulator.configure(c3_delivery=self.simulator.settings.c3_delivery)
        timeout = self.system.settings.trigger.timeout_s
        for found in self.simulator.wait(after=after, timeout=timeout, direction="to_eprom", path=E3_PATH):
            answer = Exchange(**found).json_response()
            letter_id = answer.get("messageToCitizenId") if isinstance(answer, dict) else None
            if letter_id:
                return str(letter_id)
        raise NotVerifiable("receiver", f"the system sent no letter to call back about (trigger answered "
                                        f"{trigger.status or trigger.error}; no E3 with an id within {timeout} s)")


# -- delivering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What the probe counted for one expectation, before and after the stimuli it is about."""

    label: str
    storage: Storage
    before: ProbeAnswer
    after: ProbeAnswer
    exchange_ids: tuple[int, ...] = ()


@dataclass
class Delivered:
    """The exchanges of a scenario, the tallies of what was stored, and the storage that could not be read."""

    exchanges: list[Exchange] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)
    unprobed: list[str] = field(default_factory=list)

    def __add__(self, other: Delivered) -> Delivered:
        return Delivered(self.exchanges + other.exchanges, self.tallies + other.tallies,
                         list(dict.fromkeys(self.unprobed + other.unprobed)))


def send(system: SystemUnderVerification, stimulus: Stimulus) -> Exchange:
    """Deliver one stimulus, recorded with its label; a header given as None is left out altogether."""
    headers = dict(stimulus.headers or {})
    meta = {"stimulus": stimulus.label}
    if any(value is None for value in headers.values()):
        kept = {name: value for name, value in headers.items() if value is not None}
        return system.client.send(
            stimulus.method, system.callback_url(stimulus.kind, trailing_slash=stimulus.trailing_slash),
            json_body=stimulus.body if stimulus.raw is None else None, content=stimulus.raw, headers=kept,
            meta={"callback": stimulus.kind, **meta},
        )
    return system.send_callback(
        stimulus.kind, stimulus.body, method=stimulus.method, headers=headers, raw=stimulus.raw,
        trailing_slash=stimulus.trailing_slash, meta=meta,
    )


def _probe(system: SystemUnderVerification, storage: Storage, unprobed: list[str]) -> ProbeAnswer | None:
    if not system.has_probe(storage.probe):
        unprobed.append(f"no {storage.probe} probe configured")
        return None
    answer = system.probe(storage.probe, storage.form_order_id)
    if answer.count is None:
        unprobed.append(f"the {storage.probe} probe could not be read: {answer.problem}")
        return None
    return answer


def deliver(system: SystemUnderVerification, stimuli: Iterable[Stimulus]) -> Delivered:
    """Deliver ``stimuli`` one after the other, reading the probe around each one that stores (or must not)."""
    delivered = Delivered()
    for stimulus in stimuli:
        before = _probe(system, stimulus.stores, delivered.unprobed) if stimulus.stores else None
        exchange = send(system, stimulus)
        delivered.exchanges.append(exchange)
        after = _probe(system, stimulus.stores, delivered.unprobed) if before is not None else None
        if before is not None and after is not None and stimulus.stores is not None:
            delivered.tallies.append(Tally(stimulus.label, stimulus.stores, before, after, (exchange.id or 0,)))
    delivered.unprobed = list(dict.fromkeys(delivered.unprobed))
    return delivered


def deliver_at_once(system: SystemUnderVerification, stimuli: Sequence[Stimulus], *, workers: int = 16) -> Delivered:
    """Deliver ``stimuli`` in parallel, released together; one tally per order and probe over the burst."""
    delivered = Delivered()
    groups: dict[tuple[str, str], list[Stimulus]] = {}
    for stimulus in stimuli:
        if stimulus.stores:
            groups.setdefault((stimulus.stores.probe, stimulus.stores.form_order_id), []).append(stimulus)
    before = {key: _probe(system, members[0].stores, delivered.unprobed) for key, members in groups.items()}
    workers = min(workers, len(stimuli))
    start = threading.Barrier(workers)

    def released(stimulus: Stimulus) -> Exchange:
        try:
            start.wait(timeout=10)  # the first ``workers`` requests leave together; bounded
        except threading.BrokenBarrierError:
            pass
        return send(system, stimulus)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        delivered.exchanges = list(pool.map(released, stimuli))
    for key, members in groups.items():
        after = _probe(system, members[0].stores, delivered.unprobed) if before[key] is not None else None
        if before[key] is None or after is None:
            continue
        expected = Storage(key[0], key[1], sum(m.stores.increase for m in members if m.stores))
        ids = tuple(ex.id or 0 for ex, s in zip(delivered.exchanges, stimuli, strict=True) if s in members)
        label = f"burst of {len(members)} for order {key[1]}"
        delivered.tallies.append(Tally(label, expected, before[key], after, ids))
    delivered.unprobed = list(dict.fromkeys(delivered.unprobed))
    return delivered


# -- R-ORDERING and R-RETURN-SIGNED ----------------------------------------------------------------------


@dataclass
class OutOfOrder:
    """C2 first, then the late C1: the simulator's, held back, or a stale C1 of the kit's (with the kit's
    own ids, or when the simulator's C1 arrived first after all).

    ``c2_first`` is False when the simulator's C1 reached the system before the kit's C2 had been answered:
    then the C2-before-C1 order was not exercised."""

    delivered: Delivered
    c2_first: bool = True


def _started(exchange: Exchange) -> float:
    return datetime.fromisoformat(exchange.started_at).timestamp()


def out_of_order(source: OrderSource) -> OutOfOrder:
    """R-ORDERING: the form return overtakes the order status, and a stale status follows the return."""
    system = source.system
    order = source.order(hold_c1=True)
    # Only the answers are counted: a system keeping one status per order may well ignore a C1 that
    # arrives after the form was completed; what it must not do is lose or undo the answers (V3.2).
    wanted = [Storage("answers", order.form_order_id, 1)]
    unprobed: list[str] = []
    before = {s.probe: _probe(system, s, unprobed) for s in wanted}
    c2 = send(system, completed_return(order.form_order_id, source.api_key))
    late = source.settle(order).reported  # the simulator's C1, held back: the stale status after the C2
    answered_at = _started(c2) + (c2.latency_ms or 0) / 1000
    c2_first = not late or answered_at <= _started(late[0])
    # Unless the simulator's C1 came after the C2, the kit sends it again after the C2 (a late redelivery),
    # or, with ids of its own, the order's one C1 (an hour old): never a second, different C1.
    if late and c2_first:
        stale = []
    elif late:
        again = Stimulus("the simulator's C1 delivered again after the C2", "C1", late[0].json_request())
        stale = [send(system, again)]
    else:
        stale = [send(system, stale_order_status(order.form_order_id, source.api_key))]
    exchanges = [c2, *late, *stale]
    tallies = []
    for storage in wanted:
        after = _probe(system, storage, unprobed) if before[storage.probe] is not None else None
        if before[storage.probe] is not None and after is not None:
            tallies.append(Tally(f"{storage.probe} after the C2 and the late C1", storage,
                                 before[storage.probe], after, tuple(ex.id or 0 for ex in exchanges)))
    return OutOfOrder(Delivered(exchanges, tallies, list(dict.fromkeys(unprobed))), c2_first)


@dataclass
class Overtaken:
    """R-ORDERING: the simulator's C1 (every attempt) sent before E1's answer had left, and whether it
    really arrived first (``overtook``)."""

    delivered: Delivered
    overtook: bool


def c1_before_answer(source: OrderSource) -> Overtaken:
    """R-ORDERING: an order whose C1 reaches the system while the system still waits for E1's answer
    (ePROM's C1 job can be quicker than the answer on its way). The C1 must be acknowledged on its first
    attempt and stored once: ePROM documents no re-delivery of C1."""
    system = source.system
    order = source.order(c1_overtakes=True)
    c1 = list(order.reported)
    delivered = Delivered(exchanges=c1)
    storage = Storage("status", order.form_order_id, 1)
    after = _probe(system, storage, delivered.unprobed)
    if after is not None and c1:
        nothing_yet = ProbeAnswer(0, None)  # before its E1 the order did not exist
        delivered.tallies.append(Tally("status after a C1 that overtook E1's answer", storage, nothing_yet, after,
                                       tuple(ex.id or 0 for ex in c1)))
    e1 = [system.store.get(found["id"]) for found in source.simulator.exchanges(
        direction="to_eprom", path=E1_PATH, formOrderId=order.form_order_id)]
    answered = [_started(ex) + (ex.latency_ms or 0) / 1000 for ex in e1]
    overtook = bool(c1 and answered) and _started(c1[0]) < min(answered)
    return Overtaken(delivered, overtook)


@dataclass
class SignedReturn:
    """The simulated citizen's signed C2 (every delivery attempt) and the E2 downloads that followed."""

    c2: list[Exchange]
    e2: list[Exchange]
    signed_form_id: str | None
    waited_s: float
    redelivery: Exchange | None = None  # the kit's identical C2 again, once the document was downloaded
    e2_after_redelivery: list[Exchange] = field(default_factory=list)


REDELIVERY_DOWNLOAD_WAIT_S = 1.0  # how long a download caused by the redelivered C2 is waited for


def signed_return(source: OrderSource, *, form: Any) -> SignedReturn:
    """R-RETURN-SIGNED: a must-be-signed order, completed and signed by the simulated citizen; then wait
    (bounded by the callback budget) for the system to download the signed document (E2)."""
    system, simulator = source.system, source.simulator
    order = source.order(form=form, must_be_signed=True)
    completed = simulator.complete(order.form_order_id, answers={"HealthGeneral": 2}, sign=True)
    signed_form_id = (completed.get("sent") or {}).get("signedFormId")
    c2 = simulator.exchanges(direction="to_system", callback="C2", formOrderId=order.form_order_id)
    budget = system.target.budgets.signed_download_s
    started = time.monotonic()
    path = f"/api/ExternalDocument/{signed_form_id}"
    e2 = simulator.wait(after=0, timeout=budget, direction="to_eprom", path=path)
    trip = SignedReturn(
        [system.store.get(ex["id"]) for ex in c2], [system.store.get(ex["id"]) for ex in e2], signed_form_id,
        round(time.monotonic() - started, 3),
    )
    if c2 and e2:  # downloaded: ePROM may deliver the same C2 again (an identical redelivery)
        after = simulator.last_exchange_id()
        body = trip.c2[0].json_request()
        trip.redelivery = system.send_callback("C2", body, meta={"purpose": "redelivered signed return",
                                                                 "formOrderId": order.form_order_id})
        again = simulator.wait(after=after, timeout=REDELIVERY_DOWNLOAD_WAIT_S, direction="to_eprom", path=path)
        trip.e2_after_redelivery = [system.store.get(ex["id"]) for ex in again]
    return trip


def observe_tls(system: SystemUnderVerification) -> Exchange | None:
    """R-TRANSPORT: one TLS handshake with the callback base URL (https only), verified against the
    system's trust store and host name; recorded as an exchange with the negotiated version in ``meta``."""
    url = system.settings.callback_base_url
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        return None
    exchange = Exchange(direction="to_system", actor="kit", method="TLS", url=url, meta={"purpose": "transport"})
    started = time.perf_counter()
    context = ssl.create_default_context()
    try:
        with socket.create_connection((parts.hostname, parts.port or 443), timeout=system.budget_s) as raw:
            with context.wrap_socket(raw, server_hostname=parts.hostname) as tls:
                exchange.meta |= {"tls_version": tls.version(), "certificate": "verified"}
    except ssl.SSLCertVerificationError as exc:
        exchange.error = f"certificate does not verify: {exc.verify_message}"
    except (ssl.SSLError, OSError) as exc:
        exchange.error = f"{type(exc).__name__}: {exc}"
    exchange.latency_ms = (time.perf_counter() - started) * 1000
    system.store.record(exchange)
    return exchange
