"""Retention (issue 13, finding 9: reports/ grew to 27 MB after 25 runs): ``eprom-verify clean``,
``reports.keep: N`` in the target, and only session folders are ever removed."""

from __future__ import annotations

from pathlib import Path

import yaml

from verification.cli import main
from verification.config import load_target
from verification.retention import prune, session_folders

TARGET = """\
name: Retention test system
environment: test
api_key: retention-key-0123456789
eprom: {mode: simulator, listen: "127.0.0.1:0"}
bestillersystem: {callback_base_url: "http://127.0.0.1:9", capabilities: [formorder]}
forms: [{id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: false, paper: false}]
reports: {keep: 2}
"""


def _sessions(root: Path, target_name: str, stamps: list[str]) -> list[Path]:
    folders = []
    for stamp in stamps:
        folder = root / f"202601{stamp}T000000Z-abcdef"
        (folder / "evidence").mkdir(parents=True)
        (folder / "evidence" / "target.redacted.yaml").write_text(yaml.safe_dump({"name": target_name}))
        folders.append(folder)
    return folders


def test_reports_keep_is_read_from_the_target(tmp_path: Path):
    (tmp_path / "target.yaml").write_text(TARGET)
    assert load_target(tmp_path / "target.yaml").reports_keep == 2


def test_prune_keeps_the_newest_of_that_target_and_nothing_but_session_folders(tmp_path: Path):
    root = tmp_path / "reports"
    mine = _sessions(root, "Retention test system", ["01", "02", "03", "04"])
    other = _sessions(root, "Another system", ["05"])
    (root / "notes").mkdir()
    (root / "README.txt").write_text("kept")
    removed = prune(root, 2, "Retention test system")
    assert removed == [mine[1], mine[0]]
    assert session_folders(root) == [other[0], mine[3], mine[2]]
    assert (root / "notes").is_dir() and (root / "README.txt").is_file()


def test_clean_command_uses_the_targets_keep(tmp_path: Path, capsys):
    (tmp_path / "target.yaml").write_text(TARGET)
    root = tmp_path / "reports"
    _sessions(root, "Retention test system", ["01", "02", "03"])
    assert main(["clean", str(tmp_path / "target.yaml"), "--report-dir", str(root)]) == 0
    assert "removed 1 session folder(s), kept 2" in capsys.readouterr().out
    assert main(["clean", "--report-dir", str(root)]) == 4  # no target, no --keep: say how many
    assert main(["clean", "--keep", "1", "--report-dir", str(root)]) == 0
    assert len(session_folders(root)) == 1


def test_a_run_that_selects_no_case_leaves_no_session_folder(tmp_path: Path, capfd):
    from verification.runner import run_session

    (tmp_path / "target.yaml").write_text(TARGET)
    root = tmp_path / "reports"
    code = run_session(load_target(tmp_path / "target.yaml"), tmp_path / "target.yaml", report_root=root,
                       only=["BR-02"], quiet=True, doctor=False)  # a rule no case names: nothing is sent
    assert code == 1 and "no case was applicable" in capfd.readouterr().err
    assert session_folders(root) == []


def test_clean_needs_no_api_key_in_the_environment(tmp_path: Path, monkeypatch, capsys):
    """``clean`` reads the target's name and reports.keep only: an unset ``${EPROM_API_KEY}`` is no error."""
    (tmp_path / "target.yaml").write_text(TARGET.replace("retention-key-0123456789", "${EPROM_API_KEY}"))
    monkeypatch.delenv("EPROM_API_KEY", raising=False)
    root = tmp_path / "reports"
    _sessions(root, "Retention test system", ["01", "02", "03"])
    assert main(["clean", str(tmp_path / "target.yaml"), "--report-dir", str(root)]) == 0
    assert "removed 1 session folder(s), kept 2" in capsys.readouterr().out
