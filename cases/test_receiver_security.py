"""R-AUTH, R-UNKNOWN-ORDER, R-MALFORMED, R-ROUTES, R-TRANSPORT: what the receiver must refuse, where it
must answer, and how it is reached.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
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
from verification.scenarios.receiver import Delivered, deliver, observe_tls
from verification.spec.enums import FormOrderStatusErrorCode, NotificationChannel
from verification.spec.wire import new_guid
from verification.stimuli.callbacks import (
    Storage,
    error_status,
    malformed_bodies,
    malformed_privacy_changes,
    malformed_returns,
    ordered_via,
    return_for_unknown_order,
    with_api_key_variants,
    with_other_methods,
)

from .conftest import require_capability


@pytest.fixture(scope="module")
def bad_keys(eprom_target: Any, order_source: Any) -> Delivered:
    """The one C1 of an order (the simulator withholds its own) with each bad key, then (the control) the
    same C1 with the right key."""
    require_capability(eprom_target, "formorder")
    order = order_source.order(kit_c1=True)
    status = ordered_via(order.form_order_id, order_source.api_key, NotificationChannel.Helsenorge)
    return deliver(order_source.system, [*with_api_key_variants(status), status])


@pytest.mark.eprom("R-AUTH")
def test_bad_api_keys_rejected_alike(bad_keys):
    *refused, control = bad_keys.exchanges
    check_auth(refused, control=control)


@pytest.mark.eprom("R-AUTH")
def test_bad_api_keys_store_nothing(bad_keys):
    check_stored("R-AUTH.3", bad_keys)


@pytest.fixture(scope="module")
def unknown_order(eprom_target: Any, eprom_system: Any) -> Delivered:
    """A C1 and a C2 ``Completed`` with the right key, each for an order id the system never saw (V3.2)."""
    require_capability(eprom_target, "formorder")
    if eprom_system.settings.accepts_unknown_orders:
        pytest.skip("not applicable: the target declares accepts_unknown_orders: true")
    api_key = eprom_target.api_key.reveal()
    status = ordered_via(new_guid(), api_key, NotificationChannel.Helsenorge)
    nothing = Storage("status", status.body["formOrderId"], 0)
    status = replace(status, label=f"{status.label} for an order never placed", stores=nothing)
    return deliver(eprom_system, [status, return_for_unknown_order(api_key)])


@pytest.mark.eprom("R-UNKNOWN-ORDER")
def test_unknown_order_rejected(unknown_order):
    check_unknown_order(unknown_order.exchanges)


@pytest.mark.eprom("R-UNKNOWN-ORDER")
def test_unknown_order_stores_nothing(unknown_order):
    # The guide says nothing about callbacks for an order the system never placed: storing nothing is advice.
    check_stored("R-UNKNOWN-ORDER.2", unknown_order)


@pytest.fixture(scope="module")
def malformed(request: pytest.FixtureRequest, eprom_target: Any, eprom_system: Any) -> Delivered:
    """Malformed C1 bodies naming a placed order when there is one, so that "nothing stored" means
    something; then C2s and C4s ePROM never sends, to an order with its C1 but no answers yet."""
    require_capability(eprom_target, "formorder")
    placed = eprom_system.has_trigger or eprom_system.settings.accepts_unknown_orders
    source = request.getfixturevalue("order_source") if placed else None
    api_key = eprom_target.api_key.reveal()
    order_id = source.order(kit_c1=True).form_order_id if source else new_guid()
    return_id = source.order().form_order_id if source else new_guid()
    citizen = request.getfixturevalue("citizen")
    return deliver(eprom_system, [*malformed_bodies(order_id, api_key),
                            *malformed_returns(return_id, api_key, unknown_order_id=new_guid()),
                            *malformed_privacy_changes(citizen)])


@pytest.mark.eprom("R-MALFORMED", "V1.4")
def test_malformed_callbacks_rejected_without_5xx(malformed):
    check_malformed(malformed.exchanges)


@pytest.mark.eprom("R-MALFORMED", "V1.4")
def test_malformed_callbacks_store_nothing(malformed):
    # ePROM never sends these bodies: what a system stores from them is the kit's advice, not the guide's rule
    check_stored("R-MALFORMED.2", malformed)


@pytest.fixture(scope="module")
def routes(eprom_target: Any, order_source: Any) -> tuple[Delivered, Delivered]:
    """The one C1 of an order on ``/api/PromsFormOrder``, of another on ``/api/PromsFormOrder/`` (both
    served), and of a third sent with other methods (refused, nothing stored): three orders, since ePROM
    sends one C1 per order."""
    require_capability(eprom_target, "formorder")
    api_key = order_source.api_key
    plain_order, slash_order, other_order = order_source.orders(3, kit_c1=True)
    plain = ordered_via(plain_order.form_order_id, api_key, NotificationChannel.Helsenorge)
    slash = error_status(slash_order.form_order_id, api_key, FormOrderStatusErrorCode.PatientUnreachable)
    slash = replace(slash, label=f"{slash.label} with a trailing slash", trailing_slash=True)
    other = ordered_via(other_order.form_order_id, api_key, NotificationChannel.Helsenorge)
    served = deliver(order_source.system, [plain, slash])
    refused = deliver(order_source.system, with_other_methods(other))
    return served, refused


@pytest.mark.eprom("R-ROUTES", "V1.2")
def test_callback_routes_served_and_other_methods_refused(routes):
    served, refused = routes
    check_routes(served.exchanges, refused.exchanges)


@pytest.mark.eprom("R-ROUTES", "V1.2")
def test_callback_routes_store_once_and_other_methods_nothing(routes):
    served, refused = routes
    check_stored("R-ROUTES.3", served + refused)


@pytest.mark.eprom("R-TRANSPORT")
def test_callback_transport(eprom_target, eprom_system):
    notes = check_transport(eprom_system.settings.callback_base_url, eprom_target.environment,
                            observe_tls(eprom_system))
    for note in notes:
        warnings.warn(CheckNote(note), stacklevel=1)
