"""Order lifecycle seen from the ordering system: C1 on the right channel, the simulated citizen's C2s,
signed documents (E2), C4, and bounded callback retries — all through a real receiver."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest
from sim_support import (
    API_KEY,
    FORM,
    MAILBOX_ONLY,
    NO_CONSENT,
    PAPER_FORM,
    PAPER_ONLY_PERSON,
    PERSON,
    SIGNED_INITIATE_FORM,
    SIGNING_FORM,
    UNREACHABLE,
    UNSECURE_ONLY,
    Receiver,
    Reply,
    auth,
    order_body,
    post,
)

from verification.simulator import SimulatorAdminError, SimulatorHandle
from verification.spec.wire import ZERO_GUID

E1 = "/api/v2/formorder"
CALLBACK = "/api/PromsFormOrder"


def _order(eprom: httpx.Client, **overrides: Any) -> str:
    response = post(eprom, E1, order_body(**overrides))
    assert response.status_code == 200, response.text
    order_id = response.json()["id"]
    assert order_id != ZERO_GUID
    return order_id


def _c1(receiver: Receiver, order_id: str) -> dict[str, Any]:
    (callback,) = receiver.for_order(order_id)
    assert callback.method == "PUT" and callback.path == CALLBACK
    return callback.json


# --- C1: the channel the rule and the person's reachability give -----------------------------------

CHANNELS = [
    ("Basic", PERSON, "Helsenorge"),
    ("Basic", MAILBOX_ONLY, "DigitalMailbox"),
    ("Basic", NO_CONSENT, None),
    ("AllowUnsecure", UNSECURE_ONLY, "Unsecure"),
    ("Basic", UNSECURE_ONLY, None),
    ("BasicOrPaper", PAPER_ONLY_PERSON, "PhysicalMailbox"),
    ("AllowUnsecureOrPaper", UNSECURE_ONLY, "Unsecure"),
    ("PaperOnly", PERSON, "PhysicalMailbox"),
    ("HelsenorgeOnly", MAILBOX_ONLY, None),
    ("DigitalMailboxOnly", PERSON, "DigitalMailbox"),
    ("UnsecureOnly", PERSON, "Unsecure"),
    ("AllowUnsecureOrPaper", UNREACHABLE, None),
]


@pytest.mark.parametrize(("rule", "person", "channel"), CHANNELS, ids=[f"{r}-{c}" for r, _, c in CHANNELS])
def test_order_status_reports_the_actual_channel(
    eprom: httpx.Client, receiver: Receiver, rule: str, person: str, channel: str | None
) -> None:
    order_id = _order(eprom, formId=PAPER_FORM, distributionRule=rule, nationalId=person)
    status = _c1(receiver, order_id)
    if channel is None:
        assert (status["formOrderStatus"], status["formOrderStatusErrorCode"], status["notificationChannel"]) == (
            "Error", "PatientUnreachable", "None")
    else:
        assert (status["formOrderStatus"], status["notificationChannel"]) == ("Ordered", channel)
        assert status["formOrderStatusErrorCode"] == "None"
    assert status["apiKey"] == API_KEY
    assert status["timestamp"] and status["timestampUtc"].endswith("Z")


def test_physical_address_makes_paper_reachable(eprom: httpx.Client, receiver: Receiver) -> None:
    address = {"fullName": "Kari", "addressLine1": "Gate 1", "postalCode": "0150", "postalPlace": "Oslo"}
    order_id = _order(
        eprom, formId=PAPER_FORM, distributionRule="PaperOnly", nationalId=UNREACHABLE, physicalAddress=address
    )
    assert _c1(receiver, order_id)["notificationChannel"] == "PhysicalMailbox"


def test_no_distribution_order_gets_c1_ordered_with_channel_none(eprom: httpx.Client, receiver: Receiver) -> None:
    order_id = _order(eprom, distributionRule="NoDistribution")
    status = _c1(receiver, order_id)
    assert (status["formOrderStatus"], status["notificationChannel"]) == ("Ordered", "None")


@pytest.mark.parametrize(("style", "expected"), [("int", (2, 1, 0)), ("head", ("Ordered", 1, "None"))])
def test_enum_styles_and_empty_callback_key(
    eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle, style: str, expected: tuple[Any, ...]
) -> None:
    sim.configure(enum_style=style, callback_api_key="empty")
    try:
        status = _c1(receiver, _order(eprom))
    finally:
        sim.configure(enum_style="name", callback_api_key="system")
    assert (status["formOrderStatus"], status["notificationChannel"], status["formOrderStatusErrorCode"]) == expected
    assert status["apiKey"] == ""


# --- the simulated citizen: C2 -----------------------------------------------------------------------


def test_completion_sends_c2_after_c1_with_stringified_answers(
    eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle
) -> None:
    order_id = _order(eprom)
    result = sim.complete(order_id, answers={"HealthGeneral": 3})
    assert result["delivery"]["delivered"] is True and len(result["delivery"]["attempts"]) == 1
    first, second = receiver.for_order(order_id, count=2)
    assert first.json["formOrderStatus"] == "Ordered"
    returned = second.json
    assert returned["formOrderStatus"] == "Completed"
    assert json.loads(returned["formData"]) == {"HealthGeneral": 3}
    assert returned["signedFormId"] == ZERO_GUID and returned["scannedPaperId"] == ZERO_GUID
    events = [e["eventType"] for e in returned["formOrderEventLog"]]
    assert events == ["FormOpened", "QuestionAccessed", "FormDelivered"]
    assert returned["notificationChannel"] == "Helsenorge"
    assert sim.order(order_id)["status"] == "Completed"
    with pytest.raises(SimulatorAdminError) as again:
        sim.complete(order_id)
    assert again.value.status == 409 and "already Completed" in again.value.body["refused"]


def test_expiry_sends_c2_expired_without_answers(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    order_id = _order(eprom)
    sim.expire(order_id)
    expired = receiver.for_order(order_id, count=2)[1].json
    assert expired["formOrderStatus"] == "Expired" and "formData" not in expired
    with pytest.raises(SimulatorAdminError) as late:
        sim.complete(order_id)
    assert late.value.status == 409


def test_unreachable_order_cannot_be_completed(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    order_id = _order(eprom, nationalId=UNREACHABLE)
    with pytest.raises(SimulatorAdminError) as refused:
        sim.complete(order_id)
    assert refused.value.status == 409 and "never distributed" in refused.value.body["refused"]


def test_paper_answer_carries_a_scanned_paper_id(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    order_id = _order(eprom, formId=PAPER_FORM, distributionRule="PaperOnly")
    sim.paper(order_id, answers={"Date": "2024-06-01"})
    returned = receiver.for_order(order_id, count=2)[1].json
    assert returned["scannedPaperId"] != ZERO_GUID and returned["notificationChannel"] == "PhysicalMailbox"
    assert json.loads(returned["formData"]) == {"Date": "2024-06-01"}


def test_paper_answer_for_a_helsenorge_order_is_refused(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    with pytest.raises(SimulatorAdminError) as refused:
        sim.paper(_order(eprom))
    assert refused.value.status == 409


def test_signed_form_is_refused_without_signing_then_downloadable(
    eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle
) -> None:
    order_id = _order(eprom, mustBeSigned=True, signingText="Signer skjemaet")
    with pytest.raises(SimulatorAdminError) as refused:
        sim.complete(order_id)
    assert refused.value.status == 409 and "Signér og levere" in refused.value.body["refused"]
    sim.complete(order_id, sign=True)
    returned = receiver.for_order(order_id, count=2)[1].json
    signed_form_id = returned["signedFormId"]
    assert signed_form_id != ZERO_GUID
    assert "SigningCompleted" in [e["eventType"] for e in returned["formOrderEventLog"]]
    for path in (f"/api/ExternalDocument/{signed_form_id}", f"/ExternalDocument/{signed_form_id.upper()}"):
        document = eprom.get(path, headers={"authorization": f"Basic {API_KEY}"})
        assert document.status_code == 200, path
        assert document.headers["content-type"] == "application/pdf"
        assert document.content.startswith(b"%PDF-") and document.content.rstrip().endswith(b"%%EOF")


def test_signed_document_needs_the_key_and_a_known_id(eprom: httpx.Client) -> None:
    assert eprom.get(f"/api/ExternalDocument/{ZERO_GUID}", headers=auth()).status_code == 404
    assert eprom.get(f"/api/ExternalDocument/{ZERO_GUID}").status_code == 401


def test_signing_an_order_without_must_be_signed_is_refused(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    with pytest.raises(SimulatorAdminError) as refused:
        sim.complete(_order(eprom), sign=True)
    assert refused.value.status == 409


def test_test_mode_order_never_returns_the_answer(
    eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle
) -> None:
    order_id = _order(eprom, testMode=True)
    result = sim.complete(order_id)
    assert result["delivery"]["skipped"] and result["delivery"]["attempts"] == []
    assert len(receiver.for_order(order_id)) == 1  # C1 only


def test_patient_initiated_form_arrives_with_a_new_order_id(receiver: Receiver, sim: SimulatorHandle) -> None:
    result = sim.initiate(FORM, PERSON, answers={"HealthGeneral": 2})
    order_id = result["formOrderId"]
    (returned,) = receiver.for_order(order_id)
    body = returned.json
    assert body["isPatientInitiated"] is True and body["formOrderStatus"] == "Completed"
    values = body["patientInitiatedValues"]
    assert (values["formId"], values["nationalId"]) == (FORM, PERSON)
    assert values["orderTimestamp"] and values["orderTimestampUTC"].endswith("Z")


def test_patient_initiated_signing_rules(sim: SimulatorHandle) -> None:
    with pytest.raises(SimulatorAdminError) as refused:
        sim.initiate(SIGNED_INITIATE_FORM, PERSON)
    assert refused.value.status == 409
    assert sim.initiate(SIGNED_INITIATE_FORM, PERSON, sign=True)["sent"]["signedFormId"] != ZERO_GUID
    with pytest.raises(SimulatorAdminError) as not_orderable:
        sim.initiate(PAPER_FORM, PERSON)
    assert not_orderable.value.status == 409


def test_signing_support_is_not_a_patient_signing_requirement(sim: SimulatorHandle) -> None:
    """"Signering støttes" and "Skjema bestilt av pasient må signeres" are two settings of a form."""
    assert sim.initiate(SIGNING_FORM, PERSON)["formOrderId"] != ZERO_GUID


def test_privacy_change_sends_c4_with_the_key_in_a_header(receiver: Receiver, sim: SimulatorHandle) -> None:
    result = sim.privacy_change(PERSON, "RES")
    assert result["delivery"]["delivered"] is True
    (change,) = receiver.wait_for(lambda r: r.path == "/api/PersonvernInnstilling")
    assert change.headers["authorization"] == f"Basic {API_KEY}"
    assert change.json == {
        "nationalId": PERSON, "id": "b3cda307-154c-4af4-87d3-30567c931924",
        "name": "Reservasjon mot registrering", "status": "RES",
    }


# --- retries -------------------------------------------------------------------------------------------


def _attempts(sim: SimulatorHandle, order_id: str, callback: str) -> list[dict[str, Any]]:
    return sim.exchanges(formOrderId=order_id, callback=callback)


def test_c2_is_retried_after_two_500s(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    order_id = _order(eprom)
    receiver.for_order(order_id)  # C1 answered; script the C2 answers
    receiver.script(CALLBACK, Reply(500, {"error": "boom"}), Reply(503, "busy"))
    delivery = sim.complete(order_id)["delivery"]
    assert delivery["delivered"] is True
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [e["meta"]["attempt"] for e in _attempts(sim, order_id, "C2")] == [1, 2, 3]
    assert len(receiver.for_order(order_id, count=4)) == 4


def test_success_false_is_retried(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    receiver.script(CALLBACK, Reply(200, {"success": False}), Reply(200, {"Success": True}))
    order_id = _order(eprom)
    assert sim.wait(timeout=5, formOrderId=order_id, callback="C1", attempt="2")
    (outcome,) = sim.order(order_id)["deliveries"]
    assert outcome["callback"] == "C1" and outcome["delivered"] is True and outcome["finished"] is True
    assert [a["success"] for a in outcome["attempts"]] == [False, True]


def test_retries_are_bounded(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    receiver.script(CALLBACK, *[Reply(500, "no")] * 5)
    order_id = _order(eprom)
    assert sim.wait(timeout=5, formOrderId=order_id, callback="C1", attempt="3")
    (outcome,) = sim.order(order_id)["deliveries"]
    assert outcome["finished"] is True and outcome["delivered"] is False
    assert outcome["final_status"] == 500 and len(outcome["attempts"]) == 3
    assert len(_attempts(sim, order_id, "C1")) == 3


def test_timeout_is_retried(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    sim.configure(retry={"attempts": 2, "backoff_s": [0.01], "timeout_s": 0.3, "callbacks": ["C1", "C2"]})
    try:
        receiver.script(CALLBACK, Reply(200, {"success": True}, delay_s=0.6))
        order_id = _order(eprom)
        assert sim.wait(timeout=5, formOrderId=order_id, callback="C1", attempt="2")
    finally:
        sim.configure(retry={"attempts": 3, "backoff_s": [0.01, 0.02], "timeout_s": 2.0,
                             "callbacks": ["C1", "C2", "C3", "C4"]})
    first, second = _attempts(sim, order_id, "C1")
    assert first["error"].startswith("timeout") and first["status"] is None
    assert second["status"] == 200 and second["meta"]["acknowledged"] is True


def _order_with_c1_delivery(eprom: httpx.Client, sim: SimulatorHandle, delivery: str) -> str:
    sim.configure(c1_delivery=delivery)
    try:
        return _order(eprom)
    finally:
        sim.configure(c1_delivery="send")


def test_a_withheld_c1_is_left_to_the_kit(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    """c1_delivery "withhold": the order is placed and settled, but its one C1 is the kit's to send."""
    order_id = _order_with_c1_delivery(eprom, sim, "withhold")
    (outcome,) = sim.order(order_id, settled=True)["deliveries"]
    assert outcome["skipped"].startswith("withheld") and not outcome["attempts"]
    assert _attempts(sim, order_id, "C1") == []
    assert not [r for r in receiver.received if r.json.get("formOrderId") == order_id]


def test_a_c1_can_overtake_the_order_answer(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    """c1_delivery "before_answer": the C1 reaches the system while E1 still waits for its answer."""
    order_id = _order_with_c1_delivery(eprom, sim, "before_answer")
    sim.order(order_id, settled=True)  # its C1 delivered (the answer waits for it 1 s at most)
    (c1,) = _attempts(sim, order_id, "C1")
    (e1,) = sim.wait(timeout=5, formOrderId=order_id, endpoint="E1")  # recorded once its answer is out

    def at(exchange: dict[str, Any], *, answered: bool = False) -> float:
        started = datetime.fromisoformat(exchange["started_at"]).timestamp()
        return started + (exchange["latency_ms"] / 1000 if answered else 0)

    assert at(e1) < at(c1) < at(e1, answered=True), "the C1 reached the system while E1 waited for its answer"
    assert c1["meta"]["acknowledged"] is True
