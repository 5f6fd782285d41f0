"""Human attestations for the checklist items a person verifies on Helsenorge (V2.x, S-ONBEHALF.1/2/3,
S-SIGN.2): who, when, yes or no, notes, screenshots.

They are stored in the session folder (``attestations.json``, screenshots copied to ``attestations/``) and
embedded in the bundle when it is (re)written. An item nobody attested stays *pending attestation*.

Two ways in: :func:`ask_attestations` asks in a terminal; :func:`read_attestation_file` reads YAML::

    who: Kari Nordmann                     # default for every item
    items:
      V2.1: {verified: yes, when: 2025-05-02T10:15:00+02:00, notes: "Answered RAND-12 as the test person",
             screenshots: [shots/v2-1.png]}
      V2.3: {verified: no, notes: "Cover letter shows the wrong clinic"}

``when`` defaults to the time of reading; screenshot paths are relative to the YAML file.

Exceptions::

    ValueError
    └── AttestationError    every problem of a file (or answer), each naming the item and field
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..spec.checklist import ChecklistItem
from .results import human_items

__all__ = [
    "ATTESTATIONS_FILE",
    "SCREENSHOT_DIR",
    "Attestation",
    "Screenshot",
    "AttestationError",
    "load_attestations",
    "save_attestations",
    "read_attestation_file",
    "ask_attestations",
]

ATTESTATIONS_FILE = "attestations.json"
SCREENSHOT_DIR = "attestations"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
_YES = {"y", "yes", "j", "ja", "true", "1"}
_NO = {"n", "no", "nei", "false", "0"}


class AttestationError(UsageError, ValueError):
    """One or more problems in attestations; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(f"- {p}" for p in self.problems))


@dataclass(frozen=True)
class Screenshot:
    """A screenshot copied into the session folder (``path`` relative to it)."""

    path: str
    media_type: str
    sha256: str
    name: str


@dataclass(frozen=True)
class Attestation:
    item_id: str
    who: str
    when: str
    verified: bool
    notes: str = ""
    screenshots: tuple[Screenshot, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["screenshots"] = [asdict(s) for s in self.screenshots]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attestation:
        shots = tuple(Screenshot(**s) for s in data.get("screenshots", ()))
        return cls(data["item_id"], data["who"], data["when"], bool(data["verified"]), data.get("notes", ""), shots)


def load_attestations(session_dir: Path) -> dict[str, Attestation]:
    path = session_dir / ATTESTATIONS_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {item_id: Attestation.from_dict(entry) for item_id, entry in data.get("items", {}).items()}


def save_attestations(session_dir: Path, attestations: Mapping[str, Attestation]) -> Path:
    """Write ``attestations.json`` (items in checklist order); earlier attestations of other items stay."""
    order = [entry.id for entry in human_items()]
    ordered = sorted(attestations.values(), key=lambda a: order.index(a.item_id) if a.item_id in order else 99)
    document = {"format": 1, "items": {a.item_id: a.to_dict() for a in ordered}}
    path = session_dir / ATTESTATIONS_FILE
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _verified(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _YES else False if text in _NO else None


def _when(value: Any) -> str | None:
    if value is None or value == "":
        return _now()
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        return datetime.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        return None


def _copy_screenshot(source: Path, session_dir: Path, item_id: str, number: int) -> Screenshot:
    data = source.read_bytes()
    suffix = source.suffix.lower()
    target_dir = session_dir / SCREENSHOT_DIR
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{item_id}-{number}{suffix}"
    shutil.copyfile(source, target)
    media_type = IMAGE_TYPES.get(suffix) or mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    return Screenshot(target.relative_to(session_dir).as_posix(), media_type, hashlib.sha256(data).hexdigest(),
                      source.name)


def _screenshot_problems(item_id: str, paths: Sequence[Path]) -> list[str]:
    problems = []
    for path in paths:
        if not path.is_file():
            problems.append(f"{item_id}: screenshot {path} does not exist")
        elif path.suffix.lower() not in IMAGE_TYPES:
            problems.append(f"{item_id}: screenshot {path.name} is not an image ({', '.join(IMAGE_TYPES)})")
    return problems


def _build(
    session_dir: Path, item_id: str, *, who: Any, when: Any, verified: Any, notes: Any, screenshots: Sequence[Path]
) -> tuple[Attestation | None, list[str]]:
    """Validate one answer; copy its screenshots only when it is valid."""
    problems = []
    flag, moment = _verified(verified), _when(when)
    if flag is None:
        problems.append(f"{item_id}: verified must be yes or no, got {verified!r}")
    if not str(who or "").strip():
        problems.append(f"{item_id}: who attests is missing (give 'who', per item or at the top)")
    if moment is None:
        problems.append(f"{item_id}: when {when!r} is not an ISO date-time (2025-05-02T10:15:00+02:00)")
    problems += _screenshot_problems(item_id, screenshots)
    if problems:
        return None, problems
    shots = tuple(_copy_screenshot(p, session_dir, item_id, n) for n, p in enumerate(screenshots, start=1))
    return Attestation(item_id, str(who).strip(), moment, bool(flag), str(notes or "").strip(), shots), []


def read_attestation_file(path: Path, session_dir: Path) -> dict[str, Attestation]:
    """Read an attestation YAML file; raises :class:`AttestationError` listing every problem."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AttestationError([f"cannot read {path}: {exc}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), dict):
        raise AttestationError([f"{path}: expected a mapping with 'items: {{ID: {{verified: yes|no, …}}}}'"])
    human = {entry.id for entry in human_items()}
    found, problems = {}, []
    for item_id, answer in document["items"].items():
        item_id = str(item_id)
        if item_id not in human:
            problems.append(f"{item_id}: not an item a person attests (those are {', '.join(sorted(human))})")
            continue
        if not isinstance(answer, dict):
            problems.append(f"{item_id}: expected a mapping with verified, who, when, notes, screenshots")
            continue
        unknown = set(answer) - {"verified", "who", "when", "notes", "screenshots"}
        problems += [f"{item_id}: unknown key {key!r}" for key in sorted(unknown, key=str)]
        shots = [path.parent / str(s) for s in answer.get("screenshots") or ()]
        attestation, more = _build(
            session_dir, item_id, who=answer.get("who", document.get("who")), when=answer.get("when"),
            verified=answer.get("verified"), notes=answer.get("notes"), screenshots=shots,
        )
        problems += more
        if attestation:
            found[item_id] = attestation
    if problems:
        raise AttestationError(problems)
    return found


Ask = Callable[[str], str]
Say = Callable[[str], None]


def ask_attestations(
    session_dir: Path,
    *,
    items: Sequence[ChecklistItem] | None = None,
    existing: Mapping[str, Attestation] | None = None,
    ask: Ask = input,
    say: Say = print,
    default_who: str = "",
) -> dict[str, Attestation]:
    """Ask each human item in turn; an empty answer to "verified" keeps what was there (or leaves it
    pending). Returns the attestations given in this round."""
    existing = existing or {}
    given: dict[str, Attestation] = {}
    who = default_who
    for entry in items if items is not None else human_items():
        say(_question(entry, existing.get(entry.id)))
        try:
            attestation, who = _ask_one(session_dir, entry, ask, say, who)
        except EOFError:  # end of input: keep what was answered so far
            say("  (end of input)")
            break
        if attestation:
            given[entry.id] = attestation
    return given


def _ask_one(session_dir: Path, entry: ChecklistItem, ask: Ask, say: Say, who: str) -> tuple[Attestation | None, str]:
    verified = _ask_until(ask, "Verified? [y]es / [n]o / Enter = skip: ", lambda a: a == "" or _verified(a) is not None)
    if verified == "":
        return None, who
    who = ask(f"Who attests? [{who}] ").strip() or who
    when = _ask_until(ask, "When? ISO date-time, Enter = now: ", lambda a: _when(a) is not None)
    notes = ask("Notes (one line): ")
    shots = _ask_screenshots(ask, say, entry.id)
    attestation, problems = _build(session_dir, entry.id, who=who, when=when, verified=verified, notes=notes,
                                   screenshots=shots)
    for problem in problems:
        say(f"  not recorded: {problem}")
    return attestation, who


def _question(entry: ChecklistItem, current: Attestation | None) -> str:
    state = "pending" if current is None else f"{'yes' if current.verified else 'no'} by {current.who}"
    return (f"\n{entry.id}  {entry.title}  (now: {state})\n"
            f"  no: {entry.requirement_no}\n  en: {entry.requirement_en}")


def _ask_until(ask: Ask, prompt: str, valid: Callable[[str], bool], tries: int = 3) -> str:
    for _ in range(tries):
        answer = ask(prompt).strip()
        if valid(answer):
            return answer
    raise AttestationError([f"no valid answer to {prompt.strip()!r} after {tries} tries"])


def _ask_screenshots(ask: Ask, say: Say, item_id: str) -> list[Path]:
    for _ in range(3):
        answer = ask("Screenshot files (space-separated paths, Enter = none): ").strip()
        paths = [Path(part).expanduser() for part in answer.split()]
        problems = _screenshot_problems(item_id, paths)
        if not problems:
            return paths
        for problem in problems:
            say(f"  {problem}")
    return []
