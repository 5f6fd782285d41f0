"""The simulator's pure parts, without sockets: settings, channel rules, PDF, parsing helpers."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sim_support import simulator_settings

from verification.simulator import EVERY_CHANNEL, Form, Person, RetryPolicy, SettingsError, SimulatorSettings
from verification.simulator.channels import distribute, letter_channel, preferred_channel
from verification.simulator.dispatcher import acknowledged
from verification.simulator.documents import signed_form_pdf
from verification.simulator.formorder import metadata_problem
from verification.simulator.letters import has_main_document
from verification.spec.routes import normalise
from verification.spec.enums import DistributionRule, FormOrderStatus, FormOrderStatusErrorCode, NotificationChannel

NC = NotificationChannel
RAND_12 = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"


def test_settings_round_trip_through_json() -> None:
    settings = simulator_settings("http://127.0.0.1:1", enum_style="int", error_texts={"E1-1": "x"})
    assert SimulatorSettings.from_json(settings.to_json()) == settings


def test_settings_refuse_unknown_keys_and_bad_values() -> None:
    with pytest.raises(SettingsError, match="colour"):
        SimulatorSettings.from_dict({"api_key": "k", "callback_base_url": "http://x", "colour": 1})
    with pytest.raises(SettingsError, match="callback_base_url"):
        SimulatorSettings(api_key="k", callback_base_url="127.0.0.1:18081")
    with pytest.raises(SettingsError):
        SimulatorSettings.from_dict(
            {"api_key": "k", "callback_base_url": "http://x", "population": {"1": {"wings": 2}}}
        )
    with pytest.raises(SettingsError):
        RetryPolicy(attempts=0)


def test_settings_changes_merge_registers() -> None:
    settings = simulator_settings("http://127.0.0.1:1")
    changed = settings.with_changes({"forms": {"AAAAAAAA-0000-4000-8000-000000000000": {"name": "New"}}})
    assert len(changed.forms) == len(settings.forms) + 1
    assert "aaaaaaaa-0000-4000-8000-000000000000" in changed.forms  # GUID keys are canonical


def test_from_target_reads_only_the_documented_attributes() -> None:
    secret = SimpleNamespace(reveal=lambda: "the-key")
    target = SimpleNamespace(
        api_key=secret,
        bestillersystem=SimpleNamespace(callback_base_url="http://127.0.0.1:18081"),
        forms=(SimpleNamespace(id=RAND_12, name="RAND-12", signing=True, paper=False, published=True),),
        test_persons=("26670271527",),
    )
    settings = SimulatorSettings.from_target(target, store_path="/tmp/x.sqlite")
    assert settings.api_key == "the-key" and settings.store_path == "/tmp/x.sqlite"
    assert settings.forms[RAND_12] == Form("RAND-12", signing=True, patient_orderable=True)
    assert settings.population == {"26670271527": EVERY_CHANNEL}


def test_retry_policy_backoff() -> None:
    policy = RetryPolicy(attempts=4, backoff_s=(0.2, 1.0), timeout_s=10)
    assert [policy.backoff_before(n) for n in (2, 3, 4)] == [0.2, 1.0, 1.0]
    assert policy.worst_case_s() == pytest.approx(42.2)


def test_only_form_answers_are_retried_by_default() -> None:
    """The guide documents no re-delivery of C1, C3 or C4; v12.1 says answers (C2) are re-sent."""
    policy = RetryPolicy()
    assert [policy.attempts_for(callback) for callback in ("C1", "C2", "C3", "C4")] == [1, 3, 1, 1]
    assert policy.worst_case_s("C1") == policy.timeout_s
    with pytest.raises(SettingsError):
        RetryPolicy(callbacks=("C5",))
    settings = SimulatorSettings(api_key="k", callback_base_url="http://127.0.0.1:1", retry=policy)
    assert SimulatorSettings.from_json(settings.to_json()).retry == policy


# --- channels -------------------------------------------------------------------------------------------

NOBODY = Person(helsenorge=False, digital_mailbox=False, unsecure=False, paper_address=False)


@pytest.mark.parametrize(
    ("rule", "preferred"),
    [("Basic", NC.Helsenorge), ("NoDistribution", NC.None_), ("PaperOnly", NC.PhysicalMailbox),
     ("DigitalMailboxOnly", NC.DigitalMailbox), ("UnsecureOnly", NC.Unsecure), ("AllowUnsecureOrPaper", NC.Helsenorge)],
)
def test_preferred_channel_is_the_first_of_the_rule(rule: str, preferred: NotificationChannel) -> None:
    assert preferred_channel(DistributionRule[rule]) == preferred


def test_unreachable_is_error_patient_unreachable_none() -> None:
    outcome = distribute(DistributionRule.AllowUnsecureOrPaper, NOBODY)
    assert (outcome.status, outcome.channel, outcome.error_code) == (
        FormOrderStatus.Error, NC.None_, FormOrderStatusErrorCode.PatientUnreachable)
    assert distribute(DistributionRule.PaperOnly, NOBODY, physical_address=True).channel == NC.PhysicalMailbox


def test_helsenorge_needs_consent() -> None:
    assert distribute(DistributionRule.Basic, Person(consent=False)).channel == NC.DigitalMailbox


def test_letter_channel_follows_the_priority_list() -> None:
    assert letter_channel(None, EVERY_CHANNEL) == NC.Helsenorge
    assert letter_channel([NC.None_, NC.Unsecure], EVERY_CHANNEL) == NC.Unsecure
    assert letter_channel([NC.Helsenorge], NOBODY) is None


# --- parsing helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "normalised"),
    [("/PromsWebApi/api/V2/FormOrder/", "/api/v2/formorder"), ("/webapi", "/"),
     ("/promswebapiX/api", "/promswebapix/api"), ("/api/ExternalDocument/ABC", "/api/externaldocument/abc")],
)
def test_paths_are_normalised_like_aspnet(path: str, normalised: str) -> None:
    assert normalise(path) == normalised


@pytest.mark.parametrize(
    ("metadata", "fine"),
    [(None, True), ("", True), ('{"age": 76}', True), ("{}", True), ("{age: 76}", False), ("[1]", False),
     ("76", False), ({"age": 76}, False)],
)
def test_metadata_must_be_a_string_holding_a_json_object(metadata: object, fine: bool) -> None:
    assert (metadata_problem(metadata) is None) is fine


@pytest.mark.parametrize(
    ("collection", "present"),
    [(None, False), ({}, False), ([], False), ({"mainDocument": None}, False),
     ({"mainDocument": {"content": "x"}}, True), ({"Hoveddokument": "x"}, True), ({"documents": [1]}, True),
     ([{"content": "x"}], True)],
)
def test_main_document_detection_is_lenient(collection: object, present: bool) -> None:
    assert has_main_document(collection) is present


@pytest.mark.parametrize(
    ("status", "body", "ok"),
    [(200, '{"success": true}', True), (200, '{"Success": true}', True), (200, '{"success": false}', False),
     (200, "{}", False), (200, "ok", False), (500, '{"success": true}', False), (204, "", False)],
)
def test_acknowledged_means_2xx_and_success_true(status: int, body: str, ok: bool) -> None:
    assert acknowledged(status, body) is ok


def test_signed_pdf_is_well_formed() -> None:
    pdf = signed_form_pdf(["Signert skjema (test)", "Bestilling 42"])
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF", pdf).group(1))
    assert pdf[startxref:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in pdf[startxref:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number)
    stream = re.search(rb"<< /Length (\d+) >>\nstream\n(.*?)\nendstream", pdf, re.S)
    assert int(stream.group(1)) == len(stream.group(2))
    assert rb"\(test\)" in pdf  # parentheses escaped
