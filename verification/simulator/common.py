"""Helpers every ePROM endpoint handler shares: authentication answers, JSON bodies, faults, members.

Choices (UNSPECIFIED, ASP.NET-like): a body whose Content-Type is not JSON → 415; a body that is not JSON,
or not a JSON object → 400 with the simulator's own text; member names are matched case-insensitively
(ASP.NET model binding does), with a finding when the casing differs from the documented camelCase.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ..errors import EpromVerifyError
from .auth import Credential, header_credential
from .faults import DEFAULT_MESSAGE_IDS, GENERIC_TEXTS, Fault
from .messages import error_response, text
from .recording import add_finding, set_meta
from .state import SimulatorState

__all__ = [
    "Rejection",
    "reject",
    "state_of",
    "require_header_key",
    "json_body",
    "Members",
    "apply_fault",
    "OTHER_SYSTEM_FINDING",
    "BODY_KEY_FINDING",
]

OTHER_SYSTEM_FINDING = "request authenticated with another ordering system's API key"
BODY_KEY_FINDING = "apiKey in the body of a v2 call (v1 style; the key goes in the header)"


class Rejection(EpromVerifyError):
    """A request the handler answers with an error response."""

    def __init__(self, response: Response):
        self.response = response


def state_of(request: Request) -> SimulatorState:
    return request.app.state.simulator


def reject(state: SimulatorState, status: int, message: str) -> Rejection:
    return Rejection(error_response(state.settings, status, message))


async def _note_body_key(request: Request) -> None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return
    if isinstance(body, dict) and any(key.lower() == "apikey" for key in body):
        add_finding(request, BODY_KEY_FINDING)


async def require_header_key(
    request: Request, state: SimulatorState, *, unknown_key_message: str | None = None
) -> Credential:
    """The header credential, or a rejection: 401 without a usable key; for an unknown key either 401
    (``auth_failure_status``) or, when ``unknown_key_message`` is given (E3-4), 400 with that text."""
    credential = header_credential(request, state)
    if credential.problem:
        add_finding(request, credential.problem)
    if credential.owner == "other":
        add_finding(request, OTHER_SYSTEM_FINDING)
    if credential.owner is not None:
        return credential
    await _note_body_key(request)
    if credential.key is not None and unknown_key_message is not None:
        raise reject(state, 400, unknown_key_message.replace("{apiKey}", credential.key))
    status = 401 if credential.key is None else state.settings.auth_failure_status
    raise Rejection(Response(status_code=status))


def _body_kind(request: Request, *, form_ok: bool) -> str | None:
    """``"json"``, ``"form"`` (where tolerated) or ``None`` for any other Content-Type."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/json", "text/json") or content_type.endswith("+json"):
        return "json"
    if form_ok and content_type == "application/x-www-form-urlencoded":
        return "form"
    return None


async def json_body(request: Request, state: SimulatorState, *, form_ok: bool = False) -> dict[str, Any]:
    """The request body as a JSON object (or, where ``form_ok``, url-encoded form fields)."""
    kind = _body_kind(request, form_ok=form_ok)
    raw = await request.body()
    if kind is None:
        add_finding(request, f"Content-Type {request.headers.get('content-type')!r} is not JSON")
        raise reject(state, 415, "Unsupported Media Type: send application/json")  # UNSPECIFIED
    if kind == "form":
        add_finding(request, "application/x-www-form-urlencoded body (tolerated since v13.0.2; JSON is official)")
        return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    try:
        body = json.loads(raw)
    except ValueError as exc:
        add_finding(request, "body is not valid JSON")
        raise reject(state, 400, f"The request body is not valid JSON: {exc}") from None  # UNSPECIFIED
    if not isinstance(body, dict):
        add_finding(request, "body is not a JSON object")
        raise reject(state, 400, "The request body must be a JSON object")  # UNSPECIFIED
    return body


class Members:
    """Case-insensitive access to a request object's members, noting unknown and oddly cased ones."""

    def __init__(self, request: Request, body: dict[str, Any], documented: Iterable[str]):
        self.documented = {name.lower(): name for name in documented}
        self.values: dict[str, Any] = {}
        for name, value in body.items():
            canonical = self.documented.get(name.lower())
            if canonical is None:
                if name.lower() == "apikey":
                    add_finding(request, BODY_KEY_FINDING)
                else:
                    add_finding(request, f"unknown member {name!r} (ignored)")
                continue
            if name != canonical:
                add_finding(request, f"member {name!r} differs in case from the documented {canonical!r}")
            self.values[canonical] = value

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def echo(self) -> dict[str, Any]:
        return dict(self.values)


async def apply_fault(request: Request, state: SimulatorState, endpoint: str) -> Fault | None:
    """Consume the pending fault for ``endpoint``: a status fault rejects at once; ``delay`` pauses
    (the injected slowness itself); ``zero_id`` is returned for the handler to honour."""
    fault = state.faults.take(endpoint)
    if fault is None:
        return None
    set_meta(request, fault=fault.kind)
    if fault.status is not None:
        if fault.status == 401 and fault.message is None:
            raise Rejection(Response(status_code=401))
        raise reject(state, fault.status, fault.message or _fault_text(state, endpoint, fault.kind))
    if fault.kind == "delay":
        await asyncio.sleep(fault.delay_s)
    return fault


def _fault_text(state: SimulatorState, endpoint: str, kind: str) -> str:
    message_id = DEFAULT_MESSAGE_IDS.get((endpoint, kind))
    return text(state.settings, message_id, formId="", apiKey="") if message_id else GENERIC_TEXTS[kind]
