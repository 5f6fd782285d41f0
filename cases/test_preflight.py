"""P-checks: ePROM itself, as the system will meet it — key, forms, form capabilities, documented errors.

Direct mode only (``eprom.mode: direct``): the kit calls ``eprom.upstream`` with the system's key, under
the safety rules of :mod:`verification.direct.client`. In any other mode these cases are not applicable. What the
plan leaves out toward a real ePROM environment is reported as not verifiable, with the rule.
"""

from __future__ import annotations

import pytest

from verification.checks.eprom import (
    E1_ERRORS,
    check_api_key,
    check_documented_error,
    check_form_caps,
    check_forms,
)
from verification.checks.failure import NotVerifiable


def sent(preflight, check_id, part=None):
    """The planned requests of (a part of) a check, sent; a skip or NotVerifiable when the plan left it out."""
    omitted = preflight.plan.omission(check_id, part)
    if omitted is not None and not omitted.applicable:
        pytest.skip(f"not applicable: {omitted.reason}")
    if omitted is not None:
        raise NotVerifiable(check_id, omitted.reason)
    return preflight.results(check_id, part)


@pytest.mark.eprom("P-API-KEY")
def test_api_key(eprom_preflight):
    check_api_key(sent(eprom_preflight, "P-API-KEY"))


@pytest.mark.eprom("P-FORMS")
def test_forms(eprom_preflight):
    check_forms(sent(eprom_preflight, "P-FORMS"))


@pytest.mark.eprom("P-FORM-CAPS")
@pytest.mark.parametrize("capability", ["signing", "paper"])
def test_form_capability(eprom_preflight, capability):
    check_form_caps(sent(eprom_preflight, "P-FORM-CAPS", capability), capability=capability)


@pytest.mark.eprom("P-DOCUMENTED-ERRORS")
@pytest.mark.parametrize("message_id", E1_ERRORS)
def test_documented_error(eprom_preflight, message_id):
    check_documented_error(sent(eprom_preflight, "P-DOCUMENTED-ERRORS", message_id), message_id=message_id)
