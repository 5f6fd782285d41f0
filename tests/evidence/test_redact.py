"""The redaction policy, as a table: every secret and every person, in every place it travels."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote

import pytest
from evidence_support import (
    D_NUMBER,
    EVERY_CLASS,
    FH_NUMBER,
    FREE_TEXT,
    H_NUMBER,
    KEY,
    LOGIN_TOKEN,
    SAMPLE_ID,
    SINGLE_USE_CODE,
    STREET,
    TENOR_PERSON,
    VERIFICATION_PERSON,
)

from verification.evidence.redact import MASK, Aliases, Redactor, structure_summary
from verification.recorder.store import Exchange


@pytest.fixture
def redactor() -> Redactor:
    return Redactor(secrets=[KEY])


KEY_PLACES = {
    "raw in text": f"the key is {KEY}.",
    "Authorization header line": f"Authorization: Basic {KEY}",
    "RFC 7617 base64 (a faulty system)": f"Authorization: Basic {base64.b64encode(f':{KEY}'.encode()).decode()}",
    "base64 of the key alone": base64.b64encode(KEY.encode()).decode(),
    "URL-encoded": quote(KEY, safe=""),
    "JSON body field": json.dumps({"apiKey": KEY, "x": 1}),
    "JSON nested in a JSON string": json.dumps(json.dumps({"apiKey": KEY})),
    "HTML-escaped JSON (pytest-html)": html.escape(json.dumps({"apiKey": KEY})),
    "URL query": f"https://h/api/unsecuremessagesms?apiKey={KEY}&x=1",
}


@pytest.mark.parametrize("text", KEY_PLACES.values(), ids=KEY_PLACES.keys())
def test_the_api_key_is_masked_wherever_it_travels(redactor: Redactor, text: str) -> None:
    redacted = redactor.text(text)
    assert KEY not in redacted and MASK in redacted
    assert base64.b64encode(KEY.encode()).decode() not in redacted


def test_a_wrong_key_in_a_credential_position_is_masked_too(redactor: Redactor) -> None:
    assert redactor.headers({"Authorization": "Basic some-other-systems-key"}) == {"Authorization": f"Basic {MASK}"}
    assert redactor.headers({"apiKey": "x"})["apiKey"] == MASK
    assert redactor.text('{"apiKey": "some-other-systems-key"}') == f'{{"apiKey": "{MASK}"}}'
    assert redactor.headers({"Authorization": "Basic "}) == {"Authorization": "Basic "}  # empty stays visible


def test_short_values_are_never_masked_everywhere() -> None:
    redactor = Redactor(secrets=["abc", "demo"])
    assert redactor.text("abc demo") == "abc " + MASK  # under 4 characters: only in credential positions


@pytest.mark.parametrize(
    ("number", "klass"),
    [
        (VERIFICATION_PERSON, "fødselsnummer, synthetic SyntPop"),
        (TENOR_PERSON, "fødselsnummer, synthetic Tenor"),
        (D_NUMBER, "D-nummer"),
        (H_NUMBER, "H-nummer"),
        (FH_NUMBER, "FH-nummer"),
        (SAMPLE_ID, "fødselsnummer"),
    ],
)
def test_national_ids_of_every_class_become_an_alias_with_the_class(number: str, klass: str) -> None:
    redactor = Redactor()
    redacted = redactor.text(f"nationalId={number}; body {{\"nationalId\": \"{number}\"}}")
    assert number not in redacted
    assert redacted.count(f"person-1 ({klass})") == 2


def test_aliases_are_stable_within_a_session_and_are_not_hashes() -> None:
    aliases = Aliases()
    first = Redactor(aliases=aliases)
    assert first.text(f"{D_NUMBER} {VERIFICATION_PERSON} {D_NUMBER}") == (
        "person-1 (D-nummer) person-2 (fødselsnummer, synthetic SyntPop) person-1 (D-nummer)"
    )
    again = Redactor(aliases=Aliases(aliases.mapping))  # as judge reloads them from the store
    assert again.text(VERIFICATION_PERSON).startswith("person-2 ")
    assert aliases.described() == [
        {"alias": "person-1", "class": "D-nummer"},
        {"alias": "person-2", "class": "fødselsnummer, synthetic SyntPop"},
    ]


def test_digits_that_are_not_national_ids_stay() -> None:
    redactor = Redactor()
    bad_check_digits, twelve_digits = "26670271528", "266702715271"
    guid_like = "a12345678901-f"
    for text in (bad_check_digits, twelve_digits, guid_like, "phone 92345678"):
        assert redactor.text(text) == text


def test_a_national_id_as_a_json_number_becomes_an_alias(redactor: Redactor) -> None:
    body, _ = redactor.body(json.dumps({"nationalId": int(VERIFICATION_PERSON), "formData": None}))
    assert json.loads(body)["nationalId"].startswith("person-1 (")


def test_single_use_code_and_login_url_token(redactor: Redactor) -> None:
    answer = json.dumps({"singleUseCode": SINGLE_USE_CODE,
                         "loginUrl": f"https://proms2.hemit.org/proms/{LOGIN_TOKEN}?t={LOGIN_TOKEN}"})
    redacted, fields = redactor.body(answer)
    assert SINGLE_USE_CODE not in redacted and LOGIN_TOKEN not in redacted
    assert json.loads(redacted) == {"singleUseCode": MASK, "loginUrl": f"https://proms2.hemit.org/{MASK}"}
    assert fields == []  # masked in place: the body's exact text is kept otherwise


def test_form_data_becomes_a_structural_summary(redactor: Redactor) -> None:
    form_data = json.dumps({"HealthGeneral": 1, "Kommentar": FREE_TEXT, "Smerter": [1, 2], "Ok": True})
    redacted, fields = redactor.body(json.dumps({"formOrderStatus": "Completed", "formData": form_data}))
    assert FREE_TEXT not in redacted and fields == ["formData"]
    assert json.loads(redacted)["formData"] == {
        "$redacted": "formData",
        "encoding": "string",
        "fields": [
            {"id": "HealthGeneral", "type": "number", "length": 1},
            {"id": "Kommentar", "type": "string", "length": len(FREE_TEXT)},
            {"id": "Smerter", "type": "array", "length": 2},
            {"id": "Ok", "type": "boolean"},
        ],
    }


def test_form_data_in_free_text_at_any_escaping_level(redactor: Redactor) -> None:
    body = json.dumps({"formData": json.dumps({"Kommentar": FREE_TEXT})})
    for text in (body, json.dumps(body), html.escape(json.dumps(body))):
        redacted = redactor.text(text)
        assert FREE_TEXT not in redacted
        assert f"formData redacted: 1 field (Kommentar string/{len(FREE_TEXT)})" in redacted
    json.loads(json.loads(redactor.text(json.dumps(body))))  # still valid JSON at both levels


def test_physical_address_keeps_only_its_shape(redactor: Redactor) -> None:
    address = {"fullName": "Test Testesen", "addressLine1": STREET, "postalCode": "0150", "postalPlace": "Oslo"}
    redacted, fields = redactor.body(json.dumps({"physicalAddress": address}))
    assert STREET not in redacted and fields == ["physicalAddress"]
    assert json.loads(redacted)["physicalAddress"]["fields"][2] == {"id": "postalCode", "type": "string", "length": 4}
    assert STREET not in redactor.text(json.dumps(json.dumps({"physicalAddress": address})))


def test_structure_summary_of_unparseable_form_data() -> None:
    assert structure_summary("'not json'", "formData") == {
        "$redacted": "formData", "type": "string", "length": 10, "parseable": False}


def test_deviation_received_values_follow_their_field(redactor: Redactor) -> None:
    deviation = {"field": "physicalAddress.postalCode", "received": 150, "expected": "a string", "rule": "E1",
                 "exchange_id": 1}
    assert redactor.deviation(deviation)["received"] == {"$redacted": "physicalAddress", "type": "number",
                                                         "length": 3}
    assert redactor.deviation({**deviation, "field": "loginUrl", "received": "https://a/b"})["received"] == (
        f"https://a/{MASK}")


def test_an_exchange_is_redacted_in_every_part(redactor: Redactor) -> None:
    exchange = Exchange("to_eprom", "system", "POST", f"http://h/api?apiKey={KEY}&nationalId={D_NUMBER}",
                        {"Authorization": f"Basic {KEY}"}, json.dumps({"nationalId": D_NUMBER}), 400, {},
                        f"apiKey '{KEY}' doesn't exists", error=f"timeout for {D_NUMBER}", id=7)
    text = json.dumps(redactor.exchange(exchange), ensure_ascii=False)
    assert KEY not in text and D_NUMBER not in text
    assert "person-1 (D-nummer)" in text


def test_redaction_is_idempotent(redactor: Redactor) -> None:
    text = json.dumps({"apiKey": KEY, "nationalId": FH_NUMBER, "formData": json.dumps({"a": FREE_TEXT})})
    once = redactor.text(text)
    assert redactor.text(once) == once
    assert all(number not in once for number in EVERY_CLASS)


def test_userinfo_passwords_in_urls(redactor: Redactor) -> None:
    assert redactor.text("https://user:pw-secret@host/x") == f"https://user:{MASK}@host/x"
