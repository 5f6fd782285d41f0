"""R-RESPONSE-SHAPE, R-LATENCY, R-NO-LEAK: every callback and every reply of the session.

These cases run after every other case (``whole_session=True``), so they judge all that the session
recorded: the kit's stimuli and the simulator's deliveries alike.
"""

from __future__ import annotations

import pytest

from verification.checks.receiver_session import (
    callbacks,
    check_latency,
    check_no_leak,
    check_response_shape,
    system_replies,
)
from verification.scenarios.receiver import deliver
from verification.stimuli.callbacks import provocations


@pytest.mark.eprom("R-RESPONSE-SHAPE", "V1.2", "V3.1", whole_session=True)
def test_every_callback_reply_carries_a_boolean_success(eprom_session):
    check_response_shape(callbacks(eprom_session.store.exchanges()))


@pytest.mark.eprom("R-LATENCY", "V1.4", whole_session=True)
def test_every_callback_answered_within_the_budget(eprom_session, eprom_system):
    summary = check_latency(callbacks(eprom_session.store.exchanges()), budget_s=eprom_system.budget_s)
    print(f"R-LATENCY: {summary}")  # p50/p95 in the report's captured output (and in a failure's title)


@pytest.mark.eprom("R-NO-LEAK", whole_session=True)
def test_no_reply_leaks_internals_keys_or_national_ids(eprom_target, eprom_session, eprom_system):
    deliver(eprom_system, provocations(eprom_target.api_key.reveal()))  # errors of every kind, even in a short run
    check_no_leak(system_replies(eprom_session.store.exchanges()), api_key=eprom_target.api_key.reveal())
