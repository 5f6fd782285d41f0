"""Paths and permissions (issue 12): a --report-dir that is a file, unwritable or on a full disk, and a
disk that fills while judge writes the bundle, end in exit 4 with one message, never a traceback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml
from evidence_support import SyntheticSession

from verification.cli import main

TARGET = {
    "name": "Report dir test system", "environment": "test", "api_key": "${EPROM_REPORT_DIR_TEST_KEY}",
    "eprom": {"mode": "simulator", "listen": "127.0.0.1:0"}, "test_persons": ["26670271527"],
    "bestillersystem": {"callback_base_url": "http://127.0.0.1:9", "capabilities": ["formorder"]},
    "forms": [{"id": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "name": "RAND-12", "signing": False, "paper": False}],
}


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EPROM_REPORT_DIR_TEST_KEY", "report-dir-key-7Yq2")
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(TARGET), encoding="utf-8")
    return path


def _one_message(capsys: pytest.CaptureFixture[str]) -> str:
    printed = capsys.readouterr()
    lines = [line for line in (printed.out + printed.err).splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


def test_a_report_dir_that_is_a_file(target: Path, tmp_path: Path, capsys) -> None:
    report_dir = tmp_path / "reports"
    report_dir.write_text("not a folder", encoding="utf-8")
    assert main(["run", str(target), "--report-dir", str(report_dir)]) == 4
    assert f"--report-dir {report_dir} cannot hold session folders" in _one_message(capsys)


def test_a_report_dir_inside_a_file(target: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["demo", "--report-dir", str(tmp_path / "file" / "reports")]) == 4
    assert "cannot hold session folders" in _one_message(capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_unwritable_report_dir(target: Path, tmp_path: Path, capsys) -> None:
    report_dir = tmp_path / "reports"
    report_dir.mkdir(mode=0o500)
    assert main(["run", str(target), "--report-dir", str(report_dir)]) == 4
    assert "Permission denied" in _one_message(capsys)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_full_or_refusing_disk_under_the_report_dir(target: Path, tmp_path: Path, capsys, monkeypatch, code) -> None:
    def refuse(_fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", refuse)  # where a full disk shows for the probe's buffered write
    assert main(["run", str(target), "--report-dir", str(tmp_path / "reports")]) == 4
    assert os.strerror(code) in _one_message(capsys)
    assert not (tmp_path / "reports").exists() and not list(tmp_path.glob(".eprom-verify-write-test-*"))


def test_a_disk_that_fills_while_judge_writes_the_bundle(session: SyntheticSession, capsys, monkeypatch) -> None:
    real_write_text = Path.write_text

    def full(self: Path, *args, **kwargs):
        if self.name == "evidence.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["judge", str(session.dir)]) == 4
    message = _one_message(capsys)
    assert "No space left on device" in message and "evidence.json" in message
