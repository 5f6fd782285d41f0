"""The leak scan finds a planted key or national id, names the file and offset, and never the value."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from evidence_support import D_NUMBER, EVERY_CLASS, KEY, VERIFICATION_PERSON, SyntheticSession, bundle_text, write

from verification.evidence import BundleError, BundleResult, scan_bundle
from verification.evidence.bundle import LEAK_FILE
from verification.evidence.manifest import MANIFEST


def test_a_finished_bundle_has_neither_the_key_nor_any_person(bundle: BundleResult) -> None:
    assert bundle.leaks == [] and bundle.exit_code == 1  # 1: the synthetic session has a failed check
    for name, data in bundle_text(bundle.bundle_dir).items():
        assert KEY.encode() not in data, name
        assert base64.b64encode(KEY.encode()) not in data, name
        for number in EVERY_CLASS:
            assert number.encode() not in data, (name, number)


def test_the_redacted_raw_files_left_in_the_session_folder_are_clean(bundle: BundleResult) -> None:
    session_dir = bundle.bundle_dir.parent
    for name in ("junit.xml", "report.html", "outcomes.json"):
        data = (session_dir / name).read_bytes()
        assert KEY.encode() not in data and VERIFICATION_PERSON.encode() not in data, name


def test_a_planted_key_and_person_are_found_with_file_and_offset(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "clean.txt").write_text("nothing to see; person-1 (D-nummer); 26670271528", encoding="utf-8")
    (tmp_path / "sub" / "log.txt").write_text(f"abc {KEY} def", encoding="utf-8")
    (tmp_path / "page.html").write_text(f"<td>{base64.b64encode(KEY.encode()).decode()}</td>", encoding="utf-8")
    (tmp_path / "data.json").write_text(f'{{"n": "{D_NUMBER}", "m": "x{VERIFICATION_PERSON}9"}}', encoding="utf-8")
    leaks = scan_bundle(tmp_path, secrets=[KEY], national_ids=[VERIFICATION_PERSON])
    found = {(leak.file, leak.offset, leak.kind) for leak in leaks}
    assert found == {
        ("sub/log.txt", 4, "the API key"),
        ("page.html", 4, "the API key"),
        ("data.json", 7, "national id (D-nummer)"),  # unknown to the session, found by its check digits
        ("data.json", 28, "national id (fødselsnummer, synthetic SyntPop)"),  # known, even inside digits
    }
    for leak in leaks:
        assert KEY not in str(leak) and D_NUMBER not in str(leak) and VERIFICATION_PERSON not in str(leak)


def test_a_leaking_bundle_fails_and_gets_no_manifest(session: SyntheticSession) -> None:
    result = write(session, profile="quick", redaction=False)  # redaction off: for debugging the kit only
    assert result.leaks and result.exit_code == 1
    assert not (result.bundle_dir / MANIFEST).exists()
    listing = (result.bundle_dir / LEAK_FILE).read_text(encoding="utf-8")
    assert "evidence.json: byte offset" in listing and KEY not in listing
    assert any("LEAK SCAN FAILED" in line for line in result.lines())
    assert all(KEY not in line and VERIFICATION_PERSON not in line for line in result.lines())


def test_the_certification_profile_cannot_turn_redaction_off(session: SyntheticSession) -> None:
    with pytest.raises(BundleError, match="certification profile cannot turn redaction off"):
        write(session, profile="certification", redaction=False)
    assert not (session.dir / "evidence").exists()
