"""S-AUTH-HEADER, S-CONTENT-TYPE, S-TEST-DATA: judged over every request the system sent in the session.

The cases run after every other case (``whole_session=True``). So that "every outbound call" covers every
kind of call the system makes also in a selective run (``--only``), the module first triggers each declared
kind (order, letter, SMS, e-mail, privacy setting) that has not reached ePROM in this session yet.
"""

from __future__ import annotations

import pytest

from verification.checks.outbound import endpoint_of, outbound
from verification.checks.sender import check_auth_header, check_content_type, check_test_data
from verification.checks.sender_trigger import kit_supplied_ids
from verification.scenarios.sender import OUTBOUND_KINDS, place_order, send_outbound

from .conftest import NO_TEST_PERSONS, require_trigger

# capability → (trigger kind, parameters beyond the national id)
KINDS = {
    "message": ("message", {}),
    "sms": ("sms", {"smsText": "Du har en ny melding"}),
    "email": ("email", {"emailTitle": "Ny melding", "emailText": "Du har en ny melding"}),
    "personvern": ("personvern", {"type": "Reservasjon"}),
}


@pytest.fixture(scope="module")
def session_outbound(eprom_target, eprom_session, eprom_simulator, eprom_system):
    """Every request the system sent to ePROM in this session, after each declared kind ran once."""
    require_trigger(eprom_system)
    if not eprom_target.test_persons:
        pytest.skip(NO_TEST_PERSONS)
    person = eprom_target.test_persons[0]
    seen = {endpoint_of(ex) for ex in outbound(eprom_session.store.exchanges(direction="to_eprom"))}
    if "E1" not in seen:
        place_order(eprom_system, eprom_simulator, {"formId": eprom_target.forms[0].id, "nationalId": person},
                    settle_s=0)
    for capability, (kind, extra) in KINDS.items():
        if (capability in eprom_target.bestillersystem.capabilities and eprom_system.has_trigger_for(kind)
                and not seen & set(OUTBOUND_KINDS[kind][1])):
            send_outbound(eprom_system, eprom_simulator, kind, {"nationalId": person, **extra})
    return outbound(eprom_session.store.exchanges(direction="to_eprom"))


@pytest.mark.eprom("S-AUTH-HEADER", whole_session=True)
def test_api_key_travels_as_documented(eprom_target, session_outbound):
    check_auth_header(session_outbound, eprom_target.api_key.reveal())


@pytest.mark.eprom("S-CONTENT-TYPE", whole_session=True)
def test_requests_are_json(session_outbound):
    check_content_type(session_outbound)


@pytest.mark.eprom("S-TEST-DATA", whole_session=True)
def test_only_test_persons_or_synthetic_ids(eprom_target, eprom_session, session_outbound):
    """An id the kit itself put into a trigger (the H-number it asks the system to refuse) is not the
    system's data: forwarding it is no finding here."""
    triggers = eprom_session.store.exchanges(meta={"purpose": "trigger"})
    check_test_data(session_outbound, eprom_target.test_persons, kit_supplied=kit_supplied_ids(triggers))
