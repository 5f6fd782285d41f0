"""R-RETURN-COMPLETED, R-RETURN-EXPIRED, R-RETURN-PAPER, R-RETURN-SIGNED, R-PATIENT-INITIATED: C2 form
returns on ``PUT /api/PromsFormOrder``, each to an order of its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from verification.checks.receiver import (
    check_patient_initiated,
    check_return_completed,
    check_return_expired,
    check_return_paper,
    check_return_signed,
    check_stored,
)
from verification.receiver_scenarios import Delivered, deliver, signed_return
from verification.spec.wire import new_guid
from verification.stimuli.callbacks import completed_return, expired_return, paper_return, patient_initiated_return

from .conftest import first_form, require_capability


@pytest.fixture(scope="module")
def completed(eprom_target: Any, order_source: Any) -> Delivered:
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    return deliver(order_source.system, [completed_return(order.form_order_id, order_source.api_key)])


@pytest.mark.eprom("R-RETURN-COMPLETED", "V3.1")
def test_completed_return_acknowledged(completed):
    check_return_completed(completed.exchanges)


@pytest.mark.eprom("R-RETURN-COMPLETED", "V3.1")
def test_completed_return_stored_once(completed):
    check_stored("R-RETURN-COMPLETED", completed, rule="V3.1")


@pytest.fixture(scope="module")
def expired(eprom_target: Any, order_source: Any) -> Delivered:
    """The order's C1 (the simulator's), then its C2 ``Expired``: one status update more (probe contract)."""
    require_capability(eprom_target, "formorder")
    order = order_source.order()
    return deliver(order_source.system, [expired_return(order.form_order_id, order_source.api_key)])


@pytest.mark.eprom("R-RETURN-EXPIRED", "V3.1")
def test_expired_return_acknowledged(expired):
    check_return_expired(expired.exchanges)


@pytest.mark.eprom("R-RETURN-EXPIRED", "V3.1")
def test_expired_return_stored_once(expired):
    check_stored("R-RETURN-EXPIRED", expired, rule="V3.1")


@pytest.mark.eprom("R-RETURN-PAPER", "V3.1")
def test_paper_return_acknowledged(eprom_target, order_source):
    require_capability(eprom_target, "formorder", "paper")
    order = order_source.order(form=first_form(eprom_target, paper=True), rule="PaperOnly")
    delivered = deliver(order_source.system, [paper_return(order.form_order_id, order_source.api_key)])
    check_return_paper(delivered.exchanges)


@pytest.mark.eprom("R-RETURN-SIGNED", "S-SIGN.3")
def test_signed_return_leads_to_the_download(eprom_target, order_source):
    require_capability(eprom_target, "formorder", "signing")
    if not order_source.places_orders:
        pytest.skip("not run: a signed document exists only for an order the system placed (no trigger)")
    trip = signed_return(order_source, form=first_form(eprom_target, signing=True))
    check_return_signed(trip.c2, trip.e2, signed_form_id=trip.signed_form_id,
                        api_key=eprom_target.api_key.reveal(), budget_s=eprom_target.budgets.signed_download_s)


@pytest.fixture(scope="module")
def patient_initiated(eprom_target: Any, eprom_system: Any, citizen: str) -> Delivered:
    """A return the citizen started: no order was ever placed, so the id is new to the system by design."""
    require_capability(eprom_target, "formorder", "patient_initiated")
    stimulus = patient_initiated_return(new_guid(), eprom_target.api_key.reveal(), form_id=eprom_target.forms[0].id,
                                        national_id=citizen)
    return deliver(eprom_system, [stimulus])


@pytest.mark.eprom("R-PATIENT-INITIATED", "V3.1")
def test_patient_initiated_return_acknowledged(patient_initiated):
    check_patient_initiated(patient_initiated.exchanges)


@pytest.mark.eprom("R-PATIENT-INITIATED", "V3.1")
def test_patient_initiated_return_stored(patient_initiated):
    check_stored("R-PATIENT-INITIATED", patient_initiated, rule="V3.1")
