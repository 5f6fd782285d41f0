"""A console that leads with causes (issue 13, finding 5): one S-AUTH-HEADER bug left 15 receiver checks not
run, listed first; one-line summaries were cut mid-word; -q printed kit-internal tracebacks; the
reproduction shown was hypothesis' ``@reproduce_failure``, which a vendor cannot use."""

from __future__ import annotations

from pathlib import Path

from verification.console import blocked_by_no_order, causes_first, check_line, wrapped
from verification.commands.demo import run_demo


def _failure(check_id: str, received: str = "HTTP 401") -> dict:
    return {"check_id": check_id, "deviations": [
        {"field": "E1 Authorization", "received": received, "expected": "'Basic <raw key>'", "rule": "BR-01"}]}


def test_an_order_path_failure_that_blocked_cases_comes_first():
    failures = [_failure("S-ROUND-TRIP"), _failure("S-ORDER-SENT"), _failure("S-AUTH-HEADER")]
    blocked = blocked_by_no_order(["the system placed no order to call back about: trigger failed: …",
                                   "no channel probe configured"])
    causes, rest = causes_first(failures, blocked)
    assert blocked == 1
    assert [f["check_id"] for f in causes] == ["S-AUTH-HEADER", "S-ORDER-SENT"]
    assert [f["check_id"] for f in rest] == ["S-ROUND-TRIP"]
    assert causes_first(failures, 0) == ([], failures), "no blocked case: no cause to lead with"


def test_long_values_end_at_a_word_and_wrapping_never_cuts_one():
    words = " ".join(f"word{n}" for n in range(200))
    line = check_line(_failure("R-AUTH", received=words))
    received = line.split(" — got ")[1].split(" — ")[0]
    assert received.endswith(" …") and all(part.startswith("word") for part in received[:-2].split())
    lines = wrapped("FAILED [R-AUTH] ", line, 80)
    assert {w for part in lines for w in part.split()} >= set(received[:-2].split())
    assert all(len(part) <= 80 for part in lines)


def test_a_real_run_leads_with_the_cause_shows_curl_and_no_traceback(tmp_path: Path, capfd):
    code = run_demo(report_root=tmp_path, quiet=True, variant="rfc_basic_auth", only=[
        "S-AUTH-HEADER", "S-ORDER-SENT", "R-STATUS-ORDERED", "R-AUTH"])
    out = capfd.readouterr().out
    assert code == 1
    section = out[out.index("eprom-verify: failed checks (the cause first)"):]
    assert section.splitlines()[1].startswith("CAUSE [S-AUTH-HEADER] S-AUTH-HEADER (S-AUTH-HEADER.2)")
    assert "case(s) were not run because no order was placed" in section
    assert "Traceback" not in out and "def test_" not in out and "@reproduce_failure" not in out
    assert "short test summary info" not in out  # pytest's summary cuts lines mid-word


def test_a_failed_callback_check_is_reproduced_as_curl(tmp_path: Path, capfd):
    code = run_demo(report_root=tmp_path, quiet=True, variant="missing_auth_check", only=["R-AUTH"])
    out = capfd.readouterr().out
    assert code == 1
    section = out[out.index("eprom-verify: failed checks"):]
    assert "reproduce (exchange #" in section and "curl -sS -X PUT 'http://127.0.0.1:" in section
    assert "@reproduce_failure" not in out
