"""R-AUTH, R-UNKNOWN-ORDER, R-MALFORMED, R-ROUTES, R-TRANSPORT: what the receiver must refuse, where it
must answer, and how it is reached.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from verification.checks.receiver import CheckNote, check_stored
from verification.checks.receiver_security import (
    check_auth,
    check_malformed,
    check_routes,
    check_transport,
    check_unknown_order,
)
from verification.receiver_scenarios import Delivered, deliver, observe_tls
from verification.spec.enums import NotificationChannel
from verification.spec.wire import new_guid
from verification.stimuli.callbacks import (
    Storage,
    malformed_bodies,
    ordered_on_each_channel,
    with_api_key_variants,
    with_other_methods,
)

from .conftest import require_capability


@pytest.fixture(scope="module")
def bad_keys(eprom_target: Any, order_source: Any) -> Delivered:
    """A C1 for a placed order with each bad key, then (the control) the same C1 with the right key."""
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    (status,) = ordered_on_each_channel(order.form_order_id, order_source.api_key, skip=_all_but_mailbox())
    return deliver(order_source.system, [*with_api_key_variants(status), status])


def _all_but_mailbox() -> tuple[NotificationChannel, ...]:
    return tuple(channel for channel in NotificationChannel if channel != NotificationChannel.DigitalMailbox)


@pytest.mark.eprom("R-AUTH", "BR-23")
def test_bad_api_keys_rejected_alike(bad_keys):
    *refused, control = bad_keys.exchanges
    check_auth(refused, control=control)


@pytest.mark.eprom("R-AUTH", "BR-23")
def test_bad_api_keys_store_nothing(bad_keys):
    check_stored("R-AUTH", bad_keys, rule="BR-23")


@pytest.fixture(scope="module")
def unknown_order(eprom_target: Any, system: Any) -> Delivered:
    require_capability(eprom_target, "formorder")
    if eprom_target.bestillersystem.accepts_unknown_orders:
        pytest.skip("not applicable: the target declares accepts_unknown_orders: true")
    stimuli = ordered_on_each_channel(new_guid(), eprom_target.api_key.reveal(), skip=_all_but_mailbox())
    return deliver(system, [s.__class__(**{**vars(s), "label": s.label + " for an order never placed",
                                           "stores": Storage("status", s.stores.form_order_id, 0)}) for s in stimuli])


@pytest.mark.eprom("R-UNKNOWN-ORDER")
def test_unknown_order_rejected(unknown_order):
    check_unknown_order(unknown_order.exchanges)


@pytest.mark.eprom("R-UNKNOWN-ORDER")
def test_unknown_order_stores_nothing(unknown_order):
    check_stored("R-UNKNOWN-ORDER", unknown_order, rule="3.2.1")


@pytest.fixture(scope="module")
def malformed(eprom_target: Any, request: pytest.FixtureRequest, system: Any) -> Delivered:
    """Malformed bodies naming a placed order (when there is one), so "nothing stored" means something."""
    require_capability(eprom_target, "formorder")
    source = request.getfixturevalue("order_source") if _has_orders(system) else None
    order_id = source.order().form_order_id if source else new_guid()
    return deliver(system, malformed_bodies(order_id, eprom_target.api_key.reveal()))


def _has_orders(system: Any) -> bool:
    return system.has_trigger or system.settings.accepts_unknown_orders


@pytest.mark.eprom("R-MALFORMED", "V1.4")
def test_malformed_callbacks_rejected_without_5xx(malformed):
    check_malformed(malformed.exchanges)


@pytest.mark.eprom("R-MALFORMED", "V1.4")
def test_malformed_callbacks_store_nothing(malformed):
    check_stored("R-MALFORMED", malformed, rule="V1.4")


@pytest.fixture(scope="module")
def routes(eprom_target: Any, order_source: Any) -> tuple[Delivered, Delivered]:
    """C1 on ``/api/PromsFormOrder`` and ``/api/PromsFormOrder/`` (served), then the same C1 with other
    methods (refused, nothing stored)."""
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    plain, slash = ordered_on_each_channel(order.form_order_id, order_source.api_key, skip=_all_but_two())
    slash = slash.__class__(**{**vars(slash), "label": slash.label + " with a trailing slash", "trailing_slash": True})
    served = deliver(order_source.system, [plain, slash])
    refused = deliver(order_source.system, with_other_methods(plain))
    return served, refused


def _all_but_two() -> tuple[NotificationChannel, ...]:
    keep = (NotificationChannel.DigitalMailbox, NotificationChannel.Unsecure)
    return tuple(channel for channel in NotificationChannel if channel not in keep)


@pytest.mark.eprom("R-ROUTES", "V1.2")
def test_callback_routes_served_and_other_methods_refused(routes):
    served, refused = routes
    check_routes(served.exchanges, refused.exchanges)


@pytest.mark.eprom("R-ROUTES", "V1.2")
def test_other_methods_store_nothing(routes):
    served, refused = routes
    check_stored("R-ROUTES", served + refused, rule="V1.2")


@pytest.mark.eprom("R-TRANSPORT", "BR-20")
def test_callback_transport(eprom_target, system):
    notes = check_transport(system.settings.callback_base_url, eprom_target.environment, observe_tls(system))
    for note in notes:
        warnings.warn(CheckNote(note), stacklevel=1)
