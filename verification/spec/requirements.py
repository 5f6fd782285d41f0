"""The requirement register: every assertion a check makes, kept under its check in ``checklist.yaml``.

Each entry is one requirement, keyed by a frozen ID owned by its check (``R-AUTH.1`` belongs to
``R-AUTH``; ``V0.1`` to the environment check ``V0``), so the checklist, the check catalogue and the
requirements are one registry keyed by frozen ID. Its severity decides what a deviation does, never
the call site:

- ``MUST``: the guide says so. The entry quotes the Norwegian sentence and names the upstream page and line
  (``../shared/spec/upstream/``, at the commit the file's ``requirement_commits`` name). A deviation fails the check,
  and its message says "the guide requires" with that quote.
- ``SHOULD``: the kit's own rule, beyond the guide. A deviation is advice ("eprom-verify recommends"),
  a failure only with ``--strict``.
- ``CONTRACT``: the kit's documented trigger and probe contract (README). A deviation fails the check,
  because without it nothing can be verified; it never says "the guide".

``feeds`` names the checklist items a deviation rolls up to (a subset of the owning check's ``proves``).
Read once, on first use (:func:`load_requirements`), never at import time.

Exceptions::

    ValueError
    └── RequirementError   the file is malformed; names the entry and the field
    KeyError               :func:`requirement` with an unknown ID
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ContractError
from .checklist import CHECKLIST_PATH, safe_load

__all__ = [
    "SEVERITIES",
    "Requirement",
    "RequirementError",
    "load_requirements",
    "read_requirements",
    "requirement",
    "owner_of",
    "REQUIREMENT_ID",
]

SEVERITIES = ("MUST", "SHOULD", "CONTRACT")
# <owner>.<n>: the owner is a catalogue check (R-/S-/P-) or V0, the environment check.
REQUIREMENT_ID = re.compile(r"(?P<owner>[RSP](-[A-Z0-9]+)+|V0)\.(?P<n>[1-9]\d*)")
_SOURCE = re.compile(r"(?P<page>[A-Za-z0-9]+(\.HEAD)?\.md):(?P<line>[1-9]\d*)")
_KEYS = frozenset({"id", "severity", "rule", "quote", "source", "feeds"})


class RequirementError(ContractError):
    """The register is malformed; ``entry`` and ``field`` say where."""

    def __init__(self, entry: str, field: str, problem: str) -> None:
        self.entry, self.field, self.problem = entry, field, problem
        super().__init__(f"{CHECKLIST_PATH.name}: requirement {entry}, field {field!r}: {problem}")


@dataclass(frozen=True)
class Requirement:
    """One assertion of a check: what it requires, how binding it is, and where that comes from."""

    id: str
    severity: str
    rule: str  # the requirement in English
    feeds: tuple[str, ...]  # checklist items (and BR-xx rules) a deviation rolls up to
    quote: str = ""  # MUST: the Norwegian sentence, verbatim
    source: str = ""  # MUST: upstream page:line, e.g. "BestillingAvSkjemaV2.md:296"
    commit: str = ""  # MUST: the upstream commit of that page

    @property
    def owner(self) -> str:
        return owner_of(self.id)

    @property
    def fails(self) -> bool:
        """Whether a deviation fails the check in a normal (not strict) run."""
        return self.severity != "SHOULD"

    def expectation(self, expected: Any) -> str:
        """The "expected" text of a deviation: the guide's words only over a MUST."""
        if self.severity == "MUST":
            return f"{expected}; the guide requires «{self.quote}» ({self.source} at {self.commit[:7]})"
        if self.severity == "SHOULD":
            return f"eprom-verify recommends {expected}"
        return f"{expected} (eprom-verify's trigger and probe contract, README; not a rule of the guide)"


def owner_of(requirement_id: str) -> str:
    """``R-AUTH`` for ``R-AUTH.1``."""
    match = REQUIREMENT_ID.fullmatch(requirement_id)
    if match is None:
        raise ValueError(f"{requirement_id!r} is no requirement ID (<check ID>.<n>, e.g. R-AUTH.1)")
    return match["owner"]


@functools.cache
def load_requirements() -> dict[str, Requirement]:
    """Every requirement of the packaged checklist, by ID, in file order; read and validated once."""
    return read_requirements(CHECKLIST_PATH)


def read_requirements(path: Path | str) -> dict[str, Requirement]:
    """The requirements of every entry of a checklist file (uncached; for tests and tools)."""
    import yaml  # deferred: keeps importing this module cheap

    try:  # the C loader, as the checklist's reader: the pure-Python one costs 0.3 s in every kit process
        document = safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RequirementError("(file)", "(yaml)", f"not valid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise RequirementError("(file)", "items", "the file must be a mapping with a list 'items'")
    commits = document.get("requirement_commits") or {}
    entries: dict[str, Requirement] = {}
    for check in document["items"]:
        for raw in (check.get("requirements") or []) if isinstance(check, dict) else []:
            entry = _entry(raw, commits)
            if entry.id in entries:
                raise RequirementError(entry.id, "id", "duplicate ID")
            if entry.owner != check.get("id"):
                raise RequirementError(entry.id, "id", f"listed under {check.get('id')}, owned by {entry.owner}")
            entries[entry.id] = entry
    return entries


def _entry(raw: Any, commits: dict[str, str]) -> Requirement:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise RequirementError(repr(raw)[:40], "id", "an entry is a mapping with a string id")
    entry_id = raw["id"]
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise RequirementError(entry_id, unknown[0], "unknown key")
    if REQUIREMENT_ID.fullmatch(entry_id) is None:
        raise RequirementError(entry_id, "id", "a requirement ID is <check ID>.<n>, e.g. R-AUTH.1")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise RequirementError(entry_id, "severity", f"{severity!r} is not one of {', '.join(SEVERITIES)}")
    if not isinstance(raw.get("rule"), str) or not raw["rule"].strip():
        raise RequirementError(entry_id, "rule", "states the requirement in English")
    feeds = raw.get("feeds", [])
    if not isinstance(feeds, list) or not all(isinstance(item, str) for item in feeds):
        raise RequirementError(entry_id, "feeds", "a list of checklist IDs")
    quote, source = raw.get("quote", ""), raw.get("source", "")
    commit = ""
    if severity == "MUST":
        match = _SOURCE.fullmatch(source or "")
        if not quote or match is None:
            raise RequirementError(entry_id, "quote", "a MUST quotes the guide with its source (Page.md:line)")
        commit = commits.get("HEAD" if match["page"].endswith(".HEAD.md") else "primary", "")
        if not commit:
            raise RequirementError(entry_id, "source", "no commit for this page in the file's 'commits'")
    elif quote or source:
        raise RequirementError(entry_id, "quote", f"a {severity} is the kit's own rule: no quote of the guide")
    return Requirement(entry_id, severity, raw["rule"].strip(), tuple(feeds), quote, source, commit)


def requirement(requirement_id: str) -> Requirement:
    """The entry with this ID; ``KeyError`` naming the ID and the file when there is none."""
    try:
        return load_requirements()[requirement_id]
    except KeyError:
        raise KeyError(f"no requirement {requirement_id!r} in {CHECKLIST_PATH.name}: every assertion of a "
                       "check needs an entry under its check") from None
