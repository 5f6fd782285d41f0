"""R-IDEMPOTENT, R-CONCURRENT, R-ORDERING: callbacks delivered again, all at once, and out of order.

ePROM re-sends a callback it does not consider delivered (v12.1), and its C1 and C2 travel independently;
the checklist wants no error situations and no duplicates (V1.4, V3.2).
"""

from __future__ import annotations

from typing import Any

import pytest

from verification.checks.receiver import (
    check_c1_before_answer,
    check_concurrent,
    check_idempotent,
    check_ordering,
    check_stored,
)
from verification.scenarios.receiver import (
    Delivered,
    OutOfOrder,
    Overtaken,
    PlacedOrder,
    c1_before_answer,
    deliver,
    deliver_at_once,
    out_of_order,
)
from verification.spec.enums import FormOrderStatusErrorCode, NotificationChannel
from verification.stimuli.callbacks import (
    Stimulus,
    Storage,
    completed_return,
    error_status,
    ordered_via,
    redelivered,
)

from .conftest import require_capability

BURST_ORDERS = 5  # 5 orders' C1 + 5 other orders' C2 = 10 distinct callbacks, each sent twice at once


def _status_again(order: PlacedOrder, api_key: str) -> list[Stimulus]:
    """The C1 of the order three times: the simulator's delivery and two repeats of its exact body, or
    (with the kit's own ids) one C1 of the kit's delivered three times."""
    if not order.reported:
        return redelivered(ordered_via(order.form_order_id, api_key, NotificationChannel.Helsenorge), 3)
    body = order.reported[0].json_request()
    unchanged = Storage("status", order.form_order_id, 0)
    return [Stimulus(f"C1 as the simulator delivered it, delivery {n}", "C1", body, stores=unchanged) for n in (2, 3)]


@pytest.fixture(scope="module")
def repeated(eprom_target: Any, order_source: Any) -> Delivered:
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    stimuli = _status_again(order, order_source.api_key)
    stimuli += redelivered(completed_return(order.form_order_id, order_source.api_key), 3)
    return deliver(order_source.system, stimuli)


@pytest.mark.eprom("R-IDEMPOTENT", "V1.4", "V3.2")
def test_repeated_callbacks_acknowledged(repeated):
    check_idempotent(repeated.exchanges)


@pytest.mark.eprom("R-IDEMPOTENT", "V1.4", "V3.2")
def test_repeated_callbacks_stored_once(repeated):
    check_stored("R-IDEMPOTENT.2", repeated)


# One C1 per order (ePROM's), varied across the orders: statuses, channels and error codes on common
# channels only, so that a fault about rarer ones shows in the checks about those.
_BURST_C1 = (
    (ordered_via, NotificationChannel.Helsenorge),
    (ordered_via, NotificationChannel.DigitalMailbox),
    (ordered_via, NotificationChannel.None_),
    (error_status, FormOrderStatusErrorCode.PatientUnreachable),
    (ordered_via, NotificationChannel.Helsenorge),
)


@pytest.fixture(scope="module")
def burst(eprom_target: Any, order_source: Any) -> Delivered:
    """Orders whose one C1 the kit delivers, and orders (their C1 delivered by the simulator) whose form
    return it delivers: each callback twice, the two copies side by side so that they arrive together.
    A C1 and a C2 of one order never share the burst: that order is R-ORDERING's business."""
    require_capability(eprom_target, "formorder")
    api_key = order_source.api_key
    stimuli: list[Stimulus] = []
    for (make, value), order in zip(_BURST_C1, order_source.orders(BURST_ORDERS, kit_c1=True), strict=True):
        stimuli += redelivered(make(order.form_order_id, api_key, value), 2)
    for order in order_source.orders(BURST_ORDERS):
        stimuli += redelivered(completed_return(order.form_order_id, api_key), 2)
    return deliver_at_once(order_source.system, stimuli, workers=20)


@pytest.mark.eprom("R-CONCURRENT", "V1.4", "V3.2")
def test_parallel_burst_acknowledged(burst):
    check_concurrent(burst.exchanges)


@pytest.mark.eprom("R-CONCURRENT", "V1.4", "V3.2")
def test_parallel_burst_counted_exactly(burst):
    check_stored("R-CONCURRENT.2", burst)


@pytest.fixture(scope="module")
def overtaken(eprom_target: Any, order_source: Any) -> OutOfOrder:
    require_capability(eprom_target, "formorder")
    return out_of_order(order_source)


@pytest.mark.eprom("R-ORDERING", "V3.2")
def test_out_of_order_callbacks_acknowledged(overtaken):
    check_ordering(overtaken.delivered.exchanges, c2_first=overtaken.c2_first)


@pytest.mark.eprom("R-ORDERING", "V3.2")
def test_out_of_order_callbacks_lose_nothing(overtaken):
    check_stored("R-ORDERING.3", overtaken.delivered)


@pytest.fixture(scope="module")
def c1_first(eprom_target: Any, order_source: Any) -> Overtaken:
    require_capability(eprom_target, "formorder")
    if not order_source.places_orders:
        pytest.skip("not run: only an order the system places itself has an E1 answer to overtake (no trigger)")
    return c1_before_answer(order_source)


@pytest.mark.eprom("R-ORDERING", "V1.4")
def test_c1_before_the_order_answer_acknowledged(c1_first):
    check_c1_before_answer(c1_first.delivered.exchanges, overtook=c1_first.overtook)


@pytest.mark.eprom("R-ORDERING", "V1.4")
def test_c1_before_the_order_answer_stored_once(c1_first):
    check_stored("R-ORDERING.4", c1_first.delivered)
