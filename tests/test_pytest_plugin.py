"""The plugin's behaviour, with pytester: its options and marker, the outcomes of the three check exceptions,
and what a run against a target prints (redacted)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

KEY = "plugin-test-key-5f2c9a7e41"
PERSON = "26670271527"  # ePROM's synthetic verification person

CASES = f'''
import pytest
from verification.checks.failure import CheckFailure, Deviation, NotVerifiable, Waiting


@pytest.mark.eprom("R-AUTH")
def test_check_failure():
    raise CheckFailure(check_id="R-AUTH", title="a wrong key was accepted",
                       deviations=[Deviation("success", True, "false or 4xx", "BR-23", None)])


@pytest.mark.eprom("R-IDEMPOTENT")
def test_not_verifiable():
    raise NotVerifiable("R-IDEMPOTENT", "no probe configured")


@pytest.mark.eprom("S-ROUND-TRIP")
def test_waiting():
    raise Waiting("S-ROUND-TRIP", "no C2 yet")


@pytest.mark.eprom("R-ROUTES")
def test_plain_error():
    print("sent {KEY} for {PERSON}")
    assert "{PERSON}" == "x", "compared {PERSON} with {KEY}"
'''

TARGET = f"""
name: Plugin test system
environment: test
api_key: {KEY}
eprom: {{mode: simulator, listen: "127.0.0.1:0"}}
bestillersystem:
  callback_base_url: http://127.0.0.1:9
  capabilities: [formorder]
forms: [{{id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: false, paper: false}}]
test_persons: ["{PERSON}"]
"""


def plugin_args() -> list[str]:
    """``-p`` the plugin unless its entry point loads it already (an installed kit)."""
    installed = any(ep.name == "eprom_verify" for ep in entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider", *([] if installed else ["-p", "verification.pytest_plugin"])]


def test_the_options_and_the_marker_are_registered(pytester: pytest.Pytester) -> None:
    helped = pytester.runpytest(*plugin_args(), "--help")
    for option in ("--eprom-target=FILE", "--eprom-session-dir=DIR", "--eprom-profile", "--eprom-only=ID",
                   "--eprom-strict"):
        assert option in helped.stdout.str(), option
    assert "@pytest.mark.eprom(*ids)" in pytester.runpytest(*plugin_args(), "--markers").stdout.str()


def test_the_three_check_exceptions_become_outcomes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cases=CASES)
    run = pytester.inline_run(*plugin_args(), "-p", "no:xdist")
    calls = {report.nodeid.split("::")[1]: report for report in run.getreports("pytest_runtest_logreport")
             if report.when == "call"}
    failure = calls["test_check_failure"]
    assert failure.failed and failure.eprom_failure["check_id"] == "R-AUTH"
    assert failure.eprom_ids == ["R-AUTH"]
    assert calls["test_not_verifiable"].skipped
    assert calls["test_not_verifiable"].longrepr[2] == "not verifiable: no probe configured"
    assert calls["test_waiting"].skipped and calls["test_waiting"].longrepr[2] == "waiting: no C2 yet"
    assert calls["test_plain_error"].failed and not hasattr(calls["test_plain_error"], "eprom_failure")


def test_a_run_against_a_target_prints_no_key_and_no_national_id(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cases=CASES)
    target = pytester.makefile(".yaml", target=TARGET)
    session_dir = pytester.path / "session"
    done = pytester.runpytest_subprocess(*plugin_args(), "-p", "no:xdist", f"--eprom-target={target}",
                                         f"--eprom-session-dir={session_dir}", "-v", "-rA", "--tb=long",
                                         "test_cases.py")
    printed = done.stdout.str() + done.stderr.str()
    done.assert_outcomes(failed=2, skipped=2)
    assert KEY not in printed and KEY[3:14] not in printed and PERSON not in printed, printed
    assert "sent ********** for person-1 (fødselsnummer, synthetic SyntPop)" in printed, printed
    assert "FAILED test_cases.py::test_plain_error - AssertionError: compared person-1" in printed, printed
    assert "FAILED [R-AUTH] R-AUTH (BR-23): sent success" in printed, printed  # the kit's own summary
