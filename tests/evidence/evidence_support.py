"""Synthetic sessions for the evidence self-tests: a session folder with a store full of secrets and
national ids in every place they travel, outcomes as the plugin would collect them, and the JUnit XML
and pytest-html page pytest would have written (with the same secrets, escaped as those formats do)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verification.checks.failure import CheckFailure, Deviation
from verification.config import Target, parse_target, redacted_dict
from verification.evidence import BundleResult, write_bundle
from verification.evidence.results import CaseOutcome, failure_record
from verification.recorder.store import Exchange, SessionStore

KEY = "test-api-key-7f3a-evidence"
VERIFICATION_PERSON = "26670271527"  # fødselsnummer, synthetic SyntPop
D_NUMBER = "41018510187"
TENOR_PERSON = "01818510078"  # fødselsnummer, synthetic Tenor
H_NUMBER = "01418510095"
FH_NUMBER = "81234567802"
SAMPLE_ID = "26073941651"  # the guide's sample: an ordinary fødselsnummer
EVERY_CLASS = (VERIFICATION_PERSON, D_NUMBER, TENOR_PERSON, H_NUMBER, FH_NUMBER, SAMPLE_ID)
RAND12 = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
ORDER_ID = "184738d0-3c39-e611-9c2a-34e6d72e03c7"
FREE_TEXT = "Jeg har vondt i ryggen etter fallet"
SINGLE_USE_CODE = "XQ7-991-KODE"
LOGIN_TOKEN = "tok3n-5ecret-login"
STREET = "Testeveien 17"
EPROM = "http://127.0.0.1:18080/promswebapi"
SYSTEM = "http://127.0.0.1:18081"


def target(capabilities: tuple[str, ...] = ("formorder", "signing", "on_behalf_of")) -> Target:
    data = {
        "name": "Norsk testregister",
        "environment": "test",
        "api_key": "${EPROM_API_KEY}",
        "eprom": {"mode": "simulator", "listen": "127.0.0.1:18080"},
        "bestillersystem": {
            "callback_base_url": SYSTEM,
            "trigger": {"url": f"{SYSTEM}/_trigger/order"},
            "capabilities": list(capabilities),
        },
        "forms": [{"id": RAND12, "name": "RAND-12", "signing": True, "paper": False}],
        "test_persons": [VERIFICATION_PERSON, D_NUMBER],
        "confirmed_ordinary_test_persons": [D_NUMBER],  # an ordinary D-nummer, confirmed as a test person
    }
    return parse_target(data, environ={"EPROM_API_KEY": KEY})


def _order_body() -> dict[str, Any]:
    return {
        "formId": RAND12,
        "nationalId": VERIFICATION_PERSON,
        "expiryDate": "2030-01-01T00:00:00Z",
        "metadata": json.dumps({"age": 76, "parent": D_NUMBER}),
        "distributionRule": "BasicOrPaper",
        "physicalAddress": {"fullName": "Test Testesen", "addressLine1": STREET, "postalCode": 1234,
                            "postalPlace": "Testestad"},
        "onBehalfOfNationalId": TENOR_PERSON,
    }


def sample_exchanges() -> list[Exchange]:
    """One exchange for every place a secret or a person travels."""
    form_data = json.dumps({"HealthGeneral": 1, "Kommentar": FREE_TEXT, "Vekt": 70})
    return [
        Exchange("to_eprom", "system", "POST", f"{EPROM}/api/v2/formorder",
                 {"Authorization": f"Basic {KEY}", "Content-Type": "application/json"}, json.dumps(_order_body()),
                 200, {"Content-Type": "application/json"},
                 json.dumps({"id": ORDER_ID, "singleUseCode": SINGLE_USE_CODE,
                             "loginUrl": f"https://proms2.hemit.org/proms/login/{LOGIN_TOKEN}?code={LOGIN_TOKEN}",
                             "notificationChannel": "Helsenorge"}), 12.5),
        Exchange("to_system", "simulator", "PUT", f"{SYSTEM}/api/PromsFormOrder", {"Content-Type": "application/json"},
                 json.dumps({"apiKey": KEY, "formOrderId": ORDER_ID, "formOrderStatus": "Ordered",
                             "notificationChannel": "Helsenorge", "formOrderStatusErrorCode": "None"}),
                 200, {}, '{"success": true}', 3.0),
        Exchange("to_system", "simulator", "PUT", f"{SYSTEM}/api/PromsFormOrder", {},
                 json.dumps({"apiKey": KEY, "formOrderId": ORDER_ID, "formOrderStatus": "Completed",
                             "formData": form_data, "filledOutBy": {"filledOutByActNationalId": H_NUMBER},
                             "formDataWarnings": []}), 200, {}, '{"success": true}', 4.0),
        Exchange("to_system", "simulator", "PUT", f"{SYSTEM}/api/PersonvernInnstilling",
                 {"Authorization": f"Basic {KEY}"},
                 json.dumps({"nationalId": SAMPLE_ID, "id": ORDER_ID, "name": "Reservasjon", "status": "RES"}),
                 200, {}, '{"success": true}', 2.0),
        Exchange("to_eprom", "system", "POST", f"{EPROM}/api/unsecuremessagesms?apiKey={KEY}", {},
                 json.dumps({"apiKey": KEY, "nationalId": FH_NUMBER, "message": f"hei {FH_NUMBER}"}),
                 400, {}, f"apiKey '{KEY}' doesn't exists", 1.0),
        Exchange("to_system", "kit", "PUT", f"{SYSTEM}/_probe/answers/{ORDER_ID}?nationalId={D_NUMBER}", {}, "",
                 None, {}, "", None, error=f"ReadTimeout while sending Basic {KEY} for {VERIFICATION_PERSON}"),
    ]


def _failure() -> dict[str, Any]:
    failure = CheckFailure(
        check_id="S-ORDER-BODY",
        title="The order body breaks the guide",
        deviations=[
            Deviation("physicalAddress.postalCode", 1234, "a string (leading zeros matter)", "E1", 1),
            Deviation("nationalId", VERIFICATION_PERSON, "not the guide's sample id", "S-TEST-DATA", 1),
            Deviation("loginUrl", f"https://x.no/{LOGIN_TOKEN}", "an https URL", "E1", 1),
        ],
    )
    return failure_record(failure)


def sample_outcomes() -> list[CaseOutcome]:
    return [
        CaseOutcome("cases/test_receiver.py::test_status_ordered[Helsenorge]", ("R-STATUS-ORDERED",), "passed",
                    duration_s=0.2, exchange_ids=(2,)),
        CaseOutcome("cases/test_receiver.py::test_return_completed", ("R-RETURN-COMPLETED",), "passed",
                    exchange_ids=(3,),
                    hypothesis={"statistics": "- 100 passing examples", "notes": "seed 12345",
                                "examples": {"passing": 100, "failing": 0, "invalid": 0}}),
        CaseOutcome("cases/test_sender.py::test_order_body", ("S-ORDER-BODY",), "failed",
                    reason="S-ORDER-BODY: The order body breaks the guide", failure=_failure(),
                    longrepr=f"AssertionError: sent Basic {KEY} for {VERIFICATION_PERSON}",
                    captured=f"POST with apiKey={KEY}", exchange_ids=(1,)),
        CaseOutcome("cases/test_receiver.py::test_idempotent", ("R-IDEMPOTENT",), "skipped",
                    reason="stored once: no probe configured", kind="not_verifiable"),
        CaseOutcome("cases/test_relay.py::test_round_trip", ("S-ROUND-TRIP",), "skipped",
                    reason="no C2 yet for the order", kind="waiting"),
        CaseOutcome("cases/test_receiver.py::test_unknown", ("X-UNKNOWN",), "passed"),
    ]


def junit_xml() -> str:
    message = html.escape(f'sent {{"apiKey": "{KEY}", "nationalId": "{VERIFICATION_PERSON}"}}', quote=True)
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="1">'
        f'<testcase classname="cases.test_sender" name="test_order_body[{D_NUMBER}]">'
        f'<failure message="{message}">Authorization: Basic {KEY}\n"singleUseCode": "{SINGLE_USE_CODE}"'
        "</failure></testcase></testsuite></testsuites>\n"
    )


def pytest_html_page() -> str:
    """Shaped like pytest-html 4: the results as a JSON blob, HTML-escaped, in an attribute."""
    blob = {"tests": {"t": [{"log": f'{{"apiKey": "{KEY}", "nationalId": "{TENOR_PERSON}", '
                                    f'"formData": "{{\\"Kommentar\\": \\"{FREE_TEXT}\\"}}"}}'}]}}
    escaped = html.escape(json.dumps(blob), quote=True)
    return f'<!DOCTYPE html><html><head><title>report.html</title></head><body><div id="data-container" data-jsonblob="{escaped}"></div></body></html>'


@dataclass
class SyntheticSession:
    dir: Path
    target: Target
    outcomes: list[CaseOutcome]

    def store(self) -> SessionStore:
        return SessionStore(self.dir / "session.sqlite", session=self.dir.name)


def make_session(root: Path, *, extra_exchanges: int = 0, name: str = "20250101T000000Z-abc123") -> SyntheticSession:
    """A session folder as a finished pytest run leaves it (store, junit.xml, pytest-html's report.html)."""
    session_dir = root / name
    session_dir.mkdir(parents=True)
    the_target = target()
    with SessionStore(session_dir / "session.sqlite", session=name) as store:
        store.set_info("started_at", "2025-01-01T00:00:00+00:00")
        store.set_info("kit_version", "0.1.0")
        store.set_info("python", "3.11")
        store.set_info("target", redacted_dict(the_target))  # as verification.session.open_session does
        with store.batch():
            for exchange in sample_exchanges():
                store.record(exchange)
            for number in range(extra_exchanges):
                store.record(bulk_exchange(number))
    (session_dir / "junit.xml").write_text(junit_xml(), encoding="utf-8")
    (session_dir / "report.html").write_text(pytest_html_page(), encoding="utf-8")
    return SyntheticSession(session_dir, the_target, sample_outcomes())


def bulk_exchange(number: int) -> Exchange:
    """A realistic C2 callback of ~1.5 kB for benchmarks."""
    answers = {f"Question{q}": (q * number) % 5 for q in range(40)} | {"Kommentar": FREE_TEXT * 3}
    body = {"apiKey": KEY, "formOrderId": ORDER_ID, "formOrderStatus": "Completed", "formData": json.dumps(answers),
            "signedFormId": "00000000-0000-0000-0000-000000000000", "timestamp": "2025-01-01T10:00:00+01:00",
            "formOrderEventLog": [{"eventType": "FormOpened", "timestampUtc": "2025-01-01 09:00:00.000"}],
            "patientInitiatedValues": {"nationalId": VERIFICATION_PERSON}}
    return Exchange("to_system", "simulator", "PUT", f"{SYSTEM}/api/PromsFormOrder",
                    {"Content-Type": "application/json", "apiKey": KEY}, json.dumps(body), 200,
                    {"Content-Type": "application/json"}, '{"success": true}', 5.0)


def write(session: SyntheticSession, **kwargs: Any) -> BundleResult:
    """Write the session's bundle as the plugin does at the end of a run (certification profile)."""
    with session.store() as store:
        return write_bundle(session.dir, outcomes=session.outcomes, target=session.target, store=store,
                            profile=kwargs.pop("profile", "certification"), **kwargs)


def bundle_text(bundle_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle_dir).as_posix(): p.read_bytes() for p in bundle_dir.rglob("*") if p.is_file()}
