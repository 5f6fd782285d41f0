"""S-ORDER-SENT, S-ORDER-BODY, S-NO-DUPLICATE-ORDER: what the system sends when it is asked for an order.

Three triggers: the fewest parameters (the system's own defaults show), every optional parameter
(``metadata`` as an object the system must stringify, ``dontStoreCompletedFormInPha``, ``physicalAddress``
with a postal code that starts with 0), which must reach ePROM as asked, and an H-number, which ePROM
refuses: the system may refuse the trigger, or forward it and handle ePROM's 400 (the trigger is an
instruction: the kit never blames the system for the H-number it supplied). Each E1 is correlated with its
trigger by the order parameters.
"""

from __future__ import annotations

import pytest

from verification.checks.sender import check_no_duplicate_order, check_order_sent
from verification.checks.sender_body import check_order_body
from verification.checks.sender_trigger import check_order_as_asked, check_refused_or_handled
from verification.scenarios.sender import exchanges_by_id, place_order

from .conftest import NO_TEST_PERSONS, require_trigger

H_NUMBER = "15458510072"  # month +40: an H-number with valid check digits (ePROM rejects it, E1-8)
METADATA = {"age": 76, "kilde": "eprom-verify", "nested": {"ok": True}}
ADDRESS = {"fullName": "Kari Nordmann", "addressLine1": "Testveien 1", "postalCode": "0150", "postalPlace": "Oslo"}


@pytest.fixture(scope="module")
def orders(eprom_target, eprom_simulator, eprom_system):
    """The three placements of the module docstring, keyed by name."""
    require_trigger(eprom_system)
    if not eprom_target.test_persons:
        pytest.skip(NO_TEST_PERSONS)
    person, form = eprom_target.test_persons[0], eprom_target.forms[0]
    full = {"formId": form.id, "nationalId": person, "distributionRule": "Basic", "mustBeSigned": False,
            "dontStoreCompletedFormInPha": True, "metadata": METADATA, "physicalAddress": ADDRESS}
    return {
        "minimal": place_order(eprom_system, eprom_simulator, {"formId": form.id, "nationalId": person}),
        "full": place_order(eprom_system, eprom_simulator, full, settle_s=0),
        "h-number": place_order(eprom_system, eprom_simulator, {"formId": form.id, "nationalId": H_NUMBER}, settle_s=0,
                                zero_orders=True),
    }


@pytest.mark.eprom("S-ORDER-SENT")
def test_order_reaches_eprom(eprom_session, orders):
    placement = orders["minimal"]
    check_order_sent(placement.trigger, exchanges_by_id(eprom_session.store, placement.e1_ids))


@pytest.mark.eprom("S-ORDER-BODY")
def test_order_body_follows_the_rules(eprom_session, orders):
    e1_ids = [i for name in ("minimal", "full") for i in orders[name].e1_ids]
    check_order_body(exchanges_by_id(eprom_session.store, e1_ids))


@pytest.mark.eprom("S-ORDER-BODY")  # proves V1.1, V2.4, V2.6: each deviation names the one its member feeds
def test_order_is_sent_as_asked(eprom_session, orders):
    placement = orders["full"]
    check_order_as_asked(placement.parameters, exchanges_by_id(eprom_session.store, placement.e1_ids))


@pytest.mark.eprom("S-ORDER-BODY")
def test_h_number_refused_or_handled(eprom_session, orders):
    placement = orders["h-number"]
    before, after = placement.zero_orders
    check_refused_or_handled(placement.trigger, exchanges_by_id(eprom_session.store, placement.e1_ids),
                             asked="an H-number as nationalId (ePROM refuses it, E1-8)", check_id="S-ORDER-BODY",
                             orders_before=before, orders_after=after)


@pytest.mark.eprom("S-NO-DUPLICATE-ORDER")
def test_one_trigger_one_order(eprom_session, orders):
    check_no_duplicate_order(exchanges_by_id(eprom_session.store, orders["minimal"].e1_ids))
