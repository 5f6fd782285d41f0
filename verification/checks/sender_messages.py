"""S-MESSAGE, S-SMS-EMAIL and S-PERSONVERN: letters (E3), SMS/e-mail (E4/E5), privacy settings (E6/E7).

``documentCollection``'s structure is UNSPECIFIED in every version of the guide, so S-MESSAGE reads it
leniently, like the simulator: the main document is present when the collection is a non-empty list, or
an object whose main-document member (a name containing "main" or "hoved") is non-empty, or — without such
a member — an object with any non-empty member. A *document* is any object in it with a base64 string
member named ``content``, ``data``, ``bytes``, ``fileContent``, ``fileData`` or ``base64``; each must decode to a PDF (``%PDF-``) of at most
30 MB (per file; whether the limit is per file or in total is UNSPECIFIED), and a ``mimeType`` /
``contentType`` next to it, if any, must say ``application/pdf``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..recorder.store import Exchange
from ..spec.enums import (
    EnumValueError,
    NotificationChannel,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    VolvenStatus,
    parse_enum,
)
from ..spec.national_id import is_acceptable_for_eprom, looks_like_national_id
from ..spec.payloads import MISSING, member
from .failure import Deviations, NotVerifiable
from .outbound import answer_text, answered_2xx, endpoint_of, header, json_members, of_endpoint
from .sender import authorization_problem

__all__ = ["check_message", "check_sms_email", "check_nonsensitive", "check_personvern", "MAX_DOCUMENT_BYTES",
           "letter_documents", "national_ids_in"]

MAX_DOCUMENT_BYTES = 30 * 1024 * 1024  # "PDF files up to 30 MB" (release v6.0)
_CONTENT_NAMES = frozenset({"content", "data", "bytes", "filecontent", "filedata", "base64", "contentbase64"})
_TYPE_NAMES = ("mimetype", "contenttype", "mediatype")


def _masked(value: Any) -> Any:
    return value[:6] + "*****" if isinstance(value, str) and len(value) == 11 else value


# -- S-MESSAGE -------------------------------------------------------------------------------------


def has_main_document(collection: Any) -> bool:
    if isinstance(collection, list):
        return any(collection)
    if not isinstance(collection, Mapping) or not collection:
        return False
    main = [value for key, value in collection.items() if "main" in key.lower() or "hoved" in key.lower()]
    return any(main) if main else any(collection.values())


def letter_documents(collection: Any) -> list[tuple[str, Mapping[str, Any], str]]:
    """(path, document object, base64 content) of every recognisable document in a collection."""
    found = []
    candidates = [("documentCollection", collection)] + [
        (f"documentCollection.{path}", value) for path, value in json_members(collection)
    ]
    for path, value in candidates:
        if not isinstance(value, Mapping):
            continue
        for key, content in value.items():
            if isinstance(content, str) and key.lower() in _CONTENT_NAMES and content:
                found.append((path, value, content))
                break
    return found


def _document_problems(path: str, document: Mapping[str, Any], content: str) -> list[tuple[str, Any, str]]:
    problems: list[tuple[str, Any, str]] = []
    declared = next((v for k, v in document.items() if k.lower() in _TYPE_NAMES), None)
    if declared is not None and str(declared).split(";")[0].strip().lower() != "application/pdf":
        problems.append((f"{path} type", declared, "application/pdf"))
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return problems + [(f"{path} content", content[:40], "base64 of a PDF")]
    if not data.startswith(b"%PDF-"):
        problems.append((f"{path} content", data[:16], "a PDF (starting with %PDF-)"))
    if len(data) > MAX_DOCUMENT_BYTES:
        problems.append((f"{path} size", f"{len(data)} bytes", "at most 30 MB"))
    return problems


def _channels_problem(value: Any) -> str | None:
    if value is MISSING or value is None:
        return "absent"
    if not isinstance(value, list) or not value:
        return f"{value!r} is not a non-empty array"
    for item in value:
        try:
            parse_enum(NotificationChannel, item, field="notificationPriorityList")
        except EnumValueError:
            return f"{item!r} is not a NotificationChannel"
    return None


def check_message(exchanges: Iterable[Exchange], *, check_id: str = "S-MESSAGE") -> None:
    """Every E3 letter: recipient a fødselsnummer/D-number, a main document, PDFs of at most 30 MB, a
    valid ``notificationPriorityList`` (BR-25, E3-3)."""
    letters = of_endpoint(exchanges, "E3")
    if not letters:
        raise NotVerifiable(check_id, "the system sent no letter (E3) in this session")
    found = Deviations(check_id)
    recognised = 0
    for exchange in letters:
        body = exchange.json_request()
        if not isinstance(body, Mapping):
            found.check("S-MESSAGE.1", False, "E3 body", exchange.request_body[:120], "a JSON object",
                        exchange_id=exchange.id)
            continue
        national_id = member(body, "nationalId")
        found.check("S-MESSAGE.2", is_acceptable_for_eprom(national_id), "E3.nationalId", _masked(national_id),
                    "a fødselsnummer or D-number", exchange_id=exchange.id)
        collection = member(body, "documentCollection", None)
        found.check("S-MESSAGE.3", has_main_document(collection), "E3.documentCollection", collection,
                    "a main document (E3-3)", exchange_id=exchange.id)
        documents = letter_documents(collection)
        recognised += len(documents)
        for path, document, content in documents:
            for field, received, expected in _document_problems(path, document, content):
                found.check("S-MESSAGE.4", False, f"E3.{field}", received, expected, exchange_id=exchange.id)
        problem = _channels_problem(member(body, "notificationPriorityList"))
        found.check("S-MESSAGE.5", problem is None, "E3.notificationPriorityList", problem,
                    "a non-empty array of NotificationChannel names or numbers", exchange_id=exchange.id)
    found.raise_if_any()
    if not recognised:
        raise NotVerifiable(check_id, "documentCollection (structure UNSPECIFIED) holds no recognisable base64 "
                            "content, so whether the documents are PDFs of at most 30 MB cannot be judged")


# -- S-SMS-EMAIL -----------------------------------------------------------------------------------

_UNSECURE = {
    "E4": ("phoneNumber", ("smsText",)),
    "E5": ("emailAddress", ("emailTitle", "emailText")),
}


def check_sms_email(exchanges: Iterable[Exchange], api_key: str, *, check_id: str = "S-SMS-EMAIL") -> None:
    """Every SMS (E4) and e-mail (E5): the key in the body member ``apiKey``; ``nationalId`` or the phone
    number / e-mail address; the text members present (BR-26, 1.4)."""
    messages = of_endpoint(exchanges, "E4", "E5")
    if not messages:
        raise NotVerifiable(check_id, "the system sent no SMS or e-mail (E4/E5) in this session")
    found = Deviations(check_id)
    for exchange in messages:
        endpoint = endpoint_of(exchange) or "E4"
        body = exchange.json_request()
        if not isinstance(body, Mapping):
            found.check("S-SMS-EMAIL.1", False, f"{endpoint} body", exchange.request_body[:120], "a JSON object",
                        exchange_id=exchange.id)
            continue
        address_member, texts = _UNSECURE[endpoint]
        key = member(body, "apiKey", None)
        found.check("S-SMS-EMAIL.2", key == api_key, f"{endpoint}.apiKey", "absent" if key is None else "another value",
                    "the system's API key, in the body (1.4)", exchange_id=exchange.id)
        national_id, address = member(body, "nationalId", None), member(body, address_member, None)
        found.check("S-SMS-EMAIL.3", bool(national_id) or bool(address), f"{endpoint} recipient", None,
                    f"nationalId or {address_member}", exchange_id=exchange.id)
        if national_id:
            found.check("S-SMS-EMAIL.4", is_acceptable_for_eprom(national_id), f"{endpoint}.nationalId",
                        _masked(national_id), "a fødselsnummer or D-number", exchange_id=exchange.id)
        for text in texts:
            value = member(body, text, None)
            found.check("S-SMS-EMAIL.5", isinstance(value, str) and bool(value.strip()), f"{endpoint}.{text}", value,
                        "a non-empty string", exchange_id=exchange.id)
    found.raise_if_any()


# -- S-NONSENSITIVE --------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<!\d)(\d{6}) ?(\d{5})(?!\d)")  # 11 digits, also written "260739 41651"
_NONSENSITIVE = {"E4": "S-NONSENSITIVE.1", "E5": "S-NONSENSITIVE.2"}


def national_ids_in(text: str) -> list[str]:
    """The fødselsnummer and D-numbers (valid check digits) written in ``text``."""
    runs = ("".join(match.groups()) for match in _DIGIT_RUN.finditer(text))
    return [run for run in runs if looks_like_national_id(run)]


def check_nonsensitive(exchanges: Iterable[Exchange], *, asked: Iterable[Any] = (),
                       check_id: str = "S-NONSENSITIVE") -> None:
    """Every SMS (E4) and e-mail (E5) text names nobody by national id: SMS and e-mail carry non-sensitive
    information only (BR-26). An id in the texts the trigger supplied (``asked``) is the kit's, not the system's."""
    messages = of_endpoint(exchanges, "E4", "E5")
    supplied = {found for text in asked if isinstance(text, str) for found in national_ids_in(text)}
    found = Deviations(check_id)
    judged = 0
    for exchange in messages:
        endpoint = endpoint_of(exchange) or "E4"
        body = exchange.json_request()
        if not isinstance(body, Mapping):  # S-SMS-EMAIL's finding
            continue
        judged += 1
        for text in _UNSECURE[endpoint][1]:
            value = member(body, text, None)
            named = [_masked(n) for n in national_ids_in(value) if n not in supplied] if isinstance(value, str) else []
            found.check(_NONSENSITIVE[endpoint], not named, f"{endpoint}.{text}", named or None,
                        "no fødselsnummer or D-number: SMS and e-mail are not for sensitive information",
                        exchange_id=exchange.id)
    found.raise_if_any()
    if not judged:
        raise NotVerifiable(check_id, "the system sent no SMS or e-mail (E4/E5) with a JSON body in this session")


# -- S-PERSONVERN ----------------------------------------------------------------------------------


def _enum_problem(enum_cls: type, value: Any) -> str | None:
    if value is MISSING or value is None:
        return "absent"
    if isinstance(value, bool):
        return repr(value)
    try:
        parse_enum(enum_cls, value, field=enum_cls.__name__)
    except EnumValueError:
        return repr(value)
    return None


def _volven(value: Any) -> bool:
    try:
        parse_enum(VolvenStatus, value, field="status")
    except EnumValueError:
        return False
    return isinstance(value, str)


def check_personvern(exchanges: Iterable[Exchange], api_key: str, *, check_id: str = "S-PERSONVERN") -> None:
    """Every E6/E7 call: ``Authorization: Basic <raw key>``; ``nationalId`` 11 characters; ``type`` a
    PersonvernInnstillingType; E7 ``status`` IkkeAktiv/Aktiv (0/1) — not a Volven code of C4 (BR-27, Q34);
    ePROM answered 2xx (a call it refused did not do what the system meant)."""
    calls = of_endpoint(exchanges, "E6", "E7")
    if not calls:
        raise NotVerifiable(check_id, "the system read or set no privacy setting (E6/E7) in this session")
    found = Deviations(check_id)
    for exchange in calls:
        endpoint = endpoint_of(exchange) or "E6"
        problem = authorization_problem(header(exchange, "authorization"), api_key)
        found.check("S-PERSONVERN.1", problem is None, f"{endpoint} Authorization", problem, "'Basic <raw key>'",
                    exchange_id=exchange.id)
        body = exchange.json_request()
        if not isinstance(body, Mapping):
            found.check("S-PERSONVERN.2", False, f"{endpoint} body", exchange.request_body[:120], "a JSON object",
                        exchange_id=exchange.id)
            continue
        national_id = member(body, "nationalId", None)
        found.check("S-PERSONVERN.3", isinstance(national_id, str) and len(national_id) == 11,
                    f"{endpoint}.nationalId", _masked(national_id), "exactly 11 characters", exchange_id=exchange.id)
        problem = _enum_problem(PersonvernInnstillingType, member(body, "type"))
        found.check("S-PERSONVERN.4", problem is None, f"{endpoint}.type", problem, "Reservasjon, Samtykke (or 0, 1)",
                    exchange_id=exchange.id)
        if endpoint == "E7":
            status = member(body, "status")
            problem = _enum_problem(PersonvernInnstillingStatus, status)
            expected = "IkkeAktiv or Aktiv (0 or 1)" + ("; a Volven code belongs to C4 only (Q34)"
                                                       if _volven(status) else "")
            found.check("S-PERSONVERN.5", problem is None, "E7.status", problem, expected, exchange_id=exchange.id)
        found.check("S-PERSONVERN.6", answered_2xx(exchange), f"{endpoint} answer", answer_text(exchange),
                    "HTTP 2xx: ePROM took the call (its 400 means the request was not one it accepts)",
                    exchange_id=exchange.id)
    found.raise_if_any()
