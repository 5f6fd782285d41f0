"""The trigger is an instruction (issue 10): the S-checks that compare what the system sent with what the kit
asked for, on hand-made exchanges. Each passes on every correct outcome and fails on the mistake it catches."""

from __future__ import annotations

import json
import warnings
from types import SimpleNamespace
from typing import Any

import pytest

from verification.spec.requirements import requirement
from verification.checks.failure import STRICT_VARIABLE, Advice, CheckFailure, NotVerifiable
from verification.checks.sender import check_test_data
from verification.checks.sender_messages import check_personvern
from verification.checks.sender_trigger import (
    check_order_as_asked,
    check_personvern_as_asked,
    check_refused_or_handled,
    kit_supplied_ids,
    trigger_reached,
    trigger_refused,
)
from verification.recorder.store import Exchange
from verification.spec.national_id import VERIFICATION_PERSON, synthetic_national_ids

from test_sender_checks import FORM, H_NUMBER, KEY, e1, exchange, fields_of, order

ASKED = "an H-number as nationalId"
ON_BEHALF_OF = synthetic_national_ids(1, seed=53)[0]
REFUSED = "No form with id=... / H-nummer is not supported"


def trigger(status: int | None = 200, *, error: str | None = None, method: str = "POST",
            parameters: dict[str, Any] | None = None) -> Exchange:
    return Exchange(direction="to_system", actor="kit", method=method, url="http://127.0.0.1:8/_trigger/order",
                    request_body=json.dumps(parameters or {"formId": FORM, "nationalId": H_NUMBER}), status=status,
                    response_body="{}", error=error, meta={"purpose": "trigger"})


def rejected_e1() -> Exchange:
    return e1(order(nationalId=H_NUMBER), status=400, answer=REFUSED)


# -- trigger replies --------------------------------------------------------------------------------


def test_trigger_replies_are_read_as_the_contract_says():
    assert trigger_reached(trigger(200)) and not trigger_refused(trigger(200))
    assert trigger_refused(trigger(400)) and trigger_refused(trigger(2, error="exit 2: no", method="EXEC"))
    assert trigger_reached(trigger(502)) and not trigger_refused(trigger(502))
    assert not trigger_reached(trigger(None, error="ConnectError: refused"))
    assert not trigger_reached(trigger(None, error="timeout after 30s", method="EXEC"))


# -- forbidden requests: refused, or forwarded and the 400 handled ------------------------------------


@pytest.mark.parametrize(("reply", "e1s"), [
    pytest.param(trigger(400), [], id="refused"),
    pytest.param(trigger(1, error="exit 1: refused", method="EXEC"), [], id="command-refused"),
    pytest.param(trigger(502), [rejected_e1()], id="forwarded-once-error-surfaced"),
])
def test_refusing_or_forwarding_once_both_pass(reply, e1s):
    with warnings.catch_warnings():
        warnings.simplefilter("error", Advice)  # the right outcomes draw no advice either
        check_refused_or_handled(reply, e1s, asked=ASKED, check_id="S-ORDER-BODY")


def test_a_forwarded_request_sent_again_after_the_400_fails_citing_the_guide():
    with pytest.raises(CheckFailure) as failure:
        check_refused_or_handled(trigger(502), [rejected_e1(), rejected_e1()], asked=ASKED, check_id="S-ORDER-BODY")
    assert fields_of(failure) == ["E1 requests after ePROM's 400"]
    assert "IntegrasjonVerifikasjon.md:12" in str(failure.value) and "duplikate meldinger" in str(failure.value)


def test_a_trigger_that_never_reached_the_system_is_never_a_pass():
    """The stopped system: nothing was sent, and that is no refusal."""
    with pytest.raises(NotVerifiable, match="never reached"):
        check_refused_or_handled(trigger(None, error="ConnectError: connection refused"), [], asked=ASKED,
                                 check_id="S-ORDER-RULES")


def test_an_unsurfaced_refusal_is_advice_not_a_failure_unless_strict(monkeypatch):
    with pytest.warns(Advice, match="eprom-verify recommends"):
        check_refused_or_handled(trigger(200), [rejected_e1()], asked=ASKED, check_id="S-ORDER-BODY")
    monkeypatch.setenv(STRICT_VARIABLE, "1")
    with pytest.raises(CheckFailure, match="eprom-verify recommends"):
        check_refused_or_handled(trigger(200), [rejected_e1()], asked=ASKED, check_id="S-ORDER-BODY")


def test_the_h_number_the_kit_supplied_is_no_test_data_finding():
    forwarded = e1(order(nationalId=H_NUMBER), status=400, answer=REFUSED)
    check_test_data([forwarded], [VERIFICATION_PERSON], kit_supplied=kit_supplied_ids([trigger(502)]))
    with pytest.raises(CheckFailure):
        check_test_data([forwarded], [VERIFICATION_PERSON])


# -- the E1 is the order asked for ----------------------------------------------------------------------

FULL = {"formId": FORM, "nationalId": VERIFICATION_PERSON, "dontStoreCompletedFormInPha": True,
        "mustBeSigned": True, "signingText": "Jeg bekrefter", "metadata": {"age": 76}, "distributionRule": "Basic"}


def test_an_order_sent_as_asked_passes():
    sent = order(dontStoreCompletedFormInPha=True, mustBeSigned=True, signingText="Jeg bekrefter",
                 metadata='{"age": 76}', distributionRule=0)
    check_order_as_asked(FULL, [e1(sent)])


@pytest.mark.parametrize(("sent", "field"), [
    pytest.param(order(dontStoreCompletedFormInPha=False, mustBeSigned=True, signingText="Jeg bekrefter"),
                 "E1.dontStoreCompletedFormInPha", id="always-false"),
    pytest.param(order(dontStoreCompletedFormInPha=True, mustBeSigned=True, signingText=...,
                       signatureText="Jeg bekrefter"), "E1.signingText", id="signingText-renamed"),
    pytest.param(order(dontStoreCompletedFormInPha=True, mustBeSigned=True, signingText=None),
                 "E1.signingText", id="signingText-dropped"),
])
def test_a_member_dropped_renamed_or_changed_fails(sent, field):
    with pytest.raises(CheckFailure) as failure:
        check_order_as_asked(FULL, [e1(sent)])
    assert field in fields_of(failure)
    if field == "E1.dontStoreCompletedFormInPha":
        assert "V2.6" in requirement(failure.value.deviations[0].rule).feeds and "IntegrasjonVerifikasjon.md:20" in str(failure.value)


def test_an_omitted_member_is_its_documented_default():
    asked = {"formId": FORM, "nationalId": VERIFICATION_PERSON, "distributionRule": "Basic", "mustBeSigned": False,
             "dontStoreCompletedFormInPha": False}
    check_order_as_asked(asked, [e1({"formId": FORM, "nationalId": VERIFICATION_PERSON})])
    with pytest.raises(CheckFailure) as failure:
        check_order_as_asked(asked | {"dontStoreCompletedFormInPha": True},
                             [e1({"formId": FORM, "nationalId": VERIFICATION_PERSON})])
    assert [(d.field, d.rule) for d in failure.value.deviations] == [("E1.dontStoreCompletedFormInPha",
                                                                      "S-ORDER-BODY.17")]
    assert requirement("S-ORDER-BODY.17").feeds == ("V2.6",)
    assert "absent (the default False)" in str(failure.value)


@pytest.mark.parametrize(("asked", "sent"), [(True, False), (False, True)], ids=["signing-asked", "no-signing-asked"])
def test_a_must_be_signed_mismatch_has_its_own_requirement(asked, sent):
    parameters = {"formId": FORM, "nationalId": VERIFICATION_PERSON, "mustBeSigned": asked}
    with pytest.raises(CheckFailure) as failure:
        check_order_as_asked(parameters, [e1(order(mustBeSigned=sent))])
    found = failure.value.deviations[0]
    assert (found.field, found.rule) == ("E1.mustBeSigned", "S-ORDER-BODY.19")
    assert requirement("S-ORDER-BODY.19").feeds == ()  # not the metadata (V2.4) or PHA copy (V2.6) items


def test_a_distribution_rule_mismatch_has_the_members_requirement():
    with pytest.raises(CheckFailure) as failure:
        check_order_as_asked({"formId": FORM, "nationalId": VERIFICATION_PERSON, "distributionRule": "Basic"},
                             [e1(order(distributionRule="AllowUnsecure"))])
    found = failure.value.deviations[0]
    assert found.rule == "S-ORDER-BODY.21" and requirement(found.rule).source == "BestillingAvSkjemaV2.md:92"


def test_on_behalf_of_must_reach_the_order_and_is_shown_masked():
    asked = {"formId": FORM, "nationalId": VERIFICATION_PERSON, "onBehalfOfNationalId": ON_BEHALF_OF}
    check_order_as_asked(asked, [e1(order(onBehalfOfNationalId=ON_BEHALF_OF))], check_id="S-ORDER-RULES")
    with pytest.raises(CheckFailure) as failure:
        check_order_as_asked(asked, [e1(order())], check_id="S-ORDER-RULES")
    assert "S-ONBEHALF.3" in requirement(failure.value.deviations[0].rule).feeds and ON_BEHALF_OF not in str(failure.value)


# -- privacy: the call asked for, taken by ePROM ------------------------------------------------------


def privacy(path: str, body: dict[str, Any], status: int = 200) -> Exchange:
    return exchange(f"/api/v2/{path}", body, status=status, answer={} if status == 200 else "type is required")


SET = {"nationalId": VERIFICATION_PERSON, "type": "Reservasjon", "status": "Aktiv"}


def test_a_set_trigger_answered_by_an_update_passes():
    check_personvern_as_asked(SET, [privacy("setpersonverninnstilling", {"nationalId": VERIFICATION_PERSON,
                                                                          "type": 0, "status": 1})])
    check_personvern_as_asked({"nationalId": VERIFICATION_PERSON, "type": "Reservasjon"},
                              [privacy("getpersonverninnstilling", {"nationalId": VERIFICATION_PERSON, "type": 0})])


@pytest.mark.parametrize(("call", "field"), [
    pytest.param(privacy("getpersonverninnstilling", {"nationalId": VERIFICATION_PERSON, "type": 0}),
                 "privacy call", id="read-for-set"),
    pytest.param(privacy("setpersonverninnstilling", {"nationalId": VERIFICATION_PERSON, "type": 2, "status": 1},
                         status=400), "E7.type", id="other-type"),
    pytest.param(privacy("setpersonverninnstilling", {"nationalId": VERIFICATION_PERSON, "type": 0, "status": 0}),
                 "E7.status", id="other-status"),
])
def test_a_privacy_call_other_than_asked_or_refused_by_eprom_fails(call, field):
    with pytest.raises(CheckFailure) as failure:
        check_personvern_as_asked(SET, [call])
    assert field in fields_of(failure)


def test_a_privacy_call_eprom_answered_with_400_fails():
    """S-PERSONVERN passed when ePROM refused the system's E7 (issue 10)."""
    refused = privacy("setpersonverninnstilling", {"nationalId": VERIFICATION_PERSON, "type": 2, "status": 1},
                      status=400)
    with pytest.raises(CheckFailure) as failure:
        check_personvern([refused], KEY)
    assert fields_of(failure) == ["E7 answer"]


def test_a_forwarded_request_held_as_an_order_under_the_all_zero_id_fails():
    """ePROM's 400 read like any answer: the default Guid.Empty, and the refused order stored under it."""
    none = SimpleNamespace(count=0, exchange=None, problem="")
    held = SimpleNamespace(count=1, exchange=None, problem="")
    check_refused_or_handled(trigger(502), [rejected_e1()], asked=ASKED, check_id="S-ORDER-BODY",
                             orders_before=none, orders_after=none)
    with pytest.raises(CheckFailure) as failure:
        check_refused_or_handled(trigger(502), [rejected_e1()], asked=ASKED, check_id="S-ORDER-BODY",
                                 orders_before=none, orders_after=held)
    assert fields_of(failure) == ["orders probe for the all-zero id"]
    assert "BestillingAvSkjemaV2.md:207" in str(failure.value)
    # a refused trigger sent nothing: the probe is not read
    check_refused_or_handled(trigger(400), [], asked=ASKED, check_id="S-ORDER-BODY", orders_before=none,
                             orders_after=held)
