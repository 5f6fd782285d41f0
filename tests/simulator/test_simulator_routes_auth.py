"""Routes as ASP.NET matches them (any case, four prefixes) and the API key exactly as spec 1.4 says."""

from __future__ import annotations

import base64

import httpx
import pytest
from sim_support import API_KEY, OTHER_KEY, PERSON, auth, order_body, post

from verification.simulator import SimulatorHandle
from verification.spec.wire import ZERO_GUID

PATHS = [
    "/promswebapi/api/v2/formorder",
    "/PromsWebApi/api/v2/formorder",
    "/webapi/api/v2/formorder",
    "/PROMSWEBAPI/API/V2/FORMORDER",
    "/webapi/api/v2/FormOrder/",
]


@pytest.fixture(scope="module")
def root(sim: SimulatorHandle) -> httpx.Client:
    with httpx.Client(base_url=sim.base_url, timeout=10.0, trust_env=False) as client:
        yield client


@pytest.mark.parametrize("path", PATHS)
def test_order_route_matches_any_case_and_prefix(root: httpx.Client, path: str) -> None:
    response = post(root, path, order_body())
    assert response.status_code == 200, response.text
    assert response.json()["id"] != ZERO_GUID


@pytest.mark.parametrize("path", ["/api/v2/formorder", "/api/v2/messagetocitizen", "/promswebapiX/api/v2/formorder"])
def test_the_api_is_served_only_under_documented_prefixes(root: httpx.Client, path: str) -> None:
    """Every documented base URL ends in /promswebapi or /webapi: a system whose ePROM base URL lacks it
    must fail here as it would against ePROM, with the base URL named as the problem."""
    response = post(root, path, order_body())
    assert response.status_code == 404
    assert "/promswebapi" in response.text and "base URL" in response.text


@pytest.mark.parametrize(
    "path",
    ["/promswebapi/api/v2/messagetocitizen", "/webapi/api/v2/MessageToCitizen", "/PromsWebApi/api/unsecuremessagesms",
     "/PromsWebApi/api/getpersonverninnstilling", "/PromsWebApi/api/v2/setpersonverninnstilling"],
)
def test_other_endpoints_are_routed(root: httpx.Client, path: str) -> None:
    response = post(root, path, {})
    assert response.status_code in (400, 401), response.text  # routed: the handler judged the body


def test_unknown_route_is_404_and_a_finding(root: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    response = post(root, "/webapi/v2/api/formorder", order_body())  # the QA link typo (Q09)
    assert response.status_code == 404
    (exchange,) = sim.exchanges(after=after)
    assert exchange["meta"]["finding"] == "unknown route"
    assert exchange["request_body"]  # recorded whole, not swallowed


def test_wrong_method_is_405_and_a_finding(root: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    response = root.get("/promswebapi/api/v2/formorder", headers=auth())
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    (exchange,) = sim.exchanges(after=after)
    assert "not allowed" in exchange["meta"]["finding"]


# --- authentication ----------------------------------------------------------------------------------

RFC7617 = "Basic " + base64.b64encode(f"user:{API_KEY}".encode()).decode()
BAD_HEADERS = {
    "missing": ({}, "no Authorization header"),
    "rfc7617-base64": ({"Authorization": RFC7617}, "RFC 7617"),
    "bearer": ({"Authorization": f"Bearer {API_KEY}"}, "is not 'Basic <apiKey>'"),
    "unknown-key": ({"Authorization": "Basic not-a-key"}, "unknown API key"),
    "empty-key": ({"Authorization": "Basic"}, "empty API key"),  # "Basic " once trailing space is stripped
    "padded-key": ({"Authorization": f"Basic  {API_KEY}"}, "padded with whitespace"),
}


@pytest.mark.parametrize("case", BAD_HEADERS, ids=list(BAD_HEADERS))
def test_bad_authorization_on_order_is_401_with_a_finding(root: httpx.Client, sim: SimulatorHandle, case: str) -> None:
    headers, finding = BAD_HEADERS[case]
    after = sim.last_exchange_id()
    response = post(root, "/promswebapi/api/v2/formorder", order_body(), headers=headers)
    assert response.status_code == 401
    (exchange,) = sim.exchanges(after=after)
    assert any(finding in f for f in exchange["meta"]["findings"])


def test_key_in_body_only_is_not_enough_for_v2(root: httpx.Client, sim: SimulatorHandle) -> None:
    after = sim.last_exchange_id()
    response = post(root, "/promswebapi/api/v2/formorder", order_body(apiKey=API_KEY), headers={})
    assert response.status_code == 401
    (exchange,) = sim.exchanges(after=after)
    assert any("apiKey in the body of a v2 call" in f for f in exchange["meta"]["findings"])


def test_lower_case_header_name_and_scheme_are_accepted(root: httpx.Client) -> None:
    response = post(root, "/promswebapi/api/v2/formorder", order_body(), headers={"authorization": f"basic {API_KEY}"})
    assert response.status_code == 200


def test_letter_with_unknown_key_is_400_echoing_the_key_sent(root: httpx.Client) -> None:
    response = post(root, "/promswebapi/api/v2/messagetocitizen", {"nationalId": PERSON}, headers=auth("nope"))
    assert response.status_code == 400
    assert response.json() == "apiKey 'nope' doesn't exists"


def test_letter_without_header_is_401(root: httpx.Client) -> None:
    assert post(root, "/promswebapi/api/v2/messagetocitizen", {"nationalId": PERSON}, headers={}).status_code == 401


@pytest.mark.parametrize(
    "path", ["/PromsWebApi/api/getpersonverninnstilling", "/PromsWebApi/api/v2/setpersonverninnstilling"]
)
def test_privacy_endpoints_answer_401_for_a_wrong_key(root: httpx.Client, path: str) -> None:
    body = {"nationalId": PERSON, "type": 0, "status": 1}
    assert post(root, path, body, headers=auth("nope")).status_code == 401


def test_another_systems_key_places_an_order_whose_callbacks_go_elsewhere(
    root: httpx.Client, sim: SimulatorHandle
) -> None:
    after = sim.last_exchange_id()
    answer = post(root, "/promswebapi/api/v2/formorder", order_body(), headers=auth(OTHER_KEY)).json()
    assert answer["id"] != ZERO_GUID
    (exchange,) = sim.exchanges(after=after, endpoint="E1")
    assert "another ordering system" in exchange["meta"]["finding"]
    order = sim.order(answer["id"], settled=True)
    assert order["placedByOtherSystem"] is True
    assert order["deliveries"][0]["skipped"]
    assert sim.exchanges(after=after, callback="C1") == []
