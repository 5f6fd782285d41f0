"""E3 letters with C3, E4/E5 SMS and e-mail (key in the body), E6/E7 privacy settings, E8."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sim_support import API_KEY, FORM, ORDINARY_UNLISTED, PERSON, UNREACHABLE, Receiver, auth, post

from verification.simulator import SimulatorHandle
from verification.spec.wire import ZERO_GUID

EXAMPLES = Path(__file__).parents[1] / "spec_examples"
E3 = "/api/v2/messagetocitizen"
DOCUMENTS = {"mainDocument": {"fileName": "brev.pdf", "content": "JVBERi0xLjQK"}, "attachments": []}
PVK_ID = "6d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


def _letter(**overrides: Any) -> dict[str, Any]:
    body = json.loads((EXAMPLES / "messagetocitizen-v2-request-csharp.json").read_text(encoding="utf-8"))
    return body | {"nationalId": PERSON, "documentCollection": DOCUMENTS} | overrides


def _example(name: str, **overrides: Any) -> dict[str, Any]:
    body = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return {key: (PVK_ID if value == "<pvkId>" else value) for key, value in body.items()} | overrides


# --- E3 ------------------------------------------------------------------------------------------------


def test_letter_example_is_sent_and_reported_with_c3(eprom: httpx.Client, receiver: Receiver) -> None:
    response = post(eprom, E3, _letter())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["notificationChannel"] == "Helsenorge"
    (status,) = receiver.wait_for(lambda r: r.json.get("messageToCitizenId") == answer["messageToCitizenId"])
    assert status.path == "/api/MessageToCitizen" and status.method == "PUT"
    assert status.json == {
        "apiKey": API_KEY, "messageToCitizenId": answer["messageToCitizenId"],
        "notificationChannel": "Helsenorge", "sentStatus": "Sent",
    }


def test_letter_form_id_is_validated_as_at_the_seeds_commit(eprom: httpx.Client) -> None:
    """Q21: E3 lists formId at 5567066, with E3-5 for a form that does not exist."""
    assert post(eprom, E3, _letter(formId=FORM)).status_code == 200
    unknown = "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"
    response = post(eprom, E3, _letter(formId=unknown))
    assert response.status_code == 400 and response.json() == f"No form with id='{unknown}' exists"


def test_letter_status_in_head_style_has_integers(
    eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle
) -> None:
    sim.configure(enum_style="head")
    try:
        answer = post(eprom, E3, _letter()).json()
        (status,) = receiver.wait_for(lambda r: r.json.get("messageToCitizenId") == answer["messageToCitizenId"])
    finally:
        sim.configure(enum_style="name")
    assert (status.json["notificationChannel"], status.json["sentStatus"]) == (1, 0)


def test_letter_priority_list_by_number_picks_the_first_reachable(eprom: httpx.Client) -> None:
    answer = post(eprom, E3, _letter(notificationPriorityList=[4, 2])).json()
    assert answer["notificationChannel"] == "PhysicalMailbox"


@pytest.mark.parametrize("collection", [None, {}, [], {"mainDocument": None, "attachments": [{"x": 1}]}])
def test_letter_without_main_document_is_e3_3(eprom: httpx.Client, collection: Any) -> None:
    response = post(eprom, E3, _letter(documentCollection=collection))
    assert response.status_code == 400
    assert response.json() == "Main document in MessageToCitizen is missing"


def test_letter_to_nobody_answers_channel_0_as_a_string(eprom: httpx.Client) -> None:
    answer = post(eprom, E3, _letter(nationalId=ORDINARY_UNLISTED)).json()
    assert answer == {"notificationChannel": "0", "messageToCitizenId": ZERO_GUID}


def test_letter_to_an_unreachable_citizen_reports_error(eprom: httpx.Client, receiver: Receiver) -> None:
    answer = post(eprom, E3, _letter(nationalId=UNREACHABLE)).json()
    assert answer["notificationChannel"] == "0"
    (status,) = receiver.wait_for(lambda r: r.json.get("messageToCitizenId") == answer["messageToCitizenId"])
    assert status.json["sentStatus"] == "Error" and status.json["notificationChannel"] == "None"


def test_letter_with_a_bad_channel_name_is_400(eprom: httpx.Client) -> None:
    response = post(eprom, E3, _letter(notificationPriorityList=["Pigeon"]))
    assert response.status_code == 400 and "NotificationChannel" in response.json()


# --- E4 / E5 -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unsecure:
    """One of E4/E5: its path, its documented example, its address member and its "either" text."""

    path: str
    example: str
    address: str
    either: str

    def body(self, **overrides: Any) -> dict[str, Any]:
        return _example(self.example, **overrides)


UNSECURE = [
    pytest.param(Unsecure("/api/unsecuremessagesms", "unsecuremessage-sms-request.json", "phoneNumber",
                          "Either nationalId or phoneNumber must be specified"), id="sms"),
    pytest.param(Unsecure("/api/unsecuremessageemail", "unsecuremessage-email-request.json", "emailAddress",
                          "Either nationalId or emailAddress must be specified"), id="email"),
]


@pytest.mark.parametrize("kind", UNSECURE)
def test_unsecure_example_with_key_in_body_is_accepted(eprom: httpx.Client, kind: Unsecure) -> None:
    response = post(eprom, kind.path, kind.body(apiKey=API_KEY, nationalId=PERSON), headers={})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}


@pytest.mark.parametrize("kind", UNSECURE)
def test_unsecure_unknown_key_echoes_what_was_sent(eprom: httpx.Client, kind: Unsecure) -> None:
    response = post(eprom, kind.path, kind.body(apiKey="wrong-key"), headers={})
    assert response.status_code == 400
    assert response.json() == "apiKey 'wrong-key' doesn't exists"


@pytest.mark.parametrize("kind", UNSECURE)
def test_unsecure_key_only_in_header_is_rejected_with_a_finding(
    eprom: httpx.Client, sim: SimulatorHandle, kind: Unsecure
) -> None:
    after = sim.last_exchange_id()
    body = {k: v for k, v in kind.body().items() if k != "apiKey"}
    response = post(eprom, kind.path, body, headers=auth())
    assert response.status_code == 400 and response.json() == "apiKey '' doesn't exists"
    (exchange,) = sim.exchanges(after=after)
    assert "not in a header" in exchange["meta"]["finding"]


@pytest.mark.parametrize("kind", UNSECURE)
def test_unsecure_without_recipient_has_the_documented_text(eprom: httpx.Client, kind: Unsecure) -> None:
    response = post(eprom, kind.path, kind.body(apiKey=API_KEY, nationalId="", **{kind.address: ""}), headers={})
    assert response.status_code == 400 and response.json() == kind.either


@pytest.mark.parametrize("kind", UNSECURE)
def test_unsecure_to_someone_without_contact_details_is_not_sent(eprom: httpx.Client, kind: Unsecure) -> None:
    response = post(eprom, kind.path, kind.body(apiKey=API_KEY, nationalId=UNREACHABLE), headers={})
    assert response.json() == {"success": False}


# --- E6 / E7 / E8 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/api/", "/api/v2/"])
def test_privacy_examples_set_then_get(eprom: httpx.Client, prefix: str) -> None:
    suffix = ".HEAD.json" if "v2" in prefix else ".json"

    def set_status(**overrides: Any) -> httpx.Response:
        body = _example("personvern-set-request" + suffix, nationalId=PERSON, **overrides)
        return post(eprom, prefix + "setpersonverninnstilling", body)

    assert set_status().status_code == 200
    get_body = _example("personvern-get-request" + suffix, nationalId=PERSON)
    got = post(eprom, prefix + "getpersonverninnstilling", get_body)
    assert got.status_code == 200, got.text
    assert got.json()["status"] == "Aktiv" and got.json()["type"] == "Reservasjon"
    assert set_status().json() == {"instansEndret": "IkkeEndret"}
    assert set_status(status="IkkeAktiv").json() == {"instansEndret": "Endret"}


@pytest.mark.parametrize(
    "body",
    [{"type": 0}, {"nationalId": "123", "type": 0}, {"nationalId": PERSON},
     {"nationalId": PERSON, "type": "Tilgangsbegrensning"}, {"nationalId": PERSON, "type": "Nope"}],
    ids=["no-id", "short-id", "no-type", "unsupported-type", "bad-type"],
)
def test_privacy_get_with_bad_body_is_400(eprom: httpx.Client, body: dict[str, Any]) -> None:
    assert post(eprom, "/api/v2/getpersonverninnstilling", body).status_code == 400


def test_privacy_set_without_status_is_400(eprom: httpx.Client) -> None:
    assert post(eprom, "/api/v2/setpersonverninnstilling", {"nationalId": PERSON, "type": 0}).status_code == 400


def test_residents_with_active_setting_lists_them(eprom: httpx.Client) -> None:
    body = {"nationalId": UNREACHABLE, "type": "Samtykke", "status": "Aktiv", "pvkId": PVK_ID}
    assert post(eprom, "/api/v2/setpersonverninnstilling", body).status_code == 200
    residents = "/api/v2/get-residents-active-pi-for-definition"
    response = post(eprom, residents, _example("personvern-get-residents-request.HEAD.json"))
    assert response.status_code == 200, response.text
    listed = response.json()
    assert listed["pagingReference"] == 0 and listed["type"] == "Samtykke"
    assert [entry["NationalId"] for entry in listed["personvernInnstillinger"]] == [UNREACHABLE]
    assert post(eprom, residents, {"pagingReference": 0}).status_code == 400


def test_a_withheld_c3_is_left_to_the_kit(eprom: httpx.Client, receiver: Receiver, sim: SimulatorHandle) -> None:
    """c3_delivery "withhold": the letter goes out, but its one C3 is the kit's to send (read when E3 arrives)."""
    sim.configure(c3_delivery="withhold")
    try:
        withheld = post(eprom, E3, _letter()).json()["messageToCitizenId"]
    finally:
        sim.configure(c3_delivery="send")
    sent = post(eprom, E3, _letter()).json()["messageToCitizenId"]
    receiver.wait_for(lambda r: r.json.get("messageToCitizenId") == sent)  # the next letter's C3 still comes
    (letter,) = [letter for letter in sim.letters() if letter["messageToCitizenId"] == withheld]
    (outcome,) = letter["deliveries"]
    assert outcome["skipped"].startswith("withheld") and not outcome["attempts"]
    assert not [r for r in receiver.received if r.json.get("messageToCitizenId") == withheld]
