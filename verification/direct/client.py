"""Direct mode: the kit itself calls ePROM (``eprom.upstream``) with the system's API key.

Every direct request goes through :class:`DirectClient`, the one place where the safety rules are
enforced, *before* anything is sent:

- never toward production: a production host (spec 1.3) or ``environment: production`` refuses the client
  itself (:func:`refuse_unsafe_target`);
- toward a real ePROM environment (any upstream that is not loopback): only E1 orders
  (``POST …/api/v2/formorder``), only the target's ``test_persons`` as national ids, ``distributionRule:
  NoDistribution``, never a paper rule (:func:`guard_request`);
- never the guide's sample id ``26073941651``, not even toward the simulator;
- at most ``target.max_requests`` requests per client (redirect hops count);
- redirects are followed by hand: each hop must stay on the upstream host (or loopback), over https
  for any other host; a hop elsewhere is not followed, so the key never leaves the allow-list;
- TLS verification always on toward non-loopback hosts: the client refuses to be built without it;
- every answer bounded like the kit's own (the one recording transport,
  :class:`~verification.recorder.transport.RecordingTransport`): a total deadline per exchange and a
  decoded body cap.

Each exchange is recorded in the session store (actor ``kit``, direction ``to_eprom``), with the drift
found in ePROM's answer (:mod:`verification.checks.drift`) in its ``meta``.

Errors: :class:`SafetyError`, a safety rule refused a request (or the client); ``rule`` names it. It is a
:class:`~verification.errors.UsageError` (exit 4); the hierarchy is drawn in :mod:`verification.errors`.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ..checks.drift import answer_drift
from ..config import MASK, Secret, Target, mask_national_id, production_reason
from ..errors import UsageError
from ..recorder.transport import KIT_HEADERS, REDIRECT_STATUSES, RecordingClient, RecordingTransport
from ..recorder.store import Exchange, SessionStore
from ..spec.enums import PAPER_RULES, DistributionRule, EnumValueError, parse_enum, wire_name
from ..spec.hosts import is_loopback_host, is_loopback_url
from ..spec.national_id import SAMPLE_ID_NEVER_USE, looks_like_national_id

__all__ = [
    "DirectClient",
    "SafetyError",
    "FORM_ORDER_PATH",
    "guard_request",
    "redacted_body",
    "refuse_unsafe_target",
]

FORM_ORDER_PATH = "/api/v2/formorder"
MAX_REDIRECTS = 5
_NATIONAL_ID_MEMBERS = ("nationalid", "onbehalfofnationalid")


class SafetyError(UsageError):
    """A safety rule refused a request, or the client itself; ``rule`` names the rule. Exit code 4."""

    def __init__(self, rule: str, message: str):
        self.rule = rule
        super().__init__(f"refused by the safety rule '{rule}': {message}")


# --- pure rules (also used by the dry run) ----------------------------------------------------------


def refuse_unsafe_target(target: Target) -> None:
    """Raise :class:`SafetyError` when no direct request may go to this target at all."""
    reason = production_reason(target)
    if reason is not None:
        raise SafetyError("production", f"{reason}; no active request is ever sent to production")
    if not target.eprom.upstream:
        raise SafetyError("upstream", "the target has no eprom.upstream to call")


def guard_request(target: Target, method: str, path: str, body: Any) -> None:
    """Raise :class:`SafetyError` when this request may not be sent to the target's upstream."""
    _refuse_sample_id(body)
    if is_loopback_url(target.eprom.upstream or ""):
        return  # the simulator on this machine: every documented situation may be provoked
    if method.upper() != "POST" or path.lower().rstrip("/") != FORM_ORDER_PATH:
        raise SafetyError("endpoint", f"toward a real ePROM environment the kit sends only E1 orders "
                          f"(POST {FORM_ORDER_PATH}), not {method} {path}")
    _refuse_unlisted_ids(body, set(target.test_persons))
    _refuse_distribution(body)


def _refuse_sample_id(body: Any) -> None:
    if SAMPLE_ID_NEVER_USE in json.dumps(body):
        raise SafetyError("sample-id", "the guide's sample id 26073941651 is never used: it decodes as an "
                          "ordinary 1939 birth, so a real person could have it")


def _refuse_unlisted_ids(body: Any, test_persons: set[str]) -> None:
    for name, value in _strings(body):
        named = name.lower() in _NATIONAL_ID_MEMBERS and value not in ("", None)
        if (named or looks_like_national_id(value)) and value not in test_persons:
            raise SafetyError("test-persons", f"{name} {mask_national_id(value)} is not one of the target's "
                              "test_persons; toward a real ePROM environment only configured test persons are used")


def _strings(body: Any, name: str = "") -> list[tuple[str, str]]:
    if isinstance(body, Mapping):
        return [pair for key, value in body.items() for pair in _strings(value, str(key))]
    if isinstance(body, list):
        return [pair for value in body for pair in _strings(value, name)]
    return [(name, body)] if isinstance(body, str) else []


def _refuse_distribution(body: Any) -> None:
    members = body if isinstance(body, Mapping) else {}
    raw = next((value for name, value in members.items() if name.lower() == "distributionrule"), None)
    try:
        rule = DistributionRule.Basic if raw is None else parse_enum(DistributionRule, raw, field="distributionRule")
    except EnumValueError:
        raise SafetyError("distribution-rule", f"distributionRule {raw!r} is not a known rule") from None
    if rule in PAPER_RULES:
        raise SafetyError("paper-rule", f"{wire_name(rule)} is a paper rule; a paper rule is never sent to a "
                          "real ePROM environment (it could post a letter)")
    if rule != DistributionRule.NoDistribution:
        raise SafetyError("distribution-rule", f"{wire_name(rule)} would notify the person; toward a real ePROM "
                          "environment the kit orders with NoDistribution only")


def redacted_body(body: Any) -> Any:
    """``body`` with national ids masked (first six digits) and any ``apiKey`` as ``**********``."""
    if isinstance(body, Mapping):
        return {key: MASK if str(key).lower() == "apikey" else _redacted_member(str(key), value)
                for key, value in body.items()}
    if isinstance(body, list):
        return [redacted_body(value) for value in body]
    return body


def _redacted_member(name: str, value: Any) -> Any:
    if isinstance(value, str) and (name.lower() in _NATIONAL_ID_MEMBERS or looks_like_national_id(value)):
        return mask_national_id(value)
    return redacted_body(value)


# --- the client -----------------------------------------------------------------------------------------


class DirectClient(RecordingClient):
    """Sends the kit's requests to ``target.eprom.upstream`` under the safety rules, recording each one.

    ``transport`` replaces the network (tests); ``verify`` may name a CA bundle or an SSL context, but
    can never be ``False`` toward a non-loopback host.
    """

    def __init__(
        self,
        target: Target,
        store: SessionStore | None,
        *,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str | ssl.SSLContext = True,
        timeout: float = 15.0,
    ):
        refuse_unsafe_target(target)
        self.target = target
        self.store = store
        self.upstream = (target.eprom.upstream or "").rstrip("/")
        self.host = (urlsplit(self.upstream).hostname or "").lower()
        if verify is False and not is_loopback_host(self.host):
            raise SafetyError("tls", f"TLS verification is always on toward {self.host}; it cannot be turned off")
        self.max_requests = target.max_requests
        self.sent = 0
        self.drift: list[dict[str, Any]] = []
        self.timeout = timeout
        # The kit's one recording transport (total deadline, decoded body cap) over ``transport`` when given;
        # redirects are followed here by hand, so the transport does not name them as deviations.
        self._http = RecordingTransport(actor="kit", direction="to_eprom", timeout=timeout, name_redirects=False,
                                        inner=transport, verify=verify)

    @property
    def real_environment(self) -> bool:
        """True toward a real ePROM (any non-loopback upstream), where the strict rules apply."""
        return not is_loopback_host(self.host)

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        api_key: Secret | str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Exchange:
        """Send one request to ``upstream + path`` (following allowed redirects); the final exchange.

        Raises :class:`SafetyError` before sending anything a rule forbids; network trouble is an
        exchange with ``error``, never an exception."""
        guard_request(self.target, method, path, json_body)
        key = self.target.api_key if api_key is None else api_key
        headers = {"Authorization": f"Basic {key.reveal() if isinstance(key, Secret) else key}"}
        content = b""
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        url = self.upstream + path
        for hop in range(MAX_REDIRECTS + 1):
            exchange = self._send_once(method, url, headers, content, dict(meta or {}, hop=hop))
            location = self._redirect(exchange)
            if location is not None and hop == MAX_REDIRECTS:
                exchange.error, location = f"more than {MAX_REDIRECTS} redirects; not followed", None
            if location is None or exchange.status is None:
                return self._recorded(exchange)
            self._recorded(exchange)
            method, content = _redirected_method(exchange.status, method, content)
            if not content:
                headers.pop("Content-Type", None)
            url = location
        raise AssertionError("unreachable: the last hop always returns")

    def _send_once(
        self, method: str, url: str, headers: dict[str, str], content: bytes, meta: dict[str, Any]
    ) -> Exchange:
        if self.sent >= self.max_requests:
            raise SafetyError("max-requests", f"this run may send at most {self.max_requests} requests to ePROM "
                              "(target max_requests); it has sent them all")
        request = httpx.Request(method, url, content=content, headers={**KIT_HEADERS, **headers})
        self.sent += 1
        return self._http.exchange(request, meta=meta)

    def _redirect(self, exchange: Exchange) -> str | None:
        """The next URL to follow, or ``None``; a refused hop is written into ``exchange.error``."""
        location = exchange.response_headers.get("location")
        if exchange.status not in REDIRECT_STATUSES or location is None:
            return None
        location = urljoin(exchange.url, location)
        parts = urlsplit(location)
        host = (parts.hostname or "").lower()
        if host != self.host and not is_loopback_host(host):
            exchange.error = (f"redirect to {parts.scheme}://{host} not followed: only {self.host} (and loopback) "
                              "are on the allow-list, and the API key is sent nowhere else")
            return None
        if parts.scheme != "https" and not is_loopback_host(host):
            exchange.error = f"redirect to plain http on {host} not followed: the API key travels only over TLS"
            return None
        return location

    def _recorded(self, exchange: Exchange) -> Exchange:
        if exchange.path.lower().rstrip("/").endswith(FORM_ORDER_PATH) and exchange.status is not None:
            found = answer_drift("E1", exchange.status, exchange.response_body)
            if found:
                exchange.meta["drift"] = [item.to_dict() for item in found]
        if self.store is not None:
            self.store.record(exchange)
        for item in exchange.meta.get("drift", []):
            self.drift.append({**item, "exchange_id": exchange.id})
        return exchange


def _redirected_method(status: int, method: str, content: bytes) -> tuple[str, bytes]:
    """307/308 repeat the request; 301/302/303 turn a POST into a GET without body (as clients do)."""
    if status in (307, 308) or method.upper() in ("GET", "HEAD"):
        return method, content
    return "GET", b""

