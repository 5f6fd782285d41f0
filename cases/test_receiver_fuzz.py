"""R-ENUM-FORMS, R-TIMESTAMPS, R-FORWARD-COMPAT: hypothesis over the C1/C2 bodies ePROM may send.

Each case sends the examples of one strategy (``verification.stimuli.strategies``) to orders the system
placed itself, shrinks any refusal to the smallest request, and judges the run. The hypothesis profile
(``quick`` or ``certification``) comes from ``--eprom-profile`` or the target file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st

from verification.checks.fuzz import (
    check_enum_forms,
    check_forward_compat,
    check_timestamps,
    enum_form_features,
    forward_compat_features,
    timestamp_features,
)
from verification.checks.round_trip import acknowledged
from verification.spec.wire import new_guid
from verification.stimuli.fuzzing import StoredCounts, fuzz_callbacks, placed_orders
from verification.stimuli.strategies import (
    enum_form_examples,
    enum_form_stimuli,
    forward_compat_examples,
    forward_compat_stimuli,
    timestamp_examples,
    timestamp_stimuli,
)

from .conftest import require_capability


@dataclass(frozen=True)
class FuzzOrders:
    """Order ids the fuzz cases send to: one per check for status updates (so a new meaning shows in the
    stored count), one shared for form returns."""

    enum_statuses: str
    timestamp_statuses: str
    forward_statuses: str
    returns: str


@pytest.fixture(scope="module")
def fuzz_orders(request: pytest.FixtureRequest, eprom_target: Any, system: Any) -> FuzzOrders:
    require_capability(eprom_target, "formorder")
    if not system.has_trigger:
        if not eprom_target.bestillersystem.accepts_unknown_orders:
            pytest.skip("not run: no trigger to place orders, and the target does not declare "
                        "accepts_unknown_orders: true")
        return FuzzOrders(new_guid(), new_guid(), new_guid(), new_guid())
    if not eprom_target.test_persons:
        pytest.skip("not applicable: the target lists no test_persons to place orders for")
    simulator = request.getfixturevalue("eprom_simulator")
    ids, problems = placed_orders(system, simulator, form_id=eprom_target.forms[0].id,
                                  national_id=eprom_target.test_persons[0], count=4)
    if len(ids) < 4:
        pytest.skip(f"not verifiable: the system placed no order to send callbacks for ({'; '.join(problems)})")
    return FuzzOrders(*ids)


def _meaning_judged(system: Any) -> bool:
    return system.has_probe("status") or system.has_probe("answers")


@pytest.mark.eprom("R-ENUM-FORMS", "V1.2", "V3.1")
def test_enum_forms(system, fuzz_orders, eprom_profile):
    orders = {"status_order_id": fuzz_orders.enum_statuses, "return_order_id": fuzz_orders.returns}
    stimuli = enum_form_stimuli(status_order_ids=st.just(orders["status_order_id"]),
                                return_order_ids=st.just(orders["return_order_id"]))
    run = fuzz_callbacks(system, stimuli, check_id="R-ENUM-FORMS", accepted=acknowledged, profile=eprom_profile,
                         observer=StoredCounts(system), labels=enum_form_features,
                         examples=enum_form_examples(**orders))
    check_enum_forms(run, meaning_judged=_meaning_judged(system))


@pytest.mark.eprom("R-TIMESTAMPS", "V3.1")
def test_timestamps(system, fuzz_orders, eprom_profile):
    orders = {"status_order_id": fuzz_orders.timestamp_statuses, "return_order_id": fuzz_orders.returns}
    stimuli = timestamp_stimuli(status_order_ids=st.just(orders["status_order_id"]),
                                return_order_ids=st.just(orders["return_order_id"]))
    run = fuzz_callbacks(system, stimuli, check_id="R-TIMESTAMPS", accepted=acknowledged, profile=eprom_profile,
                         labels=timestamp_features, examples=timestamp_examples(**orders))
    check_timestamps(run)


@pytest.mark.eprom("R-FORWARD-COMPAT", "V1.2", "V3.1")
def test_forward_compat(system, fuzz_orders, eprom_profile):
    orders = {"status_order_id": fuzz_orders.forward_statuses, "return_order_id": fuzz_orders.returns}
    stimuli = forward_compat_stimuli(status_order_ids=st.just(orders["status_order_id"]),
                                     return_order_ids=st.just(orders["return_order_id"]))
    run = fuzz_callbacks(system, stimuli, check_id="R-FORWARD-COMPAT", accepted=acknowledged,
                         profile=eprom_profile, observer=StoredCounts(system), labels=forward_compat_features,
                         examples=forward_compat_examples(**orders))
    check_forward_compat(run, meaning_judged=_meaning_judged(system))
