"""The safety gate of ``eprom-verify run``: production refused with exit 4 before anything is sent (the
network is a tripwire here), the request cap checked against the plan, and ``--dry-run`` sending nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from direct_support import KEY, PERSON, PRODUCTION_UPSTREAM, REAL_UPSTREAM, Tripwire, write_target

from verification.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tripwire(monkeypatch) -> Tripwire:
    return Tripwire().install(monkeypatch)


def run(target: Path, tmp_path: Path, *extra: str) -> int:
    return main(["run", str(target), "--report-dir", str(tmp_path / "reports"), *extra])


PRODUCTION_TARGETS = [
    pytest.param({"upstream": PRODUCTION_UPSTREAM}, "ePROM production host", id="production-host"),
    pytest.param({"upstream": "https://api.pasientrapportering.nhn.no/webapi"}, "production host", id="subdomain"),
    pytest.param({"environment": "production"}, "environment is production", id="environment-production"),
]


@pytest.mark.parametrize(("changes", "rule"), PRODUCTION_TARGETS)
def test_a_production_target_exits_4_with_nothing_sent(tmp_path, tripwire, capsys, changes, rule):
    upstream = changes.pop("upstream", REAL_UPSTREAM)
    target = write_target(tmp_path / "target.yaml", upstream, **changes)
    assert run(target, tmp_path) == 4
    err = capsys.readouterr().err
    assert rule in err and "no active or fuzzing request is ever sent to production" in err
    assert "--dry-run" in err and "test or QA" in err, "the message says how to run the allowed pre-flight"
    assert tripwire.touched == [] and not (tmp_path / "reports").exists()


def test_a_production_target_is_refused_by_a_plain_pytest_run_too(tmp_path):
    target = write_target(tmp_path / "target.yaml", PRODUCTION_UPSTREAM)
    session = tmp_path / "session"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(REPO / "cases"), "-c", str(REPO / "cases" / "pytest.ini"),
         f"--rootdir={REPO / 'cases'}", f"--eprom-target={target}", f"--eprom-session-dir={session}", "-q"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "ePROM production host" in result.stderr
    assert not (session / "session.sqlite").exists(), "refused before any session was opened"


def test_the_plan_must_fit_the_request_cap_before_the_first_request(tmp_path, tripwire, capsys):
    target = write_target(tmp_path / "target.yaml", max_requests=3)
    assert run(target, tmp_path) == 4
    err = capsys.readouterr().err
    assert "needs 7 requests" in err and "allows 3" in err and "max_requests" in err
    assert tripwire.touched == []


def test_only_narrows_the_plan_under_the_cap(tmp_path, tripwire, capsys):
    target = write_target(tmp_path / "target.yaml", max_requests=3)
    assert run(target, tmp_path, "--dry-run", "--only", "P-API-KEY") == 0
    assert "2 request(s); at most 3" in capsys.readouterr().out


def test_direct_mode_with_only_non_p_ids_is_a_usage_error(tmp_path, capsys, monkeypatch):
    import pytest as pytest_module

    monkeypatch.setattr(pytest_module, "main", Tripwire().refuse("the cases were started"))
    target = write_target(tmp_path / "target.yaml")
    assert run(target, tmp_path, "--only", "R-AUTH") == 4
    assert "only the pre-flight checks run" in capsys.readouterr().err


def test_dry_run_prints_the_redacted_plan_and_sends_nothing(tmp_path, tripwire, capsys):
    target = write_target(tmp_path / "target.yaml")
    assert run(target, tmp_path, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "nothing is sent" in out and "a real run would be allowed" in out
    assert f"POST {REAL_UPSTREAM}/api/v2/formorder" in out and "Authorization: Basic **********" in out
    assert "266702*****" in out
    assert KEY not in out and PERSON not in out
    assert "PaperOnly" not in out and '"Basic"' not in out, "no paper or notifying rule toward a real environment"
    assert "P-FORM-CAPS paper: not verifiable: the safety rule forbids paper orders" in out
    assert tripwire.touched == [] and not (tmp_path / "reports").exists()


def test_dry_run_of_a_production_target_prints_the_plan_and_exits_4(tmp_path, tripwire, capsys):
    target = write_target(tmp_path / "target.yaml", environment="production")
    assert run(target, tmp_path, "--dry-run") == 4
    out = capsys.readouterr().out
    assert "a real run would be refused (exit 4)" in out and "environment is production" in out
    assert "pre-flight plan toward" in out and KEY not in out
    assert tripwire.touched == []


def test_dry_run_in_simulator_mode_says_the_kit_sends_nothing_to_eprom(tmp_path, tripwire, capsys):
    target = write_target(tmp_path / "target.yaml", eprom={"mode": "simulator", "listen": "127.0.0.1:0"})
    assert run(target, tmp_path, "--dry-run") == 0
    assert "sends no request to a real ePROM" in capsys.readouterr().out
    assert tripwire.touched == []
