"""A run killed midway says so, and a store that fails SQLite's integrity check yields no verdict (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

from evidence_support import SyntheticSession

from verification.evidence.commands import judge_command
from verification.session import mark_run_finished, mark_run_started


def _judge(session_dir: Path) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = judge_command(session_dir, target_path=None, say=lines.append, warn=lines.append)
    return code, lines


def test_judge_says_a_killed_run_was_cut_short_and_judges_what_ran(session: SyntheticSession):
    with session.store() as store:  # as the plugin leaves a run killed after two of its five cases
        mark_run_started(store, planned=5)
        for outcome in session.outcomes[:2]:
            store.save_case_outcome(outcome.nodeid, outcome.to_dict())
    code, lines = _judge(session.dir)
    assert code == 0, lines  # nothing failed among the cases that ran; the verdict is incomplete
    assert any("the run was cut short: 3 of 5 cases never ran" in line.lower() for line in lines), lines
    evidence = json.loads((session.dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["session"]["run"] == {"planned": 5, "ran": 2, "never_ran": 3, "finished": False,
                                          "cut_short": True}
    assert [case["nodeid"] for case in evidence["cases"]] == [o.nodeid for o in session.outcomes[:2]]
    assert evidence["verdict"] == "incomplete"
    assert "The run was cut short: 3 of 5 cases never ran" in (session.dir / "evidence" / "report.html").read_text()


def test_a_run_that_got_through_its_cases_is_not_cut_short(session: SyntheticSession):
    with session.store() as store:
        mark_run_started(store, planned=2)
        for outcome in session.outcomes[:2]:
            store.save_case_outcome(outcome.nodeid, outcome.to_dict())
        mark_run_finished(store)
    code, lines = _judge(session.dir)
    assert code == 0 and not any("cut short" in line for line in lines), lines
    evidence = json.loads((session.dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["session"]["run"]["cut_short"] is False
    assert "cut short" not in (session.dir / "evidence" / "report.html").read_text()


def test_judge_refuses_a_store_that_fails_the_integrity_check(session: SyntheticSession, deliberately_corrupt):
    store_file = deliberately_corrupt(session.dir / "session.sqlite")
    data = bytearray(store_file.read_bytes())
    page = 4096  # the second page: the exchanges table's first page
    data[page + 8: page + 4096] = bytes(range(256)) * 15 + bytes(range(248))  # garbage cells
    store_file.write_bytes(bytes(data))
    code, lines = _judge(session.dir)
    assert code == 3, lines
    assert len(lines) == 1 and "fails SQLite's integrity check" in lines[0] and "no evidence bundle" in lines[0]
    assert not (session.dir / "evidence").exists()
