"""The S-check functions on hand-made exchanges: each passes on a correct exchange and fails, naming the
field, on each mistake it exists to catch. No network: the exchanges are built here."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from verification.checks import sender_messages
from verification.checks.failure import CheckFailure, NotVerifiable, Waiting
from verification.checks.outbound import endpoint_of
from verification.checks.round_trip import RecordedOrder, check_recorded_round_trips
from verification.checks.sender import (
    authorization_problem,
    check_auth_header,
    check_content_type,
    check_no_duplicate_order,
    check_no_duplicate_orders_recorded,
    check_order_rules,
    check_order_sent,
    check_orders_accepted,
    check_signed_download,
    check_test_data,
    describe_trigger,
)
from verification.checks.sender_body import check_order_body
from verification.checks.sender_errors import (
    check_bounded_retries,
    check_no_retry_on_client_error,
    check_retry_behaviour,
    check_zero_id_not_placed,
)
from verification.checks.sender_messages import check_message, check_nonsensitive, check_personvern, check_sms_email
from verification.recorder.store import Exchange
from verification.spec.national_id import SAMPLE_ID_NEVER_USE, VERIFICATION_PERSON, synthetic_national_ids
from verification.spec.wire import ZERO_GUID

KEY = "unit-key-5e1f9a"
FORM = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
PAPER_FORM = "5053bd9d-5111-40df-95ef-0aa160412015"
ORDER_ID = "184738d0-3c39-e611-9c2a-34e6d72e03c7"
SIGNED_ID = "c5a1e148-de20-485f-92bd-f19163e101ef"
FORMS = [SimpleNamespace(id=FORM, paper=False), SimpleNamespace(id=PAPER_FORM, paper=True)]
H_NUMBER = "15458510072"
FH_NUMBER = "81234567890"
SENT_AT = "2026-01-10T10:00:00.000000+00:00"
HEADERS = {"authorization": f"Basic {KEY}", "content-type": "application/json; charset=utf-8"}
_ids = iter(range(1, 10_000))


def exchange(path: str, body: Any = None, *, method: str = "POST", headers: dict | None = None, status: int = 200,
             answer: Any = None, error: str | None = None, direction: str = "to_eprom", actor: str = "system",
             started_at: str = SENT_AT) -> Exchange:
    text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    return Exchange(
        direction=direction, actor=actor, method=method, url=f"http://127.0.0.1:9/promswebapi{path}",  # type: ignore[arg-type]
        request_headers=dict(HEADERS if headers is None else headers), request_body=text,
        status=None if error else status, response_body=json.dumps(answer) if answer is not None else "",
        error=error, started_at=started_at, id=next(_ids),
    )


def order(**changes: Any) -> dict[str, Any]:
    body = {"formId": FORM, "nationalId": VERIFICATION_PERSON, "expiryDate": "2026-02-10T10:00:00.000Z",
            "metadata": '{"age":76}', "dontStoreCompletedFormInPha": False, "distributionRule": "Basic",
            "mustBeSigned": False, "signingText": None, "physicalAddress": None, "testMode": False,
            "onBehalfOfNationalId": None}
    return {k: v for k, v in {**body, **changes}.items() if v is not ...}


def e1(body: Any = None, *, order_id: str = ORDER_ID, **kw: Any) -> Exchange:
    kw.setdefault("answer", {"id": order_id})
    return exchange("/api/v2/formorder", order() if body is None else body, **kw)


def trigger(status: int | None = 200, *, error: str | None = None, method: str = "POST") -> Exchange:
    return Exchange(direction="to_system", actor="kit", method=method, url="http://127.0.0.1:8/_trigger/order",
                    request_body='{"formId": "x"}', status=status, response_body='{"placed": false}', error=error,
                    id=next(_ids))


def fields_of(failure: pytest.ExceptionInfo[CheckFailure]) -> list[str]:
    return [d.field for d in failure.value.deviations]


# -- classification ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "endpoint"), [
    ("POST", "/api/v2/formorder", "E1"), ("POST", "/API/V2/FormOrder/", "E1"), ("POST", "/api/formorder", "E9"),
    ("GET", f"/api/ExternalDocument/{SIGNED_ID}", "E2"), ("POST", "/api/v2/messagetocitizen", "E3"),
    ("POST", "/api/unsecuremessagesms", "E4"), ("POST", "/api/v2/getpersonverninnstilling", "E6"),
    ("POST", "/api/setpersonverninnstilling", "E7"), ("GET", "/api/v2/formorder", None),
])
def test_endpoints_are_read_from_the_path_as_eprom_routes_them(method, path, endpoint):
    assert endpoint_of(exchange(path, method=method)) == endpoint


# -- S-ORDER-SENT -----------------------------------------------------------------------------------


def test_order_sent_passes_for_one_accepted_order():
    check_order_sent(trigger(), [e1()])


@pytest.mark.parametrize(("failed_trigger", "shown"), [
    (trigger(500), "HTTP 500"), (trigger(1, error="exit 1: boom", method="EXEC"), "exit 1: boom"),
])
def test_a_failed_trigger_is_a_failed_check_naming_what_was_sent_and_what_came_back(failed_trigger, shown):
    with pytest.raises(CheckFailure) as failure:
        check_order_sent(failed_trigger, [])
    text = str(failure.value)
    assert "trigger" in fields_of(failure) and shown in text and '{"formId": "x"}' in text
    assert "the guide requires" not in text  # the trigger contract is the kit's, not the guide's


@pytest.mark.parametrize("unreached", [trigger(None, error="timeout after 30s"),
                                       trigger(None, error="ConnectError: connection refused")])
def test_a_trigger_that_never_reached_the_system_is_not_verifiable(unreached):
    with pytest.raises(NotVerifiable, match="never reached"):
        check_order_sent(unreached, [])


def test_describe_trigger_names_command_and_exit():
    command = Exchange(direction="to_system", actor="kit", method="EXEC", url="command:./place.sh",
                       request_body="{}", status=2, error="exit 2: no")
    assert describe_trigger(command) == "ran ./place.sh with {} on stdin; got exit 2: no"


@pytest.mark.parametrize(("e1s", "field"), [
    ([], "E1 requests"), ([e1(), e1()], "E1 requests for one trigger"),
    ([e1(status=400, answer="The ordered form is not Published")], "E1 response"),
    ([e1(order_id=ZERO_GUID)], "E1 response id"),
])
def test_order_sent_fails_on_missing_duplicate_rejected_or_zero_id_orders(e1s, field):
    with pytest.raises(CheckFailure) as failure:
        check_order_sent(trigger(), e1s)
    assert field in fields_of(failure)


def test_passive_order_sent_judges_every_recorded_order():
    check_orders_accepted([e1(), e1()])
    with pytest.raises(CheckFailure):
        check_orders_accepted([e1(), e1(status=503, answer="Service Unavailable")])
    with pytest.raises(NotVerifiable):
        check_orders_accepted([])


# -- S-AUTH-HEADER ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "problem"), [
    (f"Basic {KEY}", None), (f"basic {KEY}", None), (None, "no Authorization header"),
    ("Basic " + base64.b64encode(f"{KEY}:".encode()).decode(), "RFC 7617"),
    ("Basic " + base64.b64encode(f"user:{KEY}".encode()).decode(), "RFC 7617"),
    (f"Bearer {KEY}", "scheme 'Bearer'"), (f"Basic  {KEY} ", "padded"), ("Basic other", "not the system's"),
    ("Basic", "empty key"),
])
def test_authorization_problems_are_described_never_quoted(value, problem):
    found = authorization_problem(value, KEY)
    assert (found is None) if problem is None else (problem in found and KEY not in found)


def test_auth_header_passes_for_header_on_v2_and_body_key_on_sms():
    sms = exchange("/api/unsecuremessagesms", {"apiKey": KEY, "smsText": "x", "nationalId": VERIFICATION_PERSON},
                   headers={"content-type": "application/json"})
    check_auth_header([e1(), sms], KEY)


@pytest.mark.parametrize(("bad", "field"), [
    (e1(headers={"content-type": "application/json"}), "E1 Authorization"),
    (e1(order(apiKey=KEY)), "E1 body"),
    (exchange(f"/api/ExternalDocument/{SIGNED_ID}?apiKey={KEY}", method="GET", headers={}), "E2 URL"),
    (exchange("/api/unsecuremessageemail", {"emailTitle": "t", "emailText": "x", "nationalId": VERIFICATION_PERSON}),
     "E5 body apiKey"),
])
def test_auth_header_fails_on_each_misplaced_key_without_quoting_it(bad, field):
    with pytest.raises(CheckFailure) as failure:
        check_auth_header([e1(), bad], KEY)
    assert field in fields_of(failure) and KEY not in str(failure.value)


def test_auth_header_is_not_verifiable_without_outbound_calls():
    with pytest.raises(NotVerifiable):
        check_auth_header([exchange("/api/PromsFormOrder", {}, direction="to_system", actor="simulator")], KEY)


# -- S-CONTENT-TYPE ---------------------------------------------------------------------------------


def test_content_type_passes_for_json_and_ignores_bodyless_gets():
    download = exchange(f"/api/ExternalDocument/{SIGNED_ID}", method="GET", headers={"authorization": f"Basic {KEY}"})
    check_content_type([e1(), download])


@pytest.mark.parametrize(("bad", "field"), [
    (e1(headers={"authorization": f"Basic {KEY}", "content-type": "text/plain; charset=utf-8"}), "E1 Content-Type"),
    (e1(headers={"authorization": f"Basic {KEY}"}), "E1 Content-Type"),
    (e1("formId=x&nationalId=y"), "E1 body"),
])
def test_content_type_fails_on_non_json(bad, field):
    with pytest.raises(CheckFailure) as failure:
        check_content_type([bad])
    assert field in fields_of(failure)


# -- S-ORDER-BODY -----------------------------------------------------------------------------------


def test_order_body_passes_for_the_guides_shape():
    address = {"fullName": "Kari", "addressLine1": "Vei 1", "postalCode": "0150", "postalPlace": "Oslo"}
    d_number = synthetic_national_ids(1, d_number=True, seed=2)[0]
    check_order_body([e1(), e1(order(distributionRule=3, physicalAddress=address, nationalId=d_number,
                                     metadata=..., reminderDate=None, onBehalfOfNationalId=VERIFICATION_PERSON))])


@pytest.mark.parametrize(("changes", "field"), [
    ({"formId": "RAND-12"}, "E1.formId"),
    ({"nationalId": H_NUMBER}, "E1.nationalId"),
    ({"nationalId": FH_NUMBER}, "E1.nationalId"),
    ({"nationalId": "26670271528"}, "E1.nationalId"),
    ({"nationalId": 26670271527}, "E1.nationalId"),
    ({"nationalId": ...}, "E1.nationalId"),
    ({"onBehalfOfNationalId": "12345678901"}, "E1.onBehalfOfNationalId"),
    ({"expiryDate": "2025-12-01T00:00:00Z"}, "E1.expiryDate"),
    ({"expiryDate": "next tuesday"}, "E1.expiryDate"),
    ({"expiryDate": ...}, "E1.expiryDate"),
    ({"metadata": {"age": 76}}, "E1.metadata"),
    ({"metadata": "[1, 2]"}, "E1.metadata"),
    ({"metadata": "{age: 76}"}, "E1.metadata"),
    ({"distributionRule": "Helsenorge"}, "E1.distributionRule"),
    ({"distributionRule": True}, "E1.distributionRule"),
    ({"mustBeSigned": "false"}, "E1.mustBeSigned"),
    ({"dontStoreCompletedFormInPha": 0}, "E1.dontStoreCompletedFormInPha"),
    ({"testMode": True}, "E1.testMode"),
    ({"signingText": 42}, "E1.signingText"),
    ({"physicalAddress": {"fullName": "K", "addressLine1": "V", "postalCode": 150, "postalPlace": "O"}},
     "E1.physicalAddress.postalCode"),
    ({"physicalAddress": {"fullName": "K"}}, "E1.physicalAddress.addressLine1"),
    ({"physicalAddress": "Testveien 1"}, "E1.physicalAddress"),
])
def test_order_body_fails_on_each_rule(changes, field):
    with pytest.raises(CheckFailure) as failure:
        check_order_body([e1(order(**changes))])
    assert field in fields_of(failure)


def test_order_body_refuses_a_body_that_is_no_object_and_masks_national_ids():
    with pytest.raises(CheckFailure) as failure:
        check_order_body([e1([1, 2]), e1(order(nationalId=H_NUMBER))])
    assert fields_of(failure)[0] == "E1 body" and H_NUMBER not in str(failure.value)


def test_order_body_expiry_is_judged_against_the_time_it_was_sent():
    # A session judged again long after it ran keeps its verdict: the send time counts, not the judging time.
    check_order_body([e1(order(expiryDate="2026-02-10T10:00:00.000Z"), started_at=SENT_AT)])
    with pytest.raises(CheckFailure):
        check_order_body([e1(order(expiryDate="2026-02-10T10:00:00.000Z"), started_at="2026-03-01T00:00:00+00:00")])


# -- S-ORDER-RULES ----------------------------------------------------------------------------------


def test_order_rules_pass_for_valid_signing_on_behalf_and_paper_orders():
    check_order_rules([
        e1(order(mustBeSigned=True, signingText="Signer")),
        e1(order(onBehalfOfNationalId=VERIFICATION_PERSON)),
        e1(order(formId=PAPER_FORM, distributionRule="PaperOnly")),
    ], FORMS)


@pytest.mark.parametrize(("changes", "field"), [
    ({"mustBeSigned": True, "distributionRule": "NoDistribution"}, "E1 mustBeSigned with distributionRule"),
    ({"mustBeSigned": True, "distributionRule": 2}, "E1 mustBeSigned with distributionRule"),
    ({"mustBeSigned": True, "onBehalfOfNationalId": VERIFICATION_PERSON}, "E1 mustBeSigned with onBehalfOfNationalId"),
    ({"distributionRule": "BasicOrPaper"}, "E1 distributionRule"),
    ({"formId": "3a7e2f3b-7b62-4a1f-8d2f-1c2e5e2d3b02", "distributionRule": "PaperOnly"}, "E1 distributionRule"),
])
def test_order_rules_fail_on_forbidden_combinations_and_paper_for_other_forms(changes, field):
    with pytest.raises(CheckFailure) as failure:
        check_order_rules([e1(order(**changes))], FORMS)
    assert field in fields_of(failure)


def test_a_missing_valid_order_is_not_verifiable():
    with pytest.raises(NotVerifiable, match="HTTP 500"):
        check_order_rules([], FORMS, trigger=trigger(500))


# -- S-NO-DUPLICATE-ORDER ---------------------------------------------------------------------------


def test_one_order_per_trigger_allows_retries_that_created_nothing():
    check_no_duplicate_order([e1()])
    check_no_duplicate_order([e1(status=503, answer="x"), e1(error="timeout"), e1()])


def test_two_orders_for_one_trigger_fail():
    with pytest.raises(CheckFailure) as failure:
        check_no_duplicate_order([e1(order_id="0b5e7c4e-64a9-4c26-9a3e-2f8a9e3c1d01"), e1()])
    assert failure.value.deviations[0].received == 2


def test_recorded_duplicates_are_identical_requests_that_both_created_orders():
    first = e1(order(), order_id="0b5e7c4e-64a9-4c26-9a3e-2f8a9e3c1d01")
    check_no_duplicate_orders_recorded([first, e1(order(expiryDate="2026-02-11T10:00:00.000Z"))])
    with pytest.raises(CheckFailure):
        check_no_duplicate_orders_recorded([first, e1(order())])


# -- S-SIGNED-DOWNLOAD ------------------------------------------------------------------------------


def download(*, headers: dict | None = None, status: int = 200, query: str = "") -> Exchange:
    return exchange(f"/api/ExternalDocument/{SIGNED_ID}{query}", method="GET", status=status,
                    headers={"authorization": f"Basic {KEY}"} if headers is None else headers)


def c2(*, success: bool = True) -> Exchange:
    return exchange("/api/PromsFormOrder", {"formOrderId": ORDER_ID, "formOrderStatus": "Completed",
                                            "signedFormId": SIGNED_ID}, method="PUT", direction="to_system",
                    actor="simulator", answer={"success": success})


def test_signed_download_passes_for_one_fetch_with_the_raw_key():
    check_signed_download(SIGNED_ID, [download(status=503), download()], KEY, c2=c2())


def test_no_signed_download_within_the_window_is_not_verified_never_failed():
    """A batch download later than budgets.signed_download_s: the guide sets no time for it."""
    with pytest.raises(NotVerifiable, match="within 10 s.*later"):
        check_signed_download(SIGNED_ID, [], KEY, c2=c2(), window_s=10)


@pytest.mark.parametrize(("downloads", "field"), [
    ([download(headers={}, query=f"?apiKey={KEY}", status=401)], "E2 Authorization"),
    ([download(headers={"authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}, status=401)],
     "E2 Authorization"),
    ([download(), download()], "successful E2 downloads"),
])
def test_signed_download_fails_when_missing_with_a_wrong_header_or_twice(downloads, field):
    with pytest.raises(CheckFailure) as failure:
        check_signed_download(SIGNED_ID, downloads, KEY)
    assert field in fields_of(failure)


def test_signed_download_needs_a_signed_return_and_its_acknowledgement():
    with pytest.raises(NotVerifiable):
        check_signed_download(ZERO_GUID, [], KEY)
    with pytest.raises(CheckFailure) as failure:
        check_signed_download(SIGNED_ID, [download()], KEY, c2=c2(success=False))
    assert fields_of(failure) == ["C2 reply"]


# -- S-TEST-DATA ------------------------------------------------------------------------------------


def test_test_data_allows_test_persons_and_synthetic_ids():
    synthetic = synthetic_national_ids(1, seed=4)[0]
    check_test_data([e1(), e1(order(nationalId=synthetic))], [VERIFICATION_PERSON])


def test_test_data_fails_on_an_ordinary_id_anywhere_and_masks_it():
    sms = exchange("/api/unsecuremessagesms", {"apiKey": KEY, "smsText": "x", "nationalId": SAMPLE_ID_NEVER_USE})
    letter = exchange("/api/v2/messagetocitizen", {"nationalId": VERIFICATION_PERSON,
                                                   "messageInfo": {"merknad": SAMPLE_ID_NEVER_USE}})
    with pytest.raises(CheckFailure) as failure:
        check_test_data([sms, letter], [VERIFICATION_PERSON])
    assert fields_of(failure) == ["E4 nationalId", "E3 messageInfo.merknad"]
    assert SAMPLE_ID_NEVER_USE not in str(failure.value)


def test_test_data_is_not_verifiable_without_national_ids():
    with pytest.raises(NotVerifiable):
        check_test_data([download()], [VERIFICATION_PERSON])


# -- S-ERROR-HANDLING -------------------------------------------------------------------------------


def test_no_retry_on_4xx():
    check_no_retry_on_client_error([e1(status=400, answer="The ordered form is not Published")])
    with pytest.raises(CheckFailure):
        check_no_retry_on_client_error([e1(status=400, answer="x")] * 3)
    with pytest.raises(NotVerifiable):
        check_no_retry_on_client_error([e1()])


def test_bounded_retries_on_5xx():
    check_bounded_retries([e1(status=503, answer="x")] * 3)
    with pytest.raises(CheckFailure):
        check_bounded_retries([e1(status=503, answer="x")] * 6)


def probe(count: int | None) -> SimpleNamespace:
    return SimpleNamespace(count=count, exchange=None, problem="")


def test_all_zero_id_not_placed_by_probe_and_by_the_c1_for_it():
    zero = [e1(order_id=ZERO_GUID)]
    rejected_c1 = exchange("/api/PromsFormOrder", {}, method="PUT", direction="to_system", actor="kit", status=404,
                           answer={"success": False})
    accepted_c1 = exchange("/api/PromsFormOrder", {}, method="PUT", direction="to_system", actor="kit",
                           answer={"success": True})
    check_zero_id_not_placed(zero, zero_callback=rejected_c1, probe=probe(0))
    with pytest.raises(CheckFailure) as failure:
        check_zero_id_not_placed(zero, zero_callback=accepted_c1, probe=probe(1))
    assert fields_of(failure) == ["status probe for the all-zero id"]
    check_zero_id_not_placed(zero, zero_callback=accepted_c1, probe=probe(0))  # acknowledged, nothing stored
    with pytest.raises(CheckFailure) as failure:
        check_zero_id_not_placed(zero, zero_callback=accepted_c1, probe=None)  # without a probe: the reply
    assert fields_of(failure) == ["C1 for the all-zero id"]
    with pytest.raises(NotVerifiable):
        check_zero_id_not_placed(zero, zero_callback=accepted_c1, probe=None, accepts_unknown_orders=True)
    with pytest.raises(NotVerifiable):
        check_zero_id_not_placed([e1()], zero_callback=rejected_c1)


def test_passive_retry_behaviour():
    body = order()
    check_retry_behaviour([e1(body, status=503, answer="x"), e1(body)])
    with pytest.raises(CheckFailure):
        check_retry_behaviour([e1(body, status=400, answer="x"), e1(body, status=400, answer="x")])
    with pytest.raises(NotVerifiable):
        check_retry_behaviour([e1()])


# -- S-MESSAGE, S-SMS-EMAIL, S-PERSONVERN -----------------------------------------------------------

PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def letter(**changes: Any) -> Exchange:
    body = {"nationalId": VERIFICATION_PERSON, "documentCollection": {
        "mainDocument": {"fileName": "brev.pdf", "mimeType": "application/pdf", "content": PDF}, "attachments": []},
        "notificationPriorityList": ["Helsenorge", 2]}
    return exchange("/api/v2/messagetocitizen", {k: v for k, v in {**body, **changes}.items() if v is not ...})


def test_message_passes_for_a_pdf_main_document_and_valid_channels():
    check_message([letter()])


@pytest.mark.parametrize(("changes", "field"), [
    ({"documentCollection": {"mainDocument": {"mimeType": "text/html",
                                              "content": base64.b64encode(b"<html/>").decode()}}},
     "E3.documentCollection.mainDocument type"),
    ({"documentCollection": {"mainDocument": {"content": "not base64!"}}}, "E3.documentCollection.mainDocument content"),
    ({"documentCollection": {"mainDocument": None, "attachments": [{"content": PDF}]}}, "E3.documentCollection"),
    ({"notificationPriorityList": ["Sms"]}, "E3.notificationPriorityList"),
    ({"notificationPriorityList": ...}, "E3.notificationPriorityList"),
    ({"nationalId": H_NUMBER}, "E3.nationalId"),
])
def test_message_fails_on_each_rule(changes, field):
    with pytest.raises(CheckFailure) as failure:
        check_message([letter(**changes)])
    assert field in fields_of(failure)


def test_message_size_limit(monkeypatch):
    monkeypatch.setattr(sender_messages, "MAX_DOCUMENT_BYTES", 8)
    with pytest.raises(CheckFailure) as failure:
        check_message([letter()])
    assert fields_of(failure) == ["E3.documentCollection.mainDocument size"]


def test_message_with_an_unknown_collection_structure_is_not_verifiable():
    with pytest.raises(NotVerifiable):
        check_message([letter(documentCollection={"hovedDokument": {"fil": "x"}})])


def sms(**changes: Any) -> Exchange:
    body = {"apiKey": KEY, "smsText": "Ny melding", "nationalId": VERIFICATION_PERSON}
    return exchange("/api/unsecuremessagesms", {k: v for k, v in {**body, **changes}.items() if v is not ...},
                    headers={"content-type": "application/json"})


def test_sms_and_email_pass_with_the_key_in_the_body():
    email = exchange("/api/unsecuremessageemail", {"apiKey": KEY, "emailTitle": "t", "emailText": "x",
                                                  "emailAddress": "kari@example.org"})
    check_sms_email([sms(), sms(nationalId=..., phoneNumber="+4799999999"), email], KEY)


@pytest.mark.parametrize(("changes", "field"), [
    ({"apiKey": ...}, "E4.apiKey"), ({"apiKey": "other"}, "E4.apiKey"),
    ({"nationalId": ...}, "E4 recipient"), ({"smsText": ""}, "E4.smsText"), ({"nationalId": H_NUMBER}, "E4.nationalId"),
])
def test_sms_fails_on_each_rule(changes, field):
    with pytest.raises(CheckFailure) as failure:
        check_sms_email([sms(**changes)], KEY)
    assert field in fields_of(failure) and KEY not in str(failure.value)


def test_sms_and_email_that_name_nobody_pass():
    email = exchange("/api/unsecuremessageemail", {"apiKey": KEY, "emailTitle": "Ny melding 2026",
                                                  "emailText": "Ring 73 86 00 00 eller 12345678901"})
    check_nonsensitive([sms(), email])  # a phone number or digits without valid check digits name nobody


@pytest.mark.parametrize("text", [f"Til {VERIFICATION_PERSON}: ny melding", f"Til {VERIFICATION_PERSON[:6]} "
                                  f"{VERIFICATION_PERSON[6:]}", f"id={VERIFICATION_PERSON}."])
def test_a_national_id_in_an_sms_text_fails_masked(text):
    with pytest.raises(CheckFailure) as failure:
        check_nonsensitive([sms(smsText=text)])
    assert "E4.smsText" in fields_of(failure) and VERIFICATION_PERSON not in str(failure.value)


def test_a_national_id_the_trigger_supplied_is_not_the_systems():
    check_nonsensitive([sms(smsText=f"Til {VERIFICATION_PERSON}")], asked=[f"Til {VERIFICATION_PERSON}"])


def test_nonsensitive_without_an_sms_or_email_is_not_verifiable():
    with pytest.raises(NotVerifiable):
        check_nonsensitive([])
    with pytest.raises(NotVerifiable):
        check_nonsensitive([exchange("/api/unsecuremessagesms", "not json")])


def setting(body: dict, *, path: str = "/api/v2/setpersonverninnstilling", **kw: Any) -> Exchange:
    return exchange(path, body, **kw)


def test_personvern_passes_for_header_key_and_documented_values():
    check_personvern([setting({"nationalId": VERIFICATION_PERSON, "type": 0}, path="/api/v2/getpersonverninnstilling"),
                      setting({"nationalId": VERIFICATION_PERSON, "type": "Reservasjon", "status": "Aktiv"})], KEY)


@pytest.mark.parametrize(("bad", "field"), [
    (setting({"nationalId": VERIFICATION_PERSON, "type": 0, "status": "RES"}), "E7.status"),
    (setting({"nationalId": VERIFICATION_PERSON, "status": 1}), "E7.type"),
    (setting({"nationalId": "123", "type": 0, "status": 1}), "E7.nationalId"),
    (setting({"nationalId": VERIFICATION_PERSON, "type": 0, "status": 1}, headers={}), "E7 Authorization"),
])
def test_personvern_fails_on_each_rule(bad, field):
    with pytest.raises(CheckFailure) as failure:
        check_personvern([bad], KEY)
    assert field in fields_of(failure)
    if field == "E7.status":
        assert "Volven" in str(failure.value)


# -- S-ROUND-TRIP, recorded -------------------------------------------------------------------------


def callback(kind: str, *, success: bool = True, status: int = 200) -> Exchange:
    body = {"formOrderId": ORDER_ID, "formOrderStatus": "Ordered" if kind == "C1" else "Completed"}
    return exchange("/api/PromsFormOrder", body, method="PUT", direction="to_system", actor="relay", status=status,
                    answer={"success": success})


def test_recorded_round_trip_waits_passes_and_fails():
    placed = e1()
    with pytest.raises(Waiting, match="no C2 yet"):
        check_recorded_round_trips([RecordedOrder(ORDER_ID, placed, {"C1": [callback("C1")]})])
    check_recorded_round_trips([RecordedOrder(ORDER_ID, placed, {"C1": [callback("C1")], "C2": [callback("C2")]})])
    with pytest.raises(CheckFailure):
        refused = [callback("C2", success=False, status=500), callback("C2")]
        check_recorded_round_trips([RecordedOrder(ORDER_ID, placed, {"C1": [callback("C1")], "C2": refused})])
    with pytest.raises(Waiting):
        check_recorded_round_trips([])


# -- the all-zero id held as an order, and the ePROM base URL (issue 10, h-misses) ---------------------


def test_an_order_held_under_the_all_zero_id_fails_citing_the_guide():
    zero = [e1(order_id=ZERO_GUID)]
    check_zero_id_not_placed(zero, zero_callback=None, orders_before=probe(0), orders_after=probe(0))
    with pytest.raises(CheckFailure) as failure:
        check_zero_id_not_placed(zero, zero_callback=None, orders_before=probe(0), orders_after=probe(1))
    assert fields_of(failure) == ["orders probe for the all-zero id"]
    text = str(failure.value)
    assert "BestillingAvSkjemaV2.md:207" in text and "er det ikke generert noe bestilling" in text
    assert "1 after the all-zero answer (0 before)" in text
    # the orders probe is enough to judge: the C1 reply then says nothing (an acknowledged C1 is a design)
    accepted_c1 = exchange("/api/PromsFormOrder", {}, method="PUT", direction="to_system", actor="kit",
                           answer={"success": True})
    check_zero_id_not_placed(zero, zero_callback=accepted_c1, orders_before=probe(0), orders_after=probe(0))
    # an unreadable orders probe judges nothing
    with pytest.raises(NotVerifiable):
        check_zero_id_not_placed(zero, zero_callback=accepted_c1, orders_after=probe(None), accepts_unknown_orders=True)


def test_an_order_held_under_the_all_zero_id_after_a_4xx_fails():
    refused = [e1(status=400, answer="The ordered form is not Published")]
    check_no_retry_on_client_error(refused, orders_before=probe(0), orders_after=probe(0))
    with pytest.raises(CheckFailure) as failure:
        check_no_retry_on_client_error(refused, orders_before=probe(0), orders_after=probe(1))
    assert fields_of(failure) == ["orders probe for the all-zero id"]
    assert "after ePROM's 400" in str(failure.value)


def test_an_order_outside_the_eprom_prefix_fails_naming_the_base_url():
    outside = e1(status=404, answer="No ePROM API at /api/v2/formorder")
    outside.url = "http://127.0.0.1:9/api/v2/formorder"
    with pytest.raises(CheckFailure) as failure:
        check_order_sent(trigger(), [outside])
    assert fields_of(failure) == ["E1 path", "E1 response"]
    text = str(failure.value)
    assert "IntegrasjonVerifikasjon.md:39" in text and "proms2.hemit.org/promswebapi" in text
    # refused under the prefix: only the answer is the finding; accepted without it (a relay): no finding
    with pytest.raises(CheckFailure) as failure:
        check_order_sent(trigger(), [e1(status=404, answer="x")])
    assert fields_of(failure) == ["E1 response"]
    accepted = e1()
    accepted.url = "http://127.0.0.1:9/api/v2/formorder"
    check_order_sent(trigger(), [accepted])
    relayed = e1(status=400, answer="x", actor="relay")  # the relay takes the path either way
    relayed.url = "http://127.0.0.1:9/api/v2/formorder"
    with pytest.raises(CheckFailure) as failure:
        check_order_sent(trigger(), [relayed])
    assert fields_of(failure) == ["E1 response"]
