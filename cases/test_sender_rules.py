"""S-ORDER-RULES (S-SIGN.1, S-ONBEHALF.3, BR-06): signing, on-behalf and paper orders.

Valid orders (signing with Basic, on behalf of someone, a paper rule for a paper form, the system's own
default rule) must go out with their rules intact and as asked (``signingText``, ``onBehalfOfNationalId``
reach the E1). The two forbidden combinations (signing with ``NoDistribution``, signing on behalf of
someone) are the kit's own instruction: refusing the trigger is right, and so is forwarding it and handling
ePROM's 400 (sent once). A trigger that never reached the system is not verifiable, never a pass. Each
scenario runs when the target's forms and capabilities allow it.
"""

from __future__ import annotations

import pytest

from verification.checks.sender import check_order_rules
from verification.checks.sender_trigger import check_order_as_asked, check_refused_or_handled
from verification.scenarios.sender import exchanges_by_id, place_order
from verification.spec.national_id import synthetic_national_ids

from .conftest import first_form, require_capability, require_trigger

ON_BEHALF_OF = synthetic_national_ids(1, seed=53)[0]  # the person the form is about (synthetic)
SIGNING_TEXT = "Jeg bekrefter at svarene er mine"
ADDRESS = {"fullName": "Kari Nordmann", "addressLine1": "Testveien 1", "postalCode": "0150", "postalPlace": "Oslo"}

# (capabilities, form wanted (signing, paper), extra parameters, what ePROM refuses in them or "")
SCENARIOS = [
    pytest.param(("signing",), (True, None),
                 {"distributionRule": "Basic", "mustBeSigned": True, "signingText": SIGNING_TEXT}, "",
                 id="signing"),
    pytest.param(("signing",), (True, None),
                 {"distributionRule": "NoDistribution", "mustBeSigned": True, "signingText": SIGNING_TEXT},
                 "signing with NoDistribution (E1-3)",
                 id="signing-with-NoDistribution"),
    pytest.param(("signing", "on_behalf_of"), (True, None),
                 {"mustBeSigned": True, "signingText": SIGNING_TEXT, "onBehalfOfNationalId": ON_BEHALF_OF},
                 "signing on behalf of someone (E1-4)",
                 id="signing-on-behalf", marks=pytest.mark.eprom("S-ONBEHALF", "S-ONBEHALF.3")),
    pytest.param(("on_behalf_of",), (None, None), {"onBehalfOfNationalId": ON_BEHALF_OF}, "", id="on-behalf",
                 marks=pytest.mark.eprom("S-ONBEHALF", "S-ONBEHALF.3")),
    pytest.param(("paper",), (None, True), {"distributionRule": "BasicOrPaper", "physicalAddress": ADDRESS}, "",
                 id="paper"),
    pytest.param((), (None, False), {}, "", id="default-rule"),
]


@pytest.mark.eprom("S-ORDER-RULES")
@pytest.mark.parametrize(("capabilities", "form_wanted", "extra", "forbidden"), SCENARIOS)
def test_order_rules(eprom_target, eprom_session, eprom_simulator, eprom_system, test_person, capabilities,
                     form_wanted, extra, forbidden):
    require_trigger(eprom_system)
    require_capability(eprom_target, *capabilities)
    signing, paper = form_wanted
    form = first_form(eprom_target, signing=signing, paper=paper)
    placement = place_order(eprom_system, eprom_simulator, {"formId": form.id, "nationalId": test_person, **extra},
                            settle_s=0, zero_orders=bool(forbidden))
    e1 = exchanges_by_id(eprom_session.store, placement.e1_ids)
    if forbidden:
        before, after = placement.zero_orders
        check_refused_or_handled(placement.trigger, e1, asked=forbidden, check_id="S-ORDER-RULES",
                                 orders_before=before, orders_after=after)
        return
    check_order_rules(e1, eprom_target.forms, trigger=placement.trigger)
    check_order_as_asked(placement.parameters, e1, check_id="S-ORDER-RULES")
