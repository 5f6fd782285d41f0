"""The bundle: evidence.json with every ID, the files beside it, judge rebuilding it, compare."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from evidence_support import KEY, ORDER_ID, VERIFICATION_PERSON, SyntheticSession, make_session, write

from verification import __version__
from verification.evidence import BundleResult, rebuild_bundle
from verification.evidence.bundle import harvest_credentials, load_outcomes
from verification.commands.evidence import judge_command
from verification.evidence.compare import compare_evidence, load_evidence
from verification.evidence.manifest import verify_manifest
from verification.evidence.results import STATUSES
from verification.recorder.store import Exchange
from verification.spec.checklist import load_checklist


def evidence(bundle: BundleResult) -> dict:
    return json.loads((bundle.bundle_dir / "evidence.json").read_text(encoding="utf-8"))


def test_evidence_json_has_every_checklist_and_catalogue_id_with_an_honest_status(bundle: BundleResult) -> None:
    document = evidence(bundle)
    assert [item["id"] for item in document["items"]] == [entry.id for entry in load_checklist()]
    for item in document["items"]:
        assert item["status"] in STATUSES and item["reason"], item["id"]
        assert item["requirement_en"] and item["how_verified"] and item["spec"]["url"].startswith("https://")
    items = {item["id"]: item for item in document["items"]}
    assert items["S-ORDER-BODY"]["status"] == "failed" and items["S-ORDER-BODY"]["exchange_ids"] == [1]
    assert items["R-STATUS-ORDERED"]["status"] == "passed" and items["R-STATUS-ORDERED"]["exchange_ids"] == [2]
    assert items["S-ROUND-TRIP"]["status"] == "waiting"
    assert items["V2.2"]["status"] == "pending attestation"
    assert items["R-PVK"]["status"] == "not applicable"  # the target does not declare personvern
    assert document["unknown_ids"] == ["X-UNKNOWN"]
    assert document["verdict"] == "failed" and sum(document["counts"].values()) == len(load_checklist())


def test_evidence_json_describes_the_session_and_the_system(bundle: BundleResult) -> None:
    document = evidence(bundle)
    assert document["format"] == "eprom-verify-evidence/1"
    assert document["session"]["kit_version"] == __version__ and document["session"]["profile"] == "certification"
    assert document["system"]["name"] == "Norsk testregister"
    assert document["system"]["test_persons"] == ["person-1 (fødselsnummer, synthetic SyntPop)", "person-2 (D-nummer)"]
    assert document["eprom"]["mode"] == "simulator"
    assert len(document["exchanges"]) == 6 and document["exchanges"][0]["id"] == 1
    assert document["hypothesis"]["cases"][0]["examples"] == {"passing": 100, "failing": 0, "invalid": 0}
    assert document["redaction"]["enabled"] is True
    assert "callback PUT /api/promsformorder" in document["observed"]["fields"]


def test_the_failed_check_carries_its_deviations_redacted(bundle: BundleResult) -> None:
    items = {item["id"]: item for item in evidence(bundle)["items"]}
    deviations = items["S-ORDER-BODY"]["failures"][0]["deviations"]
    assert deviations[0]["received"] == {"$redacted": "physicalAddress", "type": "number", "length": 4}
    assert deviations[1]["received"] == "person-1 (fødselsnummer, synthetic SyntPop)"


def test_the_files_beside_evidence_json(bundle: BundleResult) -> None:
    target = yaml.safe_load((bundle.bundle_dir / "target.redacted.yaml").read_text(encoding="utf-8"))
    assert target["api_key"] == "**********" and target["name"] == "Norsk testregister"
    assert f"eprom-verify {__version__}" in (bundle.bundle_dir / "kit-version.txt").read_text(encoding="utf-8")
    junit = (bundle.bundle_dir / "junit.xml").read_text(encoding="utf-8")
    assert "test_order_body[person-2 (D-nummer)]" in junit
    pointer = (bundle.bundle_dir.parent / "report.html").read_text(encoding="utf-8")
    assert 'url=evidence/report.html' in pointer
    page = (bundle.bundle_dir / "pytest-report.html").read_text(encoding="utf-8")
    assert 'data-jsonblob="' in page and "**********" in page


def test_judge_rebuilds_the_same_verdict_with_stable_aliases(bundle: BundleResult) -> None:
    session_dir = bundle.bundle_dir.parent
    before = evidence(bundle)
    outcomes, meta = load_outcomes(session_dir)
    assert len(outcomes) == 6 and meta["profile"] == "certification"
    again = rebuild_bundle(session_dir)  # no target given: the key is harvested from the store
    after = evidence(again)
    assert [(i["id"], i["status"]) for i in after["items"]] == [(i["id"], i["status"]) for i in before["items"]]
    assert after["redaction"]["aliases"] == before["redaction"]["aliases"]
    assert after["exchanges"] == before["exchanges"]
    assert after["system"]["test_persons"] == before["system"]["test_persons"]
    assert (again.bundle_dir / "pytest-report.html").read_bytes() == (bundle.bundle_dir / "pytest-report.html").read_bytes()
    assert again.leaks == [] and verify_manifest(again.bundle_dir).ok


def test_judge_command_exit_codes(bundle: BundleResult, tmp_path: Path) -> None:
    said: list[str] = []
    assert judge_command(bundle.bundle_dir.parent, say=said.append, warn=said.append) == 1  # a check failed
    assert any("evidence bundle" in line for line in said)
    assert judge_command(tmp_path, say=said.append, warn=said.append) == 4
    assert "not a session folder" in said[-1]


def test_credentials_are_harvested_from_every_position() -> None:
    exchanges = [
        Exchange("to_eprom", "system", "POST", "http://h/x", {"Authorization": "Basic key-in-the-header"}),
        Exchange("to_system", "kit", "PUT", "http://h/y", {"apiKey": "key-in-an-apikey-header"}),
        Exchange("to_eprom", "system", "POST", "http://h/z?apiKey=key-in-the-query", {},
                 json.dumps({"apiKey": "key-in-the-body", "other": "not-a-key-at-all"})),
        Exchange("to_system", "kit", "PUT", "http://h/w", {"Authorization": "Basic short"}),
    ]
    assert sorted(harvest_credentials(exchanges)) == [
        "key-in-an-apikey-header", "key-in-the-body", "key-in-the-header", "key-in-the-query"]


def test_compare_lists_new_failures_fixed_items_and_new_fields(tmp_path: Path) -> None:
    old = make_session(tmp_path / "old")
    old.outcomes[2].outcome, old.outcomes[2].failure = "passed", None  # S-ORDER-BODY passed back then
    old.outcomes[0].outcome = "failed"  # R-STATUS-ORDERED failed back then
    write(old)
    new = make_session(tmp_path / "new")
    with new.store() as store:
        store.record(Exchange("to_system", "simulator", "PUT", "http://h/api/PromsFormOrder", {},
                              json.dumps({"formOrderId": ORDER_ID, "formOrderStatus": "DigipostDelivered",
                                          "timestampUtc": "2025-01-01T00:00:00Z"}), 200))
    write(new)
    comparison = compare_evidence(load_evidence(new.dir), load_evidence(old.dir / "evidence"))
    assert [i for i, _, _ in comparison.new_failures][:1] == ["V1.1"]
    assert "S-ORDER-BODY" in [i for i, _, _ in comparison.new_failures]
    assert ("R-STATUS-ORDERED", "failed", "passed") in comparison.fixed
    assert comparison.new_fields["callback PUT /api/promsformorder"] == ["timestampUtc"]
    assert comparison.new_enum_values["callback PUT /api/promsformorder"] == {"formOrderStatus": ["DigipostDelivered"]}
    lines = comparison.lines()
    assert "new enum value from ePROM: callback PUT /api/promsformorder: formOrderStatus = DigipostDelivered" in lines
    said: list[str] = []
    assert judge_command(new.dir, compare=old.dir, say=said.append, warn=said.append) == 1
    assert "  fixed: R-STATUS-ORDERED (failed → passed)" in said


def test_nothing_secret_reaches_the_terminal_lines(session: SyntheticSession) -> None:
    result = write(session)
    text = "\n".join(result.lines())
    assert KEY not in text and VERIFICATION_PERSON not in text


def test_a_failure_shows_its_request_as_curl_with_the_key_as_a_variable(bundle: BundleResult) -> None:
    exchanges = {x["id"]: x for x in evidence(bundle)["exchanges"]}
    curl = exchanges[1]["curl"]  # S-ORDER-BODY failed on exchange 1
    assert curl.startswith("curl -sS -X POST") and '"${EPROM_API_KEY}"' in curl
    assert KEY not in curl and VERIFICATION_PERSON not in curl and "person-1 (" in curl
    assert "curl" not in exchanges[2]  # no failure rests on it
    report = (bundle.bundle_dir / "report.html").read_text(encoding="utf-8")
    assert "As curl (redacted; the key is read from $EPROM_API_KEY)" in report
