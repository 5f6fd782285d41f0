"""The bundled reference ordering system, over real sockets: both faces, the hooks, and its variants."""

from __future__ import annotations

import base64
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from fake_eprom import API_KEY, SIGNED_PDF, FakeEprom, Reply, system_in_thread

from verification.reference import (
    CORRECT,
    VARIANTS,
    Behaviour,
    ReferenceSystemError,
    start_reference_system,
    variant,
)
from verification.reference.__main__ import main as reference_main
from verification.reference.behaviour import correct_designs, faulty_variants
from verification.spec.enums import FormOrderStatus, FormOrderStatusErrorCode, NotificationChannel
from verification.spec.national_id import VERIFICATION_PERSON
from verification.spec.wire import (
    ZERO_GUID,
    form_return_callback,
    message_status_callback,
    new_guid,
    order_status_callback,
    personvern_callback,
)

FORM_ID = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
FORM_ORDER = "/api/PromsFormOrder"
ORDER = {"formId": FORM_ID, "nationalId": VERIFICATION_PERSON}
ADDRESS = {"fullName": "Test Testesen", "addressLine1": "Testeveien 1", "postalCode": "0123", "postalPlace": "Oslo"}


def place_order(http: httpx.Client, base_url: str, **params: Any) -> str:
    answer = http.post(f"{base_url}/_trigger/order", json=ORDER | params)
    assert answer.status_code == 200, answer.text
    assert answer.json()["placed"] is True
    return answer.json()["formOrderId"]


def status(form_order_id: str, **kwargs: Any) -> dict[str, Any]:
    return order_status_callback(form_order_id=form_order_id, api_key=API_KEY, **kwargs)


def completed(form_order_id: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("answers", {"HealthGeneral": 3, "LastFourWeeksPain": 1})
    return form_return_callback(form_order_id=form_order_id, api_key=API_KEY, **kwargs)


def put(http: httpx.Client, base_url: str, body: Any, path: str = FORM_ORDER, **kwargs: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.put(base_url + path, content=content, headers={"Content-Type": "application/json"}, **kwargs)


def count(http: httpx.Client, base_url: str, kind: str, ident: str, at_least: int = 0) -> int:
    params = {"atLeast": at_least, "timeout": 5} if at_least else None
    return http.get(f"{base_url}/_probe/{kind}/{ident}", params=params).json()["count"]


def order_state(http: httpx.Client, base_url: str, form_order_id: str) -> dict[str, Any]:
    return http.get(f"{base_url}/_probe/order/{form_order_id}").json()


def assert_rejected(response: httpx.Response, status_code: int) -> None:
    assert (response.status_code, response.json()) == (status_code, {"success": False})


# Outbound: E1 and the trigger.


def test_trigger_sends_one_e1_with_the_documented_header_and_body(reference, fake_eprom: FakeEprom, http):
    form_order_id = place_order(
        http,
        reference.base_url,
        distributionRule=3,
        metadata={"age": 76},
        dontStoreCompletedFormInPha=True,
        physicalAddress=ADDRESS,
    )
    (e1,) = fake_eprom.requests_to("/api/v2/formorder")
    assert e1.headers["authorization"] == f"Basic {API_KEY}"
    assert e1.headers["content-type"] == "application/json; charset=utf-8"
    body = e1.json
    assert "apiKey" not in body and API_KEY not in e1.body.decode()
    assert (body["formId"], body["nationalId"]) == (FORM_ID, VERIFICATION_PERSON)
    assert body["distributionRule"] == "BasicOrPaper"
    assert isinstance(body["metadata"], str) and json.loads(body["metadata"]) == {"age": 76}
    assert datetime.fromisoformat(body["expiryDate"].replace("Z", "+00:00")) > datetime.now(timezone.utc)
    assert (body["dontStoreCompletedFormInPha"], body["mustBeSigned"], body["testMode"]) == (True, False, False)
    assert body["physicalAddress"]["postalCode"] == "0123"
    assert order_state(http, reference.base_url, form_order_id)["distributionRule"] == "BasicOrPaper"


def test_trigger_refuses_signing_with_no_distribution_and_sends_nothing(reference, fake_eprom: FakeEprom, http):
    answer = http.post(reference.trigger_url, json=ORDER | {"distributionRule": "NoDistribution", "mustBeSigned": True})
    assert answer.status_code == 400 and answer.json()["placed"] is False
    assert fake_eprom.requests_to("/api/v2/formorder") == []


def test_the_same_trigger_key_places_one_order(reference, fake_eprom: FakeEprom, http):
    answers = [http.post(reference.trigger_url, json=ORDER, headers={"Idempotency-Key": "t-1"}) for _ in range(2)]
    assert answers[0].json() == answers[1].json()
    assert len(fake_eprom.requests_to("/api/v2/formorder")) == 1


def test_5xx_is_retried_at_most_twice_and_4xx_never(reference, fake_eprom: FakeEprom, http):
    fake_eprom.script("/api/v2/formorder", *[Reply(503, {"message": "busy"})] * 3)
    answer = http.post(reference.trigger_url, json=ORDER)
    assert answer.status_code == 502 and answer.json()["placed"] is False
    assert len(fake_eprom.requests_to("/api/v2/formorder")) == 3

    fake_eprom.reset()
    fake_eprom.script("/api/v2/formorder", Reply(400, f"No form with id='{FORM_ID}' exists"))
    answer = http.post(reference.trigger_url, json=ORDER)
    assert answer.status_code == 502 and answer.json()["epromStatus"] == 400
    assert len(fake_eprom.requests_to("/api/v2/formorder")) == 1


def test_an_all_zero_id_is_not_a_placed_order(reference, fake_eprom: FakeEprom, http):
    fake_eprom.script("/api/v2/formorder", Reply(200, {"id": ZERO_GUID, "loginUrl": None}))
    answer = http.post(reference.trigger_url, json=ORDER)
    assert answer.json()["placed"] is False
    assert http.get(f"{reference.base_url}/_probe/order/{ZERO_GUID}").status_code == 404


def test_letter_sms_and_email_carry_the_key_where_documented(reference, fake_eprom: FakeEprom, http):
    letter = http.post(f"{reference.base_url}/_trigger/message", json={"nationalId": VERIFICATION_PERSON}).json()
    http.post(f"{reference.base_url}/_trigger/sms", json={"nationalId": VERIFICATION_PERSON})
    http.post(f"{reference.base_url}/_trigger/email", json={"emailAddress": "test@example.invalid"})
    (e3,) = fake_eprom.requests_to("/api/v2/messagetocitizen")
    assert letter["sent"] is True and e3.headers["authorization"] == f"Basic {API_KEY}"
    assert base64.b64decode(e3.json["documentCollection"]["mainDocument"]["content"]).startswith(b"%PDF")
    for path in ("/api/unsecuremessagesms", "/api/unsecuremessageemail"):
        (seen,) = fake_eprom.requests_to(path)
        assert seen.json["apiKey"] == API_KEY and "authorization" not in seen.headers


# Inbound: C1–C4.


def test_status_then_return_is_acknowledged_and_stored_once(reference, http):
    form_order_id = place_order(http, reference.base_url)
    for body in (status(form_order_id), completed(form_order_id)):
        response = put(http, reference.base_url, body)
        assert (response.status_code, response.json()) == (200, {"success": True})
    assert count(http, reference.base_url, "status", form_order_id) == 1
    assert count(http, reference.base_url, "answers", form_order_id) == 1
    state = order_state(http, reference.base_url, form_order_id)
    assert (state["status"], state["channel"]) == ("Completed", "Helsenorge")


def test_repeated_callbacks_are_acknowledged_but_stored_once(reference, http):
    form_order_id = place_order(http, reference.base_url)
    deliveries = [status(form_order_id)] * 3 + [completed(form_order_id)] * 3
    assert all(put(http, reference.base_url, body).json() == {"success": True} for body in deliveries)
    assert count(http, reference.base_url, "status", form_order_id) == 1
    assert count(http, reference.base_url, "answers", form_order_id) == 1


def test_a_return_before_its_status_is_kept_and_the_late_status_does_not_regress_it(reference, http):
    form_order_id = place_order(http, reference.base_url)
    assert put(http, reference.base_url, completed(form_order_id)).json() == {"success": True}
    late = status(form_order_id, channel=NotificationChannel.DigitalMailbox)
    assert put(http, reference.base_url, late).json() == {"success": True}
    state = order_state(http, reference.base_url, form_order_id)
    assert (state["status"], state["channel"], state["answersCount"]) == ("Completed", "DigitalMailbox", 1)
    channel = http.get(reference.probe_url("channel", form_order_id)).json()
    assert channel == {"notificationChannel": "DigitalMailbox"}  # the C1's channel, as the channel probe says


@pytest.mark.parametrize("api_key", [None, "", "wrong", f" {API_KEY}", f"{API_KEY} ", API_KEY.upper()])
def test_a_wrong_api_key_is_rejected_and_nothing_stored(reference, http, api_key):
    form_order_id = place_order(http, reference.base_url)
    body = completed(form_order_id)
    if api_key is None:
        del body["apiKey"]
    else:
        body["apiKey"] = api_key
    assert_rejected(put(http, reference.base_url, body), 401)
    assert count(http, reference.base_url, "answers", form_order_id) == 0


def test_a_status_that_overtakes_its_e1_answer_is_not_lost(reference, fake_eprom: FakeEprom, http):
    form_order_id = new_guid()
    fake_eprom.script("/api/v2/formorder", Reply(200, {"id": form_order_id}, delay_s=0.5))
    with ThreadPoolExecutor(1) as pool:
        trigger = pool.submit(place_order, http, reference.base_url)
        fake_eprom.wait_for("/api/v2/formorder")  # E1 is in flight, its answer not yet back
        assert put(http, reference.base_url, status(form_order_id)).json() == {"success": True}
        assert trigger.result(timeout=10) == form_order_id
    assert count(http, reference.base_url, "status", form_order_id) == 1


def test_an_order_never_placed_is_rejected_with_404(reference, http):
    unknown = new_guid()
    response = put(http, reference.base_url, status(unknown))
    assert_rejected(response, 404)
    assert unknown not in response.text
    assert_rejected(put(http, reference.base_url, completed(unknown)), 404)


def test_a_patient_initiated_return_for_an_unknown_id_is_stored(reference, http):
    form_order_id = new_guid()
    body = completed(form_order_id, patient_initiated={"formId": FORM_ID, "nationalId": VERIFICATION_PERSON})
    assert put(http, reference.base_url, body).json() == {"success": True}
    assert count(http, reference.base_url, "answers", form_order_id) == 1
    assert order_state(http, reference.base_url, form_order_id)["patientInitiated"] is True


def test_a_signed_return_downloads_the_pdf_once_with_the_raw_key(reference, fake_eprom: FakeEprom, http):
    form_order_id = place_order(http, reference.base_url, mustBeSigned=True, signingText="Signer")
    signed_form_id = new_guid()
    for _ in range(2):
        assert put(http, reference.base_url, completed(form_order_id, signed_form_id=signed_form_id)).json() == {
            "success": True
        }
    assert count(http, reference.base_url, "signed", form_order_id, at_least=1) == 1
    (e2,) = fake_eprom.requests_to(f"/api/ExternalDocument/{signed_form_id}")
    assert (e2.method, e2.headers["authorization"]) == ("GET", f"Basic {API_KEY}")
    with closing(sqlite3.connect(f"file:{reference.db_path}?mode=ro", uri=True)) as db:
        stored = db.execute("SELECT content FROM signed_documents WHERE signed_form_id = ?", (signed_form_id,))
        assert stored.fetchall() == [(SIGNED_PDF,)]


@pytest.mark.parametrize("enum_style", ["int", "str-int"])
def test_enums_as_integers_and_numeric_strings_are_accepted(reference, http, enum_style):
    form_order_id = place_order(http, reference.base_url)
    c1 = status(form_order_id, enum_style=enum_style, status=FormOrderStatus.Error,
                error_code=FormOrderStatusErrorCode.PatientUnreachable, channel=NotificationChannel.None_)
    c2 = completed(form_order_id, enum_style=enum_style, channel=NotificationChannel.Helsenorge)
    assert [put(http, reference.base_url, body).json() for body in (c1, c2)] == [{"success": True}] * 2
    assert order_state(http, reference.base_url, form_order_id)["status"] == "Completed"


def test_documented_paths_with_slash_and_any_case_and_only_put(reference, http):
    form_order_id = place_order(http, reference.base_url)
    for path in ("/api/PromsFormOrder/", "/api/promsformorder"):
        assert put(http, reference.base_url, status(form_order_id), path=path).json() == {"success": True}
    for method in ("GET", "POST", "DELETE", "PATCH"):
        response = http.request(method, reference.base_url + FORM_ORDER, json=completed(form_order_id))
        assert_rejected(response, 405)
    assert count(http, reference.base_url, "answers", form_order_id) == 0


def test_malformed_callbacks_get_400_and_unknown_members_are_ignored(reference, http):
    form_order_id = place_order(http, reference.base_url)
    object_form_data = completed(form_order_id) | {"formData": {"HealthGeneral": 3}}
    no_status = {k: v for k, v in completed(form_order_id).items() if k != "formOrderStatus"}
    for body in (b"{not json", b"[1, 2]", object_form_data, no_status, status(form_order_id) | {"formOrderStatus": 9}):
        assert_rejected(put(http, reference.base_url, body), 400)
    extra = completed(form_order_id) | {"futureMember": {"nested": True}}
    assert put(http, reference.base_url, extra).json() == {"success": True}


def test_letter_status_in_both_shapes(reference, http):
    letter = http.post(f"{reference.base_url}/_trigger/message", json={"nationalId": VERIFICATION_PERSON}).json()
    message_id = letter["messageToCitizenId"]
    for shape in ("message", "formorder"):
        body = message_status_callback(message_to_citizen_id=message_id, api_key=API_KEY, shape=shape)
        assert put(http, reference.base_url, body, path="/api/MessageToCitizen").json() == {"success": True}
    assert count(http, reference.base_url, "message", message_id) == 1  # the same status, twice


def test_privacy_callback_needs_the_key_in_the_header(reference, http):
    setting_id = new_guid()
    body = personvern_callback(national_id=VERIFICATION_PERSON, setting_id=setting_id, name="Reservasjon")
    path = "/api/PersonvernInnstilling"
    for headers in ({}, {"Authorization": "Basic wrong"}):
        assert_rejected(http.put(reference.base_url + path, json=body, headers=headers), 401)
    response = http.put(reference.base_url + path, json=body, headers={"Authorization": f"Basic {API_KEY}"})
    assert response.json() == {"success": True}
    assert count(http, reference.base_url, "personvern", setting_id) == 1


# Behaviour: the knobs, and the named faulty variants behave wrongly as intended.


def test_a_system_that_cannot_start_says_so():
    with pytest.raises(ReferenceSystemError, match="exited while starting"):
        start_reference_system(eprom_base_url="http://127.0.0.1:9", api_key=API_KEY, host="256.0.0.1")


def test_the_command_line_lists_the_variants(capsys):
    assert reference_main(["--list-variants"]) == 0
    assert capsys.readouterr().out.count("\n") == len(VARIANTS) - 1  # every variant but the correct system


def test_every_variant_is_one_described_fault():
    assert all(record.description and variant(name) == record.behaviour for name, record in VARIANTS.items())
    assert all(not design.behaviour.faults for design in correct_designs().values())
    assert CORRECT.faults == () and variant("correct") == CORRECT
    assert all(len(record.behaviour.faults) == 1 for record in faulty_variants().values())


def test_an_unanswered_order_is_not_sent_again(fake_eprom: FakeEprom, http):
    quick = replace(CORRECT, e1_read_timeout_s=0.3)
    with system_in_thread(fake_eprom.base_url, quick) as base_url:
        fake_eprom.script("/api/v2/formorder", Reply(200, {"id": new_guid()}, delay_s=0.6))
        answer = http.post(f"{base_url}/_trigger/order", json=ORDER)
        assert answer.status_code == 504
        assert len(fake_eprom.requests_to("/api/v2/formorder")) == 1


def test_variant_retrying_slow_orders_places_two(fake_eprom: FakeEprom, http):
    quick = replace(variant("retries_slow_orders"), e1_read_timeout_s=0.3)
    with system_in_thread(fake_eprom.base_url, quick) as base_url:
        fake_eprom.script("/api/v2/formorder", Reply(200, {"id": new_guid()}, delay_s=0.6))
        http.post(f"{base_url}/_trigger/order", json=ORDER)
        assert len(fake_eprom.requests_to("/api/v2/formorder")) == 2


def _inbound_outcomes(fake_eprom: FakeEprom, http: httpx.Client, behaviour: Behaviour) -> dict[str, Any]:
    """What one system does with a small set of callbacks that tell the variants apart."""
    with system_in_thread(fake_eprom.base_url, behaviour) as base_url:
        form_order_id = place_order(http, base_url)
        e1 = fake_eprom.requests_to("/api/v2/formorder")[-1]
        wrong_key = put(http, base_url, status(form_order_id) | {"apiKey": "wrong"}).status_code
        int_status = put(http, base_url, status(form_order_id, enum_style="int")).status_code
        named_return = put(http, base_url, completed(form_order_id)).status_code
        put(http, base_url, completed(form_order_id))
        unknown_member = put(http, base_url, status(form_order_id) | {"futureMember": 1}).status_code
        unknown_order = put(http, base_url, status(new_guid())).status_code
        return {
            "authorization": e1.headers["authorization"],
            "wrong_key": wrong_key,
            "int_status": int_status,
            "completed": named_return,
            "answers": count(http, base_url, "answers", form_order_id),
            "unknown_member": unknown_member,
            "unknown_order": unknown_order,
        }


CORRECT_OUTCOMES = {
    "authorization": f"Basic {API_KEY}",
    "wrong_key": 401,
    "int_status": 200,
    "completed": 200,
    "answers": 1,
    "unknown_member": 200,
    "unknown_order": 404,
}
DEVIATIONS = {
    "missing_auth_check": {"wrong_key": 200},
    "stores_duplicates": {"answers": 2},
    "falsy_completed": {"completed": 400, "answers": 0},
    "names_only_enums": {"int_status": 400},
    "crashes_on_unknown_fields": {"unknown_member": 500},
    "crashes_on_unknown_order": {"unknown_order": 500},
    "rfc_basic_auth": {"authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()},
}


@pytest.mark.parametrize("name", ["correct", *DEVIATIONS])
def test_each_inbound_variant_deviates_exactly_where_intended(fake_eprom: FakeEprom, http, name):
    expected = CORRECT_OUTCOMES | DEVIATIONS.get(name, {})
    assert _inbound_outcomes(fake_eprom, http, variant(name)) == expected
