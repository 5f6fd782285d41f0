"""Target files that cannot hurt: ordinary national ids, cleartext callbacks, callbacks into the simulator,
URLs that cannot be URLs, YAML bombs, and the run budget. Each is a target error (exit 4) naming field and fix."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from verification.cli import main
from verification.config import CONFIRM_KEY, RUN_BUDGET_S, TargetError, load_target, parse_target

from test_config import ENV, VERIFICATION_PERSON, mutate, problems_of, valid

ORDINARY_BIRTH_NUMBER = "01018012371"  # check digits valid, no synthetic month: anyone's number
ORDINARY_D_NUMBER = "41018510187"
DIRECT = {"mode": "direct", "upstream": "https://proms.hemitdev.org/promswebapi"}


def only_problem(data: dict[str, Any]) -> Any:
    [problem] = problems_of(data).problems
    return problem


@pytest.mark.parametrize("national_id", [ORDINARY_BIRTH_NUMBER, ORDINARY_D_NUMBER])
def test_an_ordinary_id_is_refused_and_never_shown_whole(national_id: str) -> None:
    problem = only_problem(mutate(valid(), "test_persons", [national_id]))
    assert problem.field == "test_persons[0]"
    assert "ordinary" in problem.message and "synthetic" in problem.message
    assert CONFIRM_KEY in problem.fix
    assert national_id not in str(problem) and national_id[:6] in str(problem)


def test_an_ordinary_id_is_accepted_when_the_operator_confirms_it() -> None:
    data = mutate(valid(), "test_persons", [VERIFICATION_PERSON, ORDINARY_BIRTH_NUMBER])
    data[CONFIRM_KEY] = [ORDINARY_BIRTH_NUMBER]
    mutate(data, "eprom", DIRECT)
    assert parse_target(data, environ=ENV).test_persons == (VERIFICATION_PERSON, ORDINARY_BIRTH_NUMBER)


@pytest.mark.parametrize(("confirmed", "words"), [
    ([ORDINARY_D_NUMBER], "not one of test_persons"),
    (ORDINARY_BIRTH_NUMBER, "not a list"),
    ([12345678901], "not a list"),
])
def test_a_confirmation_must_name_listed_ids(confirmed: Any, words: str) -> None:
    data = valid()
    data[CONFIRM_KEY] = confirmed
    problem = only_problem(data)
    assert problem.field == CONFIRM_KEY and words in problem.message
    assert ORDINARY_D_NUMBER not in str(problem)


def test_a_direct_dry_run_with_an_ordinary_id_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EPROM_API_KEY", "k" * 20)
    data = mutate(mutate(valid(), "eprom", DIRECT), "test_persons", [ORDINARY_BIRTH_NUMBER])
    path = tmp_path / "target.yaml"
    import yaml

    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["run", "--dry-run", str(path)]) == 4
    err = capsys.readouterr().err
    assert "test_persons[0]" in err and "would be allowed" not in err and ORDINARY_BIRTH_NUMBER not in err


@pytest.mark.parametrize("url", ["http://system.example.org", "http://10.0.0.5:8080", "http://[2001:db8::1]"])
def test_plain_http_callbacks_off_loopback_are_refused(url: str) -> None:
    problem = only_problem(mutate(valid(), "bestillersystem.callback_base_url", url))
    assert problem.field == "bestillersystem.callback_base_url"
    assert "cleartext" in problem.message and "https" in problem.fix


@pytest.mark.parametrize("url", ["https://system.example.org", "http://127.0.0.1:18081", "http://localhost:9",
                                 "http://[::1]:18081", "http://127.0.0.2:18081"])
def test_https_or_loopback_callbacks_are_accepted(url: str) -> None:
    assert parse_target(mutate(valid(), "bestillersystem.callback_base_url", url), environ=ENV)


@pytest.mark.parametrize(("listen", "url"), [
    ("127.0.0.1:18080", "http://127.0.0.1:18080"),
    ("127.0.0.1:18080", "http://localhost:18080/"),
    ("[::1]:18080", "http://127.0.0.1:18080/base"),
    ("0.0.0.0:18080", "http://127.0.0.1:18080"),
])
def test_a_callback_url_into_the_simulator_is_refused(listen: str, url: str) -> None:
    data = mutate(mutate(valid(), "eprom.listen", listen), "bestillersystem.callback_base_url", url)
    problem = only_problem(data)
    assert problem.field == "bestillersystem.callback_base_url" and "simulator" in problem.message
    assert "eprom.listen" in problem.fix


@pytest.mark.parametrize(("listen", "url"), [("127.0.0.1:0", "http://127.0.0.1:18080"),
                                             ("127.0.0.1:18080", "http://127.0.0.1:18081")])
def test_another_port_or_a_free_listen_port_is_not_the_simulator(listen: str, url: str) -> None:
    data = mutate(mutate(valid(), "eprom.listen", listen), "bestillersystem.callback_base_url", url)
    assert parse_target(data, environ=ENV)


@pytest.mark.parametrize("field", ["bestillersystem.callback_base_url", "bestillersystem.trigger.url"])
def test_an_absurdly_long_url_is_a_target_error_with_a_short_message(field: str) -> None:
    started = time.monotonic()
    problem = only_problem(mutate(valid(), field, "http://127.0.0.1:18081/" + "a" * 1_000_000))
    assert time.monotonic() - started < 2
    assert problem.field == field and "characters long" in problem.message
    assert len(str(problem)) < 500


def test_a_probe_url_that_httpx_cannot_send_is_a_target_error() -> None:
    problem = only_problem(mutate(valid(), "bestillersystem.probe.status",
                                  "http://127.0.0.1:18081/" + "a" * 3000 + "/{formOrderId}"))
    assert problem.field == "bestillersystem.probe.status" and "not an http(s) URL" in problem.message


ALIAS_BOMB = ('a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{new}: &{new} [{', '.join([f'*{old}'] * 9)}]\n" for old, new in zip("abcdefgh", "bcdefghi")))


@pytest.mark.parametrize(("text", "words"), [
    (ALIAS_BOMB, "aliases"),
    ("name: " + "[" * 100_000, "nesting deeper"),
    ("name: " + "{a: " * 5_000, "nesting deeper"),
])
def test_yaml_bombs_are_refused_fast_and_small(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "target.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(TargetError) as caught:
            load_target(path)
        took, (_, peak) = time.monotonic() - started, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [problem] = caught.value.problems
    assert words in problem.message and problem.line is not None
    assert took < 10 and peak < 64 * 1024 * 1024


def test_modest_aliases_are_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EPROM_API_KEY", "k" * 20)
    path = tmp_path / "target.yaml"
    path.write_text("""\
name: &name RAND-12
environment: test
api_key: ${EPROM_API_KEY}
bestillersystem: {callback_base_url: "http://127.0.0.1:18081", capabilities: [formorder]}
forms:
  - {id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: *name, signing: false, paper: false}
test_persons: ["26670271527"]
""", encoding="utf-8")
    assert load_target(path).forms[0].name == "RAND-12"


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "target.yaml"
    path.write_text("name: x\n# " + "y" * 3_000_000 + "\n", encoding="utf-8")
    with pytest.raises(TargetError, match="larger than"):
        load_target(path)


def test_run_budget_is_read_and_validated() -> None:
    data = valid()
    data["budgets"] = {"run_s": 30}
    budgets = parse_target(data, environ=ENV).budgets
    assert budgets.run_s == 30 and budgets.run_limit("certification") == 30
    default = parse_target(valid(), environ=ENV).budgets
    assert default.run_limit(None) == default.run_limit("quick") == RUN_BUDGET_S["quick"] < 120
    assert default.run_limit("certification") == RUN_BUDGET_S["certification"]
    data["budgets"] = {"run_s": 0}
    problem = only_problem(data)
    assert problem.field == "budgets.run_s" and "greater than 0" in problem.message
    data["budgets"] = {"run": 5}
    assert "run_s" in only_problem(data).fix
