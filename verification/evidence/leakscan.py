"""The leak scan: the safety net over the finished bundle, after redaction.

It searches every file, byte by byte, for the API key (and the other credentials of the session) in every
form of :func:`~verification.evidence.redact.secret_variants` and any run of 8 of its characters in those
forms (:class:`~verification.evidence.redact.SecretRuns`), for every national id the session saw, and for
any other 11-digit token that passes the check digits (found as the redactor finds them: not the decimals
of a number, not inside a hex digest). A finding names the file, the byte offset
and what kind of value it is, never the value: the scan's own output must not leak.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..spec.national_id import looks_like_national_id
from .redact import MIN_GLOBAL_SECRET, SecretRuns, merged_spans, national_id_candidates, national_id_class, secret_variants

__all__ = ["Leak", "scan_bundle", "scan_bytes"]

_MAX_REPORTED_PER_FILE = 20


@dataclass(frozen=True)
class Leak:
    """One secret or national id found in a bundle file (``offset`` in bytes from the file's start)."""

    file: str
    offset: int
    kind: str

    def __str__(self) -> str:
        return f"{self.file}: byte offset {self.offset}: {self.kind}"


def _needles(secrets: Iterable[str], national_ids: Iterable[str]) -> list[tuple[bytes, str]]:
    needles: dict[bytes, str] = {}
    for number, secret in enumerate(secrets, start=1):
        kind = "the API key" if number == 1 else f"credential #{number}"
        forms = secret_variants(secret) if len(secret) >= MIN_GLOBAL_SECRET else [secret]
        for form in forms:
            needles.setdefault(form.encode(), kind)
    for number in national_ids:
        needles.setdefault(number.encode(), f"national id ({national_id_class(number)})")
    return sorted(needles.items(), key=lambda pair: len(pair[0]), reverse=True)


def _runs(secrets: Iterable[str]) -> list[tuple[SecretRuns, str]]:
    return [(SecretRuns([secret], latin1=True), f"{'the API key' if number == 1 else f'credential #{number}'} "
             f"(a run of {MIN_GLOBAL_SECRET}+ of its characters)") for number, secret in enumerate(secrets, start=1)]


def scan_bytes(data: bytes, *, name: str, needles: list[tuple[bytes, str]],
               runs: Iterable[tuple[SecretRuns, str]] = ()) -> list[Leak]:
    """Every occurrence of a needle, every run of a secret, and every unknown 11-digit token with valid
    check digits."""
    text = data.decode("latin-1")  # one character per byte: offsets hold
    found: dict[int, Leak] = {}
    covered: list[tuple[int, int]] = []  # one finding per place: the whole key, not also each run inside it
    for needle, kind in needles:
        start = data.find(needle)
        while start != -1 and len(found) < _MAX_REPORTED_PER_FILE:
            if not any(first <= start < end for first, end in covered):
                found.setdefault(start, Leak(name, start, kind))
                covered.append((start, start + len(needle)))
            start = data.find(needle, start + 1)
    for finder, kind in runs:
        for start, end in merged_spans(finder.spans(text)):
            if len(found) < _MAX_REPORTED_PER_FILE and not any(first <= start < last for first, last in covered):
                found.setdefault(start, Leak(name, start, kind))
                covered.append((start, end))
    for match in national_id_candidates(text):
        if len(found) >= _MAX_REPORTED_PER_FILE:
            break
        number = match.group(0)
        if match.start() not in found and looks_like_national_id(number):
            found[match.start()] = Leak(name, match.start(), f"national id ({national_id_class(number)})")
    return sorted(found.values(), key=lambda leak: leak.offset)


def scan_bundle(bundle_dir: Path, *, secrets: Iterable[str] = (), national_ids: Iterable[str] = ()) -> list[Leak]:
    """Scan every file under ``bundle_dir``; the first secret given is named "the API key"."""
    secrets = [s for s in secrets if len(s.strip()) >= 4]
    needles, runs = _needles(secrets, national_ids), _runs(secrets)
    leaks: list[Leak] = []
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        leaks += scan_bytes(path.read_bytes(), name=path.relative_to(bundle_dir).as_posix(), needles=needles,
                            runs=runs)
    return leaks
