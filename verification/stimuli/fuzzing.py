"""Running a fuzz check: hypothesis sends generated callbacks to the system and shrinks any refusal.

:func:`fuzz_callbacks` drives hypothesis over a strategy of ``(kind, body)`` stimuli. Each example is sent
as ePROM would send it (the system's key put into the body just before sending, so hypothesis never sees
or prints it) and recorded in the session store. An example the system does not accept fails the
property, so hypothesis shrinks it to the smallest refused request; the run keeps that exchange, the
falsifying notes (with the ``@reproduce_failure`` blob under ``print_blob``) and the statistics.

An :class:`Observer` may look at what the system stored around each accepted example (the probe): that is
how a fuzz check tells "accepted" from "accepted and understood". :class:`StoredCounts` is the one the
checks use. Observations are judged after the run, never inside the property: whether a meaning is new
depends on what came before, and a property must give the same verdict when hypothesis replays it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from hypothesis import event, given
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky
from hypothesis.strategies import SearchStrategy

from ..recorder.store import Exchange, SessionStore
from ..spec.enums import wire_name
from .profiles import describe, profile_settings
from .strategies import Stimulus

__all__ = [
    "Stimulus", "FuzzRun", "Observation", "Observer", "StoredCounts", "fuzz_callbacks", "record_run",
    "fuzz_record_text", "HYPOTHESIS_INFO",
]

HYPOTHESIS_INFO = "hypothesis"  # session_info key: {"runs": {check_id: run summary}}


@dataclass(frozen=True)
class Observation:
    """A probe count around one accepted example and what it should show.

    ``expect`` is ``"one more"`` (``after`` = ``before`` + 1 or more: a new update was stored) or
    ``"stored"`` (``after`` ≥ 1). ``problem`` is set when a probe answer could not be read.
    """

    exchange_id: int | None
    what: str
    probe: str
    form_order_id: str
    expect: Literal["one more", "stored"]
    after: int | None
    before: int | None = None
    problem: str = ""

    @property
    def kept(self) -> bool:
        if self.after is None:
            return False
        if self.expect == "stored":
            return self.after >= 1
        return self.before is not None and self.after > self.before


@dataclass
class FuzzRun:
    """Everything one fuzz check sent and learned; the check judges it."""

    check_id: str
    profile: str
    settings: dict[str, Any]
    exchanges: list[Exchange] = field(default_factory=list)
    minimal_failure: Exchange | None = None
    minimal_stimulus: Stimulus | None = None
    falsifying: list[str] = field(default_factory=list)
    statistics: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # hypothesis' own numbers (:func:`example_counts`)
    observations: list[Observation] = field(default_factory=list)
    earlier_deliveries: list[Exchange] = field(default_factory=list)  # C1/C2 sent before the run, by anyone
    elapsed_s: float = 0.0

    @property
    def rejected(self) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if not exchange.meta.get("accepted")]

    def summary(self) -> dict[str, Any]:
        """Plain data for the session store and the evidence: settings, counts, statistics, notes."""
        return {
            **self.settings,
            "check": self.check_id,
            "examples": len(self.exchanges),
            "rejected": len(self.rejected),
            "elapsed_s": round(self.elapsed_s, 3),
            "statistics": self.statistics,
            "counts": self.counts,
            "falsifying": self.falsifying,
            "minimal_failure_exchange": self.minimal_failure.id if self.minimal_failure else None,
        }


class Observer(Protocol):
    """Looks at what the system stored around each accepted example; its findings end up in the run."""

    observations: list[Observation]

    def before(self, kind: str, body: dict[str, Any]) -> None: ...
    def after(self, kind: str, body: dict[str, Any], exchange: Exchange) -> None: ...


class _NotAccepted(Exception):
    """The property's failure: the system did not accept this example."""

    def __init__(self, stimulus: Stimulus, exchange: Exchange):
        super().__init__(f"{stimulus[0]} not accepted: HTTP {exchange.status} {exchange.error or ''}".strip())
        self.stimulus = stimulus
        self.exchange = exchange


def _with_key(kind: str, body: dict[str, Any], api_key: str) -> dict[str, Any]:
    """C1–C3 carry the key in the body; a generated ``apiKey`` member is replaced, never added."""
    if kind == "C4" or "apiKey" not in body:
        return body
    return {**body, "apiKey": api_key}


def fuzz_callbacks(
    system: Any,
    stimuli: SearchStrategy[Stimulus],
    *,
    check_id: str,
    accepted: Callable[[Exchange], bool],
    profile: str = "quick",
    seed: int | None = None,
    observer: Observer | None = None,
    labels: Callable[[Stimulus], Iterable[str]] | None = None,
    examples: Sequence[Stimulus] = (),
    record: bool = True,
) -> FuzzRun:
    """Send examples of ``stimuli`` until the profile's budget is spent or one is not ``accepted``.

    ``examples`` are sent first, all of them, in every profile: the documented cases a run must always
    cover. Hypothesis then generates; its shrunk refusal, if any, is the one reported, else the first
    refused explicit example. ``labels`` name what an example covers (hypothesis ``event``s, shown in the
    statistics). With ``seed`` the run uses that seed instead of the profile's derandomized one.
    ``record`` stores the run's summary in the session store under :data:`HYPOTHESIS_INFO`.
    """
    run = FuzzRun(check_id, profile, describe(profile, seed=seed))
    run.earlier_deliveries = system.store.exchanges(direction="to_system", path_suffix="/api/PromsFormOrder")
    api_key = system.target.api_key.reveal()

    def send_accepted(stimulus: Stimulus, generated: bool) -> None:
        kind, body = stimulus
        for label in labels(stimulus) if labels and generated else ():
            event(label)  # only inside hypothesis: the statistics count generated examples
        if observer is not None:
            observer.before(kind, body)
        exchange = system.send_callback(kind, _with_key(kind, body, api_key), meta={"check": check_id, "fuzz": True})
        exchange.meta["accepted"] = accepted(exchange)
        run.exchanges.append(exchange)
        if not exchange.meta["accepted"]:
            raise _NotAccepted(stimulus, exchange)
        if observer is not None:
            observer.after(kind, body, exchange)

    def example_is_accepted(stimulus: Stimulus) -> None:
        send_accepted(stimulus, True)

    started = time.perf_counter()
    explicit_refusal = _send_explicit(examples, send_accepted)
    test = profile_settings(profile)(given(stimuli)(example_is_accepted))
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    first_refusal = _run_hypothesis(test, run, api_key) or explicit_refusal
    if first_refusal is not None:
        run.minimal_failure, run.minimal_stimulus = first_refusal.exchange, first_refusal.stimulus
    if observer is not None:
        run.observations = list(observer.observations)
    run.elapsed_s = time.perf_counter() - started
    if record:
        record_run(system.store, run)
    return run


def _send_explicit(examples: Sequence[Stimulus], send: Callable[..., None]) -> _NotAccepted | None:
    """Send every explicit example (all of them, refused or not); the first refusal, if any."""
    first = None
    for stimulus in examples:
        try:
            send(stimulus, False)
        except _NotAccepted as refusal:
            first = first or refusal
    return first


def _run_hypothesis(test: Callable[[], None], run: FuzzRun, api_key: str) -> _NotAccepted | None:
    """Run the property; the shrunk refusal hypothesis ends with, if any (its notes go into ``run``)."""
    try:
        _run_collecting_statistics(test, run)
    except _NotAccepted as refusal:
        run.falsifying = _safe_notes(getattr(refusal, "__notes__", []), api_key)
        return refusal
    except Flaky as flaky:  # the same request refused once and accepted when sent again
        if not run.rejected:
            raise
        run.falsifying = [f"hypothesis could not reproduce the refusal (the verdict on one request changed "
                          f"between deliveries): {type(flaky).__name__}"]
    return None


def _safe_notes(notes: list[str], api_key: str) -> list[str]:
    # Generated bodies carry an empty key; the replace only guards against a caller's own strategy.
    return [note.replace(api_key, "${EPROM_API_KEY}") if api_key else note for note in notes]


def _run_collecting_statistics(test: Callable[[], None], run: FuzzRun) -> None:
    """Run ``test``; hypothesis hands its statistics to the collector (its pytest plugin does the same)."""
    try:
        from hypothesis.statistics import collector, describe_statistics
    except ImportError:  # pragma: no cover - the module is hypothesis' own; its layout may change
        test()
        return

    def keep(stats: Any) -> None:
        run.statistics, run.counts = describe_statistics(stats), example_counts(stats)

    with collector.with_value(keep):
        test()


def example_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """Hypothesis' numbers for one run, from its statistics data (never from its wording, which changes):
    the test cases of every phase by status."""
    statuses = Counter(case.get("status") for name, phase in stats.items() if name.endswith("-phase")
                       and isinstance(phase, Mapping) for case in phase.get("test-cases", ()))
    return {"passing": statuses["valid"], "failing": statuses["interesting"],
            "invalid": statuses["invalid"] + statuses["overrun"]}


def record_run(store: SessionStore, run: FuzzRun) -> None:
    """Merge ``run``'s summary into the session's hypothesis record (one entry per check)."""
    recorded = store.info().get(HYPOTHESIS_INFO) or {}
    runs = dict(recorded.get("runs") or {})
    runs[run.check_id] = run.summary()
    store.set_info(HYPOTHESIS_INFO, {**recorded, "runs": runs})


def fuzz_record_text(store: SessionStore, check_ids: Iterable[str]) -> str:
    """The recorded runs of ``check_ids`` in words: what a reviewer needs to reproduce them."""
    runs = (store.info().get(HYPOTHESIS_INFO) or {}).get("runs") or {}
    return "\n\n".join(_run_text(runs[check_id]) for check_id in sorted(check_ids) if check_id in runs)


def _run_text(summary: dict[str, Any]) -> str:
    seed = "derandomized" if summary.get("seed") is None else f"seed {summary['seed']}"
    lines = [
        f"{summary['check']}: profile {summary['profile']} ({seed}, max_examples {summary['max_examples']}, "
        f"database {summary['database'] or 'none'}, hypothesis {summary['hypothesis_version']}); "
        f"{summary['examples']} requests, {summary['rejected']} refused, {summary['elapsed_s']} s",
        summary.get("statistics") or "",
        *summary.get("falsifying", []),
    ]
    return "\n".join(line for line in lines if line)


class StoredCounts:
    """Probe counts around accepted examples: the meaning of a callback was kept if it was stored.

    - C1 with a (status, channel, error code) never sent to that order before (by the simulator, an earlier
      case or this run): the ``status`` count must grow. A repeated meaning is a redelivery, not judged here
      (R-IDEMPOTENT's business).
    - C2 ``Completed``: the ``answers`` count must be at least 1 afterwards (a second, different answer to
      one order may replace the first; the guide does not say).
    - C2 ``Expired``: not judged (storing it after a completed form is the system's choice, R-ORDERING).
    """

    def __init__(self, system: Any):
        self.system = system
        self.probes = {kind for kind in ("status", "answers") if system.has_probe(kind)}
        self._accepted_meanings: set[tuple[Any, ...]] = set()
        self._orders_read: set[str] = set()
        self._answers_seen: set[str] = set()
        self._pending: tuple[tuple[Any, ...], int | None, str] | None = None
        self.observations: list[Observation] = []

    def before(self, kind: str, body: dict[str, Any]) -> None:
        self._pending = None
        meaning = _status_meaning(kind, body) if "status" in self.probes else None
        if meaning is not None:
            self._read_earlier_deliveries(meaning[0])
        if meaning is not None and meaning not in self._accepted_meanings:
            answer = self.system.probe("status", meaning[0])
            self._pending = (meaning, answer.count, answer.problem)

    def after(self, kind: str, body: dict[str, Any], exchange: Exchange) -> None:
        if self._pending is not None:
            self._after_status(exchange)
        elif "answers" in self.probes and _is_completed_return(kind, body):
            order_id = str(body["formOrderId"])
            if order_id not in self._answers_seen:
                self._after_answers(order_id, exchange)

    def _read_earlier_deliveries(self, order_id: str) -> None:
        """Every C1 the session store shows sent to ``order_id`` before: its meaning is not new."""
        if order_id in self._orders_read:
            return
        self._orders_read.add(order_id)
        for earlier in self.system.store.exchanges(direction="to_system", path_suffix="/api/PromsFormOrder"):
            body = earlier.json_request()
            meaning = _status_meaning("C1", body) if isinstance(body, dict) else None
            if meaning is not None and meaning[0] == order_id:
                self._accepted_meanings.add(meaning)

    def _after_status(self, exchange: Exchange) -> None:
        assert self._pending is not None
        meaning, before, problem = self._pending
        self._pending = None
        self._accepted_meanings.add(meaning)
        answer = self.system.probe("status", meaning[0])
        order_id, kind, *values = meaning
        what = f"{kind} " + "/".join("-" if value is None else wire_name(value) for value in values)
        self.observations.append(Observation(
            exchange.id, what, "status", order_id, "one more", answer.count, before, problem or answer.problem
        ))

    def _after_answers(self, order_id: str, exchange: Exchange) -> None:
        answer = self.system.probe("answers", order_id)
        if answer.count:
            self._answers_seen.add(order_id)
        self.observations.append(
            Observation(exchange.id, "C2 Completed", "answers", order_id, "stored", answer.count, None, answer.problem)
        )


def _status_meaning(kind: str, body: dict[str, Any]) -> tuple[Any, ...] | None:
    """(order id, kind, status, channel, error code) of a status update (C1), else None."""
    if kind != "C1":
        return None
    from ..spec.payloads import PayloadError, read_order_status_callback

    try:
        c1 = read_order_status_callback(body)
    except PayloadError:
        return None
    return (c1.form_order_id.lower(), kind, c1.form_order_status, c1.notification_channel,
            c1.form_order_status_error_code)


def _is_completed_return(kind: str, body: dict[str, Any]) -> bool:
    if kind != "C2":
        return False
    from ..spec.enums import FormOrderStatus, parse_enum

    try:
        status = parse_enum(FormOrderStatus, body.get("formOrderStatus"), field="formOrderStatus")
    except ValueError:
        return False
    return status == FormOrderStatus.Completed

