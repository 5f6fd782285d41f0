"""The API key as ePROM reads it (spec 1.4, BR-01).

v2 calls (E1, E2, E3, E6–E8) carry ``Authorization: Basic <raw key>``: the word ``Basic``, one space,
the key, no base64 (not RFC 7617). E4/E5 carry the key in the JSON body member ``apiKey``.

Choices (UNSPECIFIED): the scheme word is matched case-insensitively (RFC 9110), the key exactly (a key
padded with whitespace is a wrong key, with a finding saying so); an RFC 7617 header
(``Basic base64(user:key)``) is a wrong key, with a finding naming the mistake.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from starlette.requests import Request

from .state import SimulatorState

__all__ = ["Credential", "header_credential"]


@dataclass(frozen=True)
class Credential:
    """What the request's Authorization header says: the raw key (if any) and who owns it."""

    key: str | None
    owner: str | None  # "self", "other" or None (unknown or absent)
    problem: str | None = None


def header_credential(request: Request, state: SimulatorState) -> Credential:
    value = request.headers.get("authorization")
    if value is None:
        return Credential(None, None, "no Authorization header")
    # ``Basic `` with an empty key arrives as ``Basic``: servers strip trailing whitespace of header values.
    scheme, _, key = value.partition(" ")
    if scheme.lower() != "basic":
        return Credential(None, None, f"Authorization scheme {scheme!r} is not 'Basic <apiKey>'")
    owner = state.key_owner(key)
    if owner is not None:
        return Credential(key, owner)
    return Credential(key, None, _diagnose(key, state))


def _diagnose(sent: str, state: SimulatorState) -> str:
    if state.key_owner(sent.strip()) is not None:
        return "API key padded with whitespace"
    decoded = _rfc7617(sent)
    if decoded is not None:
        user, _, password = decoded.partition(":")
        known = state.key_owner(user) or state.key_owner(password) or state.key_owner(decoded)
        suffix = " (it wraps a valid key)" if known else ""
        return "RFC 7617 base64 'user:password' credentials; ePROM expects the raw key" + suffix
    if not sent:
        return "empty API key"
    return "unknown API key"


def _rfc7617(sent: str) -> str | None:
    try:
        decoded = base64.b64decode(sent, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if ":" in decoded else None
