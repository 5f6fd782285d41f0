"""S-ERROR-HANDLING (V1.1): how the system behaves when ePROM answers an order badly.

Four situations, produced by the simulator's fault injection in simulator mode (and judged from whatever
a relay recorded): a documented 400 must not be sent again (a retry storm on 4xx changes nothing but the
load); a 5xx may be retried, a bounded number of times; a slow answer (timeout) must not be turned into
a second order (that part is :func:`.sender.check_no_duplicate_order`); an all-zero ``id`` means no order
was created (Q16), so the system must not treat the order as placed — judged by the ``orders`` probe for the
all-zero id (no order held under it after the answer), the status probe for it, and the system's answer to a
C1 for it.

UNSPECIFIED in the guide, our choice: at most :data:`MAX_E1_ATTEMPTS_ON_5XX` E1 requests for one order
when ePROM keeps answering 5xx (the first and three retries).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from ..recorder.store import Exchange
from ..spec.payloads import PayloadError, is_zero_guid, read_form_order_response
from .failure import Deviations, NotVerifiable
from .outbound import answer_text, answered_2xx, endpoint_of
from .round_trip import acknowledged
from .sender_trigger import require_no_zero_id_order

__all__ = [
    "MAX_E1_ATTEMPTS_ON_5XX",
    "check_no_retry_on_client_error",
    "check_bounded_retries",
    "check_zero_id_not_placed",
    "check_retry_behaviour",
    "answered_zero_id",
]

CHECK_ID = "S-ERROR-HANDLING"
MAX_E1_ATTEMPTS_ON_5XX = 4


def _status(exchange: Exchange) -> int:
    return exchange.status or 0


def check_no_retry_on_client_error(
    e1: Sequence[Exchange], *, orders_before: Any = None, orders_after: Any = None, check_id: str = CHECK_ID
) -> None:
    """After a 4xx answer to an E1, the same order is not sent again (exactly one request), and no order
    is taken under the all-zero id for it (the ``orders`` probe before and after, when the target has it)."""
    rejected = [ex for ex in e1 if 400 <= _status(ex) < 500]
    if not rejected:
        raise NotVerifiable(check_id, "no E1 was answered with a 4xx")
    found = Deviations(check_id)
    found.check("S-ERROR-HANDLING.1", len(e1) == 1, "E1 requests after a 4xx answer", len(e1),
                f"1: a rejected order is not sent again (first answer {answer_text(rejected[0])})",
                exchange_id=e1[-1].id)
    require_no_zero_id_order(found, "S-ERROR-HANDLING.5", orders_before, orders_after, after_what="ePROM's 400")
    found.raise_if_any()


def check_bounded_retries(
    e1: Sequence[Exchange], *, max_attempts: int = MAX_E1_ATTEMPTS_ON_5XX, check_id: str = CHECK_ID
) -> None:
    """While ePROM answers 5xx, the system retries at most ``max_attempts - 1`` times."""
    if not any(_status(ex) >= 500 for ex in e1):
        raise NotVerifiable(check_id, "no E1 was answered with a 5xx")
    found = Deviations(check_id)
    found.check("S-ERROR-HANDLING.2", len(e1) <= max_attempts, "E1 attempts while ePROM answers 5xx", len(e1),
                f"at most {max_attempts} (bounded retries)", exchange_id=e1[-1].id)
    found.raise_if_any()


def answered_zero_id(exchange: Exchange) -> bool:
    """ePROM answered 2xx with the all-zero id: no order was created (Q16)."""
    if not answered_2xx(exchange):
        return False
    try:
        return is_zero_guid(read_form_order_response(exchange.response_body).id)
    except PayloadError:
        return False


def check_zero_id_not_placed(
    e1: Sequence[Exchange],
    *,
    zero_callback: Exchange | None,
    probe: Any = None,
    accepts_unknown_orders: bool = False,
    orders_before: Any = None,
    orders_after: Any = None,
    check_id: str = CHECK_ID,
) -> None:
    """After an all-zero ``id``, the system holds no order under that id: its ``orders`` probe counts no new
    order, its status probe counts 0 for it, and it does not acknowledge a C1 for it as if the order existed."""
    if not any(answered_zero_id(ex) for ex in e1):
        raise NotVerifiable(check_id, "no E1 was answered with the all-zero id")
    found = Deviations(check_id)
    judged = require_no_zero_id_order(found, "S-ERROR-HANDLING.5", orders_before, orders_after,
                                      after_what="the all-zero answer")
    if probe is not None and probe.count is not None:
        judged = True
        found.check("S-ERROR-HANDLING.3", probe.count == 0, "status probe for the all-zero id", probe.count,
                    "0: an all-zero id is no order", exchange_id=probe.exchange.id if probe.exchange else None)
    # The reply says something only without a probe: acknowledging a callback for an unknown order and
    # storing nothing is a correct design (the guide does not say to refuse it; issue 10).
    if zero_callback is not None and not accepts_unknown_orders and not judged:
        judged = True
        found.check("S-ERROR-HANDLING.4", not acknowledged(zero_callback), "C1 for the all-zero id",
                    answer_text(zero_callback), "rejected (the order was never placed)", exchange_id=zero_callback.id)
    if not judged:
        raise NotVerifiable(check_id, "no orders or status probe, and the target accepts callbacks for unknown "
                            "orders, "
                            "so whether the all-zero id was taken as an order cannot be seen")
    found.raise_if_any()


def check_retry_behaviour(
    exchanges: Iterable[Exchange], *, max_attempts: int = MAX_E1_ATTEMPTS_ON_5XX, check_id: str = CHECK_ID
) -> None:
    """Passive form for recorded sessions: identical E1 bodies are one order's attempts; none follows a
    4xx, and no more than ``max_attempts`` follow 5xx answers."""
    attempts: dict[str, list[Exchange]] = {}
    for exchange in exchanges:
        if endpoint_of(exchange) == "E1" and exchange.direction == "to_eprom":
            attempts.setdefault(exchange.request_body, []).append(exchange)
    answered_badly = [group for group in attempts.values() if any(_status(ex) >= 400 for ex in group)]
    if not answered_badly:
        raise NotVerifiable(check_id, "ePROM answered no E1 with an error in this session")
    found = Deviations(check_id)
    for group in answered_badly:
        for earlier, later in pairwise(group):
            found.check("S-ERROR-HANDLING.1", not 400 <= _status(earlier) < 500, "E1 sent again after a 4xx",
                        answer_text(earlier), "a rejected order is not sent again", exchange_id=later.id)
        if any(_status(ex) >= 500 for ex in group):
            found.check("S-ERROR-HANDLING.2", len(group) <= max_attempts, "E1 attempts of one order", len(group),
                        f"at most {max_attempts}", exchange_id=group[-1].id)
    found.raise_if_any()
