"""P-checks against the simulator (direct mode, loopback upstream): they pass on a correct ePROM, and each
fails on the simulator configured to misbehave the way that check exists to catch. Plus the drift report."""

from __future__ import annotations

import json

import pytest
from direct_support import FORMS, KEY, PAPER_FORM, PERSON, RAND12, REAL_UPSTREAM, direct_target

from verification.checks.drift import answer_drift
from verification.checks.eprom import (
    E1_ERRORS,
    carries_text,
    check_api_key,
    check_documented_error,
    check_form_caps,
    check_forms,
    documented_e1_error,
)
from verification.checks.failure import CheckFailure
from verification.direct.client import guard_request
from verification.direct.preflight import P_CHECKS, WRONG_KEY, open_preflight, plan_preflight
from verification.recorder.store import Exchange, SessionStore
from verification.simulator import SimulatorSettings, run_simulator
from verification.spec.messages import APPENDIX_C


@pytest.fixture(scope="module")
def sim():
    with run_simulator(SimulatorSettings.from_target(direct_target())) as handle:
        yield handle


@pytest.fixture
def misbehave(sim):
    """``misbehave(**settings)`` changes the running simulator; everything is restored afterwards."""
    changed: set[str] = set()

    def configure(**changes):
        changed.update(changes)
        sim.configure(**changes)

    yield configure
    restore = {"api_key": KEY, "other_api_keys": [], "answer_overrides": {}, "error_envelope": "json-string",
               "forms": SimulatorSettings.from_target(direct_target()).to_dict()["forms"],
               "error_texts": {message_id: APPENDIX_C[message_id] for message_id in E1_ERRORS},
               "population": {PERSON: {}}}
    sim.configure(**{name: value for name, value in restore.items() if name in changed})


@pytest.fixture
def preflight(sim, tmp_path):
    with SessionStore(tmp_path / "session.sqlite") as store:
        flight = open_preflight(direct_target(sim.api_base_url), store)
        yield flight
        flight.close()


def judge(preflight, check_id, part=None):
    results = preflight.results(check_id, part)
    if check_id == "P-API-KEY":
        check_api_key(results)
    elif check_id == "P-FORMS":
        check_forms(results)
    elif check_id == "P-FORM-CAPS":
        check_form_caps(results, capability=part)
    else:
        check_documented_error(results, message_id=part)


EVERY_PART = [("P-API-KEY", None), ("P-FORMS", None), ("P-FORM-CAPS", "signing"), ("P-FORM-CAPS", "paper"),
              *[("P-DOCUMENTED-ERRORS", message_id) for message_id in E1_ERRORS]]


def failure_of(preflight, check_id, part=None) -> CheckFailure:
    with pytest.raises(CheckFailure) as failed:
        judge(preflight, check_id, part)
    return failed.value


# --- a correct ePROM ------------------------------------------------------------------------------------


def test_every_p_check_passes_against_the_simulator_within_the_request_cap(preflight):
    assert preflight.plan.omissions == (), "against loopback every part is planned"
    for check_id, part in EVERY_PART:
        judge(preflight, check_id, part)
    assert preflight.client.sent == preflight.plan.request_count <= 20
    assert preflight.drift == []


@pytest.mark.parametrize("envelope", ["message-object", "text"])
def test_documented_errors_are_found_in_any_error_envelope(preflight, misbehave, envelope):
    misbehave(error_envelope=envelope)
    for message_id in E1_ERRORS:
        judge(preflight, "P-DOCUMENTED-ERRORS", message_id)


def test_an_error_text_with_escaped_non_ascii_still_matches():
    text = APPENDIX_C["E1-7"]
    exchange = Exchange("to_eprom", "kit", "POST", "http://x", status=400, response_body=json.dumps(text))
    assert "\\u00f8" in exchange.response_body
    assert carries_text(exchange, text) and documented_e1_error(exchange) == "E1-7"


# --- each check fails on the misbehaviour it exists to catch --------------------------------------------------


def test_p_api_key_fails_when_epROM_does_not_know_the_key(preflight, misbehave):
    misbehave(api_key="a-key-ePROM-issued-to-someone-else")
    failure = failure_of(preflight, "P-API-KEY")
    assert "configured key" in str(failure) and "HTTP 401" in str(failure)


def test_p_api_key_fails_when_a_wrong_key_is_accepted(preflight, misbehave):
    misbehave(other_api_keys=[WRONG_KEY])
    failure = failure_of(preflight, "P-API-KEY")
    assert "wrong key" in str(failure) and "HTTP 200" in str(failure)


def test_p_forms_fails_for_a_form_that_is_not_published(preflight, misbehave):
    misbehave(forms={RAND12: {"name": "RAND-12", "published": False, "signing": True}})
    failure = failure_of(preflight, "P-FORMS")
    assert "order RAND-12" in str(failure) and "The ordered form is not Published" in str(failure)


def test_p_forms_fails_for_a_form_that_does_not_exist(sim, tmp_path):
    ghost = {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "name": "Ghost form", "signing": False, "paper": False}
    target = direct_target(sim.api_base_url, forms=[*FORMS, ghost])  # ePROM has never heard of it
    with SessionStore(tmp_path / "session.sqlite") as store:
        flight = open_preflight(target, store, checks=["P-FORMS"])
        failure = failure_of(flight, "P-FORMS")
        flight.close()
    assert len(failure.deviations) == 1
    assert "order Ghost form" in str(failure) and f"No form with id='{ghost['id']}' exists" in str(failure)


def test_p_forms_fails_when_the_test_person_is_unknown_to_epROM(preflight, misbehave):
    misbehave(population={PERSON: {"exists": False}})
    failure = failure_of(preflight, "P-FORMS")
    assert "ePROM does not know the test person" in str(failure)


def test_p_form_caps_paper_fails_when_paper_is_not_enabled(preflight, misbehave):
    misbehave(forms={PAPER_FORM: {"name": "Paper form", "paper": False}})
    failure = failure_of(preflight, "P-FORM-CAPS", "paper")
    assert "is not paper enabled" in str(failure) and "P-FORM-CAPS.3" in str(failure)


def test_p_form_caps_signing_needs_an_accepted_signing_order_not_only_the_e1_3_refusal(preflight, misbehave):
    """E1-3 is ePROM's refusal whatever the form can do, so the signing proof is an accepted signing order
    (issue 10): an ePROM that takes no order of the form fails it."""
    misbehave(forms={RAND12: {"name": "RAND-12", "published": False, "signing": True}})
    failure = failure_of(preflight, "P-FORM-CAPS", "signing")
    assert "signing RAND-12" in str(failure) and "The ordered form is not Published" in str(failure)


@pytest.mark.parametrize("message_id", E1_ERRORS)
def test_p_documented_errors_fails_on_a_changed_error_text(preflight, misbehave, message_id):
    misbehave(error_texts={message_id: "Something went wrong"})
    failure = failure_of(preflight, "P-DOCUMENTED-ERRORS", message_id)
    assert "Something went wrong" in str(failure) and message_id in str(failure)


# --- the plan toward a real environment -------------------------------------------------------------------


def test_the_plan_toward_a_real_environment_passes_every_safety_rule():
    target = direct_target(REAL_UPSTREAM)
    plan = plan_preflight(target)
    for step in plan.requests:
        guard_request(target, step.method, step.path, step.body)
    assert {step.body["distributionRule"] for step in plan.requests} == {"NoDistribution"}
    assert {step.body["nationalId"] for step in plan.requests} == {PERSON}
    left_out = {(o.check_id, o.part) for o in plan.omissions}
    forbidden = {("P-DOCUMENTED-ERRORS", message_id) for message_id in ("E1-4", "E1-5", "E1-7", "E1-8")}
    assert left_out == {("P-FORM-CAPS", "paper"), ("P-FORM-CAPS", "signing"), *forbidden}
    assert "E1-3" in plan.omission("P-FORM-CAPS", "signing").reason
    assert plan.request_count == 7


def test_the_plan_follows_the_checks_that_run_and_shares_requests():
    target = direct_target(REAL_UPSTREAM)
    only_key = plan_preflight(target, checks=["P-API-KEY"])
    assert [step.name for step in only_key.requests] == ["order RAND-12", "wrong key"]
    assert only_key.requests[0].body == only_key.requests[1].body
    assert not plan_preflight(target, checks=P_CHECKS).steps("P-DOCUMENTED-ERRORS", "E1-3")[0].serves("P-FORM-CAPS")


def test_a_target_without_signing_or_paper_forms_makes_those_parts_not_applicable():
    forms = [{**FORMS[0], "signing": False}]
    plan = plan_preflight(direct_target(REAL_UPSTREAM, forms=forms))
    for part in ("signing", "paper"):
        assert plan.omission("P-FORM-CAPS", part).applicable is False
    assert plan.steps("P-DOCUMENTED-ERRORS", "E1-3"), "E1-3 gets a request of its own"


# --- drift ------------------------------------------------------------------------------------------------


def test_unknown_members_and_enum_values_are_recorded_never_fatal(preflight, misbehave):
    misbehave(answer_overrides={"notificationChannel": "CarrierPigeon", "priority": {"level": 2}})
    judge(preflight, "P-FORMS")  # the check still judges what it knows
    judge(preflight, "P-API-KEY")
    kinds = {(item["path"], item["kind"], json.dumps(item["value"])) for item in preflight.drift}
    assert kinds == {("notificationChannel", "unknown enum value", '"CarrierPigeon"'),
                     ("priority", "unknown member", '{"level": 2}')}
    store = preflight.store
    assert store.info()["drift"] == preflight.drift
    first = store.get(preflight.drift[0]["exchange_id"])
    assert {d["kind"] for d in first.meta["drift"]} == {"unknown enum value", "unknown member"}


def test_an_enum_name_turned_integer_is_shown_as_drift(preflight, misbehave):
    misbehave(answer_overrides={"notificationChannel": 0})
    judge(preflight, "P-FORMS")
    assert {(d["path"], d["kind"]) for d in preflight.drift} == {("notificationChannel", "enum as number")}


def test_echoed_request_members_are_not_drift():
    body = {"formId": RAND12, "NationalId": PERSON, "expiryDate": "x", "id": RAND12, "loginUrl": "u",
            "singleUseCode": "1234", "notificationChannel": "None", "physicalAddress": {"new": 1}}
    assert answer_drift("E1", 200, json.dumps(body)) == []
    assert answer_drift("E1", 400, '"The ordered form is not Published"') == []


# --- toward a "real" environment: the test host, answered by the simulator behind a forwarding transport ----


def forwarding_to(sim):
    """A transport that sends each request for proms.hemitdev.org to the simulator instead (no DNS here)."""
    import httpx

    client = httpx.Client(trust_env=False)

    def forward(request):
        url = str(request.url).replace(REAL_UPSTREAM, sim.api_base_url)
        answer = client.request(request.method, url, headers=request.headers, content=request.content)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return httpx.MockTransport(forward), client


def test_toward_a_real_environment_only_the_safe_parts_are_sent_and_they_pass(sim, tmp_path):
    transport, client = forwarding_to(sim)
    with SessionStore(tmp_path / "session.sqlite") as store, client:
        flight = open_preflight(direct_target(REAL_UPSTREAM), store, transport=transport)
        for check_id, part in EVERY_PART:
            if flight.plan.omission(check_id, part) is None:
                judge(flight, check_id, part)
        flight.close()
        sent = store.exchanges(actor="kit", direction="to_eprom")
    assert len(sent) == flight.plan.request_count == 7
    assert all(ex.url.startswith(REAL_UPSTREAM + "/api/v2/formorder") for ex in sent)
    assert {ex.json_request()["distributionRule"] for ex in sent} == {"NoDistribution"}
    assert {ex.json_request()["nationalId"] for ex in sent} == {PERSON}
