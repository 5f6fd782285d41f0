"""ePROM's routes (E1–E10) and the ordering system's callback paths (C1–C4), spec section 2.

ePROM is ASP.NET: paths match case-insensitively, under either prefix. The same API answers under
``/promswebapi`` (= ``/PromsWebApi``, test) and ``/webapi`` (QA, PROD). :func:`normalise` lower-cases a
path, strips the prefix and a trailing slash; :data:`EPROM_ROUTES` matches the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "PREFIXES",
    "EpromRoute",
    "EPROM_ROUTES",
    "KEY_IN_BODY",
    "CALLBACK_PATHS",
    "DOCUMENTED_PATHS",
    "has_prefix",
    "normalise",
    "endpoint_of",
    "callback_of",
    "ends_in_callback_path",
]

PREFIXES = ("/promswebapi", "/webapi")


@dataclass(frozen=True)
class EpromRoute:
    endpoint: str  # spec id: E1 … E10
    method: str
    pattern: re.Pattern[str]  # after normalise(); named groups are the path parameters
    finding: str | None = None  # a deviation implied by using this route at all


def _route(endpoint: str, method: str, pattern: str, finding: str | None = None) -> EpromRoute:
    return EpromRoute(endpoint, method, re.compile(f"^{pattern}$"), finding)


EPROM_ROUTES: tuple[EpromRoute, ...] = (
    _route("E1", "POST", r"/api/v2/formorder"),
    _route("E9", "POST", r"/api/formorder"),
    _route("E2", "GET", r"/api/externaldocument/(?P<signed_form_id>[^/]+)"),
    _route("E2", "GET", r"/externaldocument/(?P<signed_form_id>[^/]+)",
           "signed-document path without /api/ (2019 docs, Q30); use api/ExternalDocument/{id}"),
    _route("E3", "POST", r"/api/v2/messagetocitizen"),
    _route("E10", "POST", r"/api/messagetocitizen"),
    _route("E4", "POST", r"/api/unsecuremessagesms"),
    _route("E5", "POST", r"/api/unsecuremessageemail"),
    _route("E6", "POST", r"/api/(?:v2/)?getpersonverninnstilling"),
    _route("E7", "POST", r"/api/(?:v2/)?setpersonverninnstilling"),
    _route("E8", "POST", r"/api/v2/get-residents-active-pi-for-definition"),
)
# The current endpoints as the guide writes them (below the base URL), for people: what `simulate --open`
# prints. E9 and E10 are retired; E2's old path without /api/ is a finding, not a route to offer.
DOCUMENTED_PATHS: dict[str, tuple[str, str, str]] = {
    "E1": ("POST", "/api/v2/formorder", "order a form"),
    "E2": ("GET", "/api/ExternalDocument/{signedFormId}", "download a signed document"),
    "E3": ("POST", "/api/v2/messagetocitizen", "send a letter"),
    "E4": ("POST", "/api/unsecuremessagesms", "send an SMS (key in the body)"),
    "E5": ("POST", "/api/unsecuremessageemail", "send an e-mail (key in the body)"),
    "E6": ("POST", "/api/v2/getpersonverninnstilling", "read a privacy setting"),
    "E7": ("POST", "/api/v2/setpersonverninnstilling", "set a privacy setting"),
    "E8": ("POST", "/api/v2/get-residents-active-pi-for-definition", "citizens with an active privacy setting"),
}
KEY_IN_BODY = frozenset({"E4", "E5"})  # SMS and e-mail carry the key in the body member apiKey (1.4)

# The paths ePROM appends to the system's ApiBaseUrl; C1 and C2 share one (spec 3).
CALLBACK_PATHS: dict[str, str] = {
    "C1": "/api/PromsFormOrder",
    "C2": "/api/PromsFormOrder",
    "C3": "/api/MessageToCitizen",
    "C4": "/api/PersonvernInnstilling",
}
_CALLBACK_KINDS = {"/api/promsformorder": "C1/C2", "/api/messagetocitizen": "C3", "/api/personverninnstilling": "C4"}


def has_prefix(path: str) -> bool:
    lowered = path.lower()
    return any(lowered == prefix or lowered.startswith(prefix + "/") for prefix in PREFIXES)


def normalise(path: str) -> str:
    """``/PromsWebApi/api/V2/FormOrder/`` → ``/api/v2/formorder``."""
    lowered = path.lower().rstrip("/") or "/"
    for prefix in PREFIXES:
        if lowered == prefix or lowered.startswith(prefix + "/"):
            return lowered[len(prefix):] or "/"
    return lowered


def endpoint_of(method: str, path: str) -> str | None:
    """``"E1"`` … ``"E10"`` for a request ePROM would route to that endpoint, else ``None``."""
    normalised = normalise(path)
    for route in EPROM_ROUTES:
        if route.method == method.upper() and route.pattern.match(normalised):
            return route.endpoint
    return None


def callback_of(path: str) -> str | None:
    """``"C1/C2"``, ``"C3"`` or ``"C4"`` for a path ending in a callback path (any case), else ``None``."""
    lowered = path.lower().rstrip("/")
    for suffix, kind in _CALLBACK_KINDS.items():
        if lowered.endswith(suffix):
            return kind
    return None


def ends_in_callback_path(path: str) -> bool:
    return callback_of(path) is not None
