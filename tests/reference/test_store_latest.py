"""The status probe's optional ``latest`` (issue 10, blind check alt1): the reference store answers the order's
current status, so ``drops_expired`` stays visible; the ``latest_status_only`` design counts 1 and no more."""

from __future__ import annotations

import pytest

from verification.reference.behaviour import variant
from verification.reference.reading import read_form_order_update
from verification.reference.store import ReferenceStore
from verification.spec.enums import FormOrderStatus, NotificationChannel
from verification.spec.national_id import VERIFICATION_PERSON
from verification.spec.wire import form_return_callback, new_guid, order_status_callback


def deliver(store: ReferenceStore, body: dict, name: str) -> None:
    behaviour = variant(name)
    update = read_form_order_update(body, behaviour)
    store.apply_form_order_update(update, dedup_key=new_guid(), signed_key=new_guid(), behaviour=behaviour)


@pytest.mark.parametrize(("name", "counts", "latest"), [
    ("correct", (1, 2), "Expired"),
    ("latest_status_only", (1, 1), "Expired"),
    ("drops_expired", (1, 1), "Ordered"),
])
def test_the_latest_status_after_an_expired_return(name, counts, latest):
    store = ReferenceStore()
    order_id = new_guid()
    store.add_order(order_id, form_id=new_guid(), national_id=VERIFICATION_PERSON, rule="Basic", signed=False)
    count = store.latest_count if name == "latest_status_only" else store.status_count
    deliver(store, order_status_callback(form_order_id=order_id, api_key="k",
                                         channel=NotificationChannel.Helsenorge), name)
    first = count(order_id)
    deliver(store, form_return_callback(form_order_id=order_id, status=FormOrderStatus.Expired, api_key="k"), name)
    assert (first, count(order_id)) == counts
    assert store.latest_status(order_id) == latest


@pytest.mark.parametrize(("name", "count_after"), [
    ("correct", 1), ("one_status_per_order", 1), ("latest_status_only", 1), ("drops_expired", 0),
])
def test_an_expired_return_ahead_of_its_c1_counts_one_in_every_correct_design(name, count_after):
    """The case R-RETURN-EXPIRED sends: the Expired overtakes the order's C1, so every design that stores it
    counts one more from 0, and the fault shows on a count-only probe."""
    store = ReferenceStore()
    order_id = new_guid()
    store.add_order(order_id, form_id=new_guid(), national_id=VERIFICATION_PERSON, rule="Basic", signed=False)
    count = store.latest_count if name == "latest_status_only" else store.status_count
    assert count(order_id) == 0
    deliver(store, form_return_callback(form_order_id=order_id, status=FormOrderStatus.Expired, api_key="k"), name)
    assert count(order_id) == count_after
