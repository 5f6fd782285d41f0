"""A recorded request as a curl command a reviewer can paste into a shell to send it again.

The API key never appears in clear: wherever the system's key stood (the body ``apiKey`` of C1–C3, the
``Authorization`` header of C4, anywhere else) the command says ``${EPROM_API_KEY}``, quoted so the shell
substitutes it. A *different* key the kit sent on purpose (a wrong key for R-AUTH) is shown as sent:
it is not a secret, and hiding it would misstate the request. When the system's key is not given, every
``apiKey`` value and every ``Authorization`` credential is treated as the key.

A key with characters JSON escapes (a quote, a backslash) is masked in its escaped form too; the command
then puts the raw key back there, which is not byte-exact, but such keys are not what ePROM hands out.
"""

from __future__ import annotations

import json
from typing import Any

from ..recorder.store import Exchange

__all__ = ["API_KEY_VARIABLE", "curl_command"]

API_KEY_VARIABLE = "EPROM_API_KEY"
_KEY = "\x00api-key\x00"  # marks where the key goes until the command is quoted
# Headers httpx adds on its own; curl adds its equivalents, so they would only be noise.
_CLIENT_HEADERS = frozenset({"host", "content-length", "accept", "accept-encoding", "connection", "user-agent"})


def curl_command(exchange: Exchange, *, api_key: str | None = None, key_variable: str = API_KEY_VARIABLE) -> str:
    """``curl -sS -X PUT '<url>' -H '…' --data-raw '…'`` for ``exchange``, the key as ``${key_variable}``."""
    keys = _keys_in(exchange, api_key)
    parts = [f"curl -sS -X {exchange.method.upper()} {_quoted(_marked(exchange.url, keys), key_variable)}"]
    for name, value in exchange.request_headers.items():
        if name.lower() in _CLIENT_HEADERS:
            continue
        if name.lower() == "authorization" and api_key is None:
            value = _masked_credential(value)
        parts.append(f"-H {_quoted(_marked(f'{_header_name(name)}: {value}', keys), key_variable)}")
    if exchange.request_body:
        parts.append(f"--data-raw {_quoted(_marked(exchange.request_body, keys), key_variable)}")
    return " \\\n  ".join(parts)


def _keys_in(exchange: Exchange, api_key: str | None) -> list[str]:
    """The texts to replace by the variable: the key itself and its JSON-escaped form."""
    if api_key:
        found = [api_key]
    elif api_key is None:
        found = [value for value in (_body_api_key(exchange.request_body),) if value]
    else:
        found = []
    escaped = [json.dumps(key, ensure_ascii=False)[1:-1] for key in found]
    return sorted({*found, *escaped}, key=len, reverse=True)  # longest first: no half-replaced key


def _body_api_key(body: str) -> str | None:
    try:
        decoded: Any = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(decoded, dict):
        return None
    for name, value in decoded.items():
        if isinstance(name, str) and name.lower() == "apikey" and isinstance(value, str) and value.strip():
            return value
    return None


def _masked_credential(value: str) -> str:
    scheme, _, credential = value.partition(" ")
    return f"{scheme} {_KEY}" if credential else _KEY


def _header_name(name: str) -> str:
    """httpx records header names in lower case; print them the way they are usually written."""
    return "-".join(part.capitalize() for part in name.split("-"))


def _marked(text: str, keys: list[str]) -> str:
    for key in keys:
        text = text.replace(key, _KEY)
    return text


def _quoted(text: str, key_variable: str) -> str:
    """Single-quote ``text`` for a POSIX shell, with each key mark as a double-quoted ``${variable}``."""
    pieces = text.split(_KEY)
    out = []
    for index, piece in enumerate(pieces):
        if piece:
            out.append("'" + piece.replace("'", "'\\''") + "'")
        if index < len(pieces) - 1:
            out.append(f'"${{{key_variable}}}"')
    return "".join(out) or "''"
