"""The receiver cases against a system that has no trigger: with ``accepts_unknown_orders: true`` they use
the kit's own order ids (R-UNKNOWN-ORDER not applicable); without it every positive case is reported as
not run, with the reason, and nothing passes silently. Full sessions against the reference system."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import yaml

from verification.config import load_target
from verification.commands.demo import DEMO_KEY_VARIABLE, free_port, write_demo_target
from verification.evidence.bundle import load_outcomes
from verification.scenarios.receiver import NO_LETTERS, NO_ORDERS
from verification.reference import run_reference_system
from verification.runner import run_session
from verification.spec.checklist import load_checklist

RECEIVER = sorted(e.id for e in load_checklist() if e.kind == "check" and e.area == "receiver")
FUZZ = {"R-ENUM-FORMS", "R-TIMESTAMPS", "R-FORWARD-COMPAT"}
NEEDS_ORDERS = {"R-STATUS-ORDERED", "R-STATUS-ERROR", "R-STATUS-OTHER", "R-RETURN-COMPLETED", "R-RETURN-EXPIRED",
                "R-RETURN-PAPER", "R-RETURN-SIGNED", "R-IDEMPOTENT", "R-CONCURRENT", "R-ORDERING", "R-AUTH",
                "R-ROUTES", "R-MESSAGE-STATUS"}


def session_without_trigger(tmp_path: Path, *, behaviour: str, accepts_unknown_orders: bool,
                            kinds: tuple[str, ...] = (),
                            only: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """Run the receiver cases (not the fuzz ones) once, with no trigger or only those of ``kinds``; the
    outcome of each case, by its check ID."""
    os.environ.setdefault(DEMO_KEY_VARIABLE, f"test-{secrets.token_urlsafe(18)}")
    session_dir, port = tmp_path / "session", free_port()
    session_dir.mkdir()
    with run_reference_system(eprom_base_url=f"http://127.0.0.1:{port}/promswebapi",
                              api_key=os.environ[DEMO_KEY_VARIABLE], behaviour=behaviour) as reference:
        target_path = session_dir / "target.yaml"
        write_demo_target(target_path, eprom_port=port, reference=reference)
        document = yaml.safe_load(target_path.read_text())
        trigger = document["bestillersystem"].pop("trigger")
        if "order" in kinds:
            document["bestillersystem"]["trigger"] = {key: value for key, value in trigger.items()
                                                      if key not in {"message", "sms", "email", "personvern"}
                                                      or key in kinds}
        document["bestillersystem"]["accepts_unknown_orders"] = accepts_unknown_orders
        target_path.write_text(yaml.safe_dump(document))
        code = run_session(load_target(target_path), target_path, report_root=tmp_path, quiet=True,
                           only=list(only) or [i for i in RECEIVER if i not in FUZZ], session_dir=session_dir)
    assert code in (0, 1)
    outcomes: dict[str, set[str]] = {}
    for case in load_outcomes(session_dir)[0]:
        for item_id in set(case.ids) & set(RECEIVER):
            outcomes.setdefault(item_id, set()).add(case.outcome if case.outcome != "skipped" else case.reason)
    return outcomes


def test_a_system_that_acks_any_order_is_verified_with_the_kits_own_ids(tmp_path: Path):
    outcomes = session_without_trigger(tmp_path, behaviour="stores_unknown_orders", accepts_unknown_orders=True)
    assert outcomes["R-UNKNOWN-ORDER"] == {"the target declares accepts_unknown_orders: true"}
    assert outcomes["R-RETURN-SIGNED"] == {"not run: a signed document exists only for an order the system "
                                           "placed (no trigger)"}
    # The overtaking C1 needs an E1 answer to overtake: the one R-ORDERING case without a trigger.
    overtaking = "not run: only an order the system places itself has an E1 answer to overtake (no trigger)"
    for check in NEEDS_ORDERS - {"R-RETURN-SIGNED"}:
        assert outcomes[check] - {overtaking} == {"passed"}, (check, outcomes[check])


def test_without_trigger_or_unknown_orders_the_positive_cases_are_not_run(tmp_path: Path):
    outcomes = session_without_trigger(tmp_path, behaviour="correct", accepts_unknown_orders=False)
    for check in NEEDS_ORDERS:
        assert outcomes[check] == {NO_ORDERS}, (check, outcomes[check])
    for check in ("R-PATIENT-INITIATED", "R-UNKNOWN-ORDER", "R-MALFORMED", "R-PVK", "R-NO-LEAK", "R-LATENCY"):
        assert outcomes[check] == {"passed"}, (check, outcomes[check])


def test_with_an_order_trigger_but_no_message_trigger_letter_status_is_not_run(tmp_path: Path):
    """ePROM reports (C3) only on letters the system sent: with no way to make it send one, and no promise to
    acknowledge any id, the letter case is not run, with the reason (it ended in an error before)."""
    outcomes = session_without_trigger(tmp_path, behaviour="correct", accepts_unknown_orders=False,
                                       kinds=("order",), only=("R-MESSAGE-STATUS", "R-STATUS-ORDERED"))
    assert outcomes == {"R-MESSAGE-STATUS": {NO_LETTERS}, "R-STATUS-ORDERED": {"passed"}}
