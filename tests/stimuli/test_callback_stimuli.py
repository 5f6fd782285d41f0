"""The callback stimuli the kit sends as ePROM: every documented shape, and what a receiver must refuse."""

from __future__ import annotations

import json

from verification.spec.payloads import read_form_return_callback
from verification.spec.wire import ZERO_GUID
from verification.stimuli.callbacks import (
    KEY_VARIANTS,
    completed_return,
    letter_statuses,
    malformed_bodies,
    ordered_on_each_channel,
    paper_return,
    patient_initiated_return,
    privacy_changes,
    privacy_changes_with_bad_keys,
    provocations,
    redelivered,
    with_api_key_variants,
    with_other_methods,
)

KEY = "the-systems-key-0123456789"
ORDER = "5d6f0c1e-0000-4000-8000-000000000001"


def test_every_channel_once_but_those_already_reported():
    labels = [s.label for s in ordered_on_each_channel(ORDER, KEY)]
    assert labels == ["C1 Ordered via None", "C1 Ordered via Helsenorge", "C1 Ordered via DigitalMailbox",
                      "C1 Ordered via Unsecure", "C1 Ordered via PhysicalMailbox"]
    from verification.spec.enums import NotificationChannel

    assert len(ordered_on_each_channel(ORDER, KEY, skip=[NotificationChannel.None_])) == 4
    assert all(s.stores and s.stores.increase == 1 for s in ordered_on_each_channel(ORDER, KEY))


def test_a_redelivery_stores_nothing_more():
    first, *again = redelivered(completed_return(ORDER, KEY), 3)
    assert first.stores.increase == 1 and [s.stores.increase for s in again] == [0, 0]
    assert [s.body for s in again] == [first.body] * 2 and again[-1].label.endswith("delivery 3")


def test_bad_keys_never_resemble_the_key_except_padded():
    variants = with_api_key_variants(ordered_on_each_channel(ORDER, KEY)[1])
    assert [v.label.split(" with ")[1] for v in variants] == [f"{name} apiKey" for name in KEY_VARIANTS]
    keys = [v.body.get("apiKey") for v in variants]
    assert keys[0] is None and "apiKey" not in variants[0].body and keys[1] == ""
    assert keys[4] == f" {KEY} " and all(KEY not in (k or "") for k in keys[:4])
    assert all(v.stores.increase == 0 for v in variants)


def test_completed_return_is_stringified_with_norwegian_text_event_log_and_warnings():
    body = completed_return(ORDER, KEY).body
    assert isinstance(body["formData"], str) and "ærlig" in json.loads(body["formData"])["Kommentar"]
    assert body["formOrderEventLog"] and body["formDataWarnings"]
    assert read_form_return_callback(body).form_order_id == ORDER


def test_paper_return_has_a_scan_and_both_date_formats():
    body = paper_return(ORDER, KEY).body
    answers = json.loads(body["formData"])
    assert body["scannedPaperId"] != ZERO_GUID and {"2024-06-03", "03.06.2024"} <= set(answers.values())


def test_patient_initiated_return_says_so():
    body = patient_initiated_return(ORDER, KEY, form_id="1bc5f9f0-2607-49eb-94f0-6af955bbd79a",
                                    national_id="26670271527").body
    assert body["isPatientInitiated"] is True and body["patientInitiatedValues"]["nationalId"] == "26670271527"


def test_malformed_bodies_are_unusable_and_store_nothing():
    stimuli = malformed_bodies(ORDER, KEY)
    assert all(s.stores and s.stores.increase == 0 for s in stimuli)
    for stimulus in stimuli:
        if stimulus.raw is not None:
            try:
                parsed = json.loads(stimulus.raw)
            except ValueError:
                continue
            assert not isinstance(parsed, dict)
        else:
            body = stimulus.body
            assert "formOrderId" not in body or "formOrderStatus" not in body or not isinstance(
                body["formOrderId"], str) or body["formOrderId"] == "not-a-guid" or isinstance(
                body["formOrderStatus"], dict)


def test_other_methods_store_nothing():
    methods = [s.method for s in with_other_methods(ordered_on_each_channel(ORDER, KEY)[0])]
    assert methods == ["POST", "PATCH", "DELETE", "GET"]


def test_letter_statuses_come_in_every_documented_shape_each_a_new_status():
    bodies = [s.body for s in letter_statuses(ORDER, KEY)]
    assert bodies[0]["sentStatus"] == "Sent" and bodies[1]["sentStatus"] == 1 and bodies[2]["formOrderStatus"]
    shapes = {(b.get("sentStatus", b.get("formOrderStatus")), b["notificationChannel"]) for b in bodies}
    assert len(shapes) == 3


def test_privacy_changes_cover_the_volven_statuses_and_bad_keys():
    assert [s.body["status"] for s in privacy_changes("26670271527")] == ["RES", "IRES", "SAM", "ISAM"]
    without, empty, wrong = privacy_changes_with_bad_keys("26670271527")
    assert without.headers == {"Authorization": None} and empty.headers == {"Authorization": "Basic"}
    assert wrong.headers["Authorization"].startswith("Basic wrong-")


def test_provocations_expect_no_storage():
    assert all(s.stores is None for s in provocations(KEY)) and len(provocations(KEY)) == 4
