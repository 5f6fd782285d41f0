"""The example nightly CI definitions stay valid: they parse, run on a schedule, call only commands and
options the CLI has, publish the JUnit results and the evidence bundle, and never the raw session store;
every install line there and in the README installs the wheel this repository builds."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import sysconfig
import zipfile
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


# -- every install line works against the wheel this repository builds (offline) ----------------------------

REPO = CI_DIR.parents[1]
INSTALL = re.compile(r"pip install (?P<args>[^&;`\n]+)")


def install_lines() -> list[tuple[str, str]]:
    """(where, the arguments of ``pip install``) for each install line of the CI examples and the README."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    found = [("README.md", m["args"].strip()) for m in INSTALL.finditer(setup)]
    for path in sorted(CI_DIR.glob("*.yml")):
        found += [(path.name, m["args"].strip()) for line in shell_lines(path) for m in INSTALL.finditer(line)]
    return found


def requirement_on_the_wheel(args: str, wheel: Path) -> str:
    """The requirement an install line means, as ``eprom-verify[extras]==VERSION`` of the built wheel: the
    repository itself (``-e ".[test]"``) or a wheel file whose name pins exactly this version."""
    words = shlex.split(args)
    source = words[-1]
    target, _, extras = source.partition("[")
    if words[:-1] == ["-e"] and target == ".":
        pass  # the repository's working tree
    else:
        assert words[:-1] == [], f"{args}: only the wheel file or the repository are installable"
        assert Path(target).name == wheel.name, f"{args}: the wheel file must be {wheel.name} (the version pinned)"
    version = wheel.name.split("-")[1]
    return f"eprom-verify[{extras.rstrip(']')}]=={version}" if extras else f"eprom-verify=={version}"


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this working tree, built once per session without network (setuptools is in `test`)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--wheel-dir", str(dist), str(REPO)], check=True, timeout=300,
                   cwd=tmp_path_factory.mktemp("build"))
    (wheel,) = dist.glob("eprom_verify-*.whl")
    return wheel


def test_the_wheel_ships_the_cases_inside_verification_and_no_top_level_cases(built_wheel: Path) -> None:
    names = zipfile.ZipFile(built_wheel).namelist()
    assert "verification/cases/conftest.py" in names and "verification/cases/pytest.ini" in names
    assert "verification/spec/checklist.yaml" in names
    assert {name.split("/")[0] for name in names if not name.startswith("eprom_verify-")} == {"verification"}


def test_the_install_lines_are_found() -> None:
    where = {place for place, _ in install_lines()}
    assert where == {"README.md", GITHUB.name, AZURE.name}


@pytest.mark.parametrize("args", sorted({args for _, args in install_lines()}))
def test_every_install_line_installs_the_built_wheel(args: str, built_wheel: Path, tmp_path: Path) -> None:
    """A fresh venv, offline: the dependencies come from this venv (a path entry without the kit itself),
    eprom-verify only from the built wheel; then the installed kit finds its packaged cases."""
    requirement = requirement_on_the_wheel(args, built_wheel)
    here = Path(sysconfig.get_paths()["purelib"])
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in here.iterdir():
        if not entry.name.lower().startswith(("eprom_verify", "__editable__", "verification")):
            (deps / entry.name).symlink_to(entry)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)  # pip: deps
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "eprom-verify-test-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    done = subprocess.run([python, "-m", "pip", "install", "--no-index", "--find-links", str(built_wheel.parent),
                           "--disable-pip-version-check", requirement],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = subprocess.run([python, "-c", "from verification.runner import CASES_DIR; print(CASES_DIR)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert Path(shown.stdout.strip()) == Path(site) / "verification" / "cases"
    assert not (Path(site) / "cases").exists()
