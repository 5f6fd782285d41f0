"""S-MESSAGE, S-SMS-EMAIL, S-PERSONVERN: letters, SMS/e-mail and privacy settings the system sends.

Each runs when the target declares the capability and names a trigger of that kind
(``bestillersystem.trigger.message|sms|email|personvern``; a kind without one is not run); the requests that
follow are matched with it by recipient. A privacy trigger with a ``status`` asks for an update (E7), one
without for a read (E6): the call must be the one asked for, and ePROM must have taken it.
"""

from __future__ import annotations

import pytest

from verification.checks.failure import NotVerifiable
from verification.checks.sender import check_trigger
from verification.checks.sender_messages import (
    check_message,
    check_nonsensitive,
    check_personvern,
    check_sms_email,
)
from verification.checks.sender_trigger import check_personvern_as_asked
from verification.scenarios.sender import exchanges_by_id, send_outbound

from .conftest import require_capability, require_trigger


# check → the requirement that its trigger is carried out (the kit's trigger contract)
TRIGGER_TAKEN = {"S-MESSAGE": "S-MESSAGE.6", "S-SMS-EMAIL": "S-SMS-EMAIL.6", "S-NONSENSITIVE": "S-NONSENSITIVE.3",
                 "S-PERSONVERN": "S-PERSONVERN.9"}


def sent(eprom_system, simulator, store, kind, parameters, check_id):
    """The requests one trigger of ``kind`` led to. A failed trigger that sent nothing is a failed check;
    a taken one that led to nothing matching is not verifiable, with what was seen."""
    outcome = send_outbound(eprom_system, simulator, kind, parameters)
    if not outcome.exchange_ids:
        check_trigger(outcome.trigger, requirement=TRIGGER_TAKEN[check_id], part=f"the {kind} trigger is carried out")
        raise NotVerifiable(check_id, "; ".join(outcome.problems) or f"the {kind} trigger led to no request")
    return exchanges_by_id(store, outcome.exchange_ids)


@pytest.mark.eprom("S-MESSAGE")
def test_letter(eprom_target, eprom_session, eprom_simulator, eprom_system, test_person):
    require_capability(eprom_target, "message")
    require_trigger(eprom_system, "message")
    parameters = {"nationalId": test_person, "title": "Innkalling", "description": "Brev fra registeret"}
    check_message(sent(eprom_system, eprom_simulator, eprom_session.store, "message", parameters, "S-MESSAGE"))


@pytest.fixture(params=[
    pytest.param(("sms", {"smsText": "Du har en ny melding på helsenorge.no"}), id="sms"),
    pytest.param(("email", {"emailTitle": "Ny melding", "emailText": "Du har en ny melding"}), id="email"),
])
def send_sms_or_email(request, eprom_target, eprom_session, eprom_simulator, eprom_system, test_person):
    """Trigger an SMS or an e-mail for a check: ``(the texts the trigger asked for, the requests it led to)``."""
    kind, texts = request.param
    require_capability(eprom_target, kind)
    require_trigger(eprom_system, kind)
    parameters = {"nationalId": test_person, **texts}
    return lambda check_id: (texts, sent(eprom_system, eprom_simulator, eprom_session.store, kind, parameters, check_id))


@pytest.mark.eprom("S-SMS-EMAIL")
def test_sms_and_email(eprom_target, send_sms_or_email):
    _, exchanges = send_sms_or_email("S-SMS-EMAIL")
    check_sms_email(exchanges, eprom_target.api_key.reveal())


@pytest.mark.eprom("S-NONSENSITIVE")
def test_sms_and_email_name_nobody(send_sms_or_email):
    texts, exchanges = send_sms_or_email("S-NONSENSITIVE")
    check_nonsensitive(exchanges, asked=texts.values())


@pytest.mark.eprom("S-PERSONVERN")
@pytest.mark.parametrize("change", [
    pytest.param({"type": "Reservasjon"}, id="get"),
    pytest.param({"type": "Reservasjon", "status": "Aktiv"}, id="set"),
])
def test_privacy_setting(eprom_target, eprom_session, eprom_simulator, eprom_system, test_person, change):
    require_capability(eprom_target, "personvern")
    require_trigger(eprom_system, "personvern")
    parameters = {"nationalId": test_person, **change}
    exchanges = sent(eprom_system, eprom_simulator, eprom_session.store, "personvern", parameters, "S-PERSONVERN")
    check_personvern(exchanges, eprom_target.api_key.reveal())
    check_personvern_as_asked(parameters, exchanges)
