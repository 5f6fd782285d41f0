"""The target model: typed settings, the secret wrapper, the production rule (read by :mod:`.reader`)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import UsageError
from ..spec.enums import CAPABILITIES
from ..spec.hosts import is_production_url

__all__ = [
    "ABSENT",
    "CAPABILITIES",
    "CONFIRM_KEY",
    "DEFAULT_LISTEN",
    "DEMO_PAPER_FORM_ID",
    "ENVIRONMENTS",
    "MASK",
    "MODES",
    "RUN_BUDGET_S",
    "PROFILES",
    "Budgets",
    "EpromSettings",
    "FormSpec",
    "ListenAddress",
    "Probe",
    "ProbeCall",
    "Secret",
    "SystemSettings",
    "Target",
    "TargetError",
    "TargetProblem",
    "Trigger",
    "TriggerCall",
    "TRIGGER_KINDS",
    "is_production",
    "mask_national_id",
    "production_reason",
    "redacted_dict",
]

MASK = "**********"
ENVIRONMENTS = ("test", "qa", "production")
MODES = ("simulator", "relay", "direct")
PROFILES = ("quick", "certification")

DEFAULT_LISTEN = "127.0.0.1:18080"
# budgets.run_s when the target gives none: a correct system takes about 25 s in quick; certification runs
# hypothesis with many more examples. A run that reaches it reports the rest as not run (exit 1).
RUN_BUDGET_S = {"quick": 90.0, "certification": 900.0}
# The key in which the operator confirms an ordinary-looking (non-synthetic) id is a registered test person.
CONFIRM_KEY = "confirmed_ordinary_test_persons"
DEMO_PAPER_FORM_ID = "5053bd9d-5111-40df-95ef-0aa160412015"  # made up; exists only in the simulator
_FORM_ORDER_ID = "{formOrderId}"


# --------------------------------------------------------------------------------------------- secret


class Secret:
    """A string that prints as ``**********``; :meth:`reveal` gives the value. Never pickled."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is never pickled; pass the target file path instead")

    # Immutable, so copies can share it (dataclasses.asdict deep-copies fields).
    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


# ------------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class ListenAddress:
    """Where a kit server listens; port 0 means "pick a free port"."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class EpromSettings:
    mode: str = "simulator"
    listen: ListenAddress = ListenAddress("127.0.0.1", 18080)
    upstream: str | None = None  # base URL of the real ePROM, without trailing slash
    # Relay mode: the URL registered as ApiBaseUrl in ePROM admin (it reaches the relay's callback face),
    # and where that face listens (default: the public URL's port on a loopback public URL, else listen+1).
    public_url: str | None = None
    callback_listen: ListenAddress | None = None


TRIGGER_KINDS = ("order", "message", "sms", "email", "personvern")


@dataclass(frozen=True)
class TriggerCall:
    """One trigger kind: POST ``url``, or run ``command`` (the parameters as JSON on stdin)."""

    url: str | None = None
    command: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Trigger:
    """How to make the system act: ``url``/``command`` place an order (the ``order`` kind); ``kinds`` holds
    the other kinds the target names (``message``, ``sms``, ``email``, ``personvern``). A kind the target
    does not name is not run."""

    url: str | None = None
    command: tuple[str, ...] | None = None
    timeout_s: float = 30.0
    kinds: tuple[tuple[str, TriggerCall], ...] = ()

    def call(self, kind: str) -> TriggerCall | None:
        """The trigger of ``kind``, or None when the target names none."""
        if kind == "order":
            return TriggerCall(self.url, self.command) if (self.url or self.command) else None
        return dict(self.kinds).get(kind)


@dataclass(frozen=True)
class ProbeCall:
    """One probe question: GET a URL template or run a command, both holding ``{formOrderId}``."""

    url: str | None = None
    command: tuple[str, ...] | None = None

    def url_for(self, form_order_id: str) -> str:
        if self.url is None:
            raise ValueError("this probe is a command, not a URL")
        return self.url.replace(_FORM_ORDER_ID, form_order_id)

    def command_for(self, form_order_id: str) -> tuple[str, ...]:
        if self.command is None:
            raise ValueError("this probe is a URL, not a command")
        return tuple(arg.replace(_FORM_ORDER_ID, form_order_id) for arg in self.command)


@dataclass(frozen=True)
class Probe:
    """How to ask the system what it stored for an order; each question is optional."""

    status: ProbeCall | None = None
    answers: ProbeCall | None = None
    signed: ProbeCall | None = None
    channel: ProbeCall | None = None  # answers {"notificationChannel": …}, not a count (V1.3)
    orders: ProbeCall | None = None  # {"count": n}: the orders the system holds under that id (0 or 1)


@dataclass(frozen=True)
class SystemSettings:
    """The ordering system (Bestillersystem) under verification."""

    callback_base_url: str  # its ApiBaseUrl, without trailing slash
    capabilities: frozenset[str]
    trigger: Trigger | None = None
    probe: Probe | None = None
    accepts_unknown_orders: bool = False


@dataclass(frozen=True)
class FormSpec:
    id: str  # lower-case GUID
    name: str
    signing: bool
    paper: bool
    published: bool = True


@dataclass(frozen=True)
class Budgets:
    callback_s: float = 10.0
    # How long the kit waits for the signed document's download (E2) after a signed return; a system that
    # downloads later (a batch) is not verified in this run, never failed (the guide keeps it 30 days).
    signed_download_s: float = 10.0
    # How long the simulator holds back its answer to an order in the slow-ePROM case: longer than a typical
    # client timeout, so a system that sends the order again after giving up is caught (S-NO-DUPLICATE-ORDER).
    slow_answer_s: float = 15.0
    run_s: float | None = None  # the whole run; None: the profile's default (RUN_BUDGET_S)

    def run_limit(self, profile: str | None) -> float:
        """Seconds the whole run may take: ``run_s``, else the default of the profile (quick when unset)."""
        return self.run_s if self.run_s is not None else RUN_BUDGET_S.get(profile or "quick", RUN_BUDGET_S["quick"])


@dataclass(frozen=True)
class Target:
    name: str
    environment: str
    api_key: Secret
    eprom: EpromSettings
    bestillersystem: SystemSettings
    forms: tuple[FormSpec, ...]
    test_persons: tuple[str, ...] = ()
    budgets: Budgets = Budgets()
    max_requests: int = 20
    profile: str | None = None
    source: Path | None = field(default=None, compare=False)
    reports_keep: int | None = None  # reports.keep: the newest N session folders of this target are kept


# ------------------------------------------------------------------------------------------- problems


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()  # TargetProblem.value when the field has no value (missing, unknown key, file)


@dataclass(frozen=True)
class TargetProblem:
    """One thing wrong with a target file, and how to fix it."""

    file: str
    field: str  # dotted path, e.g. bestillersystem.trigger.url or forms[0].id; "" for the whole file
    value: Any  # as read (api_key: MASK); ABSENT when there is none
    message: str
    fix: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.field:
            parts.append(self.field)
        what = self.message if self.value is ABSENT else f"{_show(self.value)} {self.message}"
        text = ": ".join([*parts, what])
        return f"{text} — fix: {self.fix}" if self.fix else text


class TargetError(UsageError, ValueError):
    """The target file cannot be used; ``problems`` lists every reason. Exit code 4."""

    def __init__(self, problems: list[TargetProblem] | tuple[TargetProblem, ...]) -> None:
        super().__init__(tuple(problems))
        self.problems: tuple[TargetProblem, ...] = tuple(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def mask_national_id(national_id: str) -> str:
    """The first six digits (the date part) and asterisks: enough to recognise, not to identify."""
    return national_id[:6] + "*" * max(len(national_id) - 6, 0)



def production_reason(target: Target) -> str | None:
    """Why the target counts as production (then the kit refuses every active check), or None."""
    if target.environment == "production":
        return "environment is production"
    upstream = target.eprom.upstream
    if upstream and is_production_url(upstream):
        return f"eprom.upstream {upstream} is an ePROM production host"
    return None


def is_production(target: Target) -> bool:
    return production_reason(target) is not None


def redacted_dict(target: Target) -> dict[str, Any]:
    """The target as plain JSON-able data for evidence: key masked, national ids shortened."""
    system = target.bestillersystem
    return {
        "name": target.name,
        "environment": target.environment,
        "api_key": MASK,
        "eprom": {
            "mode": target.eprom.mode,
            "listen": str(target.eprom.listen),
            "upstream": _redact_url(target.eprom.upstream),
            **({"public_url": _redact_url(target.eprom.public_url)} if target.eprom.public_url else {}),
        },
        "bestillersystem": {
            "callback_base_url": _redact_url(system.callback_base_url),
            "trigger": _trigger_dict(system.trigger),
            "probe": _probe_dict(system.probe),
            "capabilities": [name for name in CAPABILITIES if name in system.capabilities],
            "accepts_unknown_orders": system.accepts_unknown_orders,
        },
        "forms": [
            {"id": f.id, "name": f.name, "signing": f.signing, "paper": f.paper, "published": f.published}
            for f in target.forms
        ],
        "test_persons": [mask_national_id(nid) for nid in target.test_persons],
        "budgets": {"callback_s": target.budgets.callback_s, "run_s": target.budgets.run_s,
                    "signed_download_s": target.budgets.signed_download_s,
                    "slow_answer_s": target.budgets.slow_answer_s},
        "max_requests": target.max_requests,
        "profile": target.profile,
        "source": None if target.source is None else target.source.name,
    }


def _trigger_dict(trigger: Trigger | None) -> dict[str, Any] | None:
    if trigger is None:
        return None
    return {**_call_dict(trigger.call("order")), "timeout_s": trigger.timeout_s,
            **{kind: _call_dict(call) for kind, call in trigger.kinds}}


def _call_dict(call: TriggerCall | ProbeCall | None) -> dict[str, Any]:
    if call is None:
        return {}
    return {"url": _redact_url(call.url)} if call.url else {"command": list(call.command or ())}


def _probe_dict(probe: Probe | None) -> dict[str, Any] | None:
    if probe is None:
        return None
    calls = {"status": probe.status, "answers": probe.answers, "signed": probe.signed, "channel": probe.channel,
             "orders": probe.orders}
    return {name: _call_dict(call) for name, call in calls.items() if call is not None}


def _redact_url(url: str | None) -> str | None:
    """Mask a password in a URL's userinfo (``https://user:pw@host``)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
