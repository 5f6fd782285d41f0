"""Shared arrangements of the verification cases (fixtures come from ``verification.pytest_plugin``)."""

from __future__ import annotations

from typing import Any

import pytest


def first_form(target: Any, *, signing: bool | None = None, paper: bool | None = None) -> Any:
    """A form of the target with the wanted capabilities, or a skip saying which form is missing."""
    for form in target.forms:
        if signing is not None and form.signing != signing:
            continue
        if paper is not None and form.paper != paper:
            continue
        return form
    pytest.skip(f"not applicable: the target declares no form with signing={signing}, paper={paper}")


def require_trigger(system: Any) -> None:
    if not system.has_trigger:
        pytest.skip("not run: the target has no trigger, so the system cannot be made to place an order")


@pytest.fixture
def test_person(eprom_target: Any) -> str:
    if not eprom_target.test_persons:
        pytest.skip("not applicable: the target lists no test_persons")
    return eprom_target.test_persons[0]
