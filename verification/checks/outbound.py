"""What the ordering system sent to ePROM, read from recorded exchanges: which endpoint, which headers.

The sender checks and the judging of relay sessions both start here. An outbound exchange is one with
direction ``to_eprom`` recorded by the simulator (actor ``system``) or by the relay (actor ``relay``); the
endpoint is read from the path the way ePROM routes it (case-insensitive, under ``/promswebapi``,
``/webapi`` or the root), never from what the recorder noted, so simulator and relay sessions read alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..recorder.store import Exchange
from ..spec import routes
from ..spec.routes import KEY_IN_BODY

__all__ = [
    "KEY_IN_BODY",
    "endpoint_of",
    "under_eprom_prefix",
    "outbound",
    "of_endpoint",
    "header",
    "request_json",
    "json_members",
    "answered_2xx",
    "answer_text",
]


def under_eprom_prefix(exchange: Exchange) -> bool:
    """The request path starts with one of ePROM's base-URL prefixes (``/promswebapi``, ``/webapi``)."""
    lowered = exchange.path.lower()
    return any(lowered == prefix or lowered.startswith(prefix + "/") for prefix in routes.PREFIXES)


def endpoint_of(exchange: Exchange) -> str | None:
    """``"E1"`` … ``"E10"`` for a request ePROM would route to that endpoint, else ``None``."""
    return routes.endpoint_of(exchange.method, exchange.path)


def outbound(exchanges: Iterable[Exchange]) -> list[Exchange]:
    """The requests the ordering system sent to ePROM (simulator or relay recorded them)."""
    return [ex for ex in exchanges if ex.direction == "to_eprom" and ex.actor in ("system", "relay")]


def of_endpoint(exchanges: Iterable[Exchange], *endpoints: str) -> list[Exchange]:
    wanted = set(endpoints)
    return [ex for ex in outbound(exchanges) if endpoint_of(ex) in wanted]


def header(exchange: Exchange, name: str) -> str | None:
    """A request header by name, case-insensitively (recorders differ in the case they keep)."""
    wanted = name.lower()
    for key, value in exchange.request_headers.items():
        if key.lower() == wanted:
            return value
    return None


def request_json(exchange: Exchange) -> Any:
    """The request body as JSON, or ``None`` when it is empty or not JSON."""
    return exchange.json_request()


def json_members(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) pair of a JSON document, depth first (for ids and keys anywhere)."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, item
            yield from json_members(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            child = f"{path}[{index}]"
            yield child, item
            yield from json_members(item, child)


def answered_2xx(exchange: Exchange) -> bool:
    return exchange.error is None and exchange.status is not None and 200 <= exchange.status < 300


def answer_text(exchange: Exchange, limit: int = 200) -> str:
    """``HTTP 400 "…"`` or the transport error: what came back, short."""
    if exchange.error:
        return exchange.error
    body = exchange.response_body
    body = body if len(body) <= limit else body[:limit] + "…"
    return f"HTTP {exchange.status} {body!r}" if body else f"HTTP {exchange.status}"
