"""R-IDEMPOTENT, R-CONCURRENT, R-ORDERING: callbacks delivered again, all at once, and out of order.

ePROM re-sends a callback it does not consider delivered (v12.1), and its C1 and C2 travel independently;
the checklist wants no error situations and no duplicates (V1.4, V3.2).
"""

from __future__ import annotations

from typing import Any

import pytest

from verification.checks.receiver import check_concurrent, check_idempotent, check_ordering, check_stored
from verification.receiver_scenarios import (
    Delivered,
    OutOfOrder,
    PlacedOrder,
    deliver,
    deliver_at_once,
    out_of_order,
)
from verification.spec.enums import NotificationChannel
from verification.stimuli.callbacks import (
    Stimulus,
    Storage,
    completed_return,
    error_statuses,
    ordered_via,
    redelivered,
)

from .conftest import require_capability

BURST_ORDERS = 5  # × (3 distinct C1 + 1 C2) = 20 distinct callbacks, each sent twice at once


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
    check_stored("R-IDEMPOTENT", repeated, rule="V1.4")


def _distinct_updates(order: PlacedOrder, api_key: str) -> list[Stimulus]:
    """Three status updates the order has not had, on the common channels only (so that a fault about
    rarer channels or error codes shows in the checks about those), and the form return."""
    common = (NotificationChannel.None_, NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox)
    ordered = [ordered_via(order.form_order_id, api_key, c) for c in common if c not in order.reported_channels]
    unreachable = error_statuses(order.form_order_id, api_key)[0]  # Error / PatientUnreachable
    return [*ordered[:2], unreachable, completed_return(order.form_order_id, api_key)]


@pytest.fixture(scope="module")
def burst(eprom_target: Any, order_source: Any) -> Delivered:
    """Per order: three distinct status updates and the form return, each twice, the two copies side by
    side so that they arrive together."""
    require_capability(eprom_target, "formorder")
    stimuli: list[Stimulus] = []
    for _ in range(BURST_ORDERS):
        for stimulus in _distinct_updates(order_source.order(), order_source.api_key):
            stimuli += redelivered(stimulus, 2)
    return deliver_at_once(order_source.system, stimuli, workers=20)


@pytest.mark.eprom("R-CONCURRENT", "V1.4", "V3.2")
def test_parallel_burst_acknowledged(burst):
    check_concurrent(burst.exchanges)


@pytest.mark.eprom("R-CONCURRENT", "V1.4", "V3.2")
def test_parallel_burst_counted_exactly(burst):
    check_stored("R-CONCURRENT", burst, rule="V3.2")


@pytest.fixture(scope="module")
def overtaken(eprom_target: Any, order_source: Any) -> OutOfOrder:
    require_capability(eprom_target, "formorder")
    return out_of_order(order_source)


@pytest.mark.eprom("R-ORDERING", "V3.2")
def test_out_of_order_callbacks_acknowledged(overtaken):
    check_ordering(overtaken.delivered.exchanges, c2_first=overtaken.c2_first)


@pytest.mark.eprom("R-ORDERING", "V3.2")
def test_out_of_order_callbacks_lose_nothing(overtaken):
    check_stored("R-ORDERING", overtaken.delivered, rule="V3.2")
