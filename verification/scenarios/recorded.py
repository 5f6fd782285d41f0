"""Judging a recorded session: the S-checks (and the R-checks that need nothing but ePROM's callbacks)
over what the relay — or the simulator — recorded, without sending anything.

Used by ``eprom-verify judge`` on a relay session, while it runs and after: a check whose events have not
been recorded yet (no order placed, no C2 because nobody has filled in the form, no download yet) is
*waiting*, never failed.

Grouping is by ``formOrderId``. The session's own orders are the non-zero ids ePROM answered its E1s
with. A callback for any other order that is not patient-initiated is *foreign*: in a shared test
environment (the documented test person is used by many ordering systems), or left over from an earlier
session. Foreign callbacks are listed, and never judged against the system.

Only ePROM's callbacks are judged here (actor ``relay`` or ``simulator``); the kit's own stimuli are the
pytest cases' business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from ..checks.environment import check_test_environment
from ..checks.failure import CheckFailure, Deviations, NotVerifiable, Waiting
from ..checks.outbound import of_endpoint, outbound
from ..checks.receiver_session import check_latency, check_no_leak, check_response_shape
from ..checks.round_trip import RecordedOrder, acknowledged, check_recorded_round_trips
from ..checks.sender import (
    check_auth_header,
    check_content_type,
    check_no_duplicate_orders_recorded,
    check_order_rules,
    check_orders_accepted,
    check_signed_download,
    check_test_data,
    created_order_id,
)
from ..checks.sender_body import check_order_body
from ..checks.sender_errors import check_retry_behaviour
from ..checks.sender_messages import check_message, check_nonsensitive, check_personvern, check_sms_email
from ..recorder.relay import describe_to_system
from ..recorder.store import Exchange, SessionStore
from ..spec.checklist import item
from ..spec.payloads import is_zero_guid, member

__all__ = [
    "Verdict",
    "RecordedSession",
    "judge_recorded",
    "RecordedCheck",
    "RECORDED_CHECKS",
    "read_session",
    "foreign_callbacks",
    "recorded_outcomes",
    "DOWNLOAD_GRACE_S",
]

Status = Literal["passed", "failed", "waiting", "not_verifiable", "not_applicable"]
DOWNLOAD_GRACE_S = 300.0  # how long after a signed return a missing E2 is still "waiting" (UNSPECIFIED)
_EPROM_ACTORS = ("relay", "simulator")


@dataclass(frozen=True)
class Verdict:
    """One check's verdict on the recorded session."""

    check_id: str
    status: Status
    reason: str = ""
    failure: CheckFailure | None = None
    exchange_ids: tuple[int, ...] = ()


@dataclass
class RecordedSession:
    """The recorded exchanges, read once and grouped: what the system sent, ePROM's callbacks per order."""

    outbound: list[Exchange]
    orders: dict[str, RecordedOrder] = field(default_factory=dict)
    foreign: list[Exchange] = field(default_factory=list)
    patient_initiated: list[Exchange] = field(default_factory=list)
    other_callbacks: list[Exchange] = field(default_factory=list)  # C3, C4

    @property
    def e1(self) -> list[Exchange]:
        return of_endpoint(self.outbound, "E1")

    def own_callbacks(self) -> list[Exchange]:
        own = [ex for order in self.orders.values() for kind in order.callbacks.values() for ex in kind]
        return sorted(own + self.patient_initiated + self.other_callbacks, key=lambda ex: ex.id or 0)


def _callback_kind(exchange: Exchange) -> str | None:
    return exchange.meta.get("callback") or describe_to_system(exchange).get("callback")


def _order_id(exchange: Exchange) -> str | None:
    body = exchange.json_request()
    if not isinstance(body, dict):
        return None
    value = member(body, "formOrderId", None)
    return value.lower() if isinstance(value, str) else None


def _patient_initiated(exchange: Exchange) -> bool:
    body = exchange.json_request()
    if not isinstance(body, dict):
        return False
    return member(body, "isPatientInitiated", False) in (True, "true", "True")


def read_session(store: SessionStore) -> RecordedSession:
    """Group the store: outbound requests, own orders with their callbacks, foreign callbacks."""
    exchanges = store.exchanges()
    session = RecordedSession(outbound=outbound(exchanges))
    for e1 in session.e1:
        order_id = created_order_id(e1)
        if order_id is not None and order_id not in session.orders:
            session.orders[order_id] = RecordedOrder(order_id, e1)
    for exchange in exchanges:
        if exchange.direction == "to_system" and exchange.actor in _EPROM_ACTORS:
            _place_callback(session, exchange)
    return session


def _place_callback(session: RecordedSession, exchange: Exchange) -> None:
    kind = _callback_kind(exchange)
    if kind not in ("C1", "C2", "C1/C2"):
        if kind is not None:
            session.other_callbacks.append(exchange)
        return
    order = session.orders.get(_order_id(exchange) or "")
    if order is not None:
        order.callbacks.setdefault(kind, []).append(exchange)  # "C1/C2": unreadable, judged by no step
    elif kind == "C2" and _patient_initiated(exchange):
        session.patient_initiated.append(exchange)
    else:
        session.foreign.append(exchange)


def foreign_callbacks(store: SessionStore) -> list[Exchange]:
    """ePROM callbacks for orders this session did not place (and not patient-initiated)."""
    return read_session(store).foreign


# -- the verdicts ----------------------------------------------------------------------------------


def _verdict(check_id: str, judge: Callable[[], Any], rests_on: Iterable[Exchange] = ()) -> Verdict:
    """Run one check; its verdict points to the exchanges it judged (a failure to those it names)."""
    judged = tuple(ex.id for ex in rests_on if ex.id)
    try:
        judge()
    except CheckFailure as failure:
        return Verdict(check_id, "failed", str(failure).splitlines()[0], failure,
                       tuple(failure.exchange_ids) or judged)
    except Waiting as waiting:
        return Verdict(check_id, "waiting", waiting.reason, exchange_ids=judged)
    except NotVerifiable as unverifiable:
        return Verdict(check_id, "not_verifiable", unverifiable.reason, exchange_ids=judged)
    return Verdict(check_id, "passed", exchange_ids=judged)


def _once_recorded(check_id: str, exchanges: list[Exchange], what: str, check: Callable[[], Any]) -> Verdict:
    """Waiting until ``exchanges`` holds something, then ``check`` over them."""
    if not exchanges:
        return Verdict(check_id, "waiting", f"{what} has been recorded yet")
    return _verdict(check_id, check, exchanges)


def _capable(target: Any, *names: str) -> bool:
    return any(name in target.bestillersystem.capabilities for name in names)


@dataclass
class _Recorded:
    """What every recorded check reads: the grouped session and the target's facts."""

    session: RecordedSession
    target: Any
    api_key: str
    now: datetime | None
    grace_s: float

    @property
    def e1(self) -> list[Exchange]:
        return self.session.e1

    @property
    def calls(self) -> list[Exchange]:
        return self.session.outbound

    def callbacks(self) -> list[Exchange]:
        return [ex for order in self.session.orders.values() for kind in order.callbacks.values() for ex in kind]

    def endpoint(self, *endpoints: str) -> list[Exchange]:
        return of_endpoint(self.calls, *endpoints)


@dataclass(frozen=True)
class RecordedCheck:
    """How one check is judged from a recorded session: the exchanges it rests on and the judgement. With
    ``waits_for`` set, the check is *waiting* (saying ``no <waits_for> has been recorded yet``) until
    ``evidence`` holds something."""

    evidence: Callable[[_Recorded], list[Exchange]]
    judge: Callable[[_Recorded], Any]
    waits_for: str | None = None


# The check registry of a recorded session, keyed by frozen check ID (titles and capabilities are the
# checklist's). judge_recorded loops over it; a check that can be judged from a recording is one entry here.
RECORDED_CHECKS: dict[str, RecordedCheck] = {
    "V0": RecordedCheck(lambda r: [], lambda r: check_test_environment(r.target)),
    "S-ORDER-SENT": RecordedCheck(lambda r: r.e1, lambda r: check_orders_accepted(r.e1), "order (E1)"),
    "S-AUTH-HEADER": RecordedCheck(lambda r: r.calls, lambda r: check_auth_header(r.calls, r.api_key),
                                   "request to ePROM"),
    "S-CONTENT-TYPE": RecordedCheck(lambda r: r.calls, lambda r: check_content_type(r.calls), "request to ePROM"),
    "S-ORDER-BODY": RecordedCheck(lambda r: r.e1, lambda r: check_order_body(r.e1), "order (E1)"),
    "S-ORDER-RULES": RecordedCheck(lambda r: r.e1, lambda r: check_order_rules(r.e1, r.target.forms), "order (E1)"),
    "S-NO-DUPLICATE-ORDER": RecordedCheck(lambda r: r.e1, lambda r: check_no_duplicate_orders_recorded(r.e1),
                                          "order (E1)"),
    "S-ROUND-TRIP": RecordedCheck(lambda r: r.e1 + r.callbacks(),
                                  lambda r: check_recorded_round_trips(r.session.orders.values())),
    "S-SIGNED-DOWNLOAD": RecordedCheck(
        lambda r: [c2 for _, c2 in _signed_returns(r.session)] + r.endpoint("E2"),
        lambda r: _signed_downloads(r.session, r.api_key, r.now, r.grace_s)),
    "S-ERROR-HANDLING": RecordedCheck(lambda r: r.e1, lambda r: check_retry_behaviour(r.calls)),
    "S-MESSAGE": RecordedCheck(lambda r: r.endpoint("E3"), lambda r: check_message(r.calls), "letter (E3)"),
    "S-SMS-EMAIL": RecordedCheck(lambda r: r.endpoint("E4", "E5"), lambda r: check_sms_email(r.calls, r.api_key),
                                 "SMS or e-mail (E4/E5)"),
    "S-NONSENSITIVE": RecordedCheck(lambda r: r.endpoint("E4", "E5"), lambda r: check_nonsensitive(r.calls),
                                    "SMS or e-mail (E4/E5)"),
    "S-PERSONVERN": RecordedCheck(lambda r: r.endpoint("E6", "E7"), lambda r: check_personvern(r.calls, r.api_key),
                                  "privacy-setting call (E6/E7)"),
    "S-TEST-DATA": RecordedCheck(lambda r: r.calls, lambda r: check_test_data(r.calls, r.target.test_persons),
                                 "request to ePROM"),
    # The R-checks that judge only ePROM's own callbacks: reply shape, latency, no leaks.
    "R-RESPONSE-SHAPE": RecordedCheck(lambda r: r.session.own_callbacks(),
                                      lambda r: check_response_shape(r.session.own_callbacks()), "callback from ePROM"),
    "R-LATENCY": RecordedCheck(lambda r: r.session.own_callbacks(),
                               lambda r: check_latency(r.session.own_callbacks(), budget_s=_callback_budget(r.target)),
                               "callback from ePROM"),
    "R-NO-LEAK": RecordedCheck(lambda r: r.session.own_callbacks(),
                               lambda r: check_no_leak(r.session.own_callbacks(), api_key=r.api_key),
                               "callback from ePROM"),
}


def _callback_budget(target: Any) -> float:
    return getattr(getattr(target, "budgets", None), "callback_s", 10.0)


def judge_recorded(
    store: SessionStore, target: Any, *, now: datetime | None = None, download_grace_s: float = DOWNLOAD_GRACE_S
) -> list[Verdict]:
    """The verdict of every check of :data:`RECORDED_CHECKS` on a recorded session, in the registry's order;
    a check whose capability (checklist data) the target does not declare is not applicable."""
    recorded = _Recorded(read_session(store), target, target.api_key.reveal(), now, download_grace_s)
    verdicts = []
    for check_id, check in RECORDED_CHECKS.items():
        capabilities = item(check_id).capability
        if capabilities and not _capable(target, *capabilities):
            verdicts.append(Verdict(check_id, "not_applicable",
                                    f"the target does not declare capability {' or '.join(capabilities)}"))
        elif check.waits_for is None:
            verdicts.append(_verdict(check_id, lambda: check.judge(recorded), check.evidence(recorded)))
        else:
            verdicts.append(_once_recorded(check_id, check.evidence(recorded), f"no {check.waits_for}",
                                           lambda: check.judge(recorded)))
    return verdicts


def _signed_returns(session: RecordedSession) -> list[tuple[str, Exchange]]:
    """(signedFormId, C2) of every acknowledged signed return: own orders and patient-initiated forms."""
    returns = [c2 for order in session.orders.values() for c2 in order.callbacks.get("C2", [])]
    signed = []
    for c2 in returns + session.patient_initiated:
        body = c2.json_request()
        signed_id = member(body, "signedFormId", None) if isinstance(body, dict) else None
        if isinstance(signed_id, str) and not is_zero_guid(signed_id) and acknowledged(c2):
            signed.append((signed_id, c2))
    return signed


def _signed_downloads(session: RecordedSession, api_key: str, now: datetime | None, grace_s: float) -> None:
    """S-SIGNED-DOWNLOAD for every signed return; a download may still be on its way for ``grace_s`` after
    the return was acknowledged (then *waiting*, unless another return already failed)."""
    signed = _signed_returns(session)
    if not signed:
        if any(_must_be_signed(order.e1) for order in session.orders.values()):
            raise Waiting("S-SIGNED-DOWNLOAD", "a signed order was placed; its signed return has not come yet")
        raise NotVerifiable("S-SIGNED-DOWNLOAD", "no order with mustBeSigned was placed in this session")
    e2 = of_endpoint(session.outbound, "E2")
    found = Deviations("S-SIGNED-DOWNLOAD")
    waiting = []
    for signed_id, c2 in signed:
        fetched = [ex for ex in e2 if signed_id.lower() in ex.path.lower()]
        if not fetched and _age_s(c2, now) < grace_s:
            waiting.append(f"signed document {signed_id} not downloaded yet (returned {_age_s(c2, now):.0f} s ago)")
            continue
        try:
            check_signed_download(signed_id, fetched, api_key, c2=c2)
        except CheckFailure as failure:
            found.found += failure.deviations
    found.raise_if_any()
    if waiting:
        raise Waiting("S-SIGNED-DOWNLOAD", "; ".join(waiting))


def _must_be_signed(e1: Exchange) -> bool:
    body = e1.json_request()
    return isinstance(body, dict) and member(body, "mustBeSigned", False) in (True, "true")


def _age_s(exchange: Exchange, now: datetime | None) -> float:
    moment = now or datetime.now(timezone.utc)
    try:
        return (moment - datetime.fromisoformat(exchange.started_at)).total_seconds()
    except ValueError:
        return float("inf")


# -- into the evidence -----------------------------------------------------------------------------


def recorded_outcomes(store: SessionStore, target: Any, **options: Any) -> list[Any]:
    """The verdicts as the evidence bundle's case outcomes (one per check, node id ``recorded::<ID>``)."""
    from ..evidence.results import CaseOutcome, failure_record

    outcomes = []
    for verdict in judge_recorded(store, target, **options):
        outcome, kind = {
            "passed": ("passed", ""),
            "failed": ("failed", ""),
            "waiting": ("skipped", "waiting"),
            "not_verifiable": ("skipped", "not_verifiable"),
            "not_applicable": ("skipped", "not_applicable"),
        }[verdict.status]
        outcomes.append(CaseOutcome(
            nodeid=f"recorded::{verdict.check_id}", ids=(verdict.check_id,), outcome=outcome, kind=kind,
            reason=verdict.reason, failure=failure_record(verdict.failure) if verdict.failure else None,
            exchange_ids=verdict.exchange_ids,
        ))
    return outcomes

