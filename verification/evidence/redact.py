"""Redaction: one policy for every artifact of the evidence bundle, applied before anything is written.

What is hidden, and how:

- the API key, and every other value seen in a credential position (``Authorization``, an ``apiKey``
  header, body field or query parameter): ``**********``. Not only the whole key: any run of 8 or more
  of its characters (a key cut off in a truncated body, a prefix a system logs), anywhere in any text,
  raw, base64 or base64url (at any position, so also inside base64 of ``user:KEY``), URL-encoded (upper-
  or lower-case ``%xx``), JSON- or HTML-escaped, or hex;
- national ids: every 11-digit run (not part of a longer run of digits, nor the decimals of a number, nor a
  hex digest or GUID) that passes the check digits, of any class, synthetic or not, also inside a longer
  string (``pid12345678901``), becomes a per-session alias with its class, such as
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
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..spec.national_id import NationalIdKind, classify, looks_like_national_id

__all__ = [
    "MASK",
    "Aliases",
    "Redactor",
    "national_id_class",
    "session_aliases",
    "structure_summary",
    "secret_variants",
    "SecretRuns",
    "national_id_candidates",
    "mask_spans",
    "merged_spans",
    "NATIONAL_ID_RUN",
    "MIN_GLOBAL_SECRET",
]

MASK = "**********"
# A value shorter than this is masked only where it stands in a credential position, never wherever it
# occurs in text: masking every "abc" of a report because a wrong-key probe sent "abc" would ruin it.
MIN_GLOBAL_SECRET = 8

# Exactly 11 digits as a token of their own: not inside a longer run of digits, not the decimals of a number
# (``45.91593799978``). Letters may touch it (``pid12345678901``), except in a run of hex digits and dashes
# (a digest or GUID), which :func:`_is_hex_token` leaves intact.
NATIONAL_ID_RUN = re.compile(r"(?<![0-9])(?<![0-9][.,])[0-9]{11}(?![0-9])(?![.,][0-9])")
_HEX_TOKEN_CHARS = frozenset("0123456789abcdefABCDEF-")

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


def session_aliases(known: Mapping[str, str] | None, test_persons: Iterable[str] = ()) -> Aliases:
    """The session's aliases: those already given (``known``), then the configured test persons, so that the
    verification person is ``person-1`` on the terminal and in the bundle alike."""
    aliases = Aliases(known)
    for number in test_persons:
        if looks_like_national_id(number):
            aliases.alias(number)
    return aliases


def secret_variants(secret: str) -> list[str]:
    """The whole forms a secret takes on the wire and in artifacts: raw, base64 and base64url (also as
    ``:key`` and ``key:``), URL-encoded (either case), JSON- and HTML-escaped, hex."""
    raw = secret.encode()
    encoded = [base64.b64encode(b).decode() for b in (raw, b":" + raw, raw + b":")]
    forms = {
        *_text_forms(secret),
        *encoded,
        *(form.translate(_URLSAFE) for form in encoded),
        *(form.translate(_URLSAFE).rstrip("=") for form in encoded),
    }
    return sorted((form for form in forms if form), key=len, reverse=True)


_URLSAFE = str.maketrans("+/", "-_")
# A run of one character class only ("selftest", "evidence", "01234567") reads as a word or a number of
# the report itself, not as the key: masking every "evidence" because a key says "…-evidence" would ruin
# the report. A random key's runs mix classes; a key made of words should be replaced.
_PLAIN_RUN = re.compile(r"[a-z_.\- ]+|[A-Z_.\- ]+|[0-9_.\- ]+")
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _text_forms(value: str) -> set[str]:
    """``value`` raw, URL-encoded (upper- and lower-case ``%xx``), JSON- and HTML-escaped, and hex."""
    quoted = quote(value, safe="")
    return {value, quoted, _PERCENT.sub(lambda m: m.group(0).lower(), quoted), json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1], html.escape(value), value.encode().hex(),
            value.encode().hex().upper()}


def _base64_determined(raw: bytes) -> list[str]:
    """The base64 characters that depend on ``raw`` alone, for each of the 3 positions it can take in a
    longer encoded text (so ``user:KEY`` is covered whatever the length of ``user``)."""
    found = []
    for offset, first in ((0, 0), (1, 2), (2, 3)):
        total = len(raw) + offset
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        found.append(encoded[first: 4 * (total // 3) + total % 3])
    return found


class SecretRuns:
    """Finds any run of :data:`MIN_GLOBAL_SECRET` or more characters of a secret in text, in each form of
    :func:`secret_variants` (base64 at every position, where 11 characters carry 8 bytes; hex, where 16
    do). Runs that are a plain word or number (``_PLAIN_RUN``) are left alone.

    Every form is searched through anchors (its slices of half a run, at a stride of half a run): any run
    contains one, so a text without the secret costs a few ``str.find`` calls, and a hit is extended
    character by character to the whole run it belongs to.
    """

    def __init__(self, secrets: Iterable[str] = (), *, latin1: bool = False):
        self._latin1 = latin1  # the leak scan searches bytes decoded one character per byte
        self._forms: list[tuple[str, int, bool]] = []  # (form of a secret, shortest run, plain runs pass)
        self._anchor_cache: dict[str, list[tuple[int, str, int, bool]]] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str, run: int = MIN_GLOBAL_SECRET) -> None:
        if len(secret) < run:
            return
        forms = [(form, run, True) for form in _text_forms(secret) if not _HEX_FORM.fullmatch(form)]
        forms += [(secret.encode().hex(), 2 * run, False), (secret.encode().hex().upper(), 2 * run, False)]
        for determined in _base64_determined(secret.encode()):
            forms += [(determined, 4 * run // 3 + 1, False), (determined.translate(_URLSAFE), 4 * run // 3 + 1, False)]
        for form, length, plain_passes in forms:
            if self._latin1:
                form = form.encode().decode("latin-1")
            if len(form) >= length and (form, length, plain_passes) not in self._forms:
                self._forms.append((form, length, plain_passes))
        self._anchor_cache = None

    def _anchors(self) -> dict[str, list[tuple[int, str, int, bool]]]:
        """Anchor → (its offset in a form, the form, shortest run, plain runs pass)."""
        if self._anchor_cache is None:
            self._anchor_cache = {}
            for form, length, plain_passes in self._forms:
                for offset in range(0, len(form) - length // 2 + 1, length // 2):
                    piece = form[offset: offset + length // 2]
                    self._anchor_cache.setdefault(piece, []).append((offset, form, length, plain_passes))
        return self._anchor_cache

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every run found in ``text`` (overlapping; :func:`mask_spans` merges them)."""
        found = []
        for piece, places in self._anchors().items():
            position = text.find(piece)
            while position != -1:
                for offset, form, length, plain_passes in places:
                    start, end = _extend(text, position, form, offset, len(piece))
                    if end - start >= length and not (plain_passes and _PLAIN_RUN.fullmatch(text, start, end)):
                        found.append((start, end))
                position = text.find(piece, position + 1)
        return found


def _extend(text: str, position: int, form: str, offset: int, anchor: int) -> tuple[int, int]:
    """The stretch around ``text[position:position+anchor] == form[offset:offset+anchor]`` where text and
    form agree."""
    left = 0
    while left < min(position, offset) and text[position - left - 1] == form[offset - left - 1]:
        left += 1
    right, limit = position + anchor, len(text)
    index = offset + anchor
    while right < limit and index < len(form) and text[right] == form[index]:
        right, index = right + 1, index + 1
    return position - left, right


_HEX_FORM = re.compile(r"[0-9a-fA-F]+")  # a hex form is searched with hex's run length (16), not 8


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
        self._runs = SecretRuns()
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
        self._runs.add(secret)

    # -- free text ---------------------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """Redact free text (any escaping level); the result has no leftover secret or national id."""
        if not text or not self.enabled:
            return text
        for variant in self._variants:
            if variant in text:
                text = text.replace(variant, MASK)
        text = mask_spans(text, self._runs.spans(text))
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
            if _is_hex_token(text, match) or not looks_like_national_id(number):
                return number
            return self.aliases.token(number)

        return NATIONAL_ID_RUN.sub(replace, text)  # the same tokens as national_id_candidates

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


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace each run of overlapping or touching spans by one :data:`MASK`."""
    if not spans:
        return text
    out, position = [], 0
    for start, end in merged_spans(spans):
        out += [text[position:start], MASK]
        position = end
    return "".join(out) + text[position:]


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def national_id_candidates(text: str) -> Iterator[re.Match[str]]:
    """Every 11-digit token of ``text`` that could be a national id (check digits not yet tested)."""
    return (match for match in NATIONAL_ID_RUN.finditer(text) if not _is_hex_token(text, match))


def _is_hex_token(text: str, match: re.Match[str]) -> bool:
    """The 11 digits are part of a hex digest or GUID (a run of 16 or more hex digits and dashes that
    holds a letter): not a national id."""
    start, end = match.start(), match.end()
    while start > 0 and text[start - 1] in _HEX_TOKEN_CHARS:
        start -= 1
    while end < len(text) and text[end] in _HEX_TOKEN_CHARS:
        end += 1
    token = text[start:end]
    return len(token) >= 16 and token != match.group(0) and any(c.isalpha() for c in token)


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
