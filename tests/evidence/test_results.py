"""Statuses per ID: honest, one per checklist and catalogue ID, human items never passed unattested."""

from __future__ import annotations

from verification.evidence.results import CaseOutcome, human_items, item_statuses, verdict
from verification.spec.checklist import load_checklist

ALL_CAPABILITIES = ("formorder", "message", "personvern", "sms", "email", "signing", "on_behalf_of",
                    "patient_initiated", "paper")
YES = {"who": "Kari Nordmann", "when": "2025-05-02T10:15:00+02:00", "verified": True, "notes": "", "screenshots": []}


def passed(nodeid: str, *ids: str) -> CaseOutcome:
    return CaseOutcome(nodeid, ids, "passed", exchange_ids=(1, 2))


def statuses(outcomes, **kwargs) -> dict[str, str]:
    kwargs.setdefault("capabilities", ALL_CAPABILITIES)
    return {i: r.status for i, r in item_statuses(outcomes, **kwargs).items()}


def test_every_checklist_and_catalogue_id_gets_a_status() -> None:
    results = item_statuses([])
    assert list(results) == [entry.id for entry in load_checklist()]
    assert {r.status for r in results.values()} <= {"not run", "pending attestation"}


def test_the_human_items_are_the_ones_the_issue_names() -> None:
    assert [entry.id for entry in human_items()] == [
        "V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "V2.6", "V2.7",
        "S-ONBEHALF.1", "S-ONBEHALF.2", "S-ONBEHALF.3", "S-SIGN.2",
    ]


def test_an_unanswered_human_item_is_pending_attestation_never_passed() -> None:
    outcomes = [passed("c::order_body", "S-ORDER-BODY")]  # proves V2.4 and V2.6 automatically
    result = item_statuses(outcomes, capabilities=ALL_CAPABILITIES)
    assert result["V2.4"].status == "pending attestation"
    assert result["V2.2"].status == "pending attestation"
    assert "eprom-verify attest" in result["V2.2"].reason


def test_attested_yes_no_and_the_automated_part() -> None:
    outcomes = [passed("c::order_body", "S-ORDER-BODY")]
    no = {**YES, "verified": False, "notes": "metadata not shown"}
    result = item_statuses(outcomes, capabilities=ALL_CAPABILITIES, attestations={"V2.4": YES, "V2.3": no})
    assert result["V2.4"].status == "attested" and result["V2.4"].attestation["who"] == "Kari Nordmann"
    assert result["V2.3"].status == "failed" and "NOT working" in result["V2.3"].reason
    assert "metadata not shown" in result["V2.3"].failures[0]["title"]
    failing = [CaseOutcome("c::order_body", ("S-ORDER-BODY",), "failed", reason="boom")]
    assert statuses(failing, attestations={"V2.4": YES})["V2.4"] == "failed"


def test_a_check_fails_when_any_of_its_cases_failed() -> None:
    failure = {"check_id": "R-STATUS-ORDERED", "title": "status not stored", "severity": "major",
               "deviations": [{"field": "probe.count", "received": 0, "expected": 1, "rule": "V1.2",
                               "exchange_id": 9}]}
    outcomes = [
        passed("c::ordered[Helsenorge]", "R-STATUS-ORDERED"),
        CaseOutcome("c::ordered[Sms]", ("R-STATUS-ORDERED",), "failed", reason="x", failure=failure),
    ]
    result = item_statuses(outcomes, capabilities=ALL_CAPABILITIES)
    check = result["R-STATUS-ORDERED"]
    assert check.status == "failed" and check.reason == "R-STATUS-ORDERED: status not stored"
    assert check.exchange_ids == [9] and check.failures == [failure]
    assert result["V1.2"].status == "failed" and result["V1.3"].status == "failed"
    assert "R-STATUS-ORDERED" in result["V1.2"].checks


def test_waiting_not_verifiable_not_applicable_and_plain_skips() -> None:
    outcomes = [
        CaseOutcome("c::round_trip", ("S-ROUND-TRIP",), "skipped", reason="no C2 yet", kind="waiting"),
        CaseOutcome("c::idempotent", ("R-IDEMPOTENT",), "skipped", reason="no probe", kind="not_verifiable"),
        CaseOutcome("c::concurrent", ("R-CONCURRENT",), "passed"),
        CaseOutcome("c::concurrent_count", ("R-CONCURRENT",), "skipped", reason="no probe", kind="not_verifiable"),
        CaseOutcome("c::paper", ("R-RETURN-PAPER",), "skipped", reason="form not paper", kind="not_applicable"),
        CaseOutcome("c::sent", ("S-ORDER-SENT",), "skipped", reason="no trigger configured"),
    ]
    result = item_statuses(outcomes, capabilities=ALL_CAPABILITIES)
    assert result["S-ROUND-TRIP"].status == "waiting" and result["S-ROUND-TRIP"].reason == "no C2 yet"
    assert result["R-IDEMPOTENT"].status == "not run" and result["R-IDEMPOTENT"].reason == "no probe"
    assert result["R-CONCURRENT"].status == "passed"
    assert result["R-CONCURRENT"].caveats == ["c::concurrent_count: no probe"]  # partly not verifiable, said so
    assert result["R-RETURN-PAPER"].status == "not applicable"
    assert result["S-ORDER-SENT"].status == "not run" and "no trigger" in result["S-ORDER-SENT"].reason


def test_capabilities_the_target_does_not_declare_are_not_applicable() -> None:
    result = item_statuses([], capabilities=("formorder",))
    assert result["S-SIGN.2"].status == "not applicable"  # human, but signing is not declared: not pending
    assert "signing" in result["S-SIGN.2"].reason
    assert result["S-SIGN"].status == "not applicable"
    assert result["R-MESSAGE-STATUS"].status == "not applicable"
    assert result["V2.2"].status == "pending attestation"


def test_a_parent_combines_its_children() -> None:
    outcomes = [passed("c::rules", "S-ORDER-RULES"), passed("c::caps", "P-FORM-CAPS"),
                passed("c::signed", "R-RETURN-SIGNED"), passed("c::download", "S-SIGNED-DOWNLOAD")]
    before = statuses(outcomes)
    assert before["S-SIGN.1"] == "passed" and before["S-SIGN.3"] == "passed"
    assert before["S-SIGN"] == "pending attestation"  # S-SIGN.2 is human
    assert statuses(outcomes, attestations={"S-SIGN.2": YES})["S-SIGN"] == "attested"


def test_xfail_and_errors_count_as_failures() -> None:
    outcomes = [CaseOutcome("c::a", ("R-AUTH",), "xfailed", reason="expected failure: known bug"),
                CaseOutcome("c::b", ("R-ROUTES",), "error", reason="fixture broke")]
    result = statuses(outcomes)
    assert result["R-AUTH"] == "failed" and result["R-ROUTES"] == "failed"


def test_verdict() -> None:
    assert verdict(item_statuses([], capabilities=ALL_CAPABILITIES)) == "incomplete"
    failing = [CaseOutcome("c::a", ("R-AUTH",), "failed")]
    assert verdict(item_statuses(failing, capabilities=ALL_CAPABILITIES)) == "failed"


def test_outcomes_round_trip_through_plain_data() -> None:
    outcome = CaseOutcome("c::a", ("R-AUTH", "V1.1"), "skipped", reason="r", kind="waiting", exchange_ids=(3, 4),
                          hypothesis={"statistics": "s", "notes": "n"})
    assert CaseOutcome.from_dict(outcome.to_dict()) == outcome


def test_checks_that_did_not_run_are_named_as_a_caveat_of_a_passed_item() -> None:
    result = item_statuses([passed("c::round_trip", "S-ROUND-TRIP")], capabilities=ALL_CAPABILITIES)["V1.1"]
    assert result.status == "passed"
    assert result.caveats == ["not run: S-ORDER-SENT, S-AUTH-HEADER, S-CONTENT-TYPE, S-ORDER-BODY, "
                              "S-ERROR-HANDLING, P-API-KEY, P-FORMS, P-DOCUMENTED-ERRORS"]


def failed_on(nodeid: str, requirement_id: str, *ids: str) -> CaseOutcome:
    deviation = {"field": "f", "received": "r", "expected": "e", "rule": requirement_id, "exchange_id": 3}
    return CaseOutcome(nodeid, ids, "failed", reason="failed",
                       failure={"check_id": ids[0], "title": "t", "severity": "major", "deviations": [deviation]})


def test_a_failure_rolls_up_only_to_the_items_its_requirement_feeds() -> None:
    """S-ORDER-BODY proves V1.1, V2.4 and V2.6: a metadata deviation (S-ORDER-BODY.5, feeds V2.4) fails the
    check and V2.4's automated part, never V1.1 or V2.6."""
    result = item_statuses([failed_on("c::order_body", "S-ORDER-BODY.5", "S-ORDER-BODY")],
                           capabilities=ALL_CAPABILITIES, attestations={"V2.4": YES, "V2.6": YES})
    assert result["S-ORDER-BODY"].status == "failed"
    assert result["V2.4"].status == "failed"
    assert result["V2.6"].status == "attested"
    assert result["V1.1"].status != "failed"


def test_a_case_naming_an_item_fails_it_only_through_a_requirement_that_feeds_it() -> None:
    outcome = failed_on("c::stored", "R-RETURN-EXPIRED.1", "R-RETURN-EXPIRED", "V3.1")
    assert statuses([outcome])["V3.1"] == "failed"
    outcome = failed_on("c::trigger", "S-ORDER-RULES.5", "S-ORDER-RULES", "S-SIGN.1")  # feeds no item
    result = statuses([outcome])
    assert result["S-ORDER-RULES"] == "failed" and result["S-SIGN.1"] != "failed"


def test_a_failure_without_requirements_rolls_up_everywhere() -> None:
    error = CaseOutcome("c::order_body", ("S-ORDER-BODY",), "error", reason="boom")
    result = statuses([error], attestations={"V2.6": YES})
    assert result["V2.6"] == "failed" and result["V1.1"] == "failed"


def test_an_incomplete_run_the_deadline_cut_short_says_exit_1() -> None:
    """`pytest_deadline` makes such a run exit 1: the verdict's sentence must not promise exit 0."""
    from verification.evidence.results import CUT_SHORT_MEANING, VERDICT_MEANING, verdict_meaning

    cut = CaseOutcome("cases/t.py::test_late", ("R-AUTH",), "skipped",
                      "not run: the run's deadline expired (budgets.run_s = 8 s) before this case started")
    waiting = CaseOutcome("cases/t.py::test_signed", ("R-RETURN-SIGNED",), "skipped", "waiting: no C2 yet")
    assert verdict_meaning("incomplete", [waiting, cut]) == CUT_SHORT_MEANING
    assert "exit 1" in CUT_SHORT_MEANING
    assert verdict_meaning("incomplete", [waiting]) == VERDICT_MEANING["incomplete"]
    assert verdict_meaning("failed", [cut]) == VERDICT_MEANING["failed"]
