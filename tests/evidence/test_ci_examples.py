"""The example nightly CI definitions stay valid: they parse, run on a schedule, call only commands and
options the CLI has, publish the JUnit results and the evidence bundle, and never the raw session store."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from verification.cli import _parser

CI_DIR = Path(__file__).resolve().parents[2] / "examples" / "ci"
GITHUB = CI_DIR / "github-actions-nightly.yml"
AZURE = CI_DIR / "azure-pipelines-nightly.yml"


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def shell_lines(path: Path) -> list[str]:
    document = load(path)
    steps = document["steps"] if "steps" in document else [s for job in document["jobs"].values() for s in job["steps"]]
    scripts = [step.get("run") or step.get("script") or "" for step in steps]
    return [line for script in scripts for line in script.splitlines()]


def eprom_verify_calls(path: Path) -> list[list[str]]:
    calls = []
    for line in shell_lines(path):
        for fragment in re.split(r";|&&|\bdo\b|\bdone\b", line):
            words = shlex.split(fragment, posix=True) if "eprom-verify" in fragment else []
            if words and words[0] == "eprom-verify":
                calls.append(words[1:])
    return calls


@pytest.mark.parametrize("path", [GITHUB, AZURE], ids=["github-actions", "azure-pipelines"])
def test_every_eprom_verify_call_is_a_valid_command_line(path: Path) -> None:
    calls = eprom_verify_calls(path)
    assert {call[0] for call in calls} >= {"run", "verify-evidence"}
    for call in calls:
        _parser().parse_args(call)  # SystemExit (a failure here) on an unknown command or option


def test_github_actions_runs_nightly_and_publishes_junit_and_the_bundle() -> None:
    document = load(GITHUB)
    triggers = document.get("on") or document.get(True)  # YAML 1.1 reads a bare `on` as true
    assert triggers["schedule"][0]["cron"]
    steps = document["jobs"]["eprom-verify"]["steps"]
    uses = {step.get("uses", "").split("@")[0]: step for step in steps}
    assert uses["actions/upload-artifact"]["with"]["path"] == "reports/*/evidence/"
    assert uses["mikepenz/action-junit-report"]["with"]["report_paths"].endswith("evidence/junit.xml")
    assert all(step.get("if") == "always()" for step in (uses["actions/upload-artifact"],
                                                         uses["mikepenz/action-junit-report"]))


def test_azure_pipelines_runs_nightly_and_publishes_junit_and_the_bundle() -> None:
    document = load(AZURE)
    assert document["schedules"][0]["cron"] and document["schedules"][0]["always"] is True
    tasks = {step["task"].split("@")[0]: step for step in document["steps"] if "task" in step}
    assert tasks["PublishTestResults"]["inputs"]["testResultsFormat"] == "JUnit"
    assert tasks["PublishTestResults"]["inputs"]["testResultsFiles"].endswith("evidence/junit.xml")
    assert tasks["PublishPipelineArtifact"]["inputs"]["targetPath"].endswith("/evidence")


@pytest.mark.parametrize("path", [GITHUB, AZURE], ids=["github-actions", "azure-pipelines"])
def test_the_raw_session_store_is_never_published(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "session.sqlite" not in text.replace("also hold session.sqlite", "")
    assert not re.search(r"(path|targetPath): *reports/? *$", text, re.MULTILINE)
