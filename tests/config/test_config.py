"""Self-tests of verification.config: the target file contract, its errors, secrets and safety."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from verification.config import (
    ABSENT,
    CAPABILITIES,
    MASK,
    ListenAddress,
    ProbeCall,
    TriggerCall,
    Secret,
    Target,
    TargetError,
    is_production,
    load_target,
    parse_target,
    production_reason,
    redacted_dict,
)
from verification.spec.hosts import PRODUCTION_HOSTS, TEST_HOSTS, is_production_url

REPO = Path(__file__).resolve().parents[2]
KEY = "test-api-key-7f3a"
ENV = {"EPROM_API_KEY": KEY}
VERIFICATION_PERSON = "26670271527"
D_NUMBER = "41018510187"  # an ordinary D-nummer: refused unless confirmed
SYNTHETIC_D_NUMBER = "52906064014"  # Tenor (month +80)
ORDINARY_BIRTH_NUMBER = "01018012371"
TENOR_PERSON = "01818510078"
H_NUMBER = "01418510095"
RAND12 = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
DELETE = object()


def valid() -> dict[str, Any]:
    """A complete, valid target as loaded from YAML (a fresh copy each call)."""
    return {
        "name": "Norsk testregister",
        "environment": "test",
        "api_key": "${EPROM_API_KEY}",
        "eprom": {"mode": "simulator", "listen": "127.0.0.1:18080"},
        "bestillersystem": {
            "callback_base_url": "http://127.0.0.1:18081",
            "trigger": {"url": "http://127.0.0.1:18081/_trigger/order"},
            "probe": {
                "status": "http://127.0.0.1:18081/_probe/status/{formOrderId}",
                "answers": "http://127.0.0.1:18081/_probe/answers/{formOrderId}",
                "signed": "http://127.0.0.1:18081/_probe/signed/{formOrderId}",
            },
            "capabilities": list(CAPABILITIES),
            "accepts_unknown_orders": False,
        },
        "forms": [{"id": RAND12, "name": "RAND-12", "signing": True, "paper": False}],
        "test_persons": [VERIFICATION_PERSON],
    }


def mutate(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set (or with DELETE remove) the value at a dotted path like ``forms[0].id``."""
    steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path)]
    node = data
    for step in steps[:-1]:
        node = node[step]
    if value is DELETE:
        del node[steps[-1]]
    else:
        node[steps[-1]] = value
    return data


def problems_of(data: dict[str, Any], environ: dict[str, str] = ENV) -> TargetError:
    with pytest.raises(TargetError) as caught:
        parse_target(data, source="target.yaml", environ=environ)
    return caught.value


def write(tmp_path: Path, data: Any, name: str = "target.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------- valid file


def test_valid_file_round_trips(tmp_path: Path) -> None:
    path = write(tmp_path, valid())
    target = load_target(path, environ=ENV)
    assert target == parse_target(valid(), environ=ENV)  # source does not take part in equality
    assert target.source == path.resolve()
    assert (target.name, target.environment) == ("Norsk testregister", "test")
    assert target.api_key.reveal() == KEY
    assert target.eprom.mode == "simulator"
    assert target.eprom.listen == ListenAddress("127.0.0.1", 18080)
    assert target.eprom.upstream is None
    system = target.bestillersystem
    assert system.callback_base_url == "http://127.0.0.1:18081"
    assert system.trigger is not None and system.trigger.url.endswith("/_trigger/order")
    assert system.trigger.timeout_s == 30
    assert system.probe is not None and system.probe.answers is not None
    assert system.probe.answers.url_for("abc") == "http://127.0.0.1:18081/_probe/answers/abc"
    assert system.capabilities == frozenset(CAPABILITIES)
    assert system.accepts_unknown_orders is False
    assert [(f.id, f.name, f.signing, f.paper, f.published) for f in target.forms] == [
        (RAND12, "RAND-12", True, False, True)
    ]
    assert target.test_persons == (VERIFICATION_PERSON,)
    assert (target.budgets.callback_s, target.max_requests, target.profile) == (10.0, 20, None)


def test_target_is_frozen() -> None:
    target = parse_target(valid(), environ=ENV)
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.name = "other"  # type: ignore[misc]


def test_optional_sections_take_their_defaults() -> None:
    data = valid()
    for path in ("eprom", "bestillersystem.trigger", "bestillersystem.probe",
                 "bestillersystem.accepts_unknown_orders", "test_persons"):
        mutate(data, path, DELETE)
    target = parse_target(data, environ=ENV)
    assert target.eprom.mode == "simulator" and str(target.eprom.listen) == "127.0.0.1:18080"
    assert target.bestillersystem.trigger is None and target.bestillersystem.probe is None
    assert target.bestillersystem.accepts_unknown_orders is False
    assert target.test_persons == ()


def test_extensions_are_read() -> None:
    data = {**valid(), "budgets": {"callback_s": 2.5}, "max_requests": 5, "profile": "certification"}
    target = parse_target(data, environ=ENV)
    assert (target.budgets.callback_s, target.max_requests, target.profile) == (2.5, 5, "certification")


def test_relay_mode_with_upstream_and_command_hooks() -> None:
    data = valid()
    mutate(data, "eprom", {"mode": "relay", "listen": "[::1]:0",
                           "upstream": "https://proms.hemitdev.org/promswebapi/"})
    mutate(data, "bestillersystem.trigger", {"command": "./place-order.sh --fast", "timeout_s": 5})
    mutate(data, "bestillersystem.probe", {"status": {"command": ["./count.sh", "{formOrderId}"]},
                                           "answers": {"url": "https://sys.example/a/{formOrderId}"}})
    target = parse_target(data, environ=ENV)
    assert target.eprom.listen == ListenAddress("::1", 0) and str(target.eprom.listen) == "[::1]:0"
    assert target.eprom.upstream == "https://proms.hemitdev.org/promswebapi"
    trigger = target.bestillersystem.trigger
    assert trigger is not None and (trigger.command, trigger.url, trigger.timeout_s) == (
        ("./place-order.sh", "--fast"), None, 5.0)
    probe = target.bestillersystem.probe
    assert probe is not None and probe.signed is None
    assert probe.status is not None and probe.status.command_for("x1") == ("./count.sh", "x1")
    assert probe.answers is not None and probe.answers.url_for("x1") == "https://sys.example/a/x1"


def test_channel_probe_is_read_alone_or_beside_the_counting_probes_and_shown_in_evidence() -> None:
    data = mutate(valid(), "bestillersystem.probe", {"channel": "http://127.0.0.1:18081/_probe/channel/{formOrderId}"})
    probe = parse_target(data, environ=ENV).bestillersystem.probe
    assert probe is not None and (probe.status, probe.answers, probe.signed) == (None, None, None)
    assert probe.channel is not None and probe.channel.url_for("x1") == "http://127.0.0.1:18081/_probe/channel/x1"
    mutate(data, "bestillersystem.probe.channel", {"command": ["./channel.sh", "{formOrderId}"]})
    mutate(data, "bestillersystem.probe.status", "http://127.0.0.1:18081/_probe/status/{formOrderId}")
    target = parse_target(data, environ=ENV)
    probe = target.bestillersystem.probe
    assert probe is not None and probe.channel == ProbeCall(command=("./channel.sh", "{formOrderId}"))
    assert redacted_dict(target)["bestillersystem"]["probe"] == {
        "status": {"url": "http://127.0.0.1:18081/_probe/status/{formOrderId}"},
        "channel": {"command": ["./channel.sh", "{formOrderId}"]},
    }


def test_trigger_kinds_are_explicit_and_the_plain_form_is_the_order_kind() -> None:
    data = mutate(valid(), "bestillersystem.trigger", {
        "url": "http://127.0.0.1:18081/_trigger/order", "timeout_s": 5,
        "personvern": {"url": "http://127.0.0.1:18081/pvk"}, "sms": {"command": "./sms.sh"}})
    target = parse_target(data, environ=ENV)
    trigger = target.bestillersystem.trigger
    assert trigger is not None and trigger.call("order") == TriggerCall(url="http://127.0.0.1:18081/_trigger/order")
    assert trigger.call("personvern") == TriggerCall(url="http://127.0.0.1:18081/pvk")
    assert trigger.call("sms") == TriggerCall(command=("./sms.sh",)) and trigger.call("message") is None
    assert redacted_dict(target)["bestillersystem"]["trigger"]["personvern"] == {"url": "http://127.0.0.1:18081/pvk"}
    only_privacy = mutate(valid(), "bestillersystem.trigger", {"personvern": {"url": "http://127.0.0.1:1/p"}})
    trigger = parse_target(only_privacy, environ=ENV).bestillersystem.trigger
    assert trigger is not None and trigger.call("order") is None and trigger.call("personvern") is not None


@pytest.mark.parametrize(("trigger", "field"), [
    ({"url": "http://127.0.0.1:1/o", "order": {"url": "http://127.0.0.1:1/o"}}, "bestillersystem.trigger.order"),
    ({"personvern": {}}, "bestillersystem.trigger.personvern"),
    ({"sms": {"url": "not a url"}}, "bestillersystem.trigger.sms.url"),
    ({"pvk": {"url": "http://127.0.0.1:1/p"}}, "bestillersystem.trigger.pvk"),
])
def test_a_bad_trigger_kind_names_its_field(trigger: dict[str, Any], field: str) -> None:
    error = problems_of(mutate(valid(), "bestillersystem.trigger", trigger))
    assert field in [problem.field for problem in error.problems]


def test_time_windows_are_budgets() -> None:
    target = parse_target(mutate(valid(), "budgets", {"signed_download_s": 600, "slow_answer_s": 4}), environ=ENV)
    assert (target.budgets.signed_download_s, target.budgets.slow_answer_s, target.budgets.callback_s) == (600, 4, 10)


def test_form_ids_are_normalised_to_lower_case() -> None:
    data = mutate(valid(), "forms[0].id", RAND12.upper())
    assert parse_target(data, environ=ENV).forms[0].id == RAND12


@pytest.mark.parametrize("national_id", [VERIFICATION_PERSON, SYNTHETIC_D_NUMBER, TENOR_PERSON])
def test_acceptable_test_persons(national_id: str) -> None:
    assert parse_target(mutate(valid(), "test_persons", [national_id]), environ=ENV).test_persons == (national_id,)


# -------------------------------------------------------------------------------------- substitution


def test_variable_is_read_from_the_environment() -> None:
    data = mutate(valid(), "bestillersystem.callback_base_url", "http://${SYSTEM_HOST}:18081")
    target = parse_target(data, environ={**ENV, "SYSTEM_HOST": "localhost"})
    assert target.bestillersystem.callback_base_url == "http://localhost:18081"


def test_variable_in_a_list_item_and_a_nested_template() -> None:
    data = mutate(valid(), "test_persons", ["${PERSON}"])
    mutate(data, "bestillersystem.probe.status", "${BASE}/status/{formOrderId}")
    target = parse_target(data, environ={**ENV, "PERSON": SYNTHETIC_D_NUMBER, "BASE": "http://127.0.0.1:9"})
    assert target.test_persons == (SYNTHETIC_D_NUMBER,)
    probe = target.bestillersystem.probe
    assert probe is not None and probe.status == ProbeCall(url="http://127.0.0.1:9/status/{formOrderId}")


def test_unset_variable_names_variable_field_file_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path, valid())
    with pytest.raises(TargetError) as caught:
        load_target(path, environ={})
    [problem] = caught.value.problems
    assert (problem.file, problem.field, problem.value) == (str(path), "api_key", MASK)
    assert "EPROM_API_KEY" in problem.message and "not set" in problem.message
    assert problem.fix == "export EPROM_API_KEY=… or put the value in the file"
    assert str(caught.value).startswith(f"{path}: api_key: '**********' uses environment variable EPROM_API_KEY")


@pytest.mark.parametrize(("environ", "expected"), [({}, "fallback"), ({"MODE_NAME": ""}, "fallback"),
                                                   ({"MODE_NAME": "given"}, "given")])
def test_default_applies_when_unset_or_empty(environ: dict[str, str], expected: str) -> None:
    data = mutate(valid(), "name", "${MODE_NAME:-fallback}")
    assert parse_target(data, environ={**ENV, **environ}).name == expected


def test_escaped_reference_is_literal() -> None:
    assert parse_target(mutate(valid(), "name", "cost $${PRICE}"), environ=ENV).name == "cost ${PRICE}"


@pytest.mark.parametrize("text", ["${", "${}", "${1BAD}", "a ${NAME"])
def test_malformed_reference_is_an_error(text: str) -> None:
    [problem] = problems_of(mutate(valid(), "name", text)).problems
    assert problem.field == "name" and "malformed" in problem.message


def test_variable_set_but_empty_api_key_is_empty() -> None:
    [problem] = problems_of(valid(), environ={"EPROM_API_KEY": ""}).problems
    assert (problem.field, problem.value, problem.message) == ("api_key", MASK, "is empty")


# ----------------------------------------------------------------------------------- field errors

# (path to mutate, new value, dotted field reported, value as shown, words of the message)
FIELD_ERRORS = [
    ("name", DELETE, "name", None, "missing"),
    ("name", "  ", "name", "'  '", "is empty"),
    ("name", 42, "name", "42", "not a string"),
    ("environment", "prod", "environment", "'prod'", "not one of test | qa | production"),
    ("environment", DELETE, "environment", None, "missing"),
    ("api_key", "", "api_key", "'**********'", "is empty"),
    ("api_key", f" {KEY}\n", "api_key", "'**********'", "whitespace"),
    ("api_key", "key\x07bell", "api_key", "'**********'", "control characters"),
    ("api_key", 123456, "api_key", "'**********'", "not a string"),
    ("eprom", "simulator", "eprom", "'simulator'", "not a mapping"),
    ("eprom.mode", "relayed", "eprom.mode", "'relayed'", "not one of simulator | relay | direct"),
    ("eprom.listen", "localhost", "eprom.listen", "'localhost'", "not host:port"),
    ("eprom.listen", "127.0.0.1:70000", "eprom.listen", "'127.0.0.1:70000'", "above 65535"),
    ("eprom.listen", 18080, "eprom.listen", "18080", "not a string"),
    ("eprom.mode", "direct", "eprom.upstream", None, "missing"),
    ("eprom.upstream", "http://proms.hemitdev.org/promswebapi", "eprom.upstream",
     "'http://proms.hemitdev.org/promswebapi'", "not https"),
    ("eprom.upstream", "https://proms.hemitdev.org/promswebapi/api/v2/formorder", "eprom.upstream",
     "'https://proms.hemitdev.org/promswebapi/api/v2/formorder'", "endpoint URL"),
    ("bestillersystem", DELETE, "bestillersystem", None, "missing"),
    ("bestillersystem.callback_base_url", "ftp://x", "bestillersystem.callback_base_url", "'ftp://x'",
     "not an http(s) URL"),
    ("bestillersystem.callback_base_url", "http://", "bestillersystem.callback_base_url", "'http://'",
     "not an http(s) URL"),
    ("bestillersystem.callback_base_url", "http://h:99999", "bestillersystem.callback_base_url",
     "'http://h:99999'", "not an http(s) URL"),
    ("bestillersystem.callback_base_url", "https://h/x?a=1", "bestillersystem.callback_base_url",
     "'https://h/x?a=1'", "query"),
    ("bestillersystem.callback_base_url", "https://h/api/PromsFormOrder", "bestillersystem.callback_base_url",
     "'https://h/api/PromsFormOrder'", "callback path"),
    ("bestillersystem.trigger", {"url": "http://h/t", "command": "x"}, "bestillersystem.trigger", None,
     "both url and command"),
    ("bestillersystem.trigger", {"timeout_s": 3}, "bestillersystem.trigger", None, "neither url nor command"),
    ("bestillersystem.trigger.url", "h/t", "bestillersystem.trigger.url", "'h/t'", "not an http(s) URL"),
    ("bestillersystem.trigger.timeout_s", 0, "bestillersystem.trigger.timeout_s", "0", "greater than 0"),
    ("bestillersystem.trigger.timeout_s", True, "bestillersystem.trigger.timeout_s", "true", "greater than 0"),
    ("bestillersystem.trigger", {"command": "./x 'open"}, "bestillersystem.trigger.command", "\"./x 'open\"",
     "cannot be split"),
    ("bestillersystem.trigger", {"command": []}, "bestillersystem.trigger.command", "[]", "non-empty strings"),
    ("bestillersystem.probe.status", "http://h/status", "bestillersystem.probe.status", "'http://h/status'",
     "{formOrderId}"),
    ("bestillersystem.probe.signed", "ftp://h/{formOrderId}", "bestillersystem.probe.signed",
     "'ftp://h/{formOrderId}'", "not an http(s) URL"),
    ("bestillersystem.probe.answers", {"command": "./count.sh"}, "bestillersystem.probe.answers.command",
     "'./count.sh'", "{formOrderId}"),
    ("bestillersystem.probe.answers", {"url": "http://h/{formOrderId}", "command": "x {formOrderId}"},
     "bestillersystem.probe.answers", None, "both url and command"),
    ("bestillersystem.probe", {}, "bestillersystem.probe", None, "asks nothing"),
    ("bestillersystem.probe.channel", "http://h/channel", "bestillersystem.probe.channel", "'http://h/channel'",
     "{formOrderId}"),
    ("bestillersystem.capabilities", DELETE, "bestillersystem.capabilities", None, "missing"),
    ("bestillersystem.capabilities", [], "bestillersystem.capabilities", "[]", "non-empty list"),
    ("bestillersystem.capabilities", ["formorder", "sign"], "bestillersystem.capabilities[1]", "'sign'",
     "not one of"),
    ("bestillersystem.accepts_unknown_orders", "yes", "bestillersystem.accepts_unknown_orders", "'yes'",
     "not a boolean"),
    ("forms", [], "forms", "[]", "non-empty list"),
    ("forms", DELETE, "forms", None, "missing"),
    ("forms[0]", "RAND-12", "forms[0]", "'RAND-12'", "not a mapping"),
    ("forms[0].id", "1bc5f9f0", "forms[0].id", "'1bc5f9f0'", "not a GUID"),
    ("forms[0].id", "00000000-0000-0000-0000-000000000000", "forms[0].id",
     "'00000000-0000-0000-0000-000000000000'", "zero GUID"),
    ("forms[0].name", DELETE, "forms[0].name", None, "missing"),
    ("forms[0].signing", "true", "forms[0].signing", "'true'", "not a boolean"),
    ("forms[0].paper", 0, "forms[0].paper", "0", "not a boolean"),
    ("forms[0].paper", DELETE, "forms[0].paper", None, "missing"),
    ("forms[0].published", "no", "forms[0].published", "'no'", "not a boolean"),
    ("forms", [{"id": RAND12, "name": "a", "signing": False, "paper": False},
               {"id": RAND12.upper(), "name": "b", "signing": False, "paper": False}],
     "forms[1].id", f"'{RAND12}'", "listed twice"),
    ("test_persons", VERIFICATION_PERSON, "test_persons", "'26670271527'", "not a list"),
    ("test_persons", [26670271527], "test_persons[0]", "'266702*****'", "number, not a string"),
    ("test_persons", ["2667027152"], "test_persons[0]", "'266702****'", "not 11 digits"),
    ("test_persons", ["26670271528"], "test_persons[0]", "'266702*****'", "check digits do not match"),
    ("test_persons", [H_NUMBER], "test_persons[0]", "'014185*****'", "H-nummer"),
    ("test_persons", ["26073941651"], "test_persons[0]", "'260739*****'", "1939 birth"),
    ("test_persons", [VERIFICATION_PERSON, VERIFICATION_PERSON], "test_persons[1]", "'266702*****'",
     "listed twice"),
    ("test_persons", [], "test_persons", None, "only configured test persons"),  # in relay mode, see below
    ("budgets", {"callback_s": -1}, "budgets.callback_s", "-1", "greater than 0"),
    ("budgets", {"callbak_s": 5}, "budgets.callbak_s", None, "unknown key"),
    ("max_requests", 2.5, "max_requests", "2.5", "whole number"),
    ("profile", "full", "profile", "'full'", "not one of quick | certification"),
]


@pytest.mark.parametrize(("path", "value", "field", "shown", "words"), FIELD_ERRORS,
                         ids=[f"{row[2]}:{row[4]}" for row in FIELD_ERRORS])
def test_each_field_error_names_field_value_and_fix(path: str, value: Any, field: str, shown: str | None,
                                                    words: str) -> None:
    data = mutate(valid(), path, value if value is DELETE else copy.deepcopy(value))
    if words == "only configured test persons":  # against a real ePROM only configured persons are used
        mutate(data, "eprom", {"mode": "relay", "upstream": "https://proms.hemitdev.org/promswebapi"})
    [problem] = problems_of(data).problems
    assert problem.file == "target.yaml"
    assert problem.field == field
    assert words in problem.message
    assert problem.fix
    line = str(problem)
    assert line.startswith(f"target.yaml: {field}: ")
    assert f" — fix: {problem.fix}" in line
    if shown is None:
        assert problem.value is ABSENT or problem.value is None
    else:
        assert line.startswith(f"target.yaml: {field}: {shown} ")


def test_rendering_matches_the_contract() -> None:
    error = problems_of(mutate(valid(), "bestillersystem.callback_base_url", "ftp://x"))
    assert str(error) == ("target.yaml: bestillersystem.callback_base_url: 'ftp://x' is not an http(s) URL"
                          " — fix: use http://host:port for loopback or https://…")


def test_sample_id_is_refused_with_the_reason() -> None:
    [problem] = problems_of(mutate(valid(), "test_persons", ["26073941651"])).problems
    assert "sample id" in problem.message and "a real person could have it" in problem.message
    assert "26073941651" not in str(problem)  # national ids are shown shortened, even this one


def test_every_problem_is_collected_in_one_error() -> None:
    data = valid()
    mutate(data, "environment", "staging")
    mutate(data, "eprom.listen", "nowhere")
    mutate(data, "bestillersystem.callback_base_url", "ftp://x")
    mutate(data, "forms[0].id", "not-a-guid")
    mutate(data, "test_persons", ["123"])
    mutate(data, "name", "${UNSET_NAME}")
    error = problems_of(data)
    assert {p.field for p in error.problems} == {"environment", "eprom.listen", "bestillersystem.callback_base_url",
                                                 "forms[0].id", "test_persons[0]", "name"}
    assert str(error).count("\n") == len(error.problems) - 1
    assert error.exit_code == 4 and isinstance(error, ValueError)


def test_missing_required_parent_is_reported_once() -> None:
    [problem] = problems_of(mutate(valid(), "bestillersystem", DELETE)).problems
    assert problem.field == "bestillersystem"


# ------------------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(("path", "key", "suggestion"), [
    ("", "enviroment", "environment"),
    ("bestillersystem", "calback_base_url", "callback_base_url"),
    ("bestillersystem.trigger", "timeout", "timeout_s"),
    ("forms[0]", "signed", "signing"),
    ("eprom", "upstreem", "upstream"),
])
def test_unknown_key_is_an_error_with_a_suggestion(path: str, key: str, suggestion: str) -> None:
    data = valid()
    section = data
    for step in re.findall(r"[^.\[\]]+", path):
        section = section[int(step) if step.isdigit() else step]
    section[key] = "x"
    error = problems_of(data)
    unknown = [p for p in error.problems if p.message == "unknown key"]
    assert [p.field for p in unknown] == [f"{path}.{key}" if path else key]
    assert unknown[0].fix == f"did you mean {suggestion!r}?"


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    [problem] = problems_of({**valid(), "zzz": 1}).problems
    assert problem.field == "zzz" and "allowed here" in problem.fix and "bestillersystem" in problem.fix


def test_unknown_capability_gets_a_suggestion() -> None:
    [problem] = problems_of(mutate(valid(), "bestillersystem.capabilities", ["on-behalf-of"])).problems
    assert problem.fix == "did you mean 'on_behalf_of'?"


# ------------------------------------------------------------------------------------------ secrets


def test_secret_is_masked_in_every_rendering() -> None:
    secret = Secret(KEY)
    assert str(secret) == MASK and MASK in repr(secret)
    assert f"{secret}" == MASK and f"{secret!r}" == repr(secret) and f"{secret:>12}" == f"  {MASK}"
    assert "%s" % secret == MASK
    assert KEY not in repr(parse_target(valid(), environ=ENV))
    assert secret.reveal() == KEY


def test_secret_equality_compares_values() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert Secret("a") != "a"  # a secret never equals a plain string by accident
    assert hash(Secret("a")) == hash(Secret("a"))
    assert not Secret("") and Secret("a")


def test_secret_is_never_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))
    with pytest.raises(TypeError):
        pickle.dumps(parse_target(valid(), environ=ENV))


def test_secret_survives_copies() -> None:
    target = parse_target(valid(), environ=ENV)
    assert copy.deepcopy(target) == target
    assert dataclasses.asdict(target)["api_key"].reveal() == KEY
    assert dataclasses.replace(target, name="x").api_key == target.api_key


def test_api_key_never_appears_in_error_text() -> None:
    data = mutate(valid(), "api_key", KEY)
    mutate(data, "profile", KEY)  # the key pasted into the wrong field
    mutate(data, "forms[0].name", [KEY])
    mutate(data, "bestillersystem.callback_base_url", f"ftp://h/{KEY}")
    mutate(data, "eprom.mode", f"x{KEY}y")
    error = problems_of(data)
    assert len(error.problems) == 4
    assert KEY not in str(error) and KEY not in repr(error.problems)


def test_api_key_with_surrounding_whitespace_never_appears_either() -> None:
    error = problems_of(mutate(mutate(valid(), "api_key", f"  {KEY} "), "name", f"my {KEY}"), environ={})
    assert KEY not in str(error) and KEY not in repr(error.problems)


def test_redacted_dict_is_json_and_masks_key_and_national_ids() -> None:
    data = mutate(valid(), "bestillersystem.callback_base_url", "https://user:pw-secret@sys.example")
    evidence = redacted_dict(parse_target(data, environ=ENV))
    text = json.dumps(evidence)
    assert evidence["api_key"] == MASK and KEY not in text
    assert VERIFICATION_PERSON not in text and evidence["test_persons"] == ["266702*****"]
    assert "pw-secret" not in text and evidence["bestillersystem"]["callback_base_url"].startswith("https://user:")
    assert evidence["bestillersystem"]["capabilities"] == list(CAPABILITIES)
    assert evidence["forms"][0]["id"] == RAND12


# ---------------------------------------------------------------------------------------- the file


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"name: x\napi_key: {KEY}\nenvironment: [test\neprom: {{}}\n")
    with pytest.raises(TargetError) as caught:
        load_target(path, environ=ENV)
    [problem] = caught.value.problems
    assert problem.line is not None and problem.line >= 3 and "YAML syntax error" in problem.message
    assert str(problem).startswith(f"{path}:{problem.line}: YAML syntax error")
    assert KEY not in str(caught.value)  # PyYAML's snippet of the line is never shown


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\nenvironment: test\nname: b\n")
    with pytest.raises(TargetError) as caught:
        load_target(path, environ=ENV)
    [problem] = caught.value.problems
    assert problem.line == 3 and "duplicate key 'name'" in problem.message


def test_merge_keys_still_work(tmp_path: Path) -> None:
    data = valid()
    del data["forms"]
    text = yaml.safe_dump(data, sort_keys=False) + (
        "forms:\n"
        "- &rand12 {id: 1bc5f9f0-2607-49eb-94f0-6af955bbd79a, name: RAND-12, signing: true, paper: false}\n"
        "- {<<: *rand12, id: 5053bd9d-5111-40df-95ef-0aa160412015, signing: false}\n"
    )
    target = load_target(write(tmp_path, text), environ=ENV)
    assert [(f.name, f.signing) for f in target.forms] == [("RAND-12", True), ("RAND-12", False)]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TargetError) as caught:
        load_target(tmp_path / "nope.yaml")
    [problem] = caught.value.problems
    assert problem.message == "file not found" and problem.fix and caught.value.exit_code == 4


@pytest.mark.parametrize(("text", "words"),
                         [("", "is empty"), ("- a\n- b\n", "is a list"), ("just text\n", "is a string")])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(TargetError) as caught:
        load_target(write(tmp_path, text), environ=ENV)
    [problem] = caught.value.problems
    assert problem.message.startswith(words) and "mapping" in problem.message


def test_directory_and_non_utf8_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="directory"):
        load_target(tmp_path)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: Bj\xf8rn\n".encode("latin-1"))
    with pytest.raises(TargetError, match="UTF-8"):
        load_target(latin1)


# ------------------------------------------------------------------------------------- production


def relay(upstream: str, environment: str = "test") -> Target:
    data = mutate(valid(), "eprom", {"mode": "relay", "upstream": upstream})
    return parse_target(mutate(data, "environment", environment), environ=ENV)


@pytest.mark.parametrize("upstream", ["https://pasientrapportering.nhn.no/webapi",
                                      "https://PasientRapportering.NHN.no./webapi",
                                      "https://api.pasientrapportering.nhn.no/webapi"])
def test_production_host_is_production(upstream: str) -> None:
    target = relay(upstream)
    assert is_production(target)
    assert "production host" in (production_reason(target) or "")


@pytest.mark.parametrize("upstream", ["https://pasientrapportering.qa.nhn.no/webapi",
                                      "https://proms.hemitdev.org/promswebapi",
                                      "https://proms2.hemit.org/PromsWebApi",
                                      "https://notpasientrapportering.nhn.no.example/webapi",
                                      "http://127.0.0.1:9/promswebapi"])
def test_test_and_qa_hosts_are_not_production(upstream: str) -> None:
    assert not is_production(relay(upstream, environment="qa"))
    assert production_reason(relay(upstream)) is None


def test_environment_production_is_production_even_in_simulator_mode() -> None:
    target = parse_target(mutate(valid(), "environment", "production"), environ=ENV)
    assert is_production(target) and production_reason(target) == "environment is production"


def test_host_lists() -> None:
    assert PRODUCTION_HOSTS == ("pasientrapportering.nhn.no",)
    assert set(TEST_HOSTS) == {"proms.hemitdev.org", "proms2.hemit.org", "pasientrapportering.qa.nhn.no"}
    assert not any(is_production_url(f"https://{host}/") for host in TEST_HOSTS)
    assert not is_production_url("not a url") and not is_production_url("http://[::1")


# --------------------------------------------------------------------------------- example and demo


def test_example_target_loads_with_the_key_set() -> None:
    target = load_target(REPO / "examples" / "target.simulator.yaml", environ=ENV)
    assert target.api_key.reveal() == KEY and target.eprom.mode == "simulator"
    assert not is_production(target)
    assert target.test_persons == (VERIFICATION_PERSON,)
    assert target.bestillersystem.probe is not None and target.bestillersystem.probe.channel is not None


def test_example_target_without_the_key_says_what_to_export() -> None:
    with pytest.raises(TargetError, match="export EPROM_API_KEY="):
        load_target(REPO / "examples" / "target.simulator.yaml", environ={})

