"""Trigger parameters → the request bodies the reference system sends to ePROM (E1, E3–E7).

The system checks the parameters the way a careful ordering system would before anything leaves it:
a valid fødselsnummer/D-number, a GUID form id, real booleans, and the signing rules of 5.5/5.6 (never
``mustBeSigned`` with ``NoDistribution`` or with ``onBehalfOfNationalId``). A refused trigger raises
:class:`TriggerError` and nothing is sent.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import EpromVerifyError
from ..spec.enums import (
    DistributionRule,
    NotificationChannel,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    parse_enum,
    wire_name,
)
from ..spec.national_id import SAMPLE_ID_NEVER_USE, is_acceptable_for_eprom
from ..spec.payloads import E1_DEFAULTS, MISSING
from .behaviour import CORRECT, Behaviour
from .reading import member

__all__ = [
    "TriggerError",
    "order_body",
    "letter_body",
    "sms_body",
    "email_body",
    "personvern_body",
    "expiry_date",
    "LETTER_PDF",
    "ORDER_VALIDITY",
]

ORDER_VALIDITY = timedelta(days=30)  # our choice; the guide sets no expiry rule
# A minimal one-page PDF: the letter's main document (E3 requires one; BR-25).
LETTER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class TriggerError(EpromVerifyError, ValueError):
    """Trigger parameters the system refuses to act on (answered with HTTP 400, nothing sent)."""


def expiry_date(now: datetime | None = None, *, behaviour: Behaviour = CORRECT) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, as JavaScript's ``Date.toJSON`` writes it."""
    validity = -ORDER_VALIDITY if behaviour.expiry_in_past else ORDER_VALIDITY  # the fault: a sign error
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc) + validity
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _national_id(
    params: Mapping[str, Any], name: str, *, required: bool = True, behaviour: Behaviour = CORRECT
) -> str | None:
    value = member(params, name)
    if value is None and not required:
        return None
    if behaviour.accepts_h_number:  # the fault: eleven digits is all it checks
        acceptable = isinstance(value, str) and len(value) == 11 and value.isdigit()
    else:
        acceptable = isinstance(value, str) and is_acceptable_for_eprom(value)
    if not acceptable:
        raise TriggerError(f"{name} is not a fødselsnummer or D-number")
    return value


def _form_id(params: Mapping[str, Any]) -> str:
    value = member(params, "formId")
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise TriggerError("formId is not a GUID") from None


def _boolean(params: Mapping[str, Any], name: str) -> bool:
    value = member(params, name, False)
    if not isinstance(value, bool):
        raise TriggerError(f"{name} is not a boolean")
    return value


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = member(params, name)
    if value is not None and not isinstance(value, str):
        raise TriggerError(f"{name} is not a string")
    return value


def _metadata(params: Mapping[str, Any], behaviour: Behaviour = CORRECT) -> str | dict[str, Any] | None:
    """An object, stringified on the wire (BR-03); a string is accepted if it holds a JSON object."""
    value = member(params, "metadata")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise TriggerError("metadata is not JSON") from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TriggerError("metadata is not a JSON object")
    if behaviour.metadata_as_object:
        return value  # the fault: not stringified
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _physical_address(params: Mapping[str, Any]) -> dict[str, str] | None:
    value = member(params, "physicalAddress")
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TriggerError("physicalAddress is not an object of strings")  # postalCode stays a string
    return dict(value)


def _rule(params: Mapping[str, Any], behaviour: Behaviour = CORRECT) -> DistributionRule:
    default = "BasicOrPaper" if behaviour.paper_by_default else "Basic"
    try:
        return parse_enum(DistributionRule, member(params, "distributionRule", default), field="distributionRule")
    except ValueError:
        raise TriggerError("distributionRule is not a DistributionRule") from None


def _rule_on_the_wire(rule: DistributionRule, behaviour: Behaviour) -> str:
    if behaviour.rule_as_channel_name and int(rule) in NotificationChannel._value2member_map_:
        return wire_name(NotificationChannel(int(rule)))  # the fault: another enum's name, same number
    return wire_name(rule)


def _flag(value: bool, behaviour: Behaviour) -> bool | str:
    return str(value).lower() if behaviour.booleans_as_strings else value


def order_body(
    params: Mapping[str, Any], *, now: datetime | None = None, behaviour: Behaviour = CORRECT
) -> dict[str, Any]:
    """The E1 body for one trigger, in the shape of the guide's sample (enum as name, key not in it)."""
    rule = _rule(params, behaviour)
    must_be_signed = _boolean(params, "mustBeSigned")
    on_behalf_of = _national_id(params, "onBehalfOfNationalId", required=False, behaviour=behaviour)
    if not behaviour.skips_signing_rules:
        if must_be_signed and rule == DistributionRule.NoDistribution:
            raise TriggerError("a form that must be signed cannot use NoDistribution (5.5)")
        if must_be_signed and on_behalf_of is not None:
            raise TriggerError("a form that must be signed cannot be ordered on behalf of someone (5.6)")
    body: dict[str, Any] = {
        "formId": _form_id(params),
        "nationalId": _national_id(params, "nationalId", behaviour=behaviour),
        "expiryDate": expiry_date(now, behaviour=behaviour),
    }
    metadata = _metadata(params, behaviour)
    if metadata is not None:
        body["metadata"] = metadata
    dont_store = _boolean(params, "dontStoreCompletedFormInPha") and not behaviour.always_keeps_pha_copy
    body |= {
        "dontStoreCompletedFormInPha": _flag(dont_store, behaviour),
        "distributionRule": _rule_on_the_wire(rule, behaviour),
        "mustBeSigned": _flag(must_be_signed, behaviour),
        "signatureText" if behaviour.renames_signing_text else "signingText": _text(params, "signingText"),
        "physicalAddress": _physical_address(params),
        "testMode": _flag(False, behaviour),  # testMode true would mean the answer is never returned (BR-10)
        "onBehalfOfNationalId": None if behaviour.drops_on_behalf_of else on_behalf_of,
    }
    if behaviour.omits_defaults:  # a correct design: an optional member at its documented default, or null, is left out
        body = {name: value for name, value in body.items()
                if value is not None and not _is_default(name, value)}
    return body


def _is_default(name: str, value: Any) -> bool:
    default = E1_DEFAULTS.get(name, MISSING)
    if isinstance(default, DistributionRule) and isinstance(value, str):
        return value == default.name
    return default is not MISSING and type(value) is type(default) and value == default


def _channels(params: Mapping[str, Any]) -> list[str]:
    names = member(params, "notificationPriorityList", ["Helsenorge", "DigitalMailbox"])
    try:
        return [wire_name(parse_enum(NotificationChannel, n, field="notificationPriorityList")) for n in names]
    except (TypeError, ValueError):
        raise TriggerError("notificationPriorityList is not a list of NotificationChannel") from None


def _main_document(behaviour: Behaviour) -> dict[str, str]:
    if behaviour.letter_as_html:  # the fault: the letter as the system renders it on screen
        html = b"<html><body><p>Du har f\xc3\xa5tt et brev</p></body></html>"
        return {"fileName": "brev.html", "mimeType": "text/html", "content": base64.b64encode(html).decode("ascii")}
    return {"fileName": "brev.pdf", "mimeType": "application/pdf",
            "content": base64.b64encode(LETTER_PDF).decode("ascii")}


def letter_body(params: Mapping[str, Any], *, behaviour: Behaviour = CORRECT) -> dict[str, Any]:
    """E3. ``documentCollection``'s structure is UNSPECIFIED; ours: a base64 PDF ``mainDocument``."""
    return {
        "nationalId": _national_id(params, "nationalId"),
        "senderInfo": {"organisationName": "Referanseregisteret", "organisationNr": "999999999"},
        "messageInfo": {
            "title": _text(params, "title") or "Melding fra Referanseregisteret",
            "description": _text(params, "description") or "Du har fått et brev",
            "merknad": "Referanseregisteret",
        },
        "documentCollection": {"mainDocument": _main_document(behaviour), "attachments": []},
        "notificationPriorityList": _channels(params),
        "testMode": False,
    }


def _recipient(params: Mapping[str, Any], address_member: str) -> dict[str, Any]:
    national_id = _national_id(params, "nationalId", required=False)
    address = _text(params, address_member)
    if national_id is None and not address:
        raise TriggerError(f"either nationalId or {address_member} is needed")
    recipient: dict[str, Any] = {}
    if national_id is not None:
        recipient["nationalId"] = national_id
    if address:
        recipient[address_member] = address
    return recipient


def sms_body(params: Mapping[str, Any], *, api_key: str, behaviour: Behaviour = CORRECT) -> dict[str, Any]:
    """E4: the key travels in the body (1.4), the text must not be sensitive."""
    text = _text(params, "smsText") or "Du har en ny melding på helsenorge.no"
    recipient = _recipient(params, "phoneNumber")
    if behaviour.sample_id_in_sms and "nationalId" in recipient:
        recipient["nationalId"] = SAMPLE_ID_NEVER_USE  # the fault: the guide's sample, never replaced
    return {"apiKey": api_key, "smsText": text} | recipient


def email_body(params: Mapping[str, Any], *, api_key: str) -> dict[str, Any]:
    """E5: the key travels in the body (1.4)."""
    return {
        "apiKey": api_key,
        "emailTitle": _text(params, "emailTitle") or "Ny melding",
        "emailText": _text(params, "emailText") or "Du har en ny melding på helsenorge.no",
    } | _recipient(params, "emailAddress")


_VOLVEN = {(0, 1): "RES", (0, 0): "IRES", (1, 1): "SAM", (1, 0): "ISAM"}  # (type, status) → C4 code


def personvern_body(params: Mapping[str, Any], *, behaviour: Behaviour = CORRECT) -> dict[str, Any]:
    """E6 (get) or E7 (set, when ``status`` is given); enums as numbers, like the guide's samples."""
    national_id = _national_id(params, "nationalId")
    try:
        kind = parse_enum(PersonvernInnstillingType, member(params, "type", 0), field="type")
        if behaviour.personvern_access_restriction:  # the fault: a type ePROM does not support
            kind = PersonvernInnstillingType.Tilgangsbegrensning
        status = member(params, "status")
        body: dict[str, Any] = {"nationalId": national_id, "type": int(kind)}
        if status is not None:
            body["status"] = int(parse_enum(PersonvernInnstillingStatus, status, field="status"))
            if behaviour.personvern_volven_status:  # the fault: C4's Volven code where E7 wants 0/1 (Q34)
                body["status"] = _VOLVEN.get((body["type"], body["status"]), "RES")
    except ValueError:
        raise TriggerError("type or status is not a valid privacy-setting value") from None
    pvk_id = _text(params, "pvkId")
    if pvk_id is not None:
        body["pvkId"] = pvk_id
    return body
