"""E1 ``POST api/v2/formorder``: the documented examples are accepted, every documented error (E1-1…E1-8)
comes from its documented situation with its exact text, and the simulator's own (UNSPECIFIED) answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sim_support import (
    API_KEY,
    D_NUMBER,
    FH_NUMBER,
    FORM,
    GONE,
    H_NUMBER,
    ORDINARY_UNLISTED,
    PAPER_FORM,
    PERSON,
    SYNTHETIC_UNLISTED,
    UNKNOWN_FORM,
    UNPUBLISHED_FORM,
    auth,
    order_body,
    post,
)

from verification.simulator import SimulatorHandle
from verification.spec.messages import APPENDIX_C
from verification.spec.wire import ZERO_GUID

EXAMPLES = Path(__file__).parents[1] / "spec_examples"
E1 = "/api/v2/formorder"


def _example(name: str) -> dict[str, Any]:
    body = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    body["expiryDate"] = "2099-03-11T09:46:46.000Z"  # the example's date is in 2022
    return body


def _error(response: httpx.Response) -> str:
    """The message of an error answer (envelope: a bare JSON string)."""
    return response.json()


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("formorder-v2-request*.json")))
def test_documented_request_example_places_an_order(eprom: httpx.Client, name: str) -> None:
    body = _example(name) | {"nationalId": PERSON}
    response = post(eprom, E1, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["id"] != ZERO_GUID
    assert answer["singleUseCode"] is None
    assert answer["notificationChannel"] == "Helsenorge"
    assert answer["loginUrl"].endswith(answer["id"])
    assert {key: answer[key] for key in body} == body  # the inputs are echoed


def test_physical_address_example_is_accepted(eprom: httpx.Client) -> None:
    address = json.loads((EXAMPLES / "formorder-v2-physicaladdress.json").read_text(encoding="utf-8"))
    response = post(eprom, E1, order_body(formId=PAPER_FORM, distributionRule="PaperOnly", physicalAddress=address))
    assert response.status_code == 200, response.text
    assert response.json()["notificationChannel"] == "PhysicalMailbox"


def test_the_guides_sample_id_does_not_exist(eprom: httpx.Client) -> None:
    response = post(eprom, E1, _example("formorder-v2-request.json"))  # nationalId 26073941651, unlisted
    assert response.status_code == 200
    assert response.json()["id"] == ZERO_GUID


@pytest.mark.parametrize(
    ("national_id", "exists"),
    [(PERSON, True), (D_NUMBER, True), (SYNTHETIC_UNLISTED, True), (ORDINARY_UNLISTED, False), (GONE, False),
     (PERSON[:-1] + str((int(PERSON[-1]) + 1) % 10), False)],
    ids=["listed", "d-number", "synthetic-unlisted", "ordinary-unlisted", "listed-as-gone", "bad-check-digit"],
)
def test_person_lookup_gives_zero_id_for_who_does_not_exist(
    eprom: httpx.Client, national_id: str, exists: bool
) -> None:
    response = post(eprom, E1, order_body(nationalId=national_id))
    assert response.status_code == 200
    assert (response.json()["id"] != ZERO_GUID) is exists


def test_the_seeds_verification_person_exists(eprom: httpx.Client) -> None:
    """IntegrasjonVerifikasjon at 5567066 names 01039494104 (upstream/IntegrasjonVerifikasjon.md:52)."""
    response = post(eprom, E1, order_body(nationalId="01039494104"))
    assert response.status_code == 200 and response.json()["id"] != ZERO_GUID


def test_no_distribution_gives_a_single_use_code_and_channel_none(eprom: httpx.Client) -> None:
    answer = post(eprom, E1, order_body(distributionRule="NoDistribution")).json()
    assert answer["singleUseCode"] and len(answer["singleUseCode"]) == 8
    assert answer["notificationChannel"] == "None"


@pytest.mark.parametrize("rule", [5, "5", "paperonly", "PaperOnly"])
def test_distribution_rule_by_name_or_number(eprom: httpx.Client, rule: Any) -> None:
    answer = post(eprom, E1, order_body(formId=PAPER_FORM, distributionRule=rule)).json()
    assert answer["notificationChannel"] == "PhysicalMailbox"


# --- the documented errors, exact texts ------------------------------------------------------------

DOCUMENTED = [
    ("E1-1", order_body(formId=UNPUBLISHED_FORM), {}),
    ("E1-2", order_body(formId=UNKNOWN_FORM), {"formId": UNKNOWN_FORM}),
    ("E1-3", order_body(mustBeSigned=True, signingText="Signer", distributionRule="NoDistribution"), {}),
    ("E1-4", order_body(mustBeSigned=True, signingText="Signer", onBehalfOfNationalId=D_NUMBER), {}),
    ("E1-5", order_body(distributionRule="BasicOrPaper"), {"formId": FORM}),
    ("E1-5", order_body(distributionRule="AllowUnsecureOrPaper"), {"formId": FORM}),
    ("E1-5", order_body(distributionRule="PaperOnly"), {"formId": FORM}),
    ("E1-6", order_body(metadata="{age: 76}"), None),
    ("E1-6", order_body(metadata={"age": 76}), None),
    ("E1-6", order_body(metadata="[1, 2]"), None),
    ("E1-7", order_body(nationalId=FH_NUMBER), {}),
    ("E1-8", order_body(nationalId=H_NUMBER), {}),
]


@pytest.mark.parametrize(
    ("message_id", "body", "values"), DOCUMENTED, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(DOCUMENTED)]
)
def test_documented_error_has_the_exact_text(
    eprom: httpx.Client, message_id: str, body: dict[str, Any], values: dict[str, str] | None
) -> None:
    response = post(eprom, E1, body)
    assert response.status_code == 400
    template = APPENDIX_C[message_id]
    if values is None:  # E1-6: the parser's message follows the fixed prefix
        assert _error(response).startswith(template.split("{")[0])
        assert len(_error(response)) > len(template.split("{")[0])
    else:
        expected = template
        for key, value in values.items():
            expected = expected.replace("{" + key + "}", value)
        assert _error(response) == expected


def test_unknown_form_text_echoes_the_form_id_as_sent(eprom: httpx.Client) -> None:
    response = post(eprom, E1, order_body(formId=UNKNOWN_FORM.upper()))
    assert _error(response) == f"No form with id='{UNKNOWN_FORM.upper()}' exists"


def test_paper_rule_on_a_paper_form_is_fine(eprom: httpx.Client) -> None:
    assert post(eprom, E1, order_body(formId=PAPER_FORM, distributionRule="BasicOrPaper")).status_code == 200


def test_empty_metadata_string_counts_as_none(eprom: httpx.Client) -> None:
    assert post(eprom, E1, order_body(metadata="")).status_code == 200


# --- UNSPECIFIED validation: 400 with the simulator's own text ---------------------------------------

UNSPECIFIED = [
    ({"formId": None}, "formId is required"),
    ({"nationalId": None}, "nationalId is required"),
    ({"expiryDate": None}, "expiryDate is required"),
    ({"formId": "RAND-12"}, "is not a GUID"),
    ({"nationalId": 26670271527}, "nationalId must be a string of 11 digits"),
    ({"nationalId": "2667027152"}, "nationalId must be a string of 11 digits"),
    ({"expiryDate": "next week"}, "is not a date-time"),
    ({"distributionRule": "Sometimes"}, "is not a valid DistributionRule"),
    ({"distributionRule": 42}, "is not a valid DistributionRule"),
    ({"mustBeSigned": "yes"}, "mustBeSigned must be true or false"),
    ({"physicalAddress": {"postalCode": 7030}}, "physicalAddress.postalCode must be a string"),
    ({"onBehalfOfNationalId": H_NUMBER}, "onBehalfOfNationalId must be a fødselsnummer or D-nummer"),
]


@pytest.mark.parametrize(("change", "text"), UNSPECIFIED, ids=[t for _, t in UNSPECIFIED])
def test_undocumented_validation_failure_is_a_clear_400(eprom: httpx.Client, change: dict[str, Any], text: str) -> None:
    body = {k: v for k, v in order_body(**change).items() if v is not None or k not in change}
    response = post(eprom, E1, body)
    assert response.status_code == 400
    assert text in _error(response)


def test_body_that_is_not_json_is_400(eprom: httpx.Client) -> None:
    response = eprom.post(E1, content=b"{not json", headers=auth() | {"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in _error(response)


def test_non_json_content_type_is_415(eprom: httpx.Client) -> None:
    response = eprom.post(E1, content=json.dumps(order_body()), headers=auth() | {"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_url_encoded_order_is_tolerated_with_a_finding(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    form = {"formId": FORM, "nationalId": PERSON, "expiryDate": "2099-01-01T00:00:00Z", "mustBeSigned": "false"}
    response = eprom.post(E1, data=form, headers=auth())
    assert response.status_code == 200, response.text
    (exchange,) = sim.exchanges(after=after, endpoint="E1")
    assert any("x-www-form-urlencoded" in f for f in exchange["meta"]["findings"])


def test_expired_expiry_date_is_accepted_with_a_finding(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    assert post(eprom, E1, order_body(expiryDate="2001-01-01T00:00:00Z")).status_code == 200
    (exchange,) = sim.exchanges(after=after, endpoint="E1")
    assert "expiryDate is in the past" in exchange["meta"]["findings"]


def test_retired_v1_order_api_answers_410_with_a_finding(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    body = json.loads((EXAMPLES / "formorder-v1-request.json").read_text(encoding="utf-8"))
    response = post(eprom, "/api/formorder", body)
    assert response.status_code == 410
    assert "retired" in _error(response) and "api/v2/formorder" in _error(response)
    (exchange,) = sim.exchanges(after=after, endpoint="E9")
    assert "retired" in exchange["meta"]["finding"]


def test_order_is_recorded_with_its_id(eprom: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    answer = post(eprom, E1, order_body()).json()
    (exchange,) = sim.exchanges(after=after, direction="to_eprom")
    assert exchange["actor"] == "system"
    assert exchange["meta"]["formOrderId"] == answer["id"]
    assert exchange["request_headers"]["authorization"] == f"Basic {API_KEY}"
    assert json.loads(exchange["response_body"])["id"] == answer["id"]
    assert exchange["status"] == 200 and exchange["latency_ms"] > 0
