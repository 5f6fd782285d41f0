"""The callback stimuli the kit sends as ePROM: every documented shape, and what a receiver must refuse."""

from __future__ import annotations

import json

import pytest

from verification.spec.enums import NotificationChannel
from verification.spec.payloads import read_form_return_callback
from verification.spec.wire import ZERO_GUID, new_guid
from verification.stimuli.callbacks import (
    KEY_VARIANTS,
    LETTER_SHAPES,
    completed_return,
    letter_statuses,
    RULE_FOR_CHANNEL,
    error_statuses,
    expired_return,
    malformed_bodies,
    malformed_privacy_changes,
    malformed_returns,
    ordered_in_older_shape,
    ordered_via,
    paper_return,
    patient_initiated_return,
    privacy_changes,
    privacy_changes_with_bad_keys,
    provocations,
    redelivered,
    return_for_unknown_order,
    with_api_key_variants,
    with_other_methods,
)

KEY = "the-systems-key-0123456789"
ORDER = "5d6f0c1e-0000-4000-8000-000000000001"
OTHER = "5d6f0c1e-0000-4000-8000-000000000002"


def test_one_c1_per_order_every_channel_has_its_rule():
    from verification.spec.enums import NotificationChannel

    assert set(RULE_FOR_CHANNEL) == set(NotificationChannel)
    assert [s.label for s in error_statuses([ORDER, OTHER], KEY)] == [
        "C1 Error via None (PatientUnreachable)", "C1 Error via None (SikkerDigitalPostError)"]
    assert [s.body["formOrderId"] for s in error_statuses([ORDER, OTHER], KEY)] == [ORDER, OTHER]
    older = ordered_in_older_shape(ORDER, KEY).body
    assert "formOrderStatusErrorCode" not in older and older["formOrderStatus"] == "Ordered"


def test_an_expired_return_is_a_status_update_the_probe_counts():
    stores = expired_return(ORDER, KEY).stores
    assert stores and (stores.probe, stores.increase) == ("status", 1)


def test_robustness_inputs_judge_storage_only_where_nothing_can_be_stored():
    c2 = malformed_returns(ORDER, KEY, unknown_order_id=OTHER)
    assert [s.stores.increase if s.stores else None for s in c2] == [0, 0, 0, None, None]
    assert "formData" not in c2[0].body and c2[1].body["formData"] is None and isinstance(c2[2].body["formData"], list)
    assert "patientInitiatedValues" not in c2[4].body and c2[4].body["isPatientInitiated"] is True
    c4 = malformed_privacy_changes("26670271527")
    assert "nationalId" not in c4[0].body and c4[2].body["nationalId"] == 26670271527 and c4[3].body["id"] == "personvern-1"
    unknown = return_for_unknown_order(KEY)
    assert unknown.stores.probe == "answers" and unknown.stores.increase == 0


def test_a_redelivery_stores_nothing_more():
    first, *again = redelivered(completed_return(ORDER, KEY), 3)
    assert first.stores.increase == 1 and [s.stores.increase for s in again] == [0, 0]
    assert [s.body for s in again] == [first.body] * 2 and again[-1].label.endswith("delivery 3")


def test_bad_keys_never_resemble_the_key_except_padded():
    variants = with_api_key_variants(ordered_via(ORDER, KEY, NotificationChannel.Helsenorge))
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
                body["formOrderStatus"], (dict, bool)) or isinstance(body.get("notificationChannel"), bool)


def test_other_methods_store_nothing():
    methods = [s.method for s in with_other_methods(ordered_via(ORDER, KEY, NotificationChannel.None_))]
    assert methods == ["POST", "PATCH", "DELETE", "GET"]


def test_letter_statuses_come_in_every_documented_shape_one_per_letter():
    letters = [new_guid() for _ in range(LETTER_SHAPES)]
    bodies = [s.body for s in letter_statuses(letters, KEY)]
    assert bodies[0]["sentStatus"] == "Sent" and bodies[1]["sentStatus"] == 1 and bodies[2]["formOrderStatus"]
    shapes = {(b.get("sentStatus", b.get("formOrderStatus")), b["notificationChannel"]) for b in bodies}
    assert len(shapes) == 4
    assert {b["formOrderStatus"] for b in bodies if "formOrderStatus" in b} == {"Ordered", "Error"}
    # ePROM sends a letter one C3: each body names its own letter, in either shape's id member
    assert [b.get("messageToCitizenId", b.get("formOrderId")) for b in bodies] == letters
    with pytest.raises(ValueError):
        letter_statuses(letters[:1], KEY)


def test_privacy_changes_cover_the_volven_statuses_and_bad_keys():
    assert [s.body["status"] for s in privacy_changes("26670271527")] == ["RES", "IRES", "SAM", "ISAM"]
    without, empty, wrong = privacy_changes_with_bad_keys("26670271527")
    assert without.headers == {"Authorization": None} and empty.headers == {"Authorization": "Basic"}
    assert wrong.headers["Authorization"].startswith("Basic wrong-")


def test_provocations_expect_no_storage():
    assert all(s.stores is None for s in provocations(KEY)) and len(provocations(KEY)) == 4
