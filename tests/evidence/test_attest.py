"""Human attestations round-trip: from a YAML file and interactively (stdin), into the bundle."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from evidence_support import D_NUMBER, SyntheticSession, write

from verification.evidence.attest import (
    AttestationError,
    ask_attestations,
    load_attestations,
    read_attestation_file,
    save_attestations,
)
from verification.evidence.bundle import OUTCOMES_FILE
from verification.commands.evidence import attest_command
from verification.evidence.manifest import verify_manifest
from verification.evidence.results import human_items

REPO = Path(__file__).resolve().parents[2]


def png(path: Path) -> Path:
    """A 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
                     + chunk(b"IEND", b""))
    return path


@pytest.fixture
def judged(session: SyntheticSession) -> SyntheticSession:
    """A session whose bundle was written once (so outcomes.json exists for the rewrite)."""
    write(session)
    assert (session.dir / OUTCOMES_FILE).is_file()
    return session


def attestation_file(folder: Path) -> Path:
    png(folder / "v21.png")
    path = folder / "attest.yaml"
    path.write_text(
        "who: Kari Nordmann\n"
        "items:\n"
        "  V2.1: {verified: yes, when: '2025-05-02T10:15:00+02:00', notes: 'Answered RAND-12', screenshots: [v21.png]}\n"
        f"  V2.3: {{verified: no, notes: 'Cover letter names {D_NUMBER}'}}\n",
        encoding="utf-8",
    )
    return path


def test_file_round_trip_into_the_bundle(judged: SyntheticSession, tmp_path: Path) -> None:
    said: list[str] = []
    assert attest_command(judged.dir, file=attestation_file(tmp_path), say=said.append, warn=said.append) == 0
    stored = load_attestations(judged.dir)
    assert stored["V2.1"].verified and stored["V2.1"].who == "Kari Nordmann"
    assert stored["V2.1"].when == "2025-05-02T10:15:00+02:00"
    assert stored["V2.1"].screenshots[0].path == "attestations/V2.1-1.png"
    assert not stored["V2.3"].verified
    evidence = json.loads((judged.dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    items = {item["id"]: item for item in evidence["items"]}
    assert items["V2.3"]["status"] == "failed"
    assert items["V2.2"]["status"] == "pending attestation"
    assert items["V2.1"]["attestation"]["notes"] == "Answered RAND-12"
    assert "person-" in items["V2.3"]["attestation"]["notes"] and D_NUMBER not in json.dumps(evidence)
    report = (judged.dir / "evidence" / "report.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in report  # the screenshot is embedded
    assert verify_manifest(judged.dir / "evidence").ok


def test_attesting_again_keeps_earlier_answers(judged: SyntheticSession, tmp_path: Path) -> None:
    attest_command(judged.dir, file=attestation_file(tmp_path), say=print, warn=print)
    second = tmp_path / "more.yaml"
    second.write_text("items:\n  S-SIGN.2: {verified: yes, who: Ola}\n", encoding="utf-8")
    assert attest_command(judged.dir, file=second, say=print, warn=print) == 0
    assert sorted(load_attestations(judged.dir)) == ["S-SIGN.2", "V2.1", "V2.3"]


def test_a_bad_file_lists_every_problem_and_records_nothing(judged: SyntheticSession, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "items:\n"
        "  V1.1: {verified: yes, who: A}\n"
        "  V2.2: {verified: maybe, who: A}\n"
        "  V2.5: {verified: yes}\n"
        "  V2.7: {verified: yes, who: A, when: yesterday, screenshots: [nope.png], colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(AttestationError) as caught:
        read_attestation_file(path, judged.dir)
    problems = "\n".join(caught.value.problems)
    for expected in ("V1.1: not an item a person attests", "V2.2: verified must be yes or no",
                     "V2.5: who attests is missing", "V2.7: when 'yesterday'", "V2.7: screenshot",
                     "V2.7: unknown key 'colour'"):
        assert expected in problems
    said: list[str] = []
    assert attest_command(judged.dir, file=path, say=said.append, warn=said.append) == 4
    assert load_attestations(judged.dir) == {}


def test_interactive_answers_with_defaults_and_skips(judged: SyntheticSession, tmp_path: Path) -> None:
    shot = png(tmp_path / "shot.png")
    answers = iter([
        "y", "Kari", "", "looks right", str(shot),  # V2.1: yes, now, one screenshot
        "",  # V2.2: skipped, stays pending
        "n", "", "2025-05-02T11:00:00+02:00", "wrong logo", "",  # V2.3: no; who defaults to Kari
    ])
    given = ask_attestations(judged.dir, items=human_items()[:3], ask=lambda prompt: next(answers),
                             say=lambda line: None)
    assert sorted(given) == ["V2.1", "V2.3"]
    assert given["V2.3"].who == "Kari" and given["V2.3"].notes == "wrong logo" and not given["V2.3"].verified
    assert len(given["V2.1"].screenshots) == 1
    save_attestations(judged.dir, given)
    assert load_attestations(judged.dir) == given


def test_interactive_through_stdin_of_the_real_command(judged: SyntheticSession) -> None:
    # V2.1 yes, V2.2 no, then end of input: the rest stays pending.
    stdin = "y\nKari Nordmann\n\nAnswered the form\n\nn\n\n\nForm text cut off\n\n"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "verification.cli", "attest", str(judged.dir)], input=stdin,
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "recorded 2 attestation(s)" in done.stdout
    stored = load_attestations(judged.dir)
    assert stored["V2.1"].verified and not stored["V2.2"].verified
    assert stored["V2.2"].who == "Kari Nordmann" and stored["V2.2"].notes == "Form text cut off"
    evidence = json.loads((judged.dir / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    assert {i["id"]: i["status"] for i in evidence["items"]}["V2.5"] == "pending attestation"


def test_attest_refuses_a_folder_that_is_not_a_session(tmp_path: Path) -> None:
    said: list[str] = []
    assert attest_command(tmp_path, file=None, ask=lambda p: "", say=said.append, warn=said.append) == 4
    assert "not a session folder" in said[0]
