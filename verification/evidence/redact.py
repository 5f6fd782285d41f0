"""Redaction: one policy for every artifact of the evidence bundle, applied before anything is written.

What is hidden, and how:

- the API key, and every other value seen in a credential position (``Authorization``, an ``apiKey``
  header, body field or query parameter): ``**********``. The key is also found inside ``Basic …``,
  base64-encoded, URL-encoded, JSON- or HTML-escaped, anywhere in any text;
- national ids: every 11-digit run (not part of a longer run of letters and digits) that passes the check
  digits, of any class, synthetic or not, becomes a per-session alias with its class, such as
  ``person-1 (fødselsnummer, synthetic SyntPop)``. Aliases are counters, never hashes (a hash of an
  11-digit number is reversed by trying them all);
- ``singleUseCode``: masked; ``loginUrl``: scheme and host kept, path and query (the token) masked;
- ``physicalAddress`` and ``formData``: replaced by a structural summary (field ids, types, lengths).

Structured data (JSON bodies, headers, URLs) is redacted field by field (:meth:`Redactor.data`). Free text
(tracebacks, captured output, JUnit XML, pytest-html's page) goes through :meth:`Redactor.text`, whose
replacements contain no quote, backslash or markup character, so text that was valid JSON, XML or HTML at
any escaping level stays valid. Text redaction is best effort; the leak scan over the finished bundle is
the safety net for the key and the national ids.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..spec.national_id import NationalIdKind, classify, looks_like_national_id

__all__ = [
    "MASK",
    "Aliases",
    "Redactor",
    "national_id_class",
    "structure_summary",
    "secret_variants",
    "NATIONAL_ID_RUN",
    "MIN_GLOBAL_SECRET",
]

MASK = "**********"
# A value shorter than this is masked only where it stands in a credential position, never wherever it
# occurs in text: masking every "abc" of a report because a wrong-key probe sent "abc" would ruin it.
MIN_GLOBAL_SECRET = 8

# Exactly 11 digits, not inside a longer run of letters and digits (hex digests and GUIDs stay intact).
NATIONAL_ID_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]{11}(?![0-9A-Za-z])")

CREDENTIAL_KEYS = frozenset({"apikey", "api_key", "api-key", "x-api-key", "password", "cookie", "set-cookie"})
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
ADDRESS_FIELDS = ("fullName", "addressLine1", "addressLine2", "addressLine3", "postalCode", "postalPlace")
SUMMARY_KEYS = {"formdata": "formData", "physicaladdress": "physicalAddress"}
_AUTH_SCHEMES = frozenset({"basic", "bearer", "digest", "negotiate"})
URL_SECRET_PARAMS = frozenset({"apikey", "api_key", "key", "token", "code", "password", "singleusecode"})

# A quote at any escaping level: ", ', \", \\\", and their HTML/XML entities (pytest-html, JUnit XML).
_Q = r"""(?:\\*(?:"|'|&\#34;|&quot;|&\#39;|&\#x27;))"""


def _keyed(names: Iterable[str]) -> re.Pattern[str]:
    """``name": "value"`` (any quoting level) → groups ``pre``, ``q``, ``value``."""
    alternatives = "|".join(sorted(names, key=len, reverse=True))
    return re.compile(rf"(?P<pre>(?i:{alternatives}){_Q}?\s*[:=]\s*(?P<q>{_Q}))(?P<value>.*?)(?P=q)")


_MASKED_FIELDS_QUOTED = _keyed(["apiKey", "api_key", "singleUseCode", *ADDRESS_FIELDS])
_LOGIN_URL_QUOTED = _keyed(["loginUrl"])
_BARE_PARAM = re.compile(r"(?i)(?P<pre>[?&;](?:apikey|api_key|singleusecode|password|token)=)(?P<value>[^&#\s\"'<\\]+)")
_AUTH_VALUE = re.compile(
    r"(?i)(?P<pre>authorization\W{0,12}?(?:basic|bearer|digest|negotiate)\s+)(?P<value>[^\s\"'\\&<,;)]+)"
)
_URL_PASSWORD = re.compile(r"(?P<pre>://[^/\s:@\"'<>]+:)(?P<value>[^@\s/\"'<>]+)(?=@)")
# A deviation line as CheckFailure renders it: "loginUrl (rule): received 'https://…'; expected …".
_DEVIATION_LINE = re.compile(
    r"(?i)(?P<pre>\b(?:apiKey|singleUseCode|loginUrl|physicalAddress|formData|"
    + "|".join(ADDRESS_FIELDS)
    + r")\b[^:\n]{0,60}: received )(?P<value>.*?)(?=; expected |$)",
    re.MULTILINE,
)
_FORM_DATA_KEY = re.compile(rf"(?i:formData){_Q}?\s*[:=]\s*")
_LEADING_QUOTE = re.compile(_Q)


def national_id_class(number: str) -> str:
    """``fødselsnummer``, ``D-nummer, synthetic Tenor``, …: what the alias tells about the number."""
    info = classify(number)
    kind = info.kind.value if info.kind is not NationalIdKind.INVALID else "unknown class"
    synthetic = {"tenor": "synthetic Tenor", "syntpop": "synthetic SyntPop"}.get(info.synthetic or "")
    return f"{kind}, {synthetic}" if synthetic else kind


class Aliases:
    """Per-session aliases for national ids (``person-1``, ``person-2``, … in order of first appearance)."""

    def __init__(self, known: Mapping[str, str] | None = None):
        self._alias: dict[str, str] = dict(known or {})

    def alias(self, number: str) -> str:
        if number not in self._alias:
            self._alias[number] = f"person-{len(self._alias) + 1}"
        return self._alias[number]

    def token(self, number: str) -> str:
        """What replaces the number in every artifact: the alias and the class, no quotes or markup."""
        return f"{self.alias(number)} ({national_id_class(number)})"

    @property
    def mapping(self) -> dict[str, str]:
        """National id → alias. Private material: it belongs in the session store, never in the bundle."""
        return dict(self._alias)

    def numbers(self) -> list[str]:
        return list(self._alias)

    def described(self) -> list[dict[str, str]]:
        """The aliases with their classes, for the bundle (no numbers)."""
        return [{"alias": alias, "class": national_id_class(nid)} for nid, alias in self._alias.items()]


def secret_variants(secret: str) -> list[str]:
    """The forms a secret takes on the wire and in artifacts: raw, base64 (also as ``:key`` and ``key:``),
    URL-encoded, JSON- and HTML-escaped."""
    raw = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        json.dumps(secret)[1:-1],
        html.escape(secret),
        *(base64.b64encode(b).decode() for b in (raw, b":" + raw, raw + b":")),
    }
    return sorted((form for form in forms if form), key=len, reverse=True)


def structure_summary(value: Any, label: str) -> dict[str, Any]:
    """What replaces ``formData`` or ``physicalAddress``: the field ids with their types and lengths.

    A ``formData`` string holding JSON (it is stringified on the wire) is summarised from its content and
    marked ``encoding: string``.
    """
    summary: dict[str, Any] = {"$redacted": label}
    if isinstance(value, str) and label == "formData":
        try:
            decoded = json.loads(value)
        except ValueError:
            return summary | {"type": "string", "length": len(value), "parseable": False}
        summary["encoding"] = "string"
        value = decoded
    if isinstance(value, Mapping):
        summary["fields"] = [{"id": str(key), **_shape(item)} for key, item in value.items()]
    else:
        summary |= _shape(value)
    return summary


def _shape(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int | float):
        return {"type": "number", "length": len(str(value))}
    if isinstance(value, str):
        return {"type": "string", "length": len(value)}
    if isinstance(value, Mapping):
        return {"type": "object", "length": len(value)}
    if isinstance(value, list | tuple):
        return {"type": "array", "length": len(value)}
    return {"type": type(value).__name__}


def _summary_text(summary: Mapping[str, Any]) -> str:
    """A summary as plain words, for free text (no quotes, backslashes or markup)."""
    fields = summary.get("fields")
    if fields is None:
        shape = f"{summary.get('type', '?')}/{summary.get('length', '?')}"
        return f"{summary['$redacted']} redacted: {shape}"
    parts = [f"{f['id']} {f['type']}/{f.get('length', '-')}" for f in fields]
    count = f"{len(parts)} field" + ("" if len(parts) == 1 else "s")
    return f"{summary['$redacted']} redacted: {count} ({', '.join(parts)})"


def _is_summary(value: Any) -> bool:
    return isinstance(value, Mapping) and "$redacted" in value


def redact_login_url(url: str) -> str:
    """Keep where the citizen logs in (scheme and host), mask the rest: the path or query holds the token."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return MASK if url and url != MASK else url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/" + MASK, "", ""))


class Redactor:
    """Redacts text, JSON data, headers, URLs and exchanges with one policy.

    ``secrets`` are masked wherever they occur (in every form of :func:`secret_variants`; values shorter
    than :data:`MIN_GLOBAL_SECRET` raw only, and nothing under 4 characters). ``aliases`` carries the
    session's national-id aliases, so the same person gets the same alias in every artifact and every
    re-judging.
    """

    def __init__(self, *, secrets: Iterable[str] = (), aliases: Aliases | None = None, enabled: bool = True):
        self.enabled = enabled  # off only for debugging the kit itself; never in the certification profile
        self.aliases = aliases or Aliases()
        self.secrets: list[str] = []
        self._variants: list[str] = []
        for secret in secrets:
            self.add_secret(secret)

    # -- secrets -----------------------------------------------------------------------------------------

    def add_secret(self, secret: str) -> None:
        secret = secret.strip()
        if len(secret) < 4 or secret == MASK or secret in self.secrets:
            return
        self.secrets.append(secret)
        forms = secret_variants(secret) if len(secret) >= MIN_GLOBAL_SECRET else [secret]
        self._variants = sorted({*self._variants, *forms}, key=len, reverse=True)

    # -- free text ---------------------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """Redact free text (any escaping level); the result has no leftover secret or national id."""
        if not text or not self.enabled:
            return text
        for variant in self._variants:
            if variant in text:
                text = text.replace(variant, MASK)
        lowered = text.lower()  # the keyed patterns run only where their key occurs (large bodies stay fast)
        for words, pattern, replace in _KEYED_PASSES:
            if any(word in lowered for word in words):
                text = pattern.sub(replace, text)
        if "formdata" in lowered:
            text = self._form_data_text(text)
        return self._national_ids(text)

    def _national_ids(self, text: str) -> str:
        for number in self.aliases.numbers():
            if number in text:
                text = text.replace(number, self.aliases.token(number))

        def replace(match: re.Match[str]) -> str:
            number = match.group(0)
            return self.aliases.token(number) if looks_like_national_id(number) else number

        return NATIONAL_ID_RUN.sub(replace, text)

    def _form_data_text(self, text: str) -> str:
        """Replace a ``formData`` object in free text (stringified or not) by its summary in words."""
        out, position = [], 0
        for match in _FORM_DATA_KEY.finditer(text):
            if match.start() < position:
                continue
            start = match.end()
            quote_match = _LEADING_QUOTE.match(text, start)
            body_start = quote_match.end() if quote_match else start
            if body_start >= len(text) or text[body_start] != "{":
                continue
            body_end = _matching_brace(text, body_start)
            if body_end is None:
                continue
            words = _summary_text(structure_summary(_decode_escaped(text[body_start:body_end]), "formData"))
            out += [text[position:body_start], words]
            position = body_end
        return "".join(out) + text[position:] if out else text

    # -- structured data ---------------------------------------------------------------------------------

    def data(self, value: Any, key: str | None = None) -> Any:
        """Redact JSON-like data field by field; ``key`` is the field name ``value`` stands under."""
        if not self.enabled:
            return value
        lowered = key.lower() if isinstance(key, str) else ""
        if lowered in SUMMARY_KEYS and value not in (None, "") and not _is_summary(value):
            return structure_summary(value, SUMMARY_KEYS[lowered])
        if lowered in CREDENTIAL_KEYS or lowered in AUTH_HEADERS or lowered == "singleusecode":
            return self._credential(value, lowered)
        if lowered == "loginurl" and isinstance(value, str):
            return redact_login_url(value)
        if isinstance(value, Mapping):
            return {k: self.data(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item, key) for item in value]
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and looks_like_national_id(str(value)):
            return self.aliases.token(str(value))
        return value

    def _credential(self, value: Any, lowered: str) -> Any:
        if not isinstance(value, str) or not value.strip() or value == MASK:
            return value if isinstance(value, str) or value is None else MASK
        if lowered in AUTH_HEADERS:
            if value.strip().lower() in _AUTH_SCHEMES:
                return value  # a scheme without credentials: evidence of a missing key, nothing to hide
            scheme, space, rest = value.strip().partition(" ")
            if space and scheme.isalpha():
                return value[: value.index(scheme) + len(scheme)] + " " + (MASK if rest.strip() else rest)
        return MASK

    def deviation(self, deviation: Mapping[str, Any]) -> dict[str, Any]:
        """A failure's deviation: ``received`` is redacted as the field it names (``physicalAddress.x``
        is summarised, ``loginUrl`` masked, …), the rest as text."""
        segments = [s for s in re.split(r"[.\[\]/ ]+", str(deviation.get("field", ""))) if s]
        sensitive = next((s for s in segments if _is_sensitive_key(s)), None)
        return {
            **deviation,
            "field": self.text(str(deviation.get("field", ""))),
            "received": self.data(deviation.get("received"), sensitive),
            "expected": self.data(deviation.get("expected")),
        }

    def headers(self, headers: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self.data(value, name) for name, value in headers.items()}

    def url(self, url: str) -> str:
        """Mask credential query parameters and userinfo passwords, then redact the rest as text."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)
        if parts.query and self.enabled:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if any(name.lower() in URL_SECRET_PARAMS for name, _ in pairs):
                masked = [(n, MASK if n.lower() in URL_SECRET_PARAMS and v else v) for n, v in pairs]
                url = urlunsplit(parts._replace(query=urlencode(masked, safe="*")))
        return self.text(url)

    def body(self, body: str) -> tuple[str, list[str]]:
        """Redact an HTTP body; returns the text and the structured fields that were summarised or masked.

        A JSON body is re-serialised only when ``formData`` or ``physicalAddress`` had to be summarised or a
        national id was a JSON number (the list names them); otherwise its exact text is redacted as text, so evidence shows the bytes sent.
        """
        if not body or not self.enabled:
            return body, []
        try:
            decoded = json.loads(body)
        except ValueError:
            return self.text(body), []
        touched = sorted(_structured_fields(decoded))
        if not touched:
            return self.text(body), []
        return json.dumps(self.data(decoded), ensure_ascii=False), touched

    def exchange(self, exchange: Any) -> dict[str, Any]:
        """A recorded exchange as redacted plain data (for evidence.json and the report)."""
        request_body, request_fields = self.body(exchange.request_body or "")
        response_body, response_fields = self.body(exchange.response_body or "")
        record = {
            "id": exchange.id,
            "direction": exchange.direction,
            "actor": exchange.actor,
            "started_at": exchange.started_at,
            "method": exchange.method,
            "url": self.url(exchange.url),
            "request_headers": self.headers(exchange.request_headers or {}),
            "request_body": request_body,
            "status": exchange.status,
            "response_headers": self.headers(exchange.response_headers or {}),
            "response_body": response_body,
            "latency_ms": exchange.latency_ms,
            "error": self.text(exchange.error) if exchange.error else exchange.error,
            "meta": self.data(exchange.meta or {}),
        }
        if request_fields or response_fields:
            record["redacted_fields"] = sorted({*request_fields, *response_fields})
        return record


_FIELD_WORDS = ("apikey", "api_key", "singleusecode", *(name.lower() for name in ADDRESS_FIELDS))


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    return match.group("pre") + (value if value in ("", MASK) else MASK)


def _mask_quoted(match: re.Match[str]) -> str:
    value = match.group("value")
    masked = value if value in ("", MASK) else MASK
    return match.group("pre") + masked + match.group("q")


def _login_url_quoted(match: re.Match[str]) -> str:
    value = match.group("value")
    return match.group("pre") + redact_login_url(value) + match.group("q")


def _matching_brace(text: str, start: int, limit: int = 1_000_000) -> int | None:
    """The index after the ``}`` closing the ``{`` at ``start`` (braces inside answers are rare; a
    mismatch only makes the summary less exact, never leaks: the national-id pass still runs)."""
    depth = 0
    for index in range(start, min(len(text), start + limit)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _decode_escaped(fragment: str) -> Any:
    """Decode a JSON object found in text at an unknown escaping level (entities, ``\\"``); the fragment
    itself when no level parses."""
    candidate = html.unescape(fragment)
    for _ in range(4):
        try:
            return json.loads(candidate)
        except ValueError:
            try:
                candidate = json.loads(f'"{candidate}"')
            except ValueError:
                break
    return fragment


def _structured_fields(value: Any, key: str | None = None) -> set[str]:
    """The fields of ``value`` that need structural redaction: ``formData``, ``physicalAddress``, and a
    national id written as a JSON number.

    Credentials, ``singleUseCode`` and ``loginUrl`` are quoted strings that text redaction masks in place,
    so they never force a body to be re-serialised.
    """
    lowered = key.lower() if isinstance(key, str) else ""
    if lowered in SUMMARY_KEYS and value not in (None, "") and not _is_summary(value):
        return {SUMMARY_KEYS[lowered]}
    if isinstance(value, int) and not isinstance(value, bool) and looks_like_national_id(str(value)):
        return {str(key)}  # an alias is a string: the body must be re-serialised to stay valid JSON
    found: set[str] = set()
    if isinstance(value, Mapping):
        for k, v in value.items():
            found |= _structured_fields(v, k)
    elif isinstance(value, list):
        for item in value:
            found |= _structured_fields(item, key)
    return found


def _is_sensitive_key(name: str) -> bool:
    lowered = name.lower()
    return (lowered in SUMMARY_KEYS or lowered in CREDENTIAL_KEYS or lowered in AUTH_HEADERS
            or lowered in ("singleusecode", "loginurl"))


# (words that must occur, lower case; pattern; replacement), in the order text redaction applies them.
_KEYED_PASSES = (
    (("authorization",), _AUTH_VALUE, _mask_value),
    (("apikey", "api_key", "singleusecode", "password", "token"), _BARE_PARAM, _mask_value),
    (("://",), _URL_PASSWORD, _mask_value),
    (_FIELD_WORDS, _MASKED_FIELDS_QUOTED, _mask_quoted),
    (("loginurl",), _LOGIN_URL_QUOTED, _login_url_quoted),
    ((": received ",), _DEVIATION_LINE, _mask_value),
)
