"""S-ROUND-TRIP and the happy paths of V1.1, V1.2, V1.3 and V3.1, in simulator mode.

Trigger → E1 → C1 → the simulated citizen completes → C2 (→ E2 for a signed form), each step judged.
V1.3's own part: the system stores the channel C1 reports, not the preferred one of the E1 response.
"""

from __future__ import annotations

import pytest

from verification.checks.round_trip import check_round_trip
from verification.checks.sender import check_signed_download
from verification.checks.stored_channel import check_stored_channel
from verification.scenarios.sender import exchanges_by_id, order_and_ask_channel, round_trip, trip_exchanges
from verification.spec.enums import NotificationChannel
from verification.spec.national_id import synthetic_national_ids

from .conftest import first_form, require_capability, require_trigger

ON_BEHALF_OF = synthetic_national_ids(1, seed=53)[0]  # the person the form is about (synthetic)
MAILBOX_ONLY_PERSON = synthetic_national_ids(1, seed=1303)[0]  # reachable only through a digital mailbox
MAILBOX_ONLY = {"helsenorge": False, "digital_mailbox": True, "unsecure": False, "paper_address": False}

# (distribution rule, channel the C1 must report for a test person reachable on every channel, the form it
# needs: not one that must be signed for NoDistribution (E1-3), a paper-enabled one for a paper rule (E1-5),
# further order parameters)
RULES = [
    pytest.param("Basic", NotificationChannel.Helsenorge, {}, {}, id="Basic"),
    pytest.param("NoDistribution", NotificationChannel.None_, {"signing": False}, {}, id="NoDistribution"),
    pytest.param("DigitalMailboxOnly", NotificationChannel.DigitalMailbox, {}, {}, id="DigitalMailboxOnly"),
    pytest.param("UnsecureOnly", NotificationChannel.Unsecure, {}, {}, id="UnsecureOnly"),
    pytest.param("PaperOnly", NotificationChannel.PhysicalMailbox, {"paper": True}, {}, id="PaperOnly"),
    pytest.param("Basic", NotificationChannel.Helsenorge, {}, {"onBehalfOfNationalId": ON_BEHALF_OF},
                 id="Basic-on-behalf"),
]


@pytest.mark.eprom("S-ROUND-TRIP", "V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "V3.2")
@pytest.mark.parametrize(("rule", "expected_channel", "form_wanted", "extra"), RULES)
def test_round_trip(eprom_target, eprom_session, eprom_simulator, eprom_system, test_person, rule, expected_channel,
                    form_wanted, extra):
    require_trigger(eprom_system)
    require_capability(eprom_target, *(["paper"] if form_wanted.get("paper") else []),
                       *(["on_behalf_of"] if "onBehalfOfNationalId" in extra else []))
    form = first_form(eprom_target, **form_wanted)
    parameters = {"formId": form.id, "nationalId": test_person, "distributionRule": rule, **extra}
    trip = round_trip(eprom_system, eprom_simulator, parameters, answers={"HealthGeneral": 3, "Kommentar": "Bra, takk"})
    check_round_trip(trip_exchanges(eprom_session.store, trip), trip, expected_channel=expected_channel)


@pytest.mark.eprom("S-ROUND-TRIP", "S-SIGNED-DOWNLOAD", "S-SIGN", "S-SIGN.1", "S-SIGN.3")
def test_round_trip_signed(eprom_target, eprom_session, eprom_simulator, eprom_system, test_person):
    require_trigger(eprom_system)
    require_capability(eprom_target, "signing")
    form = first_form(eprom_target, signing=True)
    parameters = {"formId": form.id, "nationalId": test_person, "mustBeSigned": True,
                  "signingText": "Jeg bekrefter at svarene er mine"}
    trip = round_trip(eprom_system, eprom_simulator, parameters, sign=True)
    check_round_trip(trip_exchanges(eprom_session.store, trip), trip, expected_channel=NotificationChannel.Helsenorge)
    store = eprom_session.store
    check_signed_download(trip.signed_form_id, exchanges_by_id(store, trip.e2_ids), eprom_target.api_key.reveal(),
                          c2=store.get(trip.c2_ids[0]) if trip.c2_ids else None,
                          window_s=eprom_target.budgets.signed_download_s)


@pytest.mark.eprom("V1.3", "S-ROUND-TRIP")
def test_stored_channel_is_the_one_c1_reports(eprom_target, eprom_session, eprom_simulator, eprom_system):
    """Basic prefers Helsenorge (the E1 answer), but the person has only a digital mailbox: C1 says
    DigitalMailbox, and that is the channel the system must keep."""
    require_trigger(eprom_system)
    eprom_simulator.configure(population={MAILBOX_ONLY_PERSON: MAILBOX_ONLY})  # merged with the test persons
    form = first_form(eprom_target)
    parameters = {"formId": form.id, "nationalId": MAILBOX_ONLY_PERSON, "distributionRule": "Basic"}
    order = order_and_ask_channel(eprom_system, eprom_simulator, parameters)
    store = eprom_session.store
    e1 = store.get(order.placement.e1_ids[0]) if order.placement.e1_ids else None
    c1 = store.get(order.c1_ids[0]) if order.c1_ids else None
    check_stored_channel(e1, c1, order.stored, problems=order.problems)
