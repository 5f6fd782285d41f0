"""S-ORDER-BODY (V1.1, V2.4, V2.6): every rule of the E1 request body, judged member by member.

The rules (CHECKS.md, spec E1 and BR-02/BR-03/BR-10): ``formId`` a GUID; ``nationalId`` (and
``onBehalfOfNationalId``) an 11-digit fødselsnummer or D-number with valid check digits, never an H- or
FH-number (synthetic ranges allowed); ``expiryDate`` a parseable date-time in the future *when the order
was sent*; ``metadata`` absent or a string holding a JSON object; ``distributionRule`` a valid name or
number; the flags JSON booleans; ``testMode`` not true; ``signingText`` a string or null;
``physicalAddress`` null or an object whose four documented members are strings (``postalCode`` too:
leading zeros matter).

The members are read case-insensitively (ASP.NET binds them so); a body that is not a JSON object is one
deviation and nothing else is judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..recorder.store import Exchange
from ..spec.enums import DistributionRule, EnumValueError, parse_enum
from ..spec.national_id import NationalIdKind, classify
from ..spec.payloads import MISSING, is_guid, member
from ..spec.timestamps import PayloadError, parse_timestamp
from .failure import Deviations, NotVerifiable
from .outbound import endpoint_of

__all__ = ["check_order_body", "ADDRESS_MEMBERS", "FLAGS"]

ADDRESS_MEMBERS = ("fullName", "addressLine1", "postalCode", "postalPlace")
FLAGS = ("dontStoreCompletedFormInPha", "mustBeSigned", "testMode")


def check_order_body(e1: Iterable[Exchange], *, check_id: str = "S-ORDER-BODY") -> None:
    """Judge every E1 body against the rules of the module docstring; fail once listing all."""
    orders = [ex for ex in e1 if endpoint_of(ex) == "E1"]
    if not orders:
        raise NotVerifiable(check_id, "no E1 request was recorded")
    found = Deviations(check_id)
    for exchange in orders:
        _judge_body(found, exchange)
    found.raise_if_any()


def _judge_body(found: Deviations, exchange: Exchange) -> None:
    body = exchange.json_request()
    if not isinstance(body, Mapping):
        found.check("S-ORDER-BODY.1", False, "E1 body", exchange.request_body[:120], "a JSON object",
                    exchange_id=exchange.id)
        return
    at = exchange.id

    def check(requirement: str, ok: bool, field: str, received: Any, expected: str) -> None:
        found.check(requirement, ok, f"E1.{field}", received, expected, exchange_id=at)

    form_id = member(body, "formId")
    check("S-ORDER-BODY.2", isinstance(form_id, str) and is_guid(form_id), "formId", form_id, "a GUID string")
    _judge_national_id(check, "nationalId", member(body, "nationalId"), required=True)
    on_behalf = member(body, "onBehalfOfNationalId", None)
    if on_behalf not in (None, ""):
        _judge_national_id(check, "onBehalfOfNationalId", on_behalf, required=True)
    _judge_expiry(check, member(body, "expiryDate"), _sent_at(exchange))
    metadata_problem = _metadata_problem(member(body, "metadata", None))
    check("S-ORDER-BODY.5", metadata_problem is None, "metadata", metadata_problem, "absent, or a string holding "
            'a JSON object (JSON.stringify({...}), e.g. "{\\"age\\":76}")')
    rule_problem = _distribution_rule_problem(member(body, "distributionRule", None))
    check("S-ORDER-BODY.6", rule_problem is None, "distributionRule", rule_problem,
            f"a DistributionRule name or number ({', '.join(r.name for r in DistributionRule)})")
    for flag in FLAGS:
        value = member(body, flag, None)
        check("S-ORDER-BODY.8" if flag == "dontStoreCompletedFormInPha" else "S-ORDER-BODY.7",
                value is None or isinstance(value, bool), flag, value, "a JSON boolean (true/false), not a string")
    check("S-ORDER-BODY.9", member(body, "testMode", None) is not True, "testMode", True,
            "false or absent: with testMode true the answer never comes back (BR-10)")
    signing_text = member(body, "signingText", None)
    check("S-ORDER-BODY.10", signing_text is None or isinstance(signing_text, str), "signingText", signing_text,
            "a string or null")
    for field, received, expected in _address_problems(member(body, "physicalAddress", None)):
        check("S-ORDER-BODY.11", False, field, received, expected)


def _sent_at(exchange: Exchange) -> datetime | None:
    try:
        return datetime.fromisoformat(exchange.started_at)
    except (TypeError, ValueError):
        return None


def _judge_national_id(check: Any, field: str, value: Any, *, required: bool) -> None:
    if value is MISSING or value is None:
        check("S-ORDER-BODY.3", not required, field, value, "an 11-digit fødselsnummer or D-number")
        return
    if not isinstance(value, str):
        check("S-ORDER-BODY.3", False, field, f"a JSON {type(value).__name__}", "a string of 11 digits")
        return
    info = classify(value)
    masked = value[:6] + "*****" if len(value) == 11 else f"{len(value)} characters"
    if info.kind in (NationalIdKind.H_NUMBER, NationalIdKind.FH_NUMBER):
        check("S-ORDER-BODY.3", False, field, f"{masked} ({info.kind.value})", "a fødselsnummer or D-number; "
                "ePROM rejects H- and FH-numbers (E1-7, E1-8)")
    elif info.kind == NationalIdKind.INVALID:
        check("S-ORDER-BODY.3", False, field, f"{masked} ({info.reason})", "an 11-digit fødselsnummer or D-number")
    else:
        check("S-ORDER-BODY.3", info.check_digits_ok, field, f"{masked} ({info.reason})",
                "valid check digits (mod 11)")


def _judge_expiry(check: Any, value: Any, sent_at: datetime | None) -> None:
    if not isinstance(value, str):
        check("S-ORDER-BODY.4", False, "expiryDate", value, "a date-time string (required)")
        return
    try:
        expiry = parse_timestamp(value, field="expiryDate")
    except PayloadError:
        check("S-ORDER-BODY.4", False, "expiryDate", value, "a parseable date-time, e.g. 2026-03-11T09:46:46.000Z")
        return
    if sent_at is not None:
        check("S-ORDER-BODY.4", expiry > sent_at, "expiryDate", value,
                f"in the future when sent ({sent_at.isoformat()})")


def _metadata_problem(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        kind = "object" if isinstance(value, Mapping) else type(value).__name__
        return f"a raw JSON {kind}, not a string"
    try:
        parsed = json.loads(value)
    except ValueError:
        return f"{value[:80]!r} is not JSON"
    return None if isinstance(parsed, dict) else f"a string holding a JSON {type(parsed).__name__}, not an object"


def _distribution_rule_problem(value: Any) -> str | None:
    if value is None:
        return None  # absent: Basic
    if isinstance(value, bool):
        return f"the boolean {value}"
    try:
        parse_enum(DistributionRule, value, field="distributionRule")
    except EnumValueError:
        return repr(value)
    return None


def _address_problems(value: Any) -> list[tuple[str, Any, str]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [("physicalAddress", value, "null or an object {fullName, addressLine1, postalCode, postalPlace}")]
    problems = []
    for name in ADDRESS_MEMBERS:
        item = member(value, name)
        if item is MISSING or item is None:
            problems.append((f"physicalAddress.{name}", None, "a string (all four members for a paper letter)"))
        elif not isinstance(item, str):
            expected = "a string (leading zeros matter)" if name == "postalCode" else "a string"
            problems.append((f"physicalAddress.{name}", item, expected))
    return problems
