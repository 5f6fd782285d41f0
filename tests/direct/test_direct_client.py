"""The direct client: every safety rule enforced before a request leaves, checked on each redirect hop."""

from __future__ import annotations

import httpx
import pytest
from direct_support import KEY, PERSON, PRODUCTION_UPSTREAM, RAND12, REAL_UPSTREAM, FakeEprom, direct_target, redirect

from verification.direct.client import DirectClient, SafetyError, guard_request, redacted_body
from verification.recorder.store import SessionStore
from verification.spec.national_id import SAMPLE_ID_NEVER_USE, synthetic_national_ids

ORDER_URL = REAL_UPSTREAM + "/api/v2/formorder"
LOOPBACK = "http://127.0.0.1:18080/promswebapi"


def order(**changes):
    body = {"formId": RAND12, "nationalId": PERSON, "expiryDate": "2030-01-01T00:00:00+01:00",
            "distributionRule": "NoDistribution"}
    return {**body, **changes}


@pytest.fixture
def store(tmp_path):
    with SessionStore(tmp_path / "session.sqlite") as store:
        yield store


def client_for(fake: FakeEprom, store=None, **target_changes) -> DirectClient:
    return DirectClient(direct_target(**target_changes), store, transport=fake.transport())


# --- the rules, before anything is sent ------------------------------------------------------------------


def test_a_no_distribution_order_for_a_test_person_is_allowed_toward_a_real_environment():
    guard_request(direct_target(), "POST", "/api/v2/formorder", order())


def test_a_generated_synthetic_id_is_refused_toward_a_real_environment_but_not_toward_loopback():
    (generated,) = synthetic_national_ids(1, seed=3)
    with pytest.raises(SafetyError) as refused:
        guard_request(direct_target(), "POST", "/api/v2/formorder", order(nationalId=generated))
    assert refused.value.rule == "test-persons"
    assert generated not in str(refused.value), "the refusal must not print the full national id"
    guard_request(direct_target(LOOPBACK), "POST", "/api/v2/formorder", order(nationalId=generated))


def test_a_generated_id_is_refused_by_the_client_and_nothing_is_sent(store):
    fake = FakeEprom()
    (generated,) = synthetic_national_ids(1, seed=4)
    with client_for(fake, store) as client, pytest.raises(SafetyError, match="test_persons"):
        client.send("POST", "/api/v2/formorder", json_body=order(onBehalfOfNationalId=generated))
    assert fake.requests == [] and store.count() == 0 and client.sent == 0


@pytest.mark.parametrize("upstream", [REAL_UPSTREAM, LOOPBACK])
def test_the_guides_sample_id_is_refused_everywhere(upstream):
    with pytest.raises(SafetyError) as refused:
        guard_request(direct_target(upstream), "POST", "/api/v2/formorder", order(nationalId=SAMPLE_ID_NEVER_USE))
    assert refused.value.rule == "sample-id"


@pytest.mark.parametrize(("rule", "refusal"), [
    (None, "distribution-rule"), ("Basic", "distribution-rule"), ("HelsenorgeOnly", "distribution-rule"),
    ("PaperOnly", "paper-rule"), ("BasicOrPaper", "paper-rule"), ("AllowUnsecureOrPaper", "paper-rule"),
    (5, "paper-rule"), ("3", "paper-rule"), ("Pigeon", "distribution-rule"),
])
def test_only_no_distribution_and_never_a_paper_rule_toward_a_real_environment(rule, refusal):
    body = order(distributionRule=rule)
    if rule is None:
        del body["distributionRule"]  # absent means Basic
    with pytest.raises(SafetyError) as refused:
        guard_request(direct_target(), "POST", "/api/v2/formorder", body)
    assert refused.value.rule == refusal


def test_only_e1_orders_go_to_a_real_environment():
    letter = {"nationalId": PERSON, "documentCollection": {}}
    with pytest.raises(SafetyError, match="only E1 orders"):
        guard_request(direct_target(), "POST", "/api/v2/messagetocitizen", letter)
    with pytest.raises(SafetyError, match="only E1 orders"):
        guard_request(direct_target(), "GET", "/api/v2/formorder", None)


def test_redacted_bodies_mask_national_ids_and_keys():
    shown = redacted_body(order(apiKey=KEY, onBehalfOfNationalId=PERSON))
    assert shown["nationalId"] == shown["onBehalfOfNationalId"] == "266702*****"
    assert shown["apiKey"] == "**********" and shown["formId"] == RAND12


# --- the client refuses to exist where it must not ---------------------------------------------------------


@pytest.mark.parametrize("changes", [{"environment": "production"}, {"upstream": PRODUCTION_UPSTREAM}])
def test_the_client_cannot_be_built_for_production(changes):
    upstream = changes.pop("upstream", REAL_UPSTREAM)
    with pytest.raises(SafetyError) as refused:
        DirectClient(direct_target(upstream, **changes), None, transport=FakeEprom().transport())
    assert refused.value.rule == "production"


def test_tls_verification_cannot_be_turned_off_toward_a_non_loopback_host():
    with pytest.raises(SafetyError) as refused:
        DirectClient(direct_target(), None, verify=False)
    assert refused.value.rule == "tls"
    DirectClient(direct_target(LOOPBACK), None, verify=False).close()  # loopback: plain http anyway


# --- sending, recording, redirects, the cap ------------------------------------------------------------------


def test_an_order_is_sent_with_the_raw_key_and_recorded_as_the_kits(store):
    fake = FakeEprom()
    with client_for(fake, store) as client:
        exchange = client.send("POST", "/api/v2/formorder", json_body=order(), meta={"preflight": "x"})
    assert fake.requests[0].headers["authorization"] == f"Basic {KEY}"
    assert str(fake.requests[0].url) == ORDER_URL
    recorded = store.get(exchange.id)
    assert (recorded.actor, recorded.direction, recorded.status) == ("kit", "to_eprom", 200)
    assert recorded.meta["preflight"] == "x"


def test_a_redirect_to_another_host_is_not_followed_and_the_key_goes_nowhere_else(store):
    fake = FakeEprom({ORDER_URL: redirect("https://collector.example.net/steal")})
    with client_for(fake, store) as client:
        exchange = client.send("POST", "/api/v2/formorder", json_body=order())
    assert [str(r.url) for r in fake.requests] == [ORDER_URL]
    assert exchange.status == 307 and "collector.example.net" in exchange.error and "allow-list" in exchange.error
    assert store.count() == 1


def test_a_redirect_to_plain_http_on_the_same_host_is_not_followed(store):
    fake = FakeEprom({ORDER_URL: redirect("http://proms.hemitdev.org/promswebapi/api/v2/formorder")})
    with client_for(fake, store) as client:
        exchange = client.send("POST", "/api/v2/formorder", json_body=order())
    assert len(fake.requests) == 1 and "plain http" in exchange.error


def test_a_redirect_on_the_upstream_host_is_followed_with_the_same_request(store):
    moved = "https://PROMS.hemitdev.org/PromsWebApi/api/v2/formorder"
    fake = FakeEprom({ORDER_URL: redirect(moved, 308)})
    with client_for(fake, store) as client:
        exchange = client.send("POST", "/api/v2/formorder", json_body=order())
    first, second = fake.requests
    assert (second.method, second.content, second.headers["authorization"]) == ("POST", first.content, f"Basic {KEY}")
    assert exchange.status == 200 and exchange.error is None
    assert [ex.meta["hop"] for ex in store.exchanges()] == [0, 1]


def test_a_303_turns_the_post_into_a_get_without_body(store):
    fake = FakeEprom({ORDER_URL: redirect(REAL_UPSTREAM + "/api/v2/formorder/done", 303)})
    with client_for(fake, store) as client:
        client.send("POST", "/api/v2/formorder", json_body=order())
    assert (fake.requests[1].method, fake.requests[1].content) == ("GET", b"")


def test_a_redirect_loop_stops(store):
    fake = FakeEprom({ORDER_URL: redirect(ORDER_URL)})
    with client_for(fake, store, max_requests=50) as client:
        exchange = client.send("POST", "/api/v2/formorder", json_body=order())
    assert "redirects" in exchange.error and len(fake.requests) == 6


def test_the_request_cap_is_hard(store):
    fake = FakeEprom()
    with client_for(fake, store, max_requests=2) as client:
        client.send("POST", "/api/v2/formorder", json_body=order())
        client.send("POST", "/api/v2/formorder", json_body=order())
        with pytest.raises(SafetyError) as refused:
            client.send("POST", "/api/v2/formorder", json_body=order())
    assert refused.value.rule == "max-requests" and len(fake.requests) == 2


def test_redirect_hops_count_toward_the_cap(store):
    fake = FakeEprom({ORDER_URL: redirect(REAL_UPSTREAM + "/api/v2/formorder/")})
    with client_for(fake, store, max_requests=1) as client, pytest.raises(SafetyError, match="at most 1"):
        client.send("POST", "/api/v2/formorder", json_body=order())
    assert len(fake.requests) == 1


def test_network_trouble_is_an_exchange_with_an_error_not_an_exception(store):
    def unreachable(request):
        raise httpx.ConnectError("connection refused", request=request)

    with client_for(FakeEprom({ORDER_URL: unreachable}), store) as client:
        exchange = client.send("POST", "/api/v2/formorder", json_body=order())
    assert exchange.status is None and "ConnectError" in exchange.error and store.count() == 1
