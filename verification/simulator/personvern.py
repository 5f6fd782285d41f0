"""E6/E7 privacy settings (``api/[v2/]getpersonverninnstilling``, ``…/setpersonverninnstilling``) and E8.

Documented: header key, 401 for a wrong key; 400 when ``nationalId`` is missing or not 11 characters, when
``type`` is missing, and (E7) when ``status`` is missing; 200 otherwise. No texts are documented: the
simulator's are its own (UNSPECIFIED). ``Tilgangsbegrensning`` is refused (400; supported by neither
[5567066] nor [HEAD]). ``pvkId`` is optional (UNSPECIFIED at [HEAD]); when given it is the setting's id.
A citizen without an instance of the setting reads ``IkkeAktiv``. Enum members in answers follow
``enum_style`` (names unless ``"int"``; UNSPECIFIED). E8 lists the citizens with an active instance, on one page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from verification.spec.enums import (
    EnumValueError,
    InstansEndret,
    PersonvernInnstillingStatus,
    PersonvernInnstillingType,
    parse_enum,
)
from verification.spec.wire import enum_value

from .common import Members, Rejection, apply_fault, json_body, reject, require_header_key, state_of
from .state import PRIVACY_DEFINITIONS, PrivacyRecord, SimulatorState, oslo_now

__all__ = ["get_setting", "set_setting", "residents_with_active_setting", "apply_privacy_change"]

_SUPPORTED = (PersonvernInnstillingType.Reservasjon, PersonvernInnstillingType.Samtykke)


async def get_setting(request: Request) -> Response:
    state = state_of(request)
    try:
        await apply_fault(request, state, "E6")
        await require_header_key(request, state)
        members = Members(request, await json_body(request, state), ("nationalId", "type", "pvkId"))
        national_id, setting_type = _identity(state, members)
    except Rejection as rejection:
        return rejection.response
    record = state.privacy.get((national_id, setting_type))
    return JSONResponse(_describe(state, national_id, setting_type, record, members.get("pvkId")))


async def set_setting(request: Request) -> Response:
    state = state_of(request)
    try:
        await apply_fault(request, state, "E7")
        await require_header_key(request, state)
        members = Members(request, await json_body(request, state), ("nationalId", "type", "status", "pvkId"))
        national_id, setting_type = _identity(state, members)
        if not members.has("status"):
            raise reject(state, 400, "status is required")
        status = _enum(state, PersonvernInnstillingStatus, members.get("status"), "status")
    except Rejection as rejection:
        return rejection.response
    changed = apply_privacy_change(state, national_id, setting_type, status, setting_id=members.get("pvkId"))
    return JSONResponse({"instansEndret": enum_value(changed, state.settings.status_style)})


async def residents_with_active_setting(request: Request) -> Response:
    state = state_of(request)
    try:
        await apply_fault(request, state, "E8")
        await require_header_key(request, state)
        members = Members(request, await json_body(request, state), ("pvkId", "pagingReference"))
        pvk_id = members.get("pvkId")
        if not isinstance(pvk_id, str) or not pvk_id:
            raise reject(state, 400, "pvkId is not given")  # the guide says "PvkPart"; UNSPECIFIED (Q26)
    except Rejection as rejection:
        return rejection.response
    active = [
        (national_id, setting_type, record)
        for (national_id, setting_type), record in state.privacy.items()
        if record.setting_id.lower() == pvk_id.lower() and record.status == PersonvernInnstillingStatus.Aktiv
    ]
    setting_type = active[0][1] if active else PersonvernInnstillingType.Reservasjon
    name = active[0][2].name if active else PRIVACY_DEFINITIONS[setting_type][1]
    return JSONResponse({
        "pagingReference": 0,
        "id": pvk_id,
        "name": name,
        "partKode": "SIM",
        "type": enum_value(setting_type, state.settings.status_style),
        "personvernInnstillinger": [
            {
                "NationalId": national_id,
                "SequenceNumber": record.sequence_number,
                "createdDateTimeOffset": record.created,
                "lastChangedDateTimeOffset": record.last_changed,
            }
            for national_id, _, record in active
        ],
    })


def apply_privacy_change(
    state: SimulatorState,
    national_id: str,
    setting_type: PersonvernInnstillingType,
    status: PersonvernInnstillingStatus,
    *,
    setting_id: str | None = None,
    name: str | None = None,
) -> InstansEndret:
    """Set a citizen's instance of a setting; says whether anything changed."""
    key = (national_id, setting_type)
    record = state.privacy.get(key)
    default_id, default_name = PRIVACY_DEFINITIONS[setting_type]
    now = oslo_now()
    if record is None:
        if status == PersonvernInnstillingStatus.IkkeAktiv:
            return InstansEndret.IkkeEndret
        state.privacy[key] = PrivacyRecord(setting_id or default_id, name or default_name, status, 1, now, now)
        return InstansEndret.Endret
    if record.status == status:
        return InstansEndret.IkkeEndret
    record.status, record.sequence_number, record.last_changed = status, record.sequence_number + 1, now
    return InstansEndret.Endret


def _identity(state: SimulatorState, members: Members) -> tuple[str, PersonvernInnstillingType]:
    national_id = members.get("nationalId")
    if not isinstance(national_id, str) or len(national_id) != 11:
        raise reject(state, 400, "nationalId is required and must be exactly 11 characters")
    if not members.has("type"):
        raise reject(state, 400, "type is required")
    setting_type = _enum(state, PersonvernInnstillingType, members.get("type"), "type")
    if setting_type not in _SUPPORTED:
        raise reject(state, 400, f"type {setting_type.name} is not supported; use Reservasjon or Samtykke")
    return national_id, setting_type


def _enum(state: SimulatorState, enum_cls: Any, value: Any, field: str) -> Any:
    try:
        return parse_enum(enum_cls, value, field=field)
    except EnumValueError as exc:
        raise reject(state, 400, str(exc)) from None


def _describe(
    state: SimulatorState,
    national_id: str,
    setting_type: PersonvernInnstillingType,
    record: PrivacyRecord | None,
    pvk_id: str | None,
) -> dict[str, Any]:
    default_id, default_name = PRIVACY_DEFINITIONS[setting_type]
    style = state.settings.status_style
    status = record.status if record else PersonvernInnstillingStatus.IkkeAktiv
    return {
        "nationalId": national_id,
        "type": enum_value(setting_type, style),
        "id": record.setting_id if record else (pvk_id or default_id),
        "name": record.name if record else default_name,
        "status": enum_value(status, style),
        "sequenceNumber": record.sequence_number if record else 0,
        "createdDateTimeOffset": record.created if record else None,
        "lastChangedDateTimeOffset": record.last_changed if record else None,
    }
