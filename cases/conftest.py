"""Shared arrangements of the verification cases (fixtures come from ``verification.pytest_plugin``)."""

from __future__ import annotations

from typing import Any

import pytest


NO_TEST_PERSONS = ('not applicable: the target lists no test_persons; to run it, add test_persons: ["26670271527"] '
                   "(ePROM's synthetic verification person)")


def first_form(target: Any, *, signing: bool | None = None, paper: bool | None = None) -> Any:
    """A form of the target with the wanted capabilities, or a skip saying which form is missing."""
    for form in target.forms:
        if signing is not None and form.signing != signing:
            continue
        if paper is not None and form.paper != paper:
            continue
        return form
    wanted = ", ".join(f"{name}: {str(value).lower()}" for name, value in (("signing", signing), ("paper", paper))
                       if value is not None)
    pytest.skip(f"not applicable: the target declares no form with {wanted}; to run it, add under forms: "
                f"- {{id: <form GUID>, name: <name>, {wanted}}}")


def require_trigger(eprom_system: Any, kind: str = "order") -> None:
    """Skip as not run unless the target names a trigger of ``kind`` (order, message, sms, email, personvern)."""
    if kind == "order" and not eprom_system.has_trigger:
        pytest.skip("not run: the target has no trigger, so the system cannot be made to place an order; to run it, "
                    "add under bestillersystem: trigger: {url: <your system>/_trigger/order} (the body: "
                    "verification/spec/bestillersystem.openapi.yaml)")
    if not eprom_system.has_trigger_for(kind):
        pytest.skip(f"not run: the target names no {kind} trigger (bestillersystem.trigger.{kind}), so the "
                    f"system cannot be asked for one")


def require_capability(target: Any, *names: str) -> None:
    """Skip as not applicable unless the target declares every capability in ``names``."""
    declared = target.bestillersystem.capabilities
    missing = [name for name in names if name not in declared]
    if missing:
        from verification.spec.enums import CAPABILITIES

        line = ", ".join(name for name in CAPABILITIES if name in declared or name in missing)
        pytest.skip(f"not applicable: the target does not declare capability {', '.join(missing)}; to run it "
                    f"(if your system does this), write bestillersystem.capabilities: [{line}]")


@pytest.fixture
def test_person(eprom_target: Any) -> str:
    if not eprom_target.test_persons:
        pytest.skip(NO_TEST_PERSONS)
    return eprom_target.test_persons[0]


@pytest.fixture(scope="session")
def citizen(eprom_target: Any) -> str:
    """The national id in the kit's callbacks: the first test person, or a synthetic id (never a real one)."""
    from verification.spec.national_id import synthetic_national_ids

    return eprom_target.test_persons[0] if eprom_target.test_persons else synthetic_national_ids(1)[0]


@pytest.fixture(scope="session")
def order_source(request: pytest.FixtureRequest, eprom_system: Any, citizen: str) -> Any:
    """Orders the receiver cases (R-…) call back about: placed by the system through its trigger and the
    simulator, or the kit's own ids when the target accepts unknown orders; a skip saying why otherwise."""
    from verification.scenarios.receiver import OrderSource

    source = OrderSource(eprom_system, None, national_id=citizen)
    if source.unavailable:
        pytest.skip(source.unavailable)
    if source.places_orders:
        source.simulator = request.getfixturevalue("eprom_simulator")
    return source
