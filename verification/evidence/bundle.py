"""Writing the evidence bundle of a session, and rewriting it later (``judge``, ``attest``).

The session folder is the operator's workspace; the bundle is its ``evidence/`` subfolder, the part sent
to Hemit::

    reports/<session>/
      session.sqlite          every exchange, raw (private: holds the key and national ids)
      outcomes.json           the case outcomes (redacted), so the bundle can be rebuilt without pytest
      attestations.json       human attestations (+ attestations/ screenshots)
      junit.xml               pytest's JUnit XML, rewritten redacted (CI publishes it)
      report.html             a pointer to evidence/report.html (pytest-html's page moves into the bundle)
      evidence/               THE BUNDLE: report.html, pytest-report.html, evidence.json, junit.xml,
                              target.redacted.yaml, kit-version.txt, MANIFEST.sha256 [, MANIFEST.sha256.sig]

Order of work: redact everything, write the files, leak-scan the bundle, then the manifest last. A bundle
that fails the leak scan gets ``LEAK-SCAN-FAILED.txt`` (file and offset of each finding, never the value)
and no manifest, so ``verify-evidence`` refuses it.
"""

from __future__ import annotations

import getpass
import json
import os
import platform
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import __version__
from ..errors import ExitCode, UsageError
from ..spec.checklist import load_checklist
from ..session import RunProgress, mark_run_finished, run_progress
from .attest import load_attestations
from .evidence_json import build_evidence, dumps, redact_outcome
from .leakscan import Leak, scan_bundle
from .manifest import (
    SHIPPED_PUBLIC_KEY,
    load_signing_key,
    ship_public_key,
    sign_manifest,
    signing_key_from_env,
    write_manifest,
)
from .redact import AUTH_HEADERS, CREDENTIAL_KEYS, MIN_GLOBAL_SECRET, Redactor, session_aliases
from .report import GENERATOR, render_report
from .results import CaseOutcome, item_statuses

__all__ = [
    "BUNDLE_DIR",
    "OUTCOMES_FILE",
    "LEAK_FILE",
    "BundleResult",
    "BundleError",
    "StoreCorrupt",
    "write_bundle",
    "write_run_bundle",
    "rebuild_bundle",
    "save_outcomes",
    "load_outcomes",
    "harvest_credentials",
]

JudgeRecorded = Callable[[Any, Any], list[CaseOutcome]]  # (store, target) -> the recorded checks' outcomes

BUNDLE_DIR = "evidence"
OUTCOMES_FILE = "outcomes.json"
LEAK_FILE = "LEAK-SCAN-FAILED.txt"
STORE_FILE = "session.sqlite"
_ALIASES_INFO = "evidence_aliases"  # session_info key: national id → alias (private, in the raw store)
_PERSONS_INFO = "evidence_test_persons"  # the target's test persons as aliases


class BundleError(UsageError):
    """The bundle cannot be written as asked (not a session folder, redaction refused off, …)."""


class StoreCorrupt(BundleError):
    """The session store fails ``PRAGMA integrity_check``: no verdict is built on it."""

    exit_code = ExitCode.INTERNAL


@dataclass
class BundleResult:
    bundle_dir: Path
    files: list[str] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    verdict: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    signed: bool = False
    cut_short: str = ""  # RunProgress.describe() of a run that did not get through its cases
    summary: str = ""  # counts_line(): the same words as report.html and evidence.json
    meaning: str = ""  # the verdict's meaning, one sentence

    @property
    def exit_code(self) -> int:
        """1 when the leak scan found something or an ID failed, else 0 (pytest's convention)."""
        return 1 if self.leaks or self.verdict == "failed" else 0

    def lines(self) -> list[str]:
        held = sum(1 for p in self.bundle_dir.iterdir() if p.is_file())  # what the folder holds: manifest too
        out = [f"evidence bundle {self.bundle_dir} ({held} files)", *[line for line in (self.summary, self.meaning) if line]]
        if self.cut_short:
            out.append(self.cut_short.upper()[:1] + self.cut_short[1:])
        if self.leaks:
            out.append(f"LEAK SCAN FAILED: {len(self.leaks)} finding(s); the bundle has no manifest:")
            out += [f"  {leak}" for leak in self.leaks]
        elif self.signed:
            out.append("manifest signed (MANIFEST.sha256.sig)")
        return out


# -- outcomes ------------------------------------------------------------------------------------------


def save_outcomes(session_dir: Path, outcomes: Sequence[CaseOutcome], meta: Mapping[str, Any]) -> Path:
    """Store the (already redacted) outcomes with the run's metadata, for ``judge``."""
    document = {"format": 1, **meta, "cases": [o.to_dict() for o in outcomes]}
    path = session_dir / OUTCOMES_FILE
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def load_outcomes(session_dir: Path) -> tuple[list[CaseOutcome], dict[str, Any]]:
    path = session_dir / OUTCOMES_FILE
    if not path.is_file():
        return [], {}
    document = json.loads(path.read_text(encoding="utf-8"))
    cases = [CaseOutcome.from_dict(c) for c in document.pop("cases", [])]
    document.pop("format", None)
    return cases, document


# -- secrets and people --------------------------------------------------------------------------------


def harvest_credentials(exchanges: Iterable[Any]) -> list[str]:
    """Every value that stood in a credential position of a request (headers, ``apiKey`` body fields and
    query parameters), long enough to mask globally. Judging a session needs no key this way."""
    found: dict[str, None] = {}
    for exchange in exchanges:
        for name, value in (exchange.request_headers or {}).items():
            lowered = str(name).lower()
            if lowered in AUTH_HEADERS and isinstance(value, str):
                scheme, space, rest = value.strip().partition(" ")
                found[(rest if space else scheme).strip()] = None
            elif lowered in CREDENTIAL_KEYS and isinstance(value, str):
                found[value.strip()] = None
        body = exchange.json_request()
        if isinstance(body, Mapping):
            for name, value in body.items():
                if str(name).lower() in CREDENTIAL_KEYS and isinstance(value, str):
                    found[value.strip()] = None
        for name, value in parse_qsl(urlsplit(exchange.url).query):
            if name.lower() in CREDENTIAL_KEYS:
                found[value.strip()] = None
    return [value for value in found if len(value) >= MIN_GLOBAL_SECRET]


def _target_parts(target: Any, info: Mapping[str, Any]) -> tuple[dict[str, Any], str | None, list[str]]:
    """(the redacted target as data, the API key if known, the full test-person ids if known)."""
    if target is None:
        return dict(info.get("target") or {}), None, []
    if isinstance(target, Mapping):
        return dict(target), None, []
    from ..config import redacted_dict

    return redacted_dict(target), target.api_key.reveal(), list(target.test_persons)


def _operator(given: str | None, info: Mapping[str, Any]) -> str:
    if given:
        return given
    if info.get("operator"):
        return str(info["operator"])
    try:
        return os.environ.get("EPROM_VERIFY_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# -- the bundle ----------------------------------------------------------------------------------------


def write_bundle(
    session_dir: Path,
    *,
    outcomes: Sequence[CaseOutcome],
    target: Any,
    store: Any,
    profile: str | None = None,
    meta: Mapping[str, Any] | None = None,
    operator: str | None = None,
    signing_key: Path | None = None,
    redaction: bool = True,
) -> BundleResult:
    """Write ``session_dir/evidence/`` from the outcomes, the store, the attestations and the target.

    ``target`` is a :class:`~verification.config.Target`, its redacted mapping, or ``None`` (then the
    redacted copy in the store is used). ``meta`` carries run data kept in ``outcomes.json``
    (``finished_at``, ``hypothesis`` settings). Redaction can be turned off only outside the certification
    profile, for debugging the kit; such a bundle always fails the leak scan.
    """
    session_dir = Path(session_dir)
    if not redaction and profile == "certification":
        raise BundleError("the certification profile cannot turn redaction off")
    key = load_signing_key(Path(signing_key)) if signing_key is not None else None  # a bad key changes nothing
    info = store.info()
    exchanges = store.exchanges()
    redactor, target_data, test_persons = _redaction_for(target, info, exchanges, store, enabled=redaction)
    meta = {**(meta or {}), "profile": profile or (meta or {}).get("profile")}
    safe_outcomes = [redact_outcome(o, redactor) for o in outcomes]
    save_outcomes(session_dir, safe_outcomes, redactor.data(dict(meta)))
    operator = _operator(operator, info)
    if "operator" not in info:
        store.set_info("operator", operator)

    attestations = {k: a.to_dict() for k, a in load_attestations(session_dir).items()}
    capabilities = (target_data.get("bestillersystem") or {}).get("capabilities")
    items = load_checklist()
    results = item_statuses(safe_outcomes, attestations=attestations, capabilities=capabilities, items=items)
    evidence = build_evidence(
        items=items, results=results, outcomes=safe_outcomes, exchanges=exchanges, target=target_data,
        session=_session_record(session_dir, info, meta, operator), attestations=attestations,
        hypothesis=meta.get("hypothesis") or {}, redactor=redactor, generated_at=_now(),
    )
    evidence["redaction"]["enabled"] = redaction
    bundle_dir = session_dir / BUNDLE_DIR
    staging = session_dir / f".{BUNDLE_DIR}.new"  # the old bundle (and its signature) stays until the new is whole
    files = _write_files(session_dir, bundle_dir, staging, evidence, target_data, redactor, attestations)
    store.set_info(_ALIASES_INFO, redactor.aliases.mapping)
    leaks = scan_bundle(staging, secrets=redactor.secrets,
                        national_ids=[*redactor.aliases.numbers(), *test_persons])
    result = BundleResult(bundle_dir, files, leaks, evidence["verdict"], evidence["counts"], summary=evidence["summary"],
                          meaning=evidence["verdict_meaning"])
    run = meta.get("run") or {}
    if run.get("cut_short"):
        result.cut_short = RunProgress(run["planned"], run["ran"], run["finished"]).describe()
    if leaks:
        (staging / LEAK_FILE).write_text("".join(f"{leak}\n" for leak in leaks), encoding="utf-8")
    else:
        if key is not None:
            ship_public_key(staging, key)
            result.files = sorted([*files, SHIPPED_PUBLIC_KEY])
        write_manifest(staging)
        if key is not None:
            sign_manifest(staging, key)
            result.signed = True
    _replace_folder(staging, bundle_dir)
    return result


def _replace_folder(new: Path, old: Path) -> None:
    """Put the finished ``new`` bundle where ``old`` was, removing ``old`` only once ``new`` is in place."""
    retired = old.with_name(f".{old.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if old.exists():
        old.rename(retired)
    new.rename(old)
    shutil.rmtree(retired, ignore_errors=True)


def _redaction_for(
    target: Any, info: Mapping[str, Any], exchanges: Sequence[Any], store: Any, *, enabled: bool
) -> tuple[Redactor, dict[str, Any], list[str]]:
    """The session's redactor (its key, every credential seen, its aliases), the redacted target, and the
    target's full test-person ids when known."""
    target_data, api_key, test_persons = _target_parts(target, info)
    aliases = session_aliases(info.get(_ALIASES_INFO), test_persons)  # the verification person is person-1
    secrets = [s for s in [api_key, *harvest_credentials(exchanges)] if s]
    redactor = Redactor(secrets=secrets, aliases=aliases, enabled=enabled)
    if test_persons:
        target_data["test_persons"] = [redactor.text(n) for n in test_persons]
        store.set_info(_PERSONS_INFO, target_data["test_persons"])
    elif info.get(_PERSONS_INFO):  # judged without the target file: the aliases of the first write
        target_data["test_persons"] = list(info[_PERSONS_INFO])
    return redactor, target_data, test_persons


def _session_record(session_dir: Path, info: Mapping[str, Any], meta: Mapping[str, Any], operator: str) -> dict:
    return {
        "id": session_dir.name,
        "started_at": info.get("started_at"),
        "finished_at": meta.get("finished_at"),
        "operator": operator,
        "profile": meta.get("profile"),
        "kit_version": __version__,
        "recorded_with": info.get("kit_version"),
        "python": info.get("python") or platform.python_version(),
        "platform": platform.platform(terse=True),
        "system_version": info.get("system_version"),
        "run": meta.get("run"),
    }


def _write_files(
    session_dir: Path,
    bundle_dir: Path,
    staging: Path,
    evidence: Mapping[str, Any],
    target_data: Mapping[str, Any],
    redactor: Redactor,
    attestations: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    import yaml

    pytest_page = _pytest_page(session_dir, bundle_dir)
    junit = _read(session_dir / "junit.xml")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    files = {
        "evidence.json": dumps(evidence),
        "target.redacted.yaml": "# The target of this session, redacted (the API key is never written).\n"
        + yaml.safe_dump(redactor.data(dict(target_data)), allow_unicode=True, sort_keys=False),
        "kit-version.txt": _kit_version(evidence),
    }
    if junit is not None:
        files["junit.xml"] = redactor.text(junit)
        (session_dir / "junit.xml").write_text(files["junit.xml"], encoding="utf-8")
    if pytest_page is not None:
        files["pytest-report.html"] = redactor.text(pytest_page)
    files["report.html"] = render_report(
        evidence, screenshots=_screenshots(session_dir, attestations), has_pytest_report=pytest_page is not None
    )
    for name, text in files.items():
        (staging / name).write_text(text, encoding="utf-8")
    (session_dir / "report.html").write_text(_POINTER, encoding="utf-8")
    return sorted(files)


_POINTER = (
    f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="generator" content="{GENERATOR}">'
    '<meta http-equiv="refresh" content="0; url=evidence/report.html"><title>eprom-verify session</title>'
    '</head><body><p>The evidence of this session: <a href="evidence/report.html">evidence/report.html</a> '
    "(send the whole <code>evidence/</code> folder).</p></body></html>\n"
)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def _pytest_page(session_dir: Path, bundle_dir: Path) -> str | None:
    """pytest-html's page: fresh from this run (``report.html`` not written by us), else the bundle's."""
    fresh = _read(session_dir / "report.html")
    if fresh is not None and '<meta name="generator" content="eprom-verify' not in fresh[:2000]:
        return fresh
    return _read(bundle_dir / "pytest-report.html")


def _screenshots(session_dir: Path, attestations: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
    shots = {}
    for attestation in attestations.values():
        for shot in attestation.get("screenshots", []):
            path = session_dir / shot["path"]
            if path.is_file():
                shots[shot["path"]] = path.read_bytes()
    return shots


def _kit_version(evidence: Mapping[str, Any]) -> str:
    session = evidence.get("session", {})
    return (
        f"eprom-verify {__version__}\n"
        f"session recorded with eprom-verify {session.get('recorded_with')}\n"
        f"python {session.get('python')}\nplatform {session.get('platform')}\n"
    )


def rebuild_bundle(
    session_dir: Path,
    *,
    target: Any = None,
    signing_key: Path | None = None,
    operator: str | None = None,
    judge_recorded: JudgeRecorded | None = None,
) -> BundleResult:
    """Rewrite the bundle from the session store and the stored outcomes (``judge``, after ``attest``).

    A relay session is judged afresh from its recording by ``judge_recorded`` (``scenarios.recorded.recorded_outcomes``,
    which sits above this module and is handed in by the command)."""
    from ..recorder.store import SessionStore

    session_dir = Path(session_dir)
    if not (session_dir / STORE_FILE).is_file():
        raise BundleError(f"{session_dir} is not a session folder (no {STORE_FILE})")
    outcomes, meta = load_outcomes(session_dir)
    with SessionStore(session_dir / STORE_FILE, session=session_dir.name) as store:
        _require_sound(store)
        progress = run_progress(store)
        if progress is not None:
            meta["run"] = progress.to_dict()
            if not progress.finished or not (session_dir / OUTCOMES_FILE).is_file():
                # killed (or failed) before its bundle: the outcomes the run saved case by case
                outcomes = [CaseOutcome.from_dict(data) for data in store.case_outcomes()]
        if store.info().get("mode") == "relay":  # a relay session is judged afresh from its recording
            target = target or _relay_target(store)
            outcomes = [o for o in outcomes if not o.nodeid.startswith("recorded::")] + _recorded(
                store, target, judge_recorded)
        return write_bundle(
            session_dir, outcomes=outcomes, target=target, store=store, profile=meta.get("profile"), meta=meta,
            operator=operator, signing_key=signing_key,
        )


def _require_sound(store: Any) -> None:
    """A store failing ``PRAGMA integrity_check`` may have lost exchanges: no verdict is built on it."""
    problems = store.integrity_problems()
    if problems:
        shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
        raise StoreCorrupt(f"the session store {store.path} fails SQLite's integrity check ({shown}); its record "
                          "may be incomplete, so no evidence bundle was written from it")


def _relay_target(store: Any) -> Any:
    """The target file the relay noted, read again (its ``${VAR}`` key from this environment)."""
    from ..config import TargetError, load_target

    path = store.info().get("target_path")
    try:
        return load_target(path) if path else None
    except TargetError as exc:
        raise BundleError(f"judging a relay session needs its target file (give --target TARGET.yaml): {exc}") from None


def _recorded(store: Any, target: Any, judge_recorded: JudgeRecorded | None) -> list[CaseOutcome]:
    if target is None or isinstance(target, Mapping):
        raise BundleError("judging a relay session needs its target file: give --target TARGET.yaml")
    if judge_recorded is None:
        raise BundleError("a relay session is judged by `eprom-verify judge`: no judge was given to rebuild it")
    return judge_recorded(store, target)


def write_run_bundle(
    session_dir: Path | None,
    *,
    outcomes: Sequence[CaseOutcome],
    target: Any = None,
    target_path: str | Path | None = None,
    profile: str | None = None,
    hypothesis_seed: Any = None,
    aliases: Mapping[str, str] | None = None,
) -> BundleResult | None:
    """At the end of a pytest run: the bundle of the session, or ``None`` when nothing was recorded.

    ``target`` is the session's :class:`~verification.config.Target` when a case opened the session;
    otherwise the target file is read again (and without one the store's redacted copy is used).
    ``aliases`` (national id → alias) are those the terminal has shown: a first bundle continues them.
    """
    from ..recorder.store import SessionStore, now_iso
    from .collect import hypothesis_settings

    if session_dir is None or not (Path(session_dir) / STORE_FILE).exists():
        return None
    session_dir = Path(session_dir)
    if target is None and target_path:
        from ..config import TargetError, load_target

        try:
            target = load_target(Path(target_path))
        except TargetError:
            target = None
    meta: dict[str, Any] = {"finished_at": now_iso(), "hypothesis": hypothesis_settings(hypothesis_seed)}
    with SessionStore(session_dir / STORE_FILE, session=session_dir.name) as store:
        _require_sound(store)
        if aliases and not store.info().get(_ALIASES_INFO):
            store.set_info(_ALIASES_INFO, dict(aliases))
        mark_run_finished(store)
        progress = run_progress(store)
        if progress is not None:
            meta["run"] = progress.to_dict()
        return write_bundle(session_dir, outcomes=outcomes, target=target, store=store,
                            profile=profile or getattr(target, "profile", None), meta=meta,
                            signing_key=signing_key_from_env())
