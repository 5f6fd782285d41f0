"""R-RETURN-COMPLETED, R-RETURN-EXPIRED, R-RETURN-PAPER, R-RETURN-SIGNED, R-PATIENT-INITIATED: C2 form
returns on ``PUT /api/PromsFormOrder``, each to an order of its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from verification.checks.receiver import (
    check_failed_download_not_kept,
    check_patient_initiated,
    check_return_completed,
    check_return_expired,
    check_return_paper,
    check_return_signed,
    check_stored,
)
from verification.scenarios.receiver import Delivered, deliver, signed_return
from verification.spec.wire import new_guid
from verification.stimuli.callbacks import completed_return, expired_return, paper_return, patient_initiated_return

from .conftest import first_form, require_capability


# C2 ``Completed`` (after the order's C1, the simulator's) and C2 ``Expired``, each to an order of its own:
# (the stored requirement's ID, stimulus, check, whether the C2 comes ahead of the order's C1).
# The Expired overtakes its C1 (reordering; the kit withholds the simulator's C1): from no status at all, a
# system keeping a history and one keeping only the latest status both count one more, so a count-only status
# probe tells "stored" from "dropped" too (after a C1, a latest-only count stays 1 either way).
STATUS_RETURNS = [
    pytest.param(("R-RETURN-COMPLETED.2", completed_return, check_return_completed, False), id="completed",
                 marks=pytest.mark.eprom("R-RETURN-COMPLETED", "V3.1")),
    pytest.param(("R-RETURN-EXPIRED.2", expired_return, check_return_expired, True), id="expired",
                 marks=pytest.mark.eprom("R-RETURN-EXPIRED", "V3.1")),
]


@pytest.fixture(scope="module", params=STATUS_RETURNS)
def status_return(request: Any, eprom_target: Any, order_source: Any) -> tuple[str, Delivered, Any]:
    stored_id, stimulus, check, ahead_of_c1 = request.param
    require_capability(eprom_target, "formorder")
    order = order_source.order(kit_c1=ahead_of_c1)
    return stored_id, deliver(order_source.system, [stimulus(order.form_order_id, order_source.api_key)]), check


def test_status_return_acknowledged(status_return):
    _, delivered, check = status_return
    check(delivered.exchanges)


def test_status_return_stored_once(status_return):
    stored_id, delivered, _ = status_return
    check_stored(stored_id, delivered)


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
                        api_key=eprom_target.api_key.reveal(), budget_s=eprom_target.budgets.signed_download_s,
                        redelivery=trip.redelivery, e2_after_redelivery=trip.e2_after_redelivery)


# Every E2 for the document is answered 503 while the fault is pending; the case reads the signed probe after at
# most this many attempts (a system retrying faster never exhausts the fault) or once no new attempt came for
# QUIET_S, before the fault is cleared.
FAILED_DOWNLOADS = 50
MAX_ATTEMPTS_WATCHED = 10
QUIET_S = 1.0


@pytest.mark.eprom("R-RETURN-SIGNED", "S-SIGN.3")
def test_a_failed_download_is_not_kept_as_the_signed_document(eprom_target, eprom_system, order_source):
    """ePROM answers every download of one signed document 503 (an outage): the system must not hold the
    error answer as the document, or it never fetches the real one (SkjemaSomKreverSignatur.md:31)."""
    require_capability(eprom_target, "formorder", "signing")
    if not order_source.places_orders:
        pytest.skip("not run: a signed document exists only for an order the system placed (no trigger)")
    simulator = order_source.simulator
    order = order_source.order(form=first_form(eprom_target, signing=True), must_be_signed=True)
    probed = eprom_system.has_probe("signed")
    before = eprom_system.probe("signed", order.form_order_id) if probed else None
    simulator.inject_fault("E2", "503", count=FAILED_DOWNLOADS)
    try:
        completed = simulator.complete(order.form_order_id, answers={"HealthGeneral": 2}, sign=True)
        path = f"/api/ExternalDocument/{(completed.get('sent') or {}).get('signedFormId')}"
        budget = eprom_target.budgets.signed_download_s
        attempts = simulator.wait(after=0, timeout=budget, direction="to_eprom", path=path)
        while attempts and len(attempts) < MAX_ATTEMPTS_WATCHED:
            more = simulator.wait(after=attempts[-1]["id"], timeout=QUIET_S, direction="to_eprom", path=path)
            if not more:
                break
            attempts += more
        after = eprom_system.probe("signed", order.form_order_id) if probed and attempts else None
    finally:
        simulator.clear_faults()
    e2 = [eprom_system.store.get(found["id"]) for found in attempts]
    check_failed_download_not_kept(e2, before, after, budget_s=budget)


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
    check_stored("R-PATIENT-INITIATED.2", patient_initiated)
