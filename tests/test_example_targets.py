"""Example targets that exercise everything (issue 13, finding 3: the README's one form had signing: true,
so the every-channel check and round_trip[NoDistribution] were silently not applicable), and every check
that does not run names the target line that would run it."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from cases.conftest import NO_TEST_PERSONS, first_form, require_capability, require_trigger
from verification.config import load_target, parse_target
from verification.spec.enums import CAPABILITIES

ROOT = Path(__file__).resolve().parents[1]
# Every (signing, paper) a case asks first_form for (cases/*.py).
WANTED = [(None, None), (True, None), (False, None), (None, True), (None, False), (True, False), (False, True)]


def test_the_example_target_has_a_form_for_every_case_and_declares_everything(monkeypatch):
    monkeypatch.setenv("EPROM_API_KEY", "example-key-0123456789")
    target = load_target(ROOT / "examples" / "target.simulator.yaml")
    for signing, paper in WANTED:
        first_form(target, signing=signing, paper=paper)  # a skip here fails the test
    assert set(target.bestillersystem.capabilities) == set(CAPABILITIES)
    probe = target.bestillersystem.probe
    assert target.bestillersystem.trigger and all((probe.status, probe.answers, probe.signed, probe.channel))


def test_the_readme_target_runs_the_no_distribution_round_trip():
    block = re.search(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    target = parse_target(yaml.safe_load(block), environ={"EPROM_API_KEY": "readme-key-0123456789"})
    assert first_form(target, signing=False).name and first_form(target, signing=True).name


def _skip_reason(call) -> str:
    with pytest.raises(pytest.skip.Exception) as skipped:
        call()
    return str(skipped.value)


def test_each_skip_names_the_target_line_that_would_run_it():
    target = SimpleNamespace(forms=(), bestillersystem=SimpleNamespace(capabilities=frozenset({"formorder", "sms"})))
    assert "write bestillersystem.capabilities: [formorder, sms, signing]" in _skip_reason(
        lambda: require_capability(target, "signing"))
    assert "add under forms: - {id: <form GUID>, name: <name>, signing: false}" in _skip_reason(
        lambda: first_form(target, signing=False))
    assert "trigger: {url: <your system>/_trigger/order}" in _skip_reason(
        lambda: require_trigger(SimpleNamespace(has_trigger=False)))
    assert 'add test_persons: ["26670271527"]' in NO_TEST_PERSONS
