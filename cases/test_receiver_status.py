"""R-STATUS-ORDERED, R-STATUS-ERROR, R-STATUS-OTHER: C1 order statuses on ``PUT /api/PromsFormOrder``.

ePROM sends one C1 per order (flow 1.2, step 6), so every status, channel and error code goes to an order
of its own: the system places it (the simulator withholds its own C1) and the kit delivers that order's
one C1. Without a trigger the orders are ids of the kit's own (when the target accepts unknown orders).
A check with a stored part has a second case judging the probe.
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
from verification.checks.stored_channel import check_stored_channel
from verification.scenarios.receiver import Delivered, deliver
from verification.spec.enums import NotificationChannel
from verification.stimuli.callbacks import (
    ERROR_CODES,
    RULE_FOR_CHANNEL,
    UNDOCUMENTED_STATUSES,
    error_statuses,
    ordered_in_older_shape,
    ordered_via,
    undocumented_statuses,
)

from .conftest import first_form, require_capability


def _paper_form(target: Any) -> Any:
    """The form a PaperOnly order goes out with, or None when the target has no paper capability."""
    if "paper" not in target.bestillersystem.capabilities:
        return None
    return next((form for form in target.forms if form.paper and not form.signing), None)


@pytest.fixture(scope="module")
def ordered(eprom_target: Any, order_source: Any) -> Delivered:
    """C1 ``Ordered`` on every channel, each to an order placed with the rule that lets ePROM use that
    channel (PhysicalMailbox only with a paper form), and one C1 in the older shape (no error code)."""
    require_capability(eprom_target, "formorder")
    plain, paper = first_form(eprom_target, signing=False), _paper_form(eprom_target)
    stimuli = []
    for channel, rule in RULE_FOR_CHANNEL.items():
        if channel == NotificationChannel.PhysicalMailbox and paper is None:
            continue  # ePROM never reports paper for an order without a paper form (E1-5)
        form = paper if channel == NotificationChannel.PhysicalMailbox else plain
        order = order_source.order(form=form, rule=rule.name, kit_c1=True)
        stimuli.append(ordered_via(order.form_order_id, order_source.api_key, channel))
    older = order_source.order(form=plain, rule=RULE_FOR_CHANNEL[NotificationChannel.Helsenorge].name, kit_c1=True)
    stimuli.append(ordered_in_older_shape(older.form_order_id, order_source.api_key))
    return deliver(order_source.system, stimuli)


@pytest.mark.eprom("R-STATUS-ORDERED", "V1.2", "V1.3")
def test_ordered_status_acknowledged_on_every_channel(ordered):
    check_status_ordered(ordered.exchanges)


@pytest.mark.eprom("R-STATUS-ORDERED", "V1.2", "V1.3")
def test_ordered_status_stored_once(ordered):
    check_stored("R-STATUS-ORDERED.2", ordered)


@pytest.mark.eprom("R-STATUS-ORDERED", "V1.3")
def test_ordered_status_channel_stored(ordered, eprom_system):
    """V1.3: the channel the system keeps for each order is the one its C1 reported."""
    stored = {}
    if eprom_system.has_probe("channel"):
        stored = {ex.id: eprom_system.probe("channel", (ex.json_request() or {}).get("formOrderId", ""))
                  for ex in ordered.exchanges}
    for exchange in ordered.exchanges:
        check_stored_channel(None, exchange, stored.get(exchange.id), check_id="R-STATUS-ORDERED")


@pytest.mark.eprom("R-STATUS-ERROR", "V1.2")
def test_error_status_acknowledged(eprom_target, order_source):
    require_capability(eprom_target, "formorder")
    orders = order_source.orders(len(ERROR_CODES), kit_c1=True)
    stimuli = error_statuses([order.form_order_id for order in orders], order_source.api_key)
    check_status_error(deliver(order_source.system, stimuli).exchanges)


@pytest.mark.eprom("R-STATUS-OTHER", "V1.2")
def test_undocumented_status_never_a_server_error(eprom_target, order_source):
    require_capability(eprom_target, "formorder")
    orders = order_source.orders(len(UNDOCUMENTED_STATUSES), kit_c1=True)
    stimuli = undocumented_statuses([order.form_order_id for order in orders], order_source.api_key)
    check_status_other(deliver(order_source.system, stimuli).exchanges)
