"""R-ENUM-FORMS, R-TIMESTAMPS, R-FORWARD-COMPAT: hypothesis over the C1/C2 bodies ePROM may send.

Each case runs one fuzz plan (``verification.scenarios.fuzz``): the documented cases first, then
hypothesis' examples, to orders the system placed itself; any refusal is shrunk to the smallest request.
The hypothesis profile (``quick`` or ``certification``) comes from ``--eprom-profile`` or the target file.
"""

from __future__ import annotations

from typing import Any

import pytest

from verification.checks.fuzz import check_enum_forms, check_forward_compat, check_timestamps
from verification.spec.wire import new_guid
from verification.scenarios.fuzz import (
    OrderPair,
    order_pairs,
    orders_needed,
    placed_orders,
    run_fuzz_plan,
    status_orders_needed,
)

from .conftest import NO_TEST_PERSONS, require_capability


@pytest.fixture(scope="module")
def fuzz_orders(request: pytest.FixtureRequest, eprom_target: Any, eprom_system: Any) -> dict[str, OrderPair]:
    """Orders the system placed through its trigger (one per C1 meaning, whose C1 the kit delivers, and a
    return order per plan), or the kit's own ids when it accepts unknown orders."""
    require_capability(eprom_target, "formorder")
    if not eprom_system.has_trigger:
        if not eprom_target.bestillersystem.accepts_unknown_orders:
            pytest.skip("not run: no trigger to place orders, and the target does not declare "
                        "accepts_unknown_orders: true")
        return order_pairs([new_guid() for _ in range(status_orders_needed())],
                           [new_guid() for _ in range(orders_needed())])
    if not eprom_target.test_persons:
        pytest.skip(NO_TEST_PERSONS)
    simulator = request.getfixturevalue("eprom_simulator")
    where = {"form_id": eprom_target.forms[0].id, "national_id": eprom_target.test_persons[0]}
    status_ids, problems = placed_orders(eprom_system, simulator, count=status_orders_needed(), kit_c1=True, **where)
    return_ids, more = placed_orders(eprom_system, simulator, count=orders_needed(), **where)
    if len(status_ids) < status_orders_needed() or len(return_ids) < orders_needed():
        pytest.skip(f"not verifiable: the system placed no order to send callbacks to ({'; '.join(problems + more)})")
    return order_pairs(status_ids, return_ids)


def _probed(eprom_system: Any) -> bool:
    return eprom_system.has_probe("status") or eprom_system.has_probe("answers")


@pytest.mark.eprom("R-ENUM-FORMS", "V1.2", "V3.1")
def test_enum_forms(eprom_system, fuzz_orders, eprom_profile):
    run = run_fuzz_plan(eprom_system, "R-ENUM-FORMS", fuzz_orders["R-ENUM-FORMS"], profile=eprom_profile)
    check_enum_forms(run, meaning_judged=_probed(eprom_system))


@pytest.mark.eprom("R-TIMESTAMPS", "V3.1")
def test_timestamps(eprom_system, fuzz_orders, eprom_profile):
    check_timestamps(run_fuzz_plan(eprom_system, "R-TIMESTAMPS", fuzz_orders["R-TIMESTAMPS"], profile=eprom_profile))


@pytest.mark.eprom("R-FORWARD-COMPAT", "V1.2", "V3.1")
def test_forward_compat(eprom_system, fuzz_orders, eprom_profile):
    run = run_fuzz_plan(eprom_system, "R-FORWARD-COMPAT", fuzz_orders["R-FORWARD-COMPAT"], profile=eprom_profile)
    check_forward_compat(run, meaning_judged=_probed(eprom_system))
