"""Reading and validating a target file: YAML into a :class:`~verification.config.Target`, collecting
every problem before failing once (:func:`load_target`, :func:`parse_target`)."""

from __future__ import annotations

import difflib
import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..spec.hosts import is_loopback_host
from ..spec.national_id import SAMPLE_ID_NEVER_USE, VERIFICATION_PERSON
from ..spec.routes import ends_in_callback_path
from ..spec.wire import GUID_PATTERN, ZERO_GUID
from .model import (
    ABSENT,
    Budgets,
    CAPABILITIES,
    DEFAULT_LISTEN,
    ENVIRONMENTS,
    EpromSettings,
    FormSpec,
    ListenAddress,
    MASK,
    MODES,
    PROFILES,
    Probe,
    ProbeCall,
    Secret,
    SystemSettings,
    Target,
    TargetError,
    TargetProblem,
    TRIGGER_KINDS,
    Trigger,
    TriggerCall,
    _FORM_ORDER_ID,
    CONFIRM_KEY,
    mask_national_id,
)

__all__ = ["load_target", "parse_target"]


# --------------------------------------------------------------------------------------------- YAML


MAX_FILE_BYTES = 2 * 1024 * 1024  # a target file is a page of YAML; an absurd URL still gets its own error
MAX_DEPTH = 32  # nesting of mappings and lists
MAX_EXPANDED_NODES = 20_000  # nodes after aliases are expanded: a real target has a few hundred
_GUID = re.compile(f"^{GUID_PATTERN}$")


class _Refused(yaml.composer.ComposerError):
    """YAML that is well-formed but too deep or too expansive to read safely."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last), nesting deeper than
    :data:`MAX_DEPTH` and aliases that expand beyond :data:`MAX_EXPANDED_NODES` nodes (an alias bomb is a
    few hundred bytes that expand to billions), before anything is built from them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803 - PyYAML's signature
        # "[[[[…": refused while scanning; the scanner's look-ahead over open brackets is quadratic.
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(None, None, f"nesting deeper than {MAX_DEPTH} levels", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(None, None, f"nesting deeper than {MAX_DEPTH} levels",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise _Refused(None, None, f"aliases (*name) expand to more than "
                                              f"{MAX_EXPANDED_NODES:,} values", node.start_mark)
        return node


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes ``node`` stands for once every alias is expanded (a shared node counts each time)."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = MAX_EXPANDED_NODES + 1  # a node that contains itself expands forever
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > MAX_EXPANDED_NODES:
            break
    sizes[id(node)] = total
    return total


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)):
            continue  # an unhashable key is refused by construct_mapping itself
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)  # also resolves merge keys (<<)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, file: str) -> Any:
    def fail(message: str, fix: str, line: int | None = None) -> TargetError:
        return TargetError([TargetProblem(file, "", ABSENT, message, fix, line)])

    try:
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise fail(f"is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB; a target file is a page of YAML",
                       "name the target file itself; start from examples/target.simulator.yaml")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("file not found", "check the path; start from examples/target.simulator.yaml") from None
    except IsADirectoryError:
        raise fail("is a directory, not a target file", "name the YAML file itself") from None
    except UnicodeDecodeError as exc:
        raise fail(f"is not UTF-8 text ({exc.reason})", "save the file as UTF-8") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})", "check the file's permissions") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # Built from the parts, never str(exc): its snippet could quote the api_key's line.
        mark = exc.problem_mark or exc.context_mark
        detail = "; ".join(str(part) for part in (exc.context, exc.problem) if part)
        column = f" (column {mark.column + 1})" if mark else ""
        if isinstance(exc, _Refused):
            raise fail(f"YAML refused{column}: {detail}", "write the values out plainly; a target file needs "
                       "neither deep nesting nor aliases that expand this far", mark.line + 1) from None
        fix = (
            "keep one of the two" if "duplicate key" in detail
            else "correct the YAML at that line; quote values that contain ': ' or start with '{', '[', '*' or '&'"
        )
        raise fail(f"YAML syntax error{column}: {detail}", fix, None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as exc:
        raise fail(f"YAML error: {type(exc).__name__}", "correct the YAML") from None


# ------------------------------------------------------------------------------------- substitution

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_REFERENCE_BODY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)


class _Reported:
    """Stands for a value whose problem is already reported (unset ${VAR}, missing required key)."""


_REPORTED: Any = _Reported()


def _substitute_tree(node: Any, path: str, reader: _Reader) -> Any:
    if isinstance(node, str):
        return _substitute(node, path, reader)
    if isinstance(node, dict):
        return {key: _substitute_tree(value, _join(path, key), reader) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute_tree(value, f"{path}[{i}]", reader) for i, value in enumerate(node)]
    return node


def _substitute(text: str, path: str, reader: _Reader) -> Any:
    failed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal failed
        if match.group(0) == "$${":
            return "${"
        body = _REFERENCE_BODY.match(match.group(1) or "")  # group 1 is None for an unclosed ${
        if body is None:
            failed = True
            reader.problem(path, text, "has a malformed ${…} reference",
                           "write ${NAME} or ${NAME:-default}; write $${ for a literal ${")
            return ""
        name, default = body.group(1), body.group(2)
        value = reader.environ.get(name)
        if default is not None and not value:
            return default
        if value is None:
            failed = True
            reader.problem(path, text, f"uses environment variable {name}, which is not set",
                           f"export {name}=… or put the value in the file")
            return ""
        return value

    result = _REFERENCE.sub(replace, text)
    return _REPORTED if failed else result


# ------------------------------------------------------------------------------------------ parsing


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


class _Reader:
    """Collects problems while the sections are read; a value that fails comes back as None."""

    def __init__(self, file: str, environ: Mapping[str, str]) -> None:
        self.file = file
        self.environ = environ
        self.problems: list[TargetProblem] = []
        self.secret: str | None = None  # the api_key once read, so no error text can show it

    def problem(self, path: str, value: Any, message: str, fix: str) -> None:
        if path == "api_key" and value is not ABSENT:
            value = MASK
        elif any(_holds(value, secret) for secret in self._secrets()):
            value = MASK  # the key pasted into another field
        elif path.startswith(("test_persons[", CONFIRM_KEY)) and isinstance(value, str):
            value = mask_national_id(value)
        self.problems.append(TargetProblem(self.file, path, value, message, fix))

    def fail_if_any(self) -> None:
        if not self.problems:
            return
        problems = self.problems
        for secret in self._secrets():
            problems = [_scrub(problem, secret) for problem in problems]
        raise TargetError(problems)

    def _secrets(self) -> set[str]:
        # Short strings would scrub ordinary words; a key that short is reported anyway.
        candidates = (self.secret, self.secret.strip()) if self.secret else ()
        return {secret for secret in candidates if len(secret) >= 4}

    # -- fetching: a missing required key is reported once and comes back as _REPORTED

    def get(self, section: dict[str, Any], path: str, *, required: str | None = None, default: Any = None) -> Any:
        key = path.rsplit(".", 1)[-1]
        value = section.get(key)
        if value is not None:
            return value
        if required is None:
            return default
        self.problem(path, ABSENT if key not in section else None,
                     "is missing (required)" if key not in section else "is empty", required)
        return _REPORTED

    # -- converting: each returns None after reporting, or silently for _REPORTED

    def mapping(self, value: Any, path: str, known: tuple[str, ...]) -> dict[str, Any] | None:
        if value is _REPORTED:
            return None
        if not isinstance(value, dict):
            self.problem(path, value, "is not a mapping",
                         f"write {path or 'the file'} as 'key: value' lines ({', '.join(known)})")
            return None
        for key in value:
            if key not in known:
                self.problem(_join(path, key), ABSENT, "unknown key", _suggest(key, known))
        return value

    def text(self, value: Any, path: str, fix: str) -> str | None:
        if value is _REPORTED:
            return None
        if not isinstance(value, str):
            quote = "quote it; " if isinstance(value, (bool, int, float)) else ""
            self.problem(path, value, f"is a {_yaml_type(value)}, not a string", quote + fix)
            return None
        if not value.strip():
            self.problem(path, value, "is empty", fix)
            return None
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str | None:
        if value is _REPORTED:
            return None
        if value not in choices or not isinstance(value, str):
            hint = _suggest(value if isinstance(value, str) else "", choices, "use one of")
            self.problem(path, value, f"is not one of {' | '.join(choices)}", hint)
            return None
        return value

    def flag(self, value: Any, path: str) -> bool | None:
        if isinstance(value, bool):
            return value
        if value is not _REPORTED:
            self.problem(path, value, "is not a boolean", "write true or false, unquoted")
        return None

    def positive(self, value: Any, path: str, *, integer: bool = False) -> float | None:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, kinds) and not isinstance(value, bool) and value > 0:
            return value
        if value is not _REPORTED:
            noun = "a whole number" if integer else "a number"
            self.problem(path, value, f"is not {noun} greater than 0", f"write {noun}, unquoted, e.g. 10")
        return None


def _holds(value: Any, secret: str) -> bool:
    return secret in (value if isinstance(value, str) else repr(value))


def _scrub(problem: TargetProblem, secret: str) -> TargetProblem:
    value = MASK if _holds(problem.value, secret) else problem.value
    message, fix = problem.message.replace(secret, MASK), problem.fix.replace(secret, MASK)
    return TargetProblem(problem.file, problem.field, value, message, fix, problem.line)


def _suggest(word: Any, known: tuple[str, ...], otherwise: str = "remove it; allowed here") -> str:
    close = difflib.get_close_matches(str(word), known, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"{otherwise}: {', '.join(known)}"


def _yaml_type(value: Any) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "list", dict: "mapping",
             type(None): "null"}
    return names.get(type(value), type(value).__name__)


_TOP = ("name", "environment", "api_key", "eprom", "bestillersystem", "forms", "test_persons", CONFIRM_KEY,
        "budgets", "max_requests", "profile", "reports")
_EPROM = ("mode", "listen", "upstream", "public_url", "callback_listen")
_SYSTEM = ("callback_base_url", "trigger", "probe", "capabilities", "accepts_unknown_orders")
_TRIGGER = ("url", "command", "timeout_s", "order", "message", "sms", "email", "personvern")
_TRIGGER_CALL = ("url", "command")
_PROBE = ("status", "answers", "signed", "channel", "orders")
_PROBE_CALL = ("url", "command")
_FORM = ("id", "name", "signing", "paper", "published")
_BUDGETS = ("callback_s", "run_s", "signed_download_s", "slow_answer_s")
_PERSON_EXAMPLE = f'e.g. "{VERIFICATION_PERSON}" (the documented synthetic verification person)'


def _parse(data: Any, *, source: Path | None, file: str, environ: Mapping[str, str] | None) -> Target:
    reader = _Reader(file, os.environ if environ is None else environ)
    if not isinstance(data, dict):
        what = "is empty" if data is None else f"is a {_yaml_type(data)}"
        reader.problem("", ABSENT, f"{what}; the top level must be a mapping",
                       "start from examples/target.simulator.yaml")
        reader.fail_if_any()
    top: dict[str, Any] = reader.mapping(_substitute_tree(data, "", reader), "", _TOP)  # type: ignore[assignment]
    name = reader.text(reader.get(top, "name", required="add name: <shown in the evidence>"), "name",
                       "give the system's name, shown in the evidence")
    environment = reader.choice(reader.get(top, "environment", required="add environment: test"),
                                "environment", ENVIRONMENTS)
    api_key = _api_key(reader, top)
    eprom = _eprom(reader, reader.get(top, "eprom", default={}))
    system = _system(reader, reader.get(top, "bestillersystem", required="add a bestillersystem section"))
    forms = _forms(reader, reader.get(top, "forms", required="list the forms the system orders"))
    confirmed = _confirmed_persons(reader, reader.get(top, CONFIRM_KEY, default=[]))
    persons = _test_persons(reader, reader.get(top, "test_persons", default=[]), eprom, confirmed)
    _refuse_callback_to_simulator(reader, eprom, system)
    budgets = _budgets(reader, reader.get(top, "budgets", default={}))
    max_requests = reader.positive(reader.get(top, "max_requests", default=20), "max_requests", integer=True)
    profile = reader.get(top, "profile")
    profile = None if profile is None else reader.choice(profile, "profile", PROFILES)
    reports = reader.mapping(reader.get(top, "reports", default={}), "reports", ("keep",)) or {}
    keep = reports.get("keep")
    keep = None if keep is None else reader.positive(keep, "reports.keep", integer=True)
    reader.fail_if_any()
    # Past fail_if_any nothing is None that must not be.
    return Target(
        name=name, environment=environment, api_key=Secret(api_key), eprom=eprom,  # type: ignore[arg-type]
        bestillersystem=system, forms=forms, test_persons=persons, budgets=budgets,  # type: ignore[arg-type]
        max_requests=int(max_requests), profile=profile, source=source,  # type: ignore[arg-type]
        reports_keep=None if keep is None else int(keep),
    )


def _api_key(reader: _Reader, top: dict[str, Any]) -> str | None:
    fix = "export EPROM_API_KEY=… and write api_key: ${EPROM_API_KEY}"
    raw = reader.get(top, "api_key", required=fix)
    if isinstance(raw, str):
        reader.secret = raw
    key = reader.text(raw, "api_key", fix)
    if key is None:
        return None
    if key != key.strip():
        reader.problem("api_key", key, "has whitespace around it", "remove the spaces or line breaks")
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        reader.problem("api_key", key, "contains control characters", "copy the key again from ePROM admin")
        return None
    return key


def _eprom(reader: _Reader, value: Any) -> EpromSettings | None:
    section = reader.mapping(value, "eprom", _EPROM)
    if section is None:
        return None
    mode = reader.choice(reader.get(section, "eprom.mode", default="simulator"), "eprom.mode", MODES)
    listen = _listen(reader, reader.get(section, "eprom.listen", default=DEFAULT_LISTEN), "eprom.listen")
    fix = "give the ePROM base URL, e.g. https://proms.hemitdev.org/promswebapi"
    needs_upstream = mode in ("relay", "direct")
    raw = reader.get(section, "eprom.upstream", required=f"in {mode} mode, {fix}" if needs_upstream else None)
    upstream = None if raw is None else _upstream(reader, raw, fix)
    public_fix = "give the URL ePROM calls back (registered as ApiBaseUrl), e.g. https://relay.example.org"
    raw_public = reader.get(section, "eprom.public_url")  # required by the relay command, not by judging
    public_url = None if raw_public is None else _public_url(reader, raw_public, public_fix)
    raw_callback = reader.get(section, "eprom.callback_listen")
    callback_listen = None if raw_callback is None else _listen(reader, raw_callback, "eprom.callback_listen")
    if mode is None or listen is None or (raw is not None and upstream is None):
        return None
    if (raw_public is not None and public_url is None) or (raw_callback is not None and callback_listen is None):
        return None
    if mode == "relay" and public_url is not None and callback_listen is None:
        callback_listen = _default_callback_listen(listen, public_url)
    return EpromSettings(mode=mode, listen=listen, upstream=upstream, public_url=public_url,
                         callback_listen=callback_listen)


def _public_url(reader: _Reader, value: Any, fix: str) -> str | None:
    """The relay's public URL: http(s), https unless loopback, a base URL (no callback path, no query)."""
    url = _http_url(reader, value, "eprom.public_url", fix)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" and not is_loopback_host(parts.hostname or ""):
        reader.problem("eprom.public_url", url, "is not https (ePROM calls back over TLS; only loopback may "
                       "use plain http)", "put the relay behind an https address")
        return None
    if parts.query or parts.fragment or "/api/" in parts.path.lower() + "/":
        reader.problem("eprom.public_url", url, "is not a base URL", "give the base only; ePROM appends /api/…")
        return None
    return url.rstrip("/")


def _default_callback_listen(listen: ListenAddress, public_url: str) -> ListenAddress:
    parts = urlsplit(public_url)
    if is_loopback_host(parts.hostname or ""):
        default_port = 443 if parts.scheme == "https" else 80
        return ListenAddress(parts.hostname or listen.host, default_port if parts.port is None else parts.port)
    return ListenAddress(listen.host, listen.port + 1 if listen.port else 0)


def _listen(reader: _Reader, value: Any, path: str) -> ListenAddress | None:
    fix = "write host:port, e.g. 127.0.0.1:18080 (port 0 picks a free port)"
    text = reader.text(value, path, fix)
    if text is None:
        return None
    match = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\[\]\s]+):(\d+)", text)
    if match is None:
        reader.problem(path, text, "is not host:port", fix)
        return None
    port = int(match.group(2) or match.group(4))
    if port > 65535:
        reader.problem(path, text, "has a port above 65535", fix)
        return None
    return ListenAddress(match.group(1) or match.group(3), port)


def _upstream(reader: _Reader, value: Any, fix: str) -> str | None:
    url = _http_url(reader, value, "eprom.upstream", fix)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" and not is_loopback_host(parts.hostname or ""):
        reader.problem("eprom.upstream", url, "is not https (only loopback may use plain http)",
                       "use the https:// address of the ePROM environment")
        return None
    if "/api/" in parts.path.lower() + "/":
        reader.problem("eprom.upstream", url, "is an endpoint URL, not the base URL", fix)
        return None
    return url.rstrip("/")


MAX_URL_LENGTH = 2048  # what common servers and proxies accept in a request line


def _http_url(reader: _Reader, value: Any, path: str, fix: str) -> str | None:
    text = reader.text(value, path, fix)
    if text is None:
        return None
    if len(text) > MAX_URL_LENGTH:
        reader.problem(path, text, f"is {len(text):,} characters long; a URL the kit can send is at most "
                       f"{MAX_URL_LENGTH:,}", fix)
        return None
    if not _is_http_url(text):
        reader.problem(path, text, "is not an http(s) URL", fix)
        return None
    return text


def _is_http_url(text: str) -> bool:
    """An http(s) URL with a host that the kit's HTTP client can also send to."""
    if len(text) > MAX_URL_LENGTH or re.search(r"\s", text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    import httpx  # lazy: importing config stays cheap

    try:
        httpx.URL(text)
    except (httpx.InvalidURL, ValueError):
        return False
    return True


def _system(reader: _Reader, value: Any) -> SystemSettings | None:
    section = reader.mapping(value, "bestillersystem", _SYSTEM)
    if section is None:
        return None
    base = _callback_base_url(reader, reader.get(
        section, "bestillersystem.callback_base_url", required="add the ApiBaseUrl, e.g. http://127.0.0.1:18081"))
    raw_trigger = reader.get(section, "bestillersystem.trigger")
    trigger = None if raw_trigger is None else _trigger(reader, raw_trigger)
    raw_probe = reader.get(section, "bestillersystem.probe")
    probe = None if raw_probe is None else _probe(reader, raw_probe)
    capabilities = _capabilities(reader, reader.get(
        section, "bestillersystem.capabilities", required=f"list what the system does: {', '.join(CAPABILITIES)}"))
    unknown_orders = reader.flag(reader.get(section, "bestillersystem.accepts_unknown_orders", default=False),
                                 "bestillersystem.accepts_unknown_orders")
    if base is None or capabilities is None or unknown_orders is None:
        return None
    return SystemSettings(base, capabilities, trigger, probe, unknown_orders)


def _callback_base_url(reader: _Reader, value: Any) -> str | None:
    path = "bestillersystem.callback_base_url"
    url = _http_url(reader, value, path, "use http://host:port for loopback or https://…")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" and not is_loopback_host(parts.hostname or ""):
        reader.problem(path, url, "is plain http on a host that is not loopback: the callbacks carry the API key, "
                       "which would travel in cleartext", "use https://… (plain http only for 127.0.0.1, ::1 or "
                       "localhost)")
        return None
    if parts.query or parts.fragment:
        reader.problem(path, url, "has a query or fragment", "give the base URL only; ePROM appends /api/…")
        return None
    if ends_in_callback_path(parts.path):
        reader.problem(path, url, "ends in a callback path",
                       "give the base URL only; ePROM appends /api/PromsFormOrder and the others")
        return None
    return url.rstrip("/")


def _trigger(reader: _Reader, value: Any) -> Trigger | None:
    """``url``/``command`` (or ``order: {…}``) is the order kind; each other kind is ``{url|command}``."""
    path = "bestillersystem.trigger"
    section = reader.mapping(value, path, _TRIGGER)
    if section is None:
        return None
    timeout = reader.positive(reader.get(section, f"{path}.timeout_s", default=30), f"{path}.timeout_s")
    if section.get("order") is not None and (section.get("url") is not None or section.get("command") is not None):
        reader.problem(f"{path}.order", ABSENT, "is given twice (order and url/command)",
                       "give the order trigger once: either url/command or order: {url: …}")
        return None
    raw_calls = {kind: (section[kind], f"{path}.{kind}") for kind in TRIGGER_KINDS
                 if kind != "order" and section.get(kind) is not None}
    if section.get("order") is not None:
        raw_calls["order"] = (section["order"], f"{path}.order")
    elif section.get("url") is not None or section.get("command") is not None or not raw_calls:
        raw_calls["order"] = ({key: section[key] for key in _TRIGGER_CALL if section.get(key) is not None}, path)
    calls = {kind: _trigger_call(reader, raw, where) for kind, (raw, where) in raw_calls.items()}
    if None in calls.values() or timeout is None:
        return None
    order_call = calls.pop("order", None) or TriggerCall()
    return Trigger(url=order_call.url, command=order_call.command, timeout_s=float(timeout),
                   kinds=tuple(sorted(calls.items())))


def _trigger_call(reader: _Reader, value: Any, path: str) -> TriggerCall | None:
    section = reader.mapping(value, path, _TRIGGER_CALL)
    if section is None or not _one_of(reader, section, path, "url", "command"):
        return None
    if section.get("url") is not None:
        url = _http_url(reader, section["url"], f"{path}.url", "give the http(s) URL the kit POSTs the parameters to")
        return None if url is None else TriggerCall(url=url)
    command = _command(reader, section["command"], f"{path}.command")
    return None if command is None else TriggerCall(command=command)


def _one_of(reader: _Reader, section: dict[str, Any], path: str, first: str, second: str) -> bool:
    present = [key for key in (first, second) if section.get(key) is not None]
    if len(present) == 1:
        return True
    message = f"has both {first} and {second}" if present else f"has neither {first} nor {second}"
    reader.problem(path, ABSENT, message, f"give exactly one of {first} or {second}")
    return False


def _command(reader: _Reader, value: Any, path: str) -> tuple[str, ...] | None:
    fix = "give a command line, e.g. ./place-order.sh, or a list of arguments"
    if isinstance(value, list):
        if any(arg is _REPORTED for arg in value):
            return None
        if value and all(isinstance(arg, str) and arg for arg in value):
            return tuple(value)
        reader.problem(path, value, "is not a list of non-empty strings", fix)
        return None
    text = reader.text(value, path, fix)
    if text is None:
        return None
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        reader.problem(path, text, f"cannot be split into arguments ({exc})", "balance the quotes")
        return None


def _probe(reader: _Reader, value: Any) -> Probe | None:
    path = "bestillersystem.probe"
    section = reader.mapping(value, path, _PROBE)
    if section is None:
        return None
    asked = [name for name in _PROBE if section.get(name) is not None]
    if not asked:
        reader.problem(path, ABSENT, "asks nothing",
                       "give status, answers, signed, channel and/or orders, or remove probe")
        return None
    calls = {name: _probe_call(reader, section[name], f"{path}.{name}") for name in asked}
    return None if None in calls.values() else Probe(**calls)


def _probe_call(reader: _Reader, value: Any, path: str) -> ProbeCall | None:
    if isinstance(value, dict):
        section = reader.mapping(value, path, _PROBE_CALL)
        if section is None or not _one_of(reader, section, path, "url", "command"):
            return None
        if section.get("command") is not None:
            return _probe_command(reader, section["command"], f"{path}.command")
        value, path = section["url"], f"{path}.url"
    fix = "give an http(s) URL template containing {formOrderId}"
    template = reader.text(value, path, fix)
    if template is None:
        return None
    if _FORM_ORDER_ID not in template:
        reader.problem(path, template, "does not contain {formOrderId}", fix)
        return None
    if not _is_http_url(template.replace(_FORM_ORDER_ID, ZERO_GUID)):
        reader.problem(path, template, "is not an http(s) URL", fix)
        return None
    return ProbeCall(url=template)


def _probe_command(reader: _Reader, value: Any, path: str) -> ProbeCall | None:
    command = _command(reader, value, path)
    if command is None:
        return None
    if not any(_FORM_ORDER_ID in arg for arg in command):
        reader.problem(path, value, "does not contain {formOrderId}", "put {formOrderId} where the order id goes")
        return None
    return ProbeCall(command=command)


def _capabilities(reader: _Reader, value: Any) -> frozenset[str] | None:
    path = "bestillersystem.capabilities"
    if value is _REPORTED:
        return None
    if not isinstance(value, list) or not value:
        reader.problem(path, value, "is not a non-empty list",
                       f"list what the system does, from: {', '.join(CAPABILITIES)}")
        return None
    names = [reader.choice(name, f"{path}[{i}]", CAPABILITIES) for i, name in enumerate(value)]
    return None if None in names else frozenset(names)  # type: ignore[arg-type]


def _forms(reader: _Reader, value: Any) -> tuple[FormSpec, ...] | None:
    if value is _REPORTED:
        return None
    if not isinstance(value, list) or not value:
        reader.problem("forms", value, "is not a non-empty list",
                       "list each form as {id: <GUID>, name: …, signing: false, paper: false}")
        return None
    forms = [_form(reader, item, f"forms[{i}]") for i, item in enumerate(value)]
    ids = [form.id if form else None for form in forms]
    for i, form_id in enumerate(ids):
        if form_id is not None and form_id in ids[:i]:
            reader.problem(f"forms[{i}].id", form_id, "is listed twice", "list each form once")
    return None if None in forms else tuple(forms)  # type: ignore[arg-type]


def _form(reader: _Reader, value: Any, path: str) -> FormSpec | None:
    section = reader.mapping(value, path, _FORM)
    if section is None:
        return None
    form_id = _guid(reader, reader.get(section, f"{path}.id", required="add id: <the form's GUID>"), f"{path}.id")
    name = reader.text(reader.get(section, f"{path}.name", required="add name: <the form's name>"),
                       f"{path}.name", "give the form's name")
    signing, paper = (
        reader.flag(reader.get(section, f"{path}.{key}", required=f"add {key}: true or {key}: false"),
                    f"{path}.{key}")
        for key in ("signing", "paper")
    )
    published = reader.flag(reader.get(section, f"{path}.published", default=True), f"{path}.published")
    if form_id is None or name is None or signing is None or paper is None or published is None:
        return None
    return FormSpec(form_id, name, signing, paper, published)


def _guid(reader: _Reader, value: Any, path: str) -> str | None:
    fix = "copy the form's GUID from ePROM admin, e.g. 1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
    text = reader.text(value, path, fix)
    if text is None:
        return None
    if not _GUID.match(text):
        reader.problem(path, text, "is not a GUID", fix)
        return None
    if text == ZERO_GUID:
        reader.problem(path, text, "is the zero GUID, which ePROM uses for 'none'", fix)
        return None
    return text.lower()


def _test_persons(reader: _Reader, value: Any, eprom: EpromSettings | None,
                  confirmed: frozenset[str]) -> tuple[str, ...] | None:
    fix = f"list quoted national ids, {_PERSON_EXAMPLE}"
    if not isinstance(value, list):
        reader.problem("test_persons", value, "is not a list", fix)
        return None
    if not value and eprom is not None and eprom.mode != "simulator":
        reader.problem("test_persons", ABSENT, f"is empty; against a real ePROM ({eprom.mode} mode) the kit "
                       "uses only configured test persons", fix)
        return None
    persons = [_test_person(reader, nid, f"test_persons[{i}]", confirmed) for i, nid in enumerate(value)]
    for i, nid in enumerate(persons):
        if nid is not None and nid in persons[:i]:
            reader.problem(f"test_persons[{i}]", nid, "is listed twice", "list each test person once")
    for number in sorted(confirmed - {nid for nid in persons if nid}):
        reader.problem(CONFIRM_KEY, mask_national_id(number), "is not one of test_persons",
                       "confirm only ids that test_persons lists, or remove it")
    return None if None in persons else tuple(persons)  # type: ignore[arg-type]


def _test_person(reader: _Reader, value: Any, path: str, confirmed: frozenset[str] = frozenset()) -> str | None:
    fix = f"use a synthetic test person, {_PERSON_EXAMPLE}"
    if isinstance(value, int) and not isinstance(value, bool):
        reader.problem(path, mask_national_id(str(value)), "is a number, not a string",
                       'quote it ("…"): YAML drops the leading zeros of unquoted digits')
        return None
    text = reader.text(value, path, fix)
    if text is None:
        return None
    if not re.fullmatch(r"\d{11}", text):
        reader.problem(path, text, "is not 11 digits", fix)
        return None
    if text == SAMPLE_ID_NEVER_USE:
        reader.problem(path, text, "is the integration guide's sample id; it decodes as an ordinary 1939 birth, "
                       "so a real person could have it", fix)
        return None
    from verification.spec.national_id import classify  # lazy: importing config stays cheap

    info = classify(text)
    if not info.accepted_by_eprom:
        why = info.reason if info.kind.name == "INVALID" or not info.check_digits_ok else f"a {info.kind.value}"
        reader.problem(path, text, f"is not accepted by ePROM ({why}); it takes a fødselsnummer or D-nummer "
                       "with valid check digits", fix)
        return None
    if info.synthetic is None and text not in confirmed:
        # Testpersoner.md: the test environment uses the synthetic population (Tenor, SyntPop); an id outside
        # those ranges is an ordinary person's number, which the kit never sends unless told it is a test person.
        reader.problem(path, text, f"is an ordinary {info.kind.value}, not in a synthetic range (month +80 Tenor, "
                       "+65 SyntPop): a real person could have it",
                       f"use a synthetic test person, {_PERSON_EXAMPLE}; only if this id is a registered test "
                       f"person, confirm it by listing it under {CONFIRM_KEY}")
        return None
    return text


def _confirmed_persons(reader: _Reader, value: Any) -> frozenset[str]:
    """The ordinary-looking ids the operator confirms are test persons (each must also be in test_persons)."""
    if isinstance(value, list) and all(isinstance(nid, str) and re.fullmatch(r"\d{11}", nid) for nid in value):
        return frozenset(value)
    if value is not _REPORTED:
        reader.problem(CONFIRM_KEY, ABSENT, "is not a list of quoted 11-digit ids",
                       'write it like test_persons: ["<id>", …], each also listed in test_persons')
    return frozenset()


def _refuse_callback_to_simulator(reader: _Reader, eprom: EpromSettings | None,
                                  system: SystemSettings | None) -> None:
    """In simulator mode the callbacks would reach the simulator itself, not the system: nothing is verified."""
    if eprom is None or system is None or eprom.mode != "simulator" or eprom.listen.port == 0:
        return
    parts = urlsplit(system.callback_base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host, listen = (parts.hostname or "").lower(), eprom.listen.host.lower()
    same_host = host == listen or (is_loopback_host(host) and (is_loopback_host(listen) or listen in ("0.0.0.0", "::")))
    if same_host and port == eprom.listen.port:
        reader.problem("bestillersystem.callback_base_url", system.callback_base_url,
                       f"is the simulator's own address (eprom.listen {eprom.listen}): the callbacks would reach "
                       "the simulator, never the system", "give your system's ApiBaseUrl, on another port than "
                       "eprom.listen")


def _budgets(reader: _Reader, value: Any) -> Budgets | None:
    section = reader.mapping(value, "budgets", _BUDGETS)
    if section is None:
        return None
    callback_s = reader.positive(reader.get(section, "budgets.callback_s", default=10), "budgets.callback_s")
    raw_run = reader.get(section, "budgets.run_s")
    run_s = None if raw_run is None else reader.positive(raw_run, "budgets.run_s")
    windows = {name: reader.positive(reader.get(section, f"budgets.{name}", default=default), f"budgets.{name}")
               for name, default in (("signed_download_s", 10), ("slow_answer_s", 15))}
    if callback_s is None or (raw_run is not None and run_s is None) or None in windows.values():
        return None
    return Budgets(callback_s=float(callback_s), run_s=None if run_s is None else float(run_s),
                   **{name: float(value) for name, value in windows.items()})


# ------------------------------------------------------------------------------------------ public API


def load_target(path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None) -> Target:
    """Read and validate a target file; raise :class:`TargetError` listing every problem."""
    file = str(path)
    data = _read_yaml(Path(path), file)
    return _parse(data, source=Path(path).resolve(), file=file, environ=environ)


def parse_target(
    data: Any, *, source: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Target:
    """Validate an already-loaded target mapping (``source`` names it in errors)."""
    file = "<target>" if source is None else str(source)
    return _parse(data, source=None if source is None else Path(source), file=file, environ=environ)
