"""Tamper evidence: ``MANIFEST.sha256`` over every file of a bundle, and an optional Ed25519 signature.

The manifest is in ``sha256sum`` format (``<hex>  <path>``, POSIX paths relative to the bundle, sorted),
so a reviewer needs nothing from the kit to check it::

    cd BUNDLE && sha256sum -c MANIFEST.sha256

The signature (``MANIFEST.sha256.sig``, the raw 64 bytes) is made with a key the operator holds. The
public half is shipped in the bundle (``SIGNING-KEY.pub.pem``, listed in the manifest), so that
``verify-evidence`` always checks the signature and any changed byte fails; but a key inside the bundle
proves only consistency, not who signed: the operator also sends the public key to the reviewer
separately, and the reviewer checks against that trusted copy with either::

    eprom-verify verify-evidence BUNDLE --public-key operator.pub.pem
    openssl pkeyutl -verify -pubin -inkey operator.pub.pem -rawin \\
        -in BUNDLE/MANIFEST.sha256 -sigfile BUNDLE/MANIFEST.sha256.sig

A key pair: ``openssl genpkey -algorithm ed25519 -out operator.key.pem`` and
``openssl pkey -in operator.key.pem -pubout -out operator.pub.pem``. Signing needs the optional
``cryptography`` dependency (``pip install eprom-verify[sign]``).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = [
    "signing_key_from_env",
    "MANIFEST",
    "SIGNATURE",
    "SHIPPED_PUBLIC_KEY",
    "load_signing_key",
    "ship_public_key",
    "ManifestCheck",
    "SigningError",
    "write_manifest",
    "read_manifest",
    "verify_manifest",
    "sign_manifest",
    "verify_signature",
    "public_key_fingerprint",
    "REVIEWER_COMMANDS",
]

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sha256.sig"
SHIPPED_PUBLIC_KEY = "SIGNING-KEY.pub.pem"
_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_NOT_LISTED = frozenset({MANIFEST, SIGNATURE})
REVIEWER_COMMANDS = (
    "cd BUNDLE && sha256sum -c MANIFEST.sha256",
    "eprom-verify verify-evidence BUNDLE --public-key operator.pub.pem",
    "openssl pkeyutl -verify -pubin -inkey operator.pub.pem -rawin "
    "-in BUNDLE/MANIFEST.sha256 -sigfile BUNDLE/MANIFEST.sha256.sig",
)


class SigningError(UsageError):
    """The signing key or public key cannot be used (missing ``cryptography``, wrong type, unreadable)."""


@dataclass
class ManifestCheck:
    """The result of recomputing a bundle's manifest (and its signature, when a public key was given)."""

    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signature: str = "absent"  # absent | not checked | valid | INVALID (see ``signature_note``)
    signature_note: str = ""  # what the signature state means for the reviewer

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.problems) and self.signature != "INVALID"

    def lines(self) -> list[str]:
        out = [f"changed: {name}" for name in self.changed]
        out += [f"missing: {name}" for name in self.missing]
        out += [f"extra (not in the manifest): {name}" for name in self.extra]
        out += self.problems
        out.append(f"signature: {self.signature}" + (f" ({self.signature_note})" if self.signature_note else ""))
        return out


def signing_key_from_env() -> Path | None:
    """``EPROM_VERIFY_SIGNING_KEY``: the operator's Ed25519 private key (PEM) for signing manifests."""
    value = os.environ.get("EPROM_VERIFY_SIGNING_KEY", "").strip()
    return Path(value) if value else None


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _bundle_files(bundle_dir: Path) -> list[str]:
    names = (p.relative_to(bundle_dir).as_posix() for p in bundle_dir.rglob("*") if p.is_file())
    return sorted(name for name in names if name not in _NOT_LISTED)


def write_manifest(bundle_dir: Path) -> Path:
    """Write ``MANIFEST.sha256`` over every file of the bundle (a stale signature is removed)."""
    lines = [f"{_digest(bundle_dir / name)}  {name}\n" for name in _bundle_files(bundle_dir)]
    (bundle_dir / SIGNATURE).unlink(missing_ok=True)  # a new bundle is written in a fresh folder (bundle.py)
    path = bundle_dir / MANIFEST
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path


def read_manifest(bundle_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The manifest as path → digest, and its problems: lines not in ``sha256sum`` format, and every
    path listed twice (whichever copy is right, a duplicate is a tampered or broken manifest)."""
    entries: dict[str, str] = {}
    bad: list[str] = []
    try:
        text = (bundle_dir / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{MANIFEST} cannot be read: {exc}"]
    for number, line in enumerate(text.splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or not _DIGEST.fullmatch(digest) or not name:
            bad.append(f"{MANIFEST} line {number} is not '<sha256>  <path>'")
            continue
        name = name.removeprefix("*")
        if name in entries:
            bad.append(f"{MANIFEST} line {number} lists {name} a second time")
            continue
        entries[name] = digest.lower()
    return entries, bad


def verify_manifest(bundle_dir: Path, *, public_key: Path | None = None) -> ManifestCheck:
    """Recompute every digest; name changed, missing and extra files; check the signature if asked."""
    check = ManifestCheck()
    if not (bundle_dir / MANIFEST).is_file():
        check.problems.append(f"{MANIFEST} is missing: {bundle_dir} is not a finished evidence bundle")
        return check
    listed, check.problems = read_manifest(bundle_dir)
    present = set(_bundle_files(bundle_dir))
    for name, digest in sorted(listed.items()):
        if name not in present:
            check.missing.append(name)
        elif _digest(bundle_dir / name) != digest:
            check.changed.append(name)
    check.extra = sorted(present - set(listed))
    check.signature = _signature_state(bundle_dir, public_key, check)
    return check


def _signature_state(bundle_dir: Path, public_key: Path | None, check: ManifestCheck) -> str:
    """Check the signature against the trusted key given, else against the key the bundle ships."""
    signed = (bundle_dir / SIGNATURE).is_file()
    shipped = bundle_dir / SHIPPED_PUBLIC_KEY
    if not signed:
        if public_key is not None:
            check.problems.append(f"a public key was given but the bundle has no {SIGNATURE}")
        check.signature_note = "UNSIGNED evidence: the manifest shows accidental change, not who wrote the bundle"
        return "absent"
    key = public_key if public_key is not None else shipped if shipped.is_file() else None
    if key is None:
        check.signature_note = f"signed, but the bundle ships no {SHIPPED_PUBLIC_KEY}: give --public-key"
        return "not checked"
    try:
        valid = verify_signature(bundle_dir, key)
    except SigningError as exc:
        check.problems.append(str(exc))
        return "not checked"
    if public_key is not None:
        check.signature_note = f"checked against the trusted key {public_key} ({public_key_fingerprint(public_key)})"
    else:
        check.signature_note = (f"checked against the key shipped in the bundle ({public_key_fingerprint(shipped)}), "
                                "NOT against a trusted key: give --public-key with the operator's key")
    return "valid" if valid else "INVALID"


# -- signing ---------------------------------------------------------------------------------------------


def _crypto():
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - the extra is installed in the kit's own environment
        raise SigningError("signing needs the 'cryptography' package: pip install 'eprom-verify[sign]'") from None
    return serialization, ed25519


def _load_private(key_path: Path):
    serialization, ed25519 = _crypto()
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SigningError(f"cannot read the signing key {key_path}: {reason} "
                           "(an unencrypted Ed25519 private key in PEM is needed)") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SigningError(f"{key_path} is not an Ed25519 private key (PEM, unencrypted)")
    return key


load_signing_key = _load_private  # checked before a bundle is touched: a bad key changes nothing


def _load_public(key_path: Path):
    serialization, ed25519 = _crypto()
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        key = serialization.load_pem_public_key(Path(key_path).read_bytes())
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SigningError(f"cannot read the public key {key_path}: {reason}") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise SigningError(f"{key_path} is not an Ed25519 public key (PEM)")
    return key


def ship_public_key(bundle_dir: Path, key: Any) -> Path:
    """Put the signing key's public half in the bundle (before the manifest, which then lists it)."""
    serialization, _ = _crypto()
    path = bundle_dir / SHIPPED_PUBLIC_KEY
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def sign_manifest(bundle_dir: Path, key: Path | Any) -> Path:
    """Sign ``MANIFEST.sha256`` with the operator's Ed25519 key (a PEM path or a loaded key); writes the
    raw signature to a temporary file first and then replaces the old one, so that no moment is without
    a whole signature."""
    private = _load_private(key) if isinstance(key, str | Path) else key
    signature = private.sign((bundle_dir / MANIFEST).read_bytes())
    path, partial = bundle_dir / SIGNATURE, bundle_dir / f".{SIGNATURE}.partial"
    partial.write_bytes(signature)
    os.replace(partial, path)
    return path


def verify_signature(bundle_dir: Path, public_key: Path) -> bool:
    from cryptography.exceptions import InvalidSignature

    key = _load_public(public_key)
    try:
        key.verify((bundle_dir / SIGNATURE).read_bytes(), (bundle_dir / MANIFEST).read_bytes())
    except InvalidSignature:
        return False
    return True


def public_key_fingerprint(key_path: Path) -> str:
    """SHA-256 of the raw public key (of a private or public PEM), for the operator to read out."""
    serialization, ed25519 = _crypto()
    data = key_path.read_bytes()
    key = _load_private(key_path).public_key() if b"PRIVATE" in data else _load_public(key_path)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()
