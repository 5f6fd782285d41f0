"""R-STATUS-ORDERED, R-STATUS-ERROR, R-STATUS-OTHER: C1 order statuses on ``PUT /api/PromsFormOrder``.

Every status goes to an order the system placed itself (or, without a trigger, an id of the kit's own when
the target accepts unknown orders). A check with a stored part has a second case judging the probe.
"""

from __future__ import annotations

from typing import Any

import pytest

from verification.checks.receiver import (
    check_status_error,
    check_status_ordered,
    check_status_other,
    check_stored,
)
from verification.receiver_scenarios import Delivered, deliver
from verification.stimuli.callbacks import error_statuses, ordered_on_each_channel, undocumented_statuses

from .conftest import first_form, require_capability


@pytest.fixture(scope="module")
def ordered(eprom_target: Any, order_source: Any) -> Delivered:
    """C1 ``Ordered`` on every channel; a NoDistribution order, so the simulator's own C1 (channel None)
    is one of them, and the kit sends the other four."""
    require_capability(eprom_target, "formorder")
    order = order_source.order(form=first_form(eprom_target, signing=False), rule="NoDistribution")
    stimuli = ordered_on_each_channel(order.form_order_id, order_source.api_key, skip=order.reported_channels)
    delivered = deliver(order_source.system, stimuli)
    delivered.exchanges[:0] = order.reported
    return delivered


@pytest.mark.eprom("R-STATUS-ORDERED", "V1.2", "V1.3")
def test_ordered_status_acknowledged_on_every_channel(ordered):
    check_status_ordered(ordered.exchanges)


@pytest.mark.eprom("R-STATUS-ORDERED", "V1.2", "V1.3")
def test_ordered_status_stored_once(ordered):
    check_stored("R-STATUS-ORDERED", ordered, rule="V1.2")


@pytest.mark.eprom("R-STATUS-ERROR", "V1.2")
def test_error_status_acknowledged(eprom_target, order_source):
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    delivered = deliver(order_source.system, error_statuses(order.form_order_id, order_source.api_key))
    check_status_error(delivered.exchanges)


@pytest.mark.eprom("R-STATUS-OTHER", "V1.2")
def test_undocumented_status_never_a_server_error(eprom_target, order_source):
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    delivered = deliver(order_source.system, undocumented_statuses(order.form_order_id, order_source.api_key))
    check_status_other(delivered.exchanges)
