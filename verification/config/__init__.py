"""Target files: what system to verify, against which ePROM, with which forms and test persons.

The format is the user-facing contract in DESIGN.md ("Target file"); an annotated copy lives in
``examples/target.simulator.yaml``. :func:`load_target` reads a YAML file, :func:`parse_target` a mapping
already in memory; both return a frozen :class:`Target` or raise one :class:`TargetError` listing every
problem found (never just the first), each with the dotted field, the value, what is wrong and the fix.

Rules beyond the contract:

- ``${VAR}`` in any string value is read from the environment; ``${VAR:-default}`` falls back to
  ``default`` when ``VAR`` is unset or empty; ``$${`` is a literal ``${``. Only strings are substituted:
  a boolean or number written as ``${VAR}`` stays a string and is reported as such.
- Unknown keys are errors, with a "did you mean" suggestion. YAML duplicate keys are errors too.
- ``api_key`` is a :class:`Secret`: masked in every ``str``/``repr``/f-string and in every error.
  ``test_persons`` are shown only as their first six digits in errors and in :func:`redacted_dict`.
- Sections with defaults: ``eprom`` (``mode: simulator``, ``listen: 127.0.0.1:18080``),
  ``accepts_unknown_orders`` (false), ``trigger`` and ``probe`` (absent), ``test_persons`` (empty, allowed
  only in simulator mode: against a real ePROM the kit uses only configured test persons).
- ``eprom.upstream`` is validated in every mode but used only in relay/direct mode.
- A probe entry is a URL template (a string, or ``{url: …}``) or ``{command: …}``; both must contain
  ``{formOrderId}``. Commands are a string (split with shell rules, never run through a shell) or a list.
  A trigger or probe command is meant to run in the directory of the target file.

Extensions to the contract (all optional):

- ``budgets: {callback_s: 10, signed_download_s: 10, slow_answer_s: 15}`` — the time a callback may take
  to be answered (R-LATENCY); how long the kit waits for the signed document's download (E2) in this run;
  how long the simulator holds back its answer to an order in the slow-ePROM case (keep it below the
  trigger's ``timeout_s`` when the trigger waits for ePROM's answer).
- ``bestillersystem.trigger``: ``url``/``command`` is the ``order`` kind (or write it as ``order: {url: …}``);
  ``message``, ``sms``, ``email``, ``personvern`` each ``{url: …}`` or ``{command: …}``. A kind the target
  does not name is not run (the README's trigger contract).
- ``budgets.run_s`` — the most seconds the whole run may take (default :data:`RUN_BUDGET_S`: 90 for quick,
  900 for certification); the cases left when it expires are reported as not run, exit 1.
- ``confirmed_ordinary_test_persons: ["…"]`` — ids from ``test_persons`` outside the synthetic ranges that
  the operator confirms are registered test persons; any other ordinary-looking id is refused.
- ``bestillersystem.callback_base_url`` is https unless loopback (the callbacks carry the key), never the
  simulator's own ``eprom.listen``; URLs are at most 2,048 characters. The YAML may nest at most 32 levels,
  its aliases may expand to at most 20,000 values, and the file is at most 2 MiB.
- ``max_requests: 20`` — the most requests the kit itself sends to a real ePROM in direct mode.
- ``profile: quick | certification`` — unset means the command line (or its default) decides.
- ``reports: {keep: N}`` — after each run, only the newest N session folders of this target are kept.
- ``bestillersystem.probe.channel``: the notification channel the system stored for an order, answering
  ``{"notificationChannel": <name or number>}`` (``null`` when none) instead of a count (V1.3).
- ``eprom.public_url`` (relay mode): the URL registered as ApiBaseUrl in ePROM admin, which reaches the
  relay's callback face; https unless loopback. ``eprom.callback_listen`` (host:port) is where that face
  listens; by default the public URL's own port when it is loopback, else the ``listen`` port + 1.

Errors: :class:`TargetError` (one or more :class:`TargetProblem`), a
:class:`~verification.errors.UsageError` (exit 4) and a ``ValueError``; the whole hierarchy is drawn in
:mod:`verification.errors`.
"""

from __future__ import annotations

from . import model
from .model import *  # noqa: F403 - the model's __all__ is this package's surface, with the reader's two
from .reader import load_target, parse_target

__all__ = [*model.__all__, "load_target", "parse_target"]
