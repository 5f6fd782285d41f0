"""Tamper evidence: ``MANIFEST.sha256`` over every file of a bundle, and an optional Ed25519 signature.

The manifest is in ``sha256sum`` format (``<hex>  <path>``, POSIX paths relative to the bundle, sorted),
so a reviewer needs nothing from the kit to check it::

    cd BUNDLE && sha256sum -c MANIFEST.sha256

The signature (``MANIFEST.sha256.sig``, the raw 64 bytes) is made with a key the operator holds, whose
public half the operator sends to the reviewer separately (a public key inside the bundle would prove
nothing). The reviewer checks it with either::

    eprom-verify verify-evidence BUNDLE --public-key operator.pub.pem
    openssl pkeyutl -verify -pubin -inkey operator.pub.pem -rawin \\
        -in BUNDLE/MANIFEST.sha256 -sigfile BUNDLE/MANIFEST.sha256.sig

A key pair: ``openssl genpkey -algorithm ed25519 -out operator.key.pem`` and
``openssl pkey -in operator.key.pem -pubout -out operator.pub.pem``. Signing needs the optional
``cryptography`` dependency (``pip install eprom-verify[sign]``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MANIFEST",
    "SIGNATURE",
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
_NOT_LISTED = frozenset({MANIFEST, SIGNATURE})
REVIEWER_COMMANDS = (
    "cd BUNDLE && sha256sum -c MANIFEST.sha256",
    "eprom-verify verify-evidence BUNDLE --public-key operator.pub.pem",
    "openssl pkeyutl -verify -pubin -inkey operator.pub.pem -rawin "
    "-in BUNDLE/MANIFEST.sha256 -sigfile BUNDLE/MANIFEST.sha256.sig",
)


class SigningError(Exception):
    """The signing key or public key cannot be used (missing ``cryptography``, wrong type, unreadable)."""


@dataclass
class ManifestCheck:
    """The result of recomputing a bundle's manifest (and its signature, when a public key was given)."""

    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signature: str = "absent"  # absent | not checked | valid | INVALID

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.problems) and self.signature != "INVALID"

    def lines(self) -> list[str]:
        out = [f"changed: {name}" for name in self.changed]
        out += [f"missing: {name}" for name in self.missing]
        out += [f"extra (not in the manifest): {name}" for name in self.extra]
        out += self.problems
        out.append(f"signature: {self.signature}")
        return out


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
    (bundle_dir / SIGNATURE).unlink(missing_ok=True)
    path = bundle_dir / MANIFEST
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path


def read_manifest(bundle_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The manifest as path → digest, and the lines that are not in ``sha256sum`` format."""
    entries, bad = {}, []
    text = (bundle_dir / MANIFEST).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            bad.append(f"{MANIFEST} line {number} is not '<sha256>  <path>'")
            continue
        entries[name.removeprefix("*")] = digest.lower()
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
    signed = (bundle_dir / SIGNATURE).is_file()
    if public_key is None:
        return "not checked (give --public-key)" if signed else "absent"
    if not signed:
        check.problems.append(f"a public key was given but the bundle has no {SIGNATURE}")
        return "absent"
    try:
        return "valid" if verify_signature(bundle_dir, public_key) else "INVALID"
    except SigningError as exc:
        check.problems.append(str(exc))
        return "not checked"


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
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"cannot read the signing key {key_path}: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SigningError(f"{key_path} is not an Ed25519 private key (PEM, unencrypted)")
    return key


def _load_public(key_path: Path):
    serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_public_key(key_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SigningError(f"cannot read the public key {key_path}: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise SigningError(f"{key_path} is not an Ed25519 public key (PEM)")
    return key


def sign_manifest(bundle_dir: Path, key_path: Path) -> Path:
    """Sign ``MANIFEST.sha256`` with the operator's Ed25519 key; writes the raw signature."""
    signature = _load_private(key_path).sign((bundle_dir / MANIFEST).read_bytes())
    path = bundle_dir / SIGNATURE
    path.write_bytes(signature)
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
