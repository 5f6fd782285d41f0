"""R-ENUM-FORMS, R-TIMESTAMPS, R-FORWARD-COMPAT: the check functions on hand-made runs, then the self-test
of each check: it passes on the correct reference system and fails on the variant it exists to catch."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from fuzz_support import live_references

from verification.spec.requirements import requirement
from verification.checks.failure import CheckFailure, NotVerifiable
from verification.checks.fuzz import check_enum_forms, check_forward_compat, check_timestamps
from verification.recorder.store import Exchange
from verification.spec.enums import FormOrderStatus, NotificationChannel
from verification.spec.wire import form_return_callback, order_status_callback
from verification.stimuli.fuzzing import HYPOTHESIS_INFO, FuzzRun, Observation
from verification.scenarios.fuzz import run_fuzz_plan

ORDER = "3f1c2b4e-8a7d-4c1e-9b2a-0d5e6f7a8b9c"
KEY = "the-systems-key"


# --- hand-made runs -----------------------------------------------------------------------------------


def _sent(kind: str, body: dict, *, status: int = 200, reply: str = '{"success": true}', ident: int = 1) -> Exchange:
    accepted = 200 <= status < 300 and json.loads(reply or "null") == {"success": True}
    return Exchange(direction="to_system", actor="kit", method="PUT", url="http://sut/api/PromsFormOrder",
                    request_headers={"content-type": "application/json"}, request_body=json.dumps(body),
                    status=status, response_body=reply, meta={"callback": kind, "accepted": accepted}, id=ident)


def _c1(style: str, **kw) -> dict:
    return order_status_callback(form_order_id=ORDER, api_key=KEY, enum_style=style, **kw)


def _run(*exchanges: Exchange, minimal: Exchange | None = None, observations=()) -> FuzzRun:
    return FuzzRun("R-X", "quick", {"profile": "quick", "derandomize": True}, exchanges=list(exchanges),
                   minimal_failure=minimal, falsifying=["Falsifying example: …"], observations=list(observations))


def test_a_run_where_every_example_was_acknowledged_passes():
    run = _run(_sent("C1", _c1("name")), _sent("C1", _c1("int"), ident=2))
    check_enum_forms(run)
    check_timestamps(run)


def test_the_smallest_refusal_is_reported_with_the_reply_the_pattern_and_a_curl_without_the_key():
    refused = _sent("C1", _c1("int"), status=400, reply='{"success": false}', ident=2)
    other_channel = _c1("int", channel=NotificationChannel.DigitalMailbox)
    run = _run(_sent("C1", _c1("name")), refused, _sent("C1", other_channel, status=400, reply="{}", ident=3),
               minimal=refused)
    with pytest.raises(CheckFailure) as failure:
        check_enum_forms(run)
    first, *rest = failure.value.deviations
    assert first.field.startswith("C1 formOrderStatus=2 (int)") and first.exchange_id == 2
    assert first.received == 'HTTP 400 {"success": false}' and "V1.2" in requirement(first.rule).feeds
    assert any(d.field.endswith("as int") and "2 of 2" in d.received for d in rest)
    notes = "\n".join(failure.value.__notes__)
    assert "curl -sS -X PUT" in notes and "${EPROM_API_KEY}" in notes and KEY not in notes
    assert "Falsifying example" in notes and '"derandomize": true' in notes


def test_refusals_that_only_repeat_an_acknowledged_update_are_named_as_such():
    body = _c1("name")
    run = _run(_sent("C1", body), _sent("C1", _c1("int"), status=200, reply="", ident=2))
    run.minimal_failure = run.exchanges[1]
    with pytest.raises(CheckFailure) as failure:
        check_timestamps(run)
    assert any("repeat an update acknowledged before" in d.received and d.rule == "R-TIMESTAMPS.1"
               for d in failure.value.deviations)


def test_a_new_update_the_probe_does_not_show_is_a_lost_meaning():
    lost = Observation(7, "C1 Ordered/Unsecure/None", "status", ORDER, "one more", after=2, before=2)
    kept = Observation(8, "C2 Completed", "answers", ORDER, "stored", after=1)
    with pytest.raises(CheckFailure) as failure:
        check_enum_forms(_run(_sent("C1", _c1("name")), observations=[lost, kept]))
    (deviation,) = failure.value.deviations
    assert deviation.received == "count 2 → 2" and deviation.exchange_id == 7 and "V1.2" in requirement(deviation.rule).feeds


def test_unreadable_probe_answers_make_the_meaning_not_verifiable():
    unreadable = Observation(7, "C2 Completed", "answers", ORDER, "stored", after=None, problem="probe answered 500")
    with pytest.raises(NotVerifiable, match="probe answered 500"):
        check_enum_forms(_run(_sent("C1", _c1("name")), observations=[unreadable]))


def test_forward_compat_without_a_probe_is_not_verifiable_but_a_refusal_still_fails():
    body = form_return_callback(form_order_id=ORDER, status=FormOrderStatus.Completed, answers={"q": 1},
                                channel=NotificationChannel.Helsenorge, api_key=KEY)
    with pytest.raises(NotVerifiable, match="no probe configured"):
        check_forward_compat(_run(_sent("C2", {**body, "fremtidigFelt": 1})), meaning_judged=False)
    refused = _sent("C2", {**body, "fremtidigFelt": 1}, status=500, reply="Internal Server Error")
    with pytest.raises(CheckFailure) as failure:
        check_forward_compat(_run(refused, minimal=refused), meaning_judged=False)
    assert failure.value.deviations[0].field == "C2 with unknown fremtidigFelt"
    assert failure.value.deviations[0].received == "HTTP 500 Internal Server Error"


# --- self-tests against the reference system -----------------------------------------------------------

CHECKS = {
    "R-ENUM-FORMS": lambda run: check_enum_forms(run, meaning_judged=True),
    "R-TIMESTAMPS": check_timestamps,
    "R-FORWARD-COMPAT": lambda run: check_forward_compat(run, meaning_judged=True),
}
# The variant each check exists to catch (its record's catches in verification.reference.behaviour.VARIANTS).
CAUGHT_BY = {
    "names_only_enums": "R-ENUM-FORMS",
    "strict_iso_timestamps": "R-TIMESTAMPS",
    "rejects_filled_out_by": "R-FORWARD-COMPAT",
    "crashes_on_unknown_fields": "R-FORWARD-COMPAT",
}


@pytest.fixture(scope="module")
def systems(tmp_path_factory: pytest.TempPathFactory):
    """The correct system and every variant, started together; orders placed for the checks each runs."""
    with live_references(tmp_path_factory.mktemp("reference"), ["correct", *CAUGHT_BY]) as lives:
        with ThreadPoolExecutor(max_workers=len(lives)) as pool:
            orders = dict(zip(lives, pool.map(
                lambda live: live.orders(CAUGHT_BY.get(live.variant)), lives.values())))
        yield {name: (live, orders[name]) for name, live in lives.items()}


@pytest.mark.parametrize("check_id", list(CHECKS))
def test_each_check_passes_on_the_correct_system(systems, check_id):
    live, orders = systems["correct"]
    run = run_fuzz_plan(live.system, check_id, orders[check_id])
    CHECKS[check_id](run)
    assert not run.rejected and len(run.exchanges) >= 25
    if check_id != "R-TIMESTAMPS":
        assert any(seen.expect == "one more" for seen in run.observations), "no status update was judged"
    recorded = live.store.info()[HYPOTHESIS_INFO]["runs"][check_id]
    assert recorded["profile"] == "quick" and recorded["derandomize"] is True
    assert recorded["examples"] == len(run.exchanges) and recorded["statistics"]
    # hypothesis' own numbers: its generated examples (the documented ones are sent before it runs), none failing
    assert 0 < recorded["counts"]["passing"] <= len(run.exchanges) and recorded["counts"]["failing"] == 0


def test_a_derandomized_run_sends_the_same_examples_again(systems):
    live, orders = systems["correct"]
    bodies = [[json.loads(ex.request_body) for ex in run_fuzz_plan(live.system, "R-TIMESTAMPS",
                                                                     orders["R-TIMESTAMPS"]).exchanges]
              for _ in range(2)]
    assert bodies[0] == bodies[1]


@pytest.mark.parametrize(("variant", "check_id"), list(CAUGHT_BY.items()))
def test_each_check_fails_on_the_variant_it_exists_to_catch(systems, variant, check_id):
    live, orders = systems[variant]
    run = run_fuzz_plan(live.system, check_id, orders[check_id])
    with pytest.raises(CheckFailure) as failure:
        CHECKS[check_id](run)
    assert failure.value.check_id == check_id and run.minimal_failure is not None
    assert failure.value.deviations[0].exchange_id == run.minimal_failure.id
