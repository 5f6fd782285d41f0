"""``eprom-verify selftest``: the detection matrix over the bundled reference system and every named faulty
variant (the slow test runs it whole), and the judging of a matrix on made-up runs (fast)."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from verification.reference.behaviour import VARIANTS, correct_designs, faulty_variants
from verification.commands.selftest import (
    DEPLOYMENTS, VariantRun, focus, judge_runs, matrix, read_run, selftest, summary, whole_session_checks,
)
from verification.spec.checklist import load_checklist

CHECK_IDS = {entry.id for entry in load_checklist() if entry.kind == "check"}


def test_every_declared_catch_names_a_variant_and_a_check():
    for name, record in VARIANTS.items():
        assert record.name == name and record.description and (record.must_pass or record.catches)
        named = record.catches | record.collateral
        assert named <= CHECK_IDS, f"{name}: {sorted(named - CHECK_IDS)} are not catalogue checks"
        assert not record.catches & record.collateral and (record.why or not record.collateral)
    assert not set(DEPLOYMENTS) & set(VARIANTS)


def test_every_receiver_check_has_a_variant_that_must_catch_it():
    receiver = {entry.id for entry in load_checklist() if entry.kind == "check" and entry.area == "receiver"}
    caught = set().union(*(r.catches for r in VARIANTS.values()), *(d.catches for d in DEPLOYMENTS.values()))
    assert receiver <= caught, f"no variant must be caught by {sorted(receiver - caught)}"


def run(name: str, failed: set[str], ran: set[str] | None = None, problem: str = "") -> VariantRun:
    return VariantRun(name, 1 if failed else 0, set(failed), ran if ran is not None else set(failed) | {"R-AUTH"},
                      problem=problem)


def test_a_clean_matrix_passes():
    runs = [run("correct", set()), run("stores_duplicates", {"R-IDEMPOTENT", "R-CONCURRENT"})]
    assert judge_runs(runs) == []


def test_false_alarms_misses_and_broken_sessions_fail():
    runs = [
        run("correct", {"R-LATENCY"}),
        run("stores_duplicates", {"R-IDEMPOTENT", "R-NO-LEAK"}),
        run("missing_auth_check", set(), problem="the session ended with exit code 3"),
    ]
    assert judge_runs(runs) == [
        "correct: false alarm in R-LATENCY",
        "stores_duplicates: missed by R-CONCURRENT",
        "stores_duplicates: false alarm in R-NO-LEAK",
        "missing_auth_check: the session ended with exit code 3",
    ]


def test_collateral_failures_are_allowed_only_where_declared():
    record = next(r for r in VARIANTS.values() if r.collateral)
    assert judge_runs([run(record.name, record.catches | record.collateral)]) == []


def test_correct_designs_must_pass_everything_and_are_never_faults():
    """A correct alternative design (one status per order, names and integers only, …) expects no catch:
    any failure on it is a false alarm, and it is no faulty variant."""
    designs = correct_designs()
    assert {"one_status_per_order", "names_and_integers_only", "acknowledges_unknown_orders"} <= set(designs)
    assert not set(designs) & set(faulty_variants())
    assert all(not design.behaviour.faults and not design.collateral for design in designs.values())
    runs = [run("one_status_per_order", set()), run("names_and_integers_only", {"R-ENUM-FORMS"})]
    assert judge_runs(runs) == ["names_and_integers_only: false alarm in R-ENUM-FORMS"]
    assert "correct designs: 1 passed, 1 with a false alarm" in summary(runs)
    row = next(line for line in matrix(runs).splitlines() if line.startswith("one_status_per_order"))
    assert "+" in row.split()[0] or row.split()[1] == "+"


def test_the_matrix_marks_each_cell():
    runs = [run("correct", set(), {"R-AUTH", "R-IDEMPOTENT"}),
            run("stores_duplicates", {"R-IDEMPOTENT", "R-NO-LEAK"}, {"R-IDEMPOTENT", "R-NO-LEAK", "R-AUTH"})]
    text = matrix(runs)
    assert "X caught, - missed, ! false alarm" in text
    columns = [match.group(1) for match in re.finditer(r"(?m)^\s+\d+ (\S+)$", text)]
    assert columns == ["R-CONCURRENT", "R-IDEMPOTENT", "R-NO-LEAK"]
    row = next(line for line in text.splitlines() if line.startswith("stores_duplicates"))
    assert row.split()[1:4] == ["-", "X", "!"]


def test_failed_check_ids_are_read_from_the_outcomes(tmp_path: Path):
    cases = [
        {"nodeid": "a", "ids": ["R-AUTH", "BR-23"], "outcome": "failed"},
        {"nodeid": "b", "ids": ["V1.2"], "outcome": "failed", "failure": {"check_id": "R-STATUS-OTHER"}},
        {"nodeid": "c", "ids": ["R-LATENCY"], "outcome": "passed"},
        {"nodeid": "d", "ids": ["R-PVK"], "outcome": "skipped", "kind": "not_applicable"},
        {"nodeid": "e", "ids": ["V9"], "outcome": "error"},
    ]
    (tmp_path / "outcomes.json").write_text(json.dumps({"format": 1, "cases": cases}))
    read = read_run("x", 1, tmp_path, 1.0)
    assert read.failed == {"R-AUTH", "R-STATUS-OTHER", "e"} and read.ran == {"R-AUTH", "R-LATENCY"}
    assert read_run("x", 3, tmp_path / "missing", 1.0).problem.startswith("the session ended with exit code 3")


def test_a_session_that_could_not_start_runs_once_more_and_says_so(tmp_path: Path, monkeypatch):
    attempts: list[str] = []

    def child(name: str, root: Path, **_: object) -> VariantRun:
        attempts.append(name)
        if len(attempts) == 1:
            return VariantRun(name, 3, problem="the session ended with exit code 3: cannot listen")
        return VariantRun(name, 0, ran={"R-AUTH"})

    monkeypatch.setattr("verification.commands.selftest._run_one", child)
    out = io.StringIO()
    assert selftest(variants=["correct"], report_root=tmp_path, out=out) == 0
    assert attempts == ["correct", "correct"]
    assert "(second attempt; the first: the session ended with exit code 3: cannot listen)" in out.getvalue()


def test_a_session_in_this_process_that_raises_is_tried_again_then_named(tmp_path: Path, monkeypatch):
    """In the test's process, a session that cannot start (the reference system cannot listen) raises: tried once
    more, as a child's internal error is, then a selftest failure that names the error, never a traceback."""
    calls: list[str] = []

    def cannot_listen(name: str, session_dir: Path, **_: object) -> int:
        calls.append(name)
        print("eprom-verify: starting the reference system", file=sys.stderr)
        raise OSError("[Errno 98] Address already in use")

    monkeypatch.setattr("verification.commands.selftest.run_variant", cannot_listen)
    out = io.StringIO()
    assert selftest(variants=["correct"], report_root=tmp_path, out=out, jobs=1, in_process=True) == 1
    assert calls == ["correct", "correct"]
    assert "SELFTEST FAILED correct: the session ended with exit code 3 and no outcomes: OSError: [Errno 98] " \
           "Address already in use" in out.getvalue()


def test_a_session_that_fails_to_start_twice_is_a_selftest_failure(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("verification.commands.selftest._run_one",
                        lambda name, root, **_: VariantRun(name, 3, problem="the session ended with exit code 3"))
    out = io.StringIO()
    assert selftest(variants=["correct"], report_root=tmp_path, out=out) == 1
    assert "SELFTEST FAILED correct" in out.getvalue()


def test_a_focused_session_runs_a_faulty_variants_catches_and_everything_on_a_correct_design():
    assert focus("stores_duplicates") == ("R-CONCURRENT", "R-IDEMPOTENT")
    assert all(set(focus(name)) >= record.catches for name, record in faulty_variants().items())
    assert focus("correct") == () and all(focus(name) == () for name in correct_designs())


def test_a_catch_judged_over_the_whole_session_keeps_every_check_of_its_side():
    """slow_signed_return is caught by R-LATENCY over the replies of the signed-return cases: its focused
    session keeps every receiver check, and no sender check."""
    assert {"R-LATENCY", "R-NO-LEAK", "S-AUTH-HEADER"} <= whole_session_checks()
    receiver = {entry.id for entry in load_checklist() if entry.kind == "check" and entry.area == "receiver"}
    assert set(focus("slow_signed_return")) == receiver
    assert "S-ORDER-SENT" in focus("key_in_body") and "R-AUTH" not in focus("key_in_body")


def test_the_focus_reaches_the_session_as_its_only_ids(tmp_path: Path, monkeypatch):
    """``selftest(focused=True)`` hands the focus to the child, and the child to the run as ``--only``."""
    import verification.commands.selftest as module

    commands: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> object:
        commands.append(command)
        raise module.subprocess.TimeoutExpired(command, 1)

    monkeypatch.setattr(module.subprocess, "run", fake_run)
    selftest(variants=["stores_duplicates"], report_root=tmp_path, out=io.StringIO(), focused=True)
    assert commands and all("--focused" in command for command in commands)
    seen: dict[str, object] = {}
    monkeypatch.setattr("verification.runner.run_session", lambda *a, **kw: seen.update(kw) or 0)
    assert module.run_variant("stores_duplicates", tmp_path / "s", focused=True) == 0
    assert seen["only"] == ("R-CONCURRENT", "R-IDEMPOTENT")


# Correct designs first: their sessions run every case, the longest of the suite (see tests/conftest.py).
MATRIX = [*correct_designs(), *faulty_variants(), *DEPLOYMENTS]


@pytest.mark.slow
@pytest.mark.parametrize("name", MATRIX)
def test_the_selftest_catches_every_variant_and_nothing_else(name: str, tmp_path: Path):
    """The whole matrix, one session per test: the xdist workers share the sessions out between them.

    Focused, for time: a faulty variant runs only the cases of its catches (each must still fail), the
    correct system every case (nothing may fail). ``eprom-verify selftest`` runs every case on every variant.
    In the worker's process, for time too (a session's child process is the test below)."""
    out = io.StringIO()
    code = selftest(variants=[name], report_root=tmp_path, out=out, jobs=1, focused=True, in_process=True)
    assert code == 0, out.getvalue()
    assert "eprom-verify selftest: passed (1 sessions)" in out.getvalue()


@pytest.mark.slow
def test_a_session_in_its_own_process_judges_alike(tmp_path: Path):
    """``eprom-verify selftest`` runs each session in a child process (``--one``): caught there too, strict
    variant included (the child hands ``--eprom-strict`` on to its run)."""
    strict = next(name for name, record in faulty_variants().items() if record.strict)
    out = io.StringIO()
    assert selftest(variants=["stores_duplicates", strict], report_root=tmp_path, out=out, jobs=2,
                    focused=True) == 0, out.getvalue()
    assert "eprom-verify selftest: passed (2 sessions)" in out.getvalue()


def test_sessions_in_this_process_run_one_at_a_time():
    with pytest.raises(ValueError, match="one at a time"):
        selftest(variants=["correct"], jobs=2, in_process=True, out=io.StringIO())


def test_any_failure_on_a_correct_design_is_a_false_alarm():
    designs = correct_designs()
    assert len(designs) > 1 and not set(designs) & set(faulty_variants())
    assert judge_runs([run(name, set()) for name in designs]) == []
    assert judge_runs([run("downloads_signed_in_batch", {"R-RETURN-SIGNED"})]) == [
        "downloads_signed_in_batch: false alarm in R-RETURN-SIGNED"]


def test_the_correct_sender_designs_pass_a_whole_run():
    """Issue 10: forwarding invalid triggers and handling ePROM's 400, and a batch signed download, must pass
    ``eprom-verify run`` with nothing failed. Each is a must-pass record, so the whole-run matrix below runs it
    in full (never focused) and counts any failure as a false alarm."""
    from verification.commands.selftest import focus

    for name in ("forwards_invalid_triggers", "downloads_signed_in_batch"):
        assert VARIANTS[name].must_pass and focus(name) == ()
        assert name in MATRIX


def test_a_variant_record_says_what_is_expected_of_it():
    from verification.reference.behaviour import CORRECT, faulty

    with pytest.raises(ValueError, match="names the checks that catch it"):
        faulty("silent", "a fault nothing is expected to catch", CORRECT, catches=set())
    with pytest.raises(ValueError, match="why any collateral"):
        faulty("unexplained", "collateral without a reason", CORRECT, catches={"R-AUTH"}, collateral={"R-PVK"})
    assert judge_runs([run("no_such_variant", set())]) == ["no_such_variant: no variant record, so nothing is "
                                                           "expected of it"]


def test_the_recorded_check_registry_is_keyed_by_checklist_ids():
    from verification.scenarios.recorded import RECORDED_CHECKS
    from verification.spec.checklist import item

    assert all(item(check_id).id == check_id for check_id in RECORDED_CHECKS)
