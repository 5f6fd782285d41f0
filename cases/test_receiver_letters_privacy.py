"""R-MESSAGE-STATUS (C3 on ``/api/MessageToCitizen``) and R-PVK (C4 on ``/api/PersonvernInnstilling``)."""

from __future__ import annotations

import pytest

from verification.checks.receiver import check_message_status
from verification.checks.receiver_security import check_pvk
from verification.scenarios.receiver import deliver
from verification.stimuli.callbacks import (
    LETTER_SHAPES,
    letter_statuses,
    privacy_changes,
    privacy_changes_with_bad_keys,
)

from .conftest import require_capability


@pytest.mark.eprom("R-MESSAGE-STATUS")
def test_letter_status_acknowledged_in_every_shape(eprom_target, order_source):
    require_capability(eprom_target, "message")
    letters = [order_source.letter(kit_c3=True) for _ in range(LETTER_SHAPES)]  # one C3 per letter, as ePROM
    delivered = deliver(order_source.system, letter_statuses(letters, order_source.api_key))
    check_message_status(delivered.exchanges)


@pytest.mark.eprom("R-PVK")
def test_privacy_change_accepted_with_the_key_and_refused_without(eprom_target, eprom_system, citizen):
    require_capability(eprom_target, "personvern")
    accepted = deliver(eprom_system, privacy_changes(citizen))
    refused = deliver(eprom_system, privacy_changes_with_bad_keys(citizen))
    check_pvk(accepted.exchanges, refused.exchanges)
