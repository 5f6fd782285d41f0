"""S-ERROR-HANDLING and the slow-ePROM part of S-NO-DUPLICATE-ORDER, driven by the simulator's faults.

ePROM answers the next order with a documented 400, with 503s, or slowly; an order for a person the register
does not hold gets the all-zero id, as the guide says it happens. The
delay is ``budgets.slow_answer_s`` of the target (15 s by default): longer than a typical client timeout,
so a system that gives up and sends the order again is caught; a system with a longer timeout simply waits.
"""

from __future__ import annotations

import pytest

from verification.checks.sender import check_no_duplicate_order
from verification.checks.sender_errors import (
    check_bounded_retries,
    check_no_retry_on_client_error,
    check_zero_id_not_placed,
)
from verification.scenarios.sender import exchanges_by_id, order_answered_with_zero_id, place_order_with_fault

from .conftest import require_trigger

REPEATED_FAULTS = 10  # more than any bounded retry policy gets through


@pytest.fixture
def order(eprom_target, eprom_system, test_person):
    require_trigger(eprom_system)
    return {"formId": eprom_target.forms[0].id, "nationalId": test_person}


@pytest.mark.eprom("S-ERROR-HANDLING")
def test_no_retry_after_a_documented_400(eprom_session, eprom_simulator, eprom_system, order):
    placement = place_order_with_fault(eprom_system, eprom_simulator, order, "400", count=REPEATED_FAULTS,
                                       zero_orders=True)
    check_no_retry_on_client_error(exchanges_by_id(eprom_session.store, placement.e1_ids),
                                   orders_before=placement.zero_orders[0], orders_after=placement.zero_orders[1])


@pytest.mark.eprom("S-ERROR-HANDLING")
def test_bounded_retries_on_5xx(eprom_session, eprom_simulator, eprom_system, order):
    placement = place_order_with_fault(eprom_system, eprom_simulator, order, "503", count=REPEATED_FAULTS)
    check_bounded_retries(exchanges_by_id(eprom_session.store, placement.e1_ids))


@pytest.mark.eprom("S-NO-DUPLICATE-ORDER", "S-ERROR-HANDLING")
def test_slow_answer_is_not_turned_into_a_second_order(eprom_target, eprom_session, eprom_simulator, eprom_system,
                                                        order):
    placement = place_order_with_fault(eprom_system, eprom_simulator, order, "delay",
                                       delay_s=eprom_target.budgets.slow_answer_s)
    check_no_duplicate_order(exchanges_by_id(eprom_session.store, placement.e1_ids))


@pytest.mark.eprom("S-ERROR-HANDLING")
def test_all_zero_id_is_not_taken_as_an_order(eprom_target, eprom_session, eprom_simulator, eprom_system, order):
    outcome = order_answered_with_zero_id(eprom_system, eprom_simulator, order)
    before, after = outcome.placement.zero_orders
    check_zero_id_not_placed(
        exchanges_by_id(eprom_session.store, outcome.placement.e1_ids), zero_callback=outcome.callback,
        probe=outcome.probe, accepts_unknown_orders=eprom_target.bestillersystem.accepts_unknown_orders,
        orders_before=before, orders_after=after,
    )
