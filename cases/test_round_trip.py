"""S-ROUND-TRIP and the happy paths of V1.1, V1.2, V1.3 and V3.1, in simulator mode.

Trigger → E1 → C1 → the simulated citizen completes → C2 (→ E2 for a signed form), each step judged.
"""

from __future__ import annotations

import pytest

from verification.checks.round_trip import check_round_trip
from verification.scenarios import round_trip
from verification.spec.enums import NotificationChannel

from .conftest import first_form, require_trigger

# (distribution rule, channel the C1 must report for a test person reachable on every channel)
RULES = [
    pytest.param("Basic", NotificationChannel.Helsenorge, id="Basic"),
    pytest.param("NoDistribution", NotificationChannel.None_, id="NoDistribution"),
    pytest.param("DigitalMailboxOnly", NotificationChannel.DigitalMailbox, id="DigitalMailboxOnly"),
]


@pytest.mark.eprom("S-ROUND-TRIP", "V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "V3.2")
@pytest.mark.parametrize(("rule", "expected_channel"), RULES)
def test_round_trip(eprom_target, eprom_session, eprom_simulator, system, test_person, rule, expected_channel):
    require_trigger(system)
    form = first_form(eprom_target, signing=False) if rule == "NoDistribution" else eprom_target.forms[0]
    parameters = {"formId": form.id, "nationalId": test_person, "distributionRule": rule}
    trip = round_trip(system, eprom_simulator, parameters, answers={"HealthGeneral": 3, "Kommentar": "Bra, takk"})
    check_round_trip(eprom_session.store, trip, expected_channel=expected_channel)


@pytest.mark.eprom("S-ROUND-TRIP", "S-SIGN", "S-SIGN.1", "S-SIGN.3")
def test_round_trip_signed(eprom_target, eprom_session, eprom_simulator, system, test_person):
    require_trigger(system)
    form = first_form(eprom_target, signing=True)
    parameters = {"formId": form.id, "nationalId": test_person, "mustBeSigned": True,
                  "signingText": "Jeg bekrefter at svarene er mine"}
    trip = round_trip(system, eprom_simulator, parameters, sign=True)
    check_round_trip(eprom_session.store, trip, expected_channel=NotificationChannel.Helsenorge)
    assert trip.e2_ids, f"the system did not download the signed document {trip.signed_form_id} (S-SIGN.3)"
