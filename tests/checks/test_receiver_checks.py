"""The R-check functions on hand-made exchanges in a temporary session store: each passes on the answers
the guide wants and fails with the right deviation (field, received, expected, rule) on wrong ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from verification.spec.requirements import requirement
from verification.checks.failure import STRICT_VARIABLE, Advice, CheckFailure, NotVerifiable
from verification.checks.receiver import (
    check_idempotent,
    check_c1_before_answer,
    check_failed_download_not_kept,
    check_ordering,
    check_return_signed,
    check_status_ordered,
    check_status_other,
    check_stored,
)
from verification.checks.receiver_security import (
    check_auth,
    check_malformed,
    check_pvk,
    check_routes,
    check_transport,
    check_unknown_order,
)
from verification.checks.receiver_session import (
    callbacks,
    check_latency,
    check_no_leak,
    check_response_shape,
    latency_summary,
    system_replies,
)
from verification.scenarios.receiver import Delivered, Tally
from verification.recorder.store import Exchange, SessionStore
from verification.spec.enums import FormOrderStatus
from verification.spec.national_id import VERIFICATION_PERSON
from verification.stimuli.callbacks import Storage
from verification.system import ProbeAnswer

KEY = "test-key-0123456789abcdef"
OK = {"success": True}
NO = {"success": False}
ORDER = "5d6f0c1e-0000-4000-8000-000000000001"


@pytest.fixture
def store(tmp_path) -> SessionStore:
    with SessionStore(tmp_path / "session.sqlite") as session_store:
        yield session_store


class Recorder:
    """Records hand-made exchanges the way the kit's client would."""

    def __init__(self, store: SessionStore):
        self.store = store

    def __call__(self, status: int | None, body: Any = OK, *, method: str = "PUT", path: str = "/api/PromsFormOrder",
                 stimulus: str = "C1 Ordered via Helsenorge", error: str | None = None, latency_ms: float = 5.0,
                 actor: str = "kit", headers: dict[str, str] | None = None, **meta: Any) -> Exchange:
        text = body if isinstance(body, str) else json.dumps(body)
        exchange = Exchange(
            direction=meta.pop("direction", "to_system"), actor=actor, method=method,
            url=f"http://127.0.0.1:18081{path}", request_headers=headers or {}, status=status,
            response_body="" if status is None else text, latency_ms=latency_ms, error=error,
            meta={"callback": "C1", "stimulus": stimulus, **meta},
        )
        self.store.record(exchange)
        return exchange


@pytest.fixture
def record(store) -> Recorder:
    return Recorder(store)


def deviation(failure: pytest.ExceptionInfo[CheckFailure], index: int = 0) -> Any:
    return failure.value.deviations[index]


# -- replies ------------------------------------------------------------------------------------------


def test_acknowledged_statuses_pass(record):
    check_status_ordered([record(200), record(200, {"Success": True})])


@pytest.mark.parametrize(("status", "body", "error"), [
    pytest.param(400, NO, None, id="rejected"),
    pytest.param(500, "Internal Server Error", None, id="5xx"),
    pytest.param(None, "", "timeout after 10s (ReadTimeout)", id="timeout"),
    pytest.param(200, {"success": "true"}, None, id="success-as-string"),
    pytest.param(200, "", None, id="empty-200"),
    pytest.param(307, "", None, id="redirect"),
])
def test_a_status_not_acknowledged_fails_naming_what_was_sent(record, status, body, error):
    with pytest.raises(CheckFailure) as failure:
        check_status_ordered([record(200), record(status, body, error=error, stimulus="C1 Ordered via Unsecure")])
    found = deviation(failure)
    assert found.field == "PUT /api/PromsFormOrder [C1 Ordered via Unsecure]: reply"
    assert found.rule == "R-STATUS-ORDERED.1" and "V1.2" in requirement(found.rule).feeds and "success" in found.expected
    assert (error or f"HTTP {status}") in found.received
    assert failure.value.check_id == "R-STATUS-ORDERED" and len(failure.value.deviations) == 1


def test_nothing_delivered_is_not_verifiable():
    with pytest.raises(NotVerifiable):
        check_status_ordered([])


@pytest.mark.parametrize(("status", "body"), [(200, OK), (400, NO), (200, NO), (422, "Unprocessable")])
def test_undocumented_status_may_be_acknowledged_or_rejected(record, status, body):
    check_status_other([record(status, body)])


@pytest.mark.parametrize(("status", "body"), [(500, "boom"), (503, ""), (302, ""), (200, "OK")])
def test_undocumented_status_fails_on_5xx_redirect_or_shapeless_2xx(record, status, body):
    with pytest.raises(CheckFailure) as failure:
        check_status_other([record(status, body)])
    assert "not 5xx" in deviation(failure).expected


def test_the_simulators_delivery_is_named_as_such(record):
    with pytest.raises(CheckFailure) as failure:
        check_idempotent([record(500, "x", actor="simulator", stimulus="")])
    assert deviation(failure).field == "PUT /api/PromsFormOrder [C1 by the simulator]: reply"


# -- the stored part ----------------------------------------------------------------------------------


def tally(record: Recorder, before: int, after: int, increase: int, probe: str = "status") -> Tally:
    exchange = record(200, {"count": after}, method="GET", path=f"/_probe/{probe}/{ORDER}", purpose="probe")
    return Tally("C1 Ordered via DigitalMailbox", Storage(probe, ORDER, increase),  # type: ignore[arg-type]
                 ProbeAnswer(before, None), ProbeAnswer(after, exchange))


def test_stored_once_and_nothing_stored_pass(record):
    check_stored("R-IDEMPOTENT.2", Delivered(tallies=[tally(record, 1, 2, 1), tally(record, 2, 2, 0)]))


def test_a_duplicate_stored_fails_with_the_counts(record):
    with pytest.raises(CheckFailure) as failure:
        check_stored("R-IDEMPOTENT.2", Delivered(tallies=[tally(record, 1, 2, 1), tally(record, 2, 3, 0)]))
    found = deviation(failure)
    assert (found.received, found.rule) == ("2 → 3", "R-IDEMPOTENT.2")
    assert found.expected.startswith("nothing stored (no change); the guide requires «")
    assert found.field.endswith(f"status count of {ORDER}") and found.exchange_id


def test_a_burst_expects_each_distinct_callback_once(record):
    with pytest.raises(CheckFailure) as failure:
        check_stored("R-CONCURRENT.2", Delivered(tallies=[tally(record, 1, 9, 4)]))
    assert deviation(failure).expected.startswith("each distinct callback stored once (4 more)")


def test_without_a_probe_the_stored_part_is_not_verifiable(record):
    with pytest.raises(NotVerifiable, match="no answers probe configured"):
        check_stored("R-RETURN-COMPLETED.2", Delivered(unprobed=["no answers probe configured"]))


def test_a_wrong_count_is_reported_even_when_another_probe_is_missing(record):
    delivered = Delivered(tallies=[tally(record, 0, 0, 1)], unprobed=["no answers probe configured"])
    with pytest.raises(CheckFailure):
        check_stored("R-ORDERING.3", delivered)


def expired_tally(record: Recorder, before: int, after: int, latest: Any = None) -> Tally:
    answer = {"count": after} | ({} if latest is None else {"latest": latest})
    exchange = record(200, answer, method="GET", path=f"/_probe/status/{ORDER}", purpose="probe")
    return Tally("C2 Expired", Storage("status", ORDER, 1, latest=FormOrderStatus.Expired),
                 ProbeAnswer(before, None), ProbeAnswer(after, exchange, latest=latest))


@pytest.mark.parametrize(("before", "after", "latest"), [
    pytest.param(1, 2, None, id="history-count-only"),
    pytest.param(1, 2, "Expired", id="history-with-latest"),
    pytest.param(1, 1, "Expired", id="latest-only-with-latest"),
    pytest.param(1, 1, 1, id="latest-as-number"),
])
def test_an_expired_return_stored_passes_whatever_the_design(record, before, after, latest):
    check_stored("R-RETURN-EXPIRED.2", Delivered(tallies=[expired_tally(record, before, after, latest)]))


def test_an_unchanged_count_without_latest_is_not_verifiable_naming_the_field(record):
    with pytest.raises(NotVerifiable, match='"latest": "Expired"'):
        check_stored("R-RETURN-EXPIRED.2", Delivered(tallies=[expired_tally(record, 1, 1)]))


@pytest.mark.parametrize(("before", "after", "latest"), [
    pytest.param(0, 1, None, id="history-or-latest-only-count-only"),
    pytest.param(0, 1, "Expired", id="with-latest"),
])
def test_an_expired_return_ahead_of_its_c1_is_counted_by_every_design(record, before, after, latest):
    check_stored("R-RETURN-EXPIRED.2", Delivered(tallies=[expired_tally(record, before, after, latest)]))


def test_an_expired_return_ahead_of_its_c1_never_stored_fails_on_a_count_only_probe(record):
    """No status before the Expired: an unchanged count is no latest-only design, it is nothing stored."""
    with pytest.raises(CheckFailure) as failure:
        check_stored("R-RETURN-EXPIRED.2", Delivered(tallies=[expired_tally(record, 0, 0)]))
    assert deviation(failure).rule == "R-RETURN-EXPIRED.2" and deviation(failure).received == "0 → 0"


@pytest.mark.parametrize(("after", "latest"), [(1, "Ordered"), (3, "Expired")])
def test_an_expired_return_dropped_or_stored_twice_fails_when_latest_shows_it(record, after, latest):
    with pytest.raises(CheckFailure) as failure:
        check_stored("R-RETURN-EXPIRED.2", Delivered(tallies=[expired_tally(record, 1, after, latest)]))
    assert deviation(failure).rule == "R-RETURN-EXPIRED.2" and "latest" in deviation(failure).field


# -- signed returns, ordering -------------------------------------------------------------------------


def failed_downloads(record: Recorder, count: int = 3) -> list[Exchange]:
    return [record(503, "Service Unavailable", method="GET", path=f"/api/ExternalDocument/{SIGNED}",
                   direction="to_eprom", actor="system", stimulus="") for _ in range(count)]


def signed_count(record: Recorder, count: int) -> ProbeAnswer:
    return ProbeAnswer(count, record(200, {"count": count}, method="GET", path=f"/_probe/signed/{ORDER}",
                                     purpose="probe"))


def test_a_failed_download_not_counted_as_a_document_passes(record):
    check_failed_download_not_kept(failed_downloads(record), signed_count(record, 0), signed_count(record, 0),
                                   budget_s=4)


def test_a_failed_download_kept_as_the_document_fails(record):
    with pytest.raises(CheckFailure) as failure:
        check_failed_download_not_kept(failed_downloads(record, 1), signed_count(record, 0), signed_count(record, 1),
                                       budget_s=4)
    found = deviation(failure)
    assert found.rule == "R-RETURN-SIGNED.6" and found.received == "0 → 1" and "HTTP 503" in found.field
    assert requirement(found.rule).severity == "MUST"


def test_no_download_in_the_window_or_no_probe_is_not_verifiable(record):
    with pytest.raises(NotVerifiable, match="signed_download_s"):
        check_failed_download_not_kept([], signed_count(record, 0), signed_count(record, 0), budget_s=4)
    with pytest.raises(NotVerifiable, match="no signed probe"):
        check_failed_download_not_kept(failed_downloads(record), None, None, budget_s=4)


SIGNED = "9a1b2c3d-0000-4000-8000-00000000000a"


def e2(record: Recorder, authorization: str, status: int = 200) -> Exchange:
    return record(status, "%PDF-1.4", method="GET", path=f"/promswebapi/api/ExternalDocument/{SIGNED}",
                  direction="to_eprom", actor="system", headers={"authorization": authorization})


def test_a_signed_return_downloaded_with_the_raw_key_passes(record):
    c2 = [record(200, actor="simulator", stimulus="")]
    check_return_signed(c2, [e2(record, f"Basic {KEY}")], signed_form_id=SIGNED, api_key=KEY, budget_s=10)


def test_an_rfc7617_download_header_fails_without_quoting_the_key(record):
    import base64

    wrong = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    with pytest.raises(CheckFailure) as failure:
        check_return_signed([record(200)], [e2(record, wrong)], signed_form_id=SIGNED, api_key=KEY, budget_s=10)
    assert "RFC 7617" in deviation(failure).received and KEY not in str(failure.value)
    assert deviation(failure).rule == "R-RETURN-SIGNED.2"


def test_no_download_within_the_window_is_not_verified_never_failed(record):
    """A batch download later than budgets.signed_download_s: the guide sets no time for it (issue 10)."""
    with pytest.raises(NotVerifiable, match="within 2 s"):
        check_return_signed([record(200)], [], signed_form_id=SIGNED, api_key=KEY, budget_s=2)
    with pytest.raises(CheckFailure):  # an unacknowledged signed return still fails
        check_return_signed([record(500)], [], signed_form_id=SIGNED, api_key=KEY, budget_s=2)


def test_a_redelivered_signed_return_must_be_acknowledged_and_a_second_download_is_advice(record, monkeypatch):
    """ePROM may deliver the signed C2 again: acknowledged (V3.2); fetching the document again is not against
    the guide (kept 30 days, no word on how often), so it is the kit's advice, a failure only when strict."""
    c2, first_download = [record(200)], [e2(record, f"Basic {KEY}")]
    check_return_signed(c2, first_download, signed_form_id=SIGNED, api_key=KEY, budget_s=10,
                        redelivery=record(200))
    with pytest.raises(CheckFailure) as failure:
        check_return_signed(c2, first_download, signed_form_id=SIGNED, api_key=KEY, budget_s=10,
                            redelivery=record(200, ""))
    assert deviation(failure).rule == "R-RETURN-SIGNED.4" and "again" in deviation(failure).field
    again = [e2(record, f"Basic {KEY}")]
    with pytest.warns(Advice, match="eprom-verify recommends fetching a signed document once"):
        check_return_signed(c2, first_download, signed_form_id=SIGNED, api_key=KEY, budget_s=10,
                            redelivery=record(200), e2_after_redelivery=again)
    monkeypatch.setenv(STRICT_VARIABLE, "1")
    with pytest.raises(CheckFailure, match="E2 downloads after the redelivered C2"):
        check_return_signed(c2, first_download, signed_form_id=SIGNED, api_key=KEY, budget_s=10,
                            redelivery=record(200), e2_after_redelivery=again)


def test_ordering_judges_replies_first_then_whether_the_order_was_exercised(record):
    with pytest.raises(CheckFailure):
        check_ordering([record(409, NO)], c2_first=False)
    with pytest.raises(NotVerifiable, match="not exercised"):
        check_ordering([record(200)], c2_first=False)
    check_ordering([record(200), record(200)], c2_first=True)


# -- refusals -----------------------------------------------------------------------------------------


def test_bad_keys_rejected_alike_pass(record):
    refused = [record(401, NO, stimulus=f"C1 with {name} apiKey") for name in ("missing", "wrong")]
    check_auth(refused, control=record(200))


@pytest.fixture
def strict_advice(monkeypatch):
    """The kit's own security rules (R-AUTH.2, R-ROUTES.2, R-NO-LEAK.1, R-TRANSPORT.3) are SHOULDs: the guide
    says nothing of them. They fail under --strict, which these tests set; without it they only advise."""
    monkeypatch.setenv(STRICT_VARIABLE, "1")


def test_leaks_are_advice_without_strict(record, monkeypatch):
    monkeypatch.delenv(STRICT_VARIABLE, raising=False)
    with pytest.warns(Advice, match="eprom-verify recommends"):
        check_no_leak([record(400, "Traceback (most recent call last):")], api_key=KEY)


def test_bad_keys_answered_differently_fail(record, strict_advice):
    refused = [record(400, NO, stimulus="C1 with missing apiKey"), record(401, NO, stimulus="C1 with wrong apiKey")]
    with pytest.raises(CheckFailure) as failure:
        check_auth(refused, control=record(200))
    assert deviation(failure).field == "answers to the bad keys" and deviation(failure).rule == "R-AUTH.2"


def test_a_trace_id_does_not_make_a_different_answer(record):
    refused = [record(401, {"title": "Unauthorized", "traceId": f"00-{n}"}) for n in range(3)]
    check_auth(refused)


def test_a_bad_key_accepted_fails(record):
    with pytest.raises(CheckFailure) as failure:
        check_auth([record(401, NO), record(200, OK, stimulus="C1 with empty apiKey")])
    assert "[C1 with empty apiKey]" in deviation(failure).field


def test_refusals_mean_nothing_when_the_right_key_is_refused_too(record):
    with pytest.raises(NotVerifiable, match="right key was not acknowledged"):
        check_auth([record(401, NO)], control=record(401, NO))


@pytest.mark.parametrize("check", [check_unknown_order, check_malformed])
def test_unknown_and_malformed_pass_on_any_answer_but_a_server_failure(record, check):
    """Neither is ePROM's to send, and the guide says nothing about them: a refusal and an acknowledgement
    (that stores nothing: the storage half) are both correct; a 5xx or a timeout is not."""
    check([record(404, NO), record(200, NO), record(400, "Bad Request"), record(200, OK)])
    with pytest.raises(CheckFailure) as failure:
        check([record(500, "Internal Server Error")])
    assert "not 5xx" in deviation(failure).expected


def test_a_c1_before_the_order_answer_counts_on_its_first_attempt(record):
    """ePROM documents no C1 re-delivery: a refused first attempt is a failure, even if a retry got in."""
    check_c1_before_answer([record(200)], overtook=True)
    with pytest.raises(CheckFailure) as failure:
        check_c1_before_answer([record(404, NO), record(200)], overtook=True)
    assert "404" in deviation(failure).received and len(failure.value.deviations) == 1
    with pytest.raises(NotVerifiable, match="only after E1's answer"):
        check_c1_before_answer([record(200)], overtook=False)
    with pytest.raises(NotVerifiable, match="no C1"):
        check_c1_before_answer([], overtook=True)


def test_routes_pass_when_served_and_other_methods_refused(record):
    check_routes([record(200), record(200, path="/api/PromsFormOrder/")],
                 [record(405, NO, method="POST"), record(404, "", method="GET")])


def test_a_redirect_on_the_trailing_slash_and_a_processed_post_fail(record, strict_advice):
    served = [record(200), record(307, "", path="/api/PromsFormOrder/")]
    with pytest.raises(CheckFailure) as failure:
        check_routes(served, [record(200, OK, method="POST"), record(400, NO, method="PATCH")])
    fields = [d.field for d in failure.value.deviations]
    assert fields == ["PUT /api/PromsFormOrder/ [C1 Ordered via Helsenorge]: reply",
                      "POST /api/PromsFormOrder [C1 Ordered via Helsenorge]: reply",
                      "PATCH /api/PromsFormOrder [C1 Ordered via Helsenorge]: reply"]


def test_privacy_changes_accepted_and_bad_keys_refused(record):
    check_pvk([record(200, path="/api/PersonvernInnstilling")], [record(401, NO, path="/api/PersonvernInnstilling")])
    with pytest.raises(CheckFailure) as failure:
        check_pvk([], [record(200, OK, path="/api/PersonvernInnstilling", stimulus="C4 without Authorization")])
    assert deviation(failure).rule == "R-PVK.2"


# -- transport ----------------------------------------------------------------------------------------


def test_plain_http_on_loopback_passes():
    assert check_transport("http://127.0.0.1:18081", "qa", None) == []
    assert check_transport("http://localhost:18081", "qa", None) == []


def test_plain_http_elsewhere_warns_in_test_and_fails_in_qa():
    (warning,) = check_transport("http://registry.example.org", "test", None)
    assert "plain http" in warning and "qa" in warning
    with pytest.raises(CheckFailure) as failure:
        check_transport("http://registry.example.org", "qa", None)
    assert deviation(failure).rule == "R-TRANSPORT.1"


def tls(record: Recorder, version: str | None, error: str | None = None) -> Exchange:
    return record(None, "", method="TLS", path="", error=error, tls_version=version, purpose="transport")


def test_https_needs_tls_12_and_a_certificate_that_verifies(record, strict_advice):
    url = "https://registry.example.org"
    assert check_transport(url, "qa", tls(record, "TLSv1.3")) == []
    with pytest.raises(CheckFailure):
        check_transport(url, "qa", tls(record, "TLSv1.1"))
    with pytest.raises(CheckFailure) as failure:
        check_transport(url, "qa", tls(record, None, "certificate does not verify: self-signed certificate"))
    assert "self-signed" in deviation(failure).received
    with pytest.raises(NotVerifiable):
        check_transport(url, "qa", None)


# -- the whole session --------------------------------------------------------------------------------


def test_only_callbacks_and_no_hooks_are_judged(store, record):
    callback = record(200)
    record(200, {"count": 1}, method="GET", path=f"/_probe/status/{ORDER}", purpose="probe")
    refused = record(405, NO, method="GET")
    assert [ex.id for ex in callbacks(store.exchanges())] == [callback.id]
    assert [ex.id for ex in system_replies(store.exchanges())] == [callback.id, refused.id]


def test_reply_shape(record):
    check_response_shape([record(200), record(401, ""), record(400, "Bad Request"), record(500, "x")])
    for wrong in (record(200, ""), record(200, {"success": "true"}), record(200, [True]), record(401, OK)):
        with pytest.raises(CheckFailure):
            check_response_shape([wrong])


def test_latency_within_the_budget_returns_p50_and_p95(record):
    exchanges = [record(200, latency_ms=ms) for ms in (5, 10, 20, 900)]
    summary = check_latency(exchanges, budget_s=1)
    assert summary == latency_summary(exchanges, 1) and summary.startswith("p50 15 ms, p95 900 ms")


def test_a_slow_or_unanswered_callback_fails_with_the_summary(record):
    exchanges = [record(200, latency_ms=3200), record(None, "", error="timeout after 2s", latency_ms=2000)]
    with pytest.raises(CheckFailure) as failure:
        check_latency(exchanges, budget_s=2)
    assert "p50" in failure.value.title
    assert [d.received for d in failure.value.deviations] == ["answered after 3.20 s", "timeout after 2s"]


@pytest.mark.parametrize(("body", "shown"), [
    pytest.param({"success": False, "error": 'Traceback (most recent call last):\n  File "/srv/app.py", line 12'},
                 "a Python traceback", id="python"),
    pytest.param("System.FormatException: bad\n   at Registry.Callbacks.Put() in C:\\src\\Cb.cs:line 42",
                 "a .NET line number", id="dotnet"),
    pytest.param("java.lang.IllegalStateException\n\tat com.x.Cb.put(Cb.java:17)", "a Java stack frame", id="java"),
    pytest.param({"success": True, "patient": VERIFICATION_PERSON}, "a national id", id="national-id"),
    pytest.param({"success": False, "error": "KeyError(\"{'name': 'ordered'}\")"}, "an exception object",
                 id="exception-repr"),
    pytest.param("System.NullReferenceException: Object reference not set", "a qualified exception type",
                 id="qualified-type"),
])
def test_leaks_are_found_in_raw_and_json_escaped_bodies(record, body, shown, strict_advice):
    with pytest.raises(CheckFailure) as failure:
        check_no_leak([record(400, body)], api_key=KEY)
    assert shown in deviation(failure).received
    assert VERIFICATION_PERSON not in str(failure.value), "a national id is masked in the failure"


def test_an_echoed_key_is_named_never_quoted(record, strict_advice):
    with pytest.raises(CheckFailure) as failure:
        check_no_leak([record(401, {"success": False, "received": f" {KEY} "})], api_key=KEY)
    assert deviation(failure).received == "the API key" and KEY not in str(failure.value)


def test_a_readable_error_message_is_no_leak(record):
    """A refusal that names its reason in plain words ("ValidationError: …") shows no internals."""
    check_no_leak([record(400, {"success": False, "message": "ValidationError: formData is missing"}),
                   record(400, "ArgumentError: notificationChannel is not a NotificationChannel"),
                   record(400, {"success": False, "message": "An Exception occurred: the order is unknown"})],
                  api_key=KEY)


def test_clean_replies_pass(record):
    check_no_leak([record(200), record(401, NO), record(405, ""), record(400, {"success": False, "error": "Error"})],
                  api_key=KEY)


def test_a_redirect_is_an_answer_for_the_latency_budget(record):
    """A redirect came back in time: R-ROUTES judges where it points, R-LATENCY only the time (it gave a
    false alarm on the no_trailing_slash_route variant once redirects were recorded as exchange errors)."""
    redirect = record(307, "", error="HTTP 307 redirect to /api/PromsFormOrder; the kit never follows redirects",
                      latency_ms=4.0)
    assert check_latency([redirect], budget_s=1).startswith("p50 4 ms")


def test_storage_of_what_epROM_never_sends_is_advice_unless_strict(record, monkeypatch):
    """A blind check's false alarm: a system that stored a C2 without formData failed R-MALFORMED with "the
    guide requires". ePROM never sends one, so the storage rule there is the kit's advice."""
    from verification.checks.failure import STRICT_VARIABLE, Advice

    delivered = Delivered(tallies=[tally(record, 1, 2, 0)])
    with pytest.warns(Advice, match="eprom-verify recommends"):
        check_stored("R-MALFORMED.2", delivered)
    monkeypatch.setenv(STRICT_VARIABLE, "1")
    with pytest.raises(CheckFailure):
        check_stored("R-MALFORMED.2", delivered)
