"""Tamper evidence: the manifest accepts the bundle as written and names every change; signatures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from evidence_support import SyntheticSession, write

from verification.evidence import BundleResult, verify_manifest
from verification.evidence.commands import verify_evidence_command
from verification.evidence.manifest import MANIFEST, SIGNATURE, public_key_fingerprint, read_manifest


def key_pair(folder: Path) -> tuple[Path, Path]:
    """An Ed25519 key pair; signing is the ``sign`` extra, so without ``cryptography`` the test skips."""
    pytest.importorskip("cryptography", reason="signing needs the 'sign' extra: pip install 'eprom-verify[sign]'")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    key, pub = folder / "operator.key.pem", folder / "operator.pub.pem"
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    pub.write_bytes(private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
    return key, pub


def test_the_manifest_lists_every_file_in_sha256sum_format(bundle: BundleResult) -> None:
    listed, bad = read_manifest(bundle.bundle_dir)
    assert bad == []
    assert sorted(listed) == sorted(bundle.files) == [
        "evidence.json", "junit.xml", "kit-version.txt", "pytest-report.html", "report.html", "target.redacted.yaml"]
    if shutil.which("sha256sum"):
        done = subprocess.run(["sha256sum", "-c", MANIFEST], cwd=bundle.bundle_dir, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_verify_accepts_the_bundle_as_written(bundle: BundleResult) -> None:
    check = verify_manifest(bundle.bundle_dir)
    assert check.ok and check.signature == "absent"


def test_one_changed_byte_is_named(bundle: BundleResult) -> None:
    path = bundle.bundle_dir / "evidence.json"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    check = verify_manifest(bundle.bundle_dir)
    assert not check.ok and check.changed == ["evidence.json"] and not check.missing and not check.extra


def test_missing_and_extra_files_are_named(bundle: BundleResult) -> None:
    (bundle.bundle_dir / "junit.xml").unlink()
    (bundle.bundle_dir / "notes.txt").write_text("added later", encoding="utf-8")
    check = verify_manifest(bundle.bundle_dir)
    assert check.missing == ["junit.xml"] and check.extra == ["notes.txt"] and not check.ok


def test_the_command_exits_0_then_1_and_accepts_the_session_folder(bundle: BundleResult) -> None:
    said: list[str] = []
    assert verify_evidence_command(bundle.bundle_dir.parent, say=said.append, warn=said.append) == 0
    (bundle.bundle_dir / "report.html").write_text("forged", encoding="utf-8")
    assert verify_evidence_command(bundle.bundle_dir, say=said.append, warn=said.append) == 1
    assert "  changed: report.html" in said


def test_no_manifest_is_a_failure(tmp_path: Path) -> None:
    check = verify_manifest(tmp_path)
    assert not check.ok and "MANIFEST.sha256 is missing" in check.problems[0]


def test_signing_round_trip(session: SyntheticSession, tmp_path: Path) -> None:
    key, pub = key_pair(tmp_path)
    result = write(session, signing_key=key)
    assert result.signed and (result.bundle_dir / SIGNATURE).stat().st_size == 64
    assert verify_manifest(result.bundle_dir, public_key=pub).signature == "valid"
    assert verify_manifest(result.bundle_dir).signature == "not checked (give --public-key)"
    (tmp_path / "other").mkdir()
    _, other_pub = key_pair(tmp_path / "other")
    forged = verify_manifest(result.bundle_dir, public_key=other_pub)
    assert forged.signature == "INVALID" and not forged.ok
    assert public_key_fingerprint(key) == public_key_fingerprint(pub)


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed")
def test_the_documented_openssl_command_verifies_the_signature(session: SyntheticSession, tmp_path: Path) -> None:
    key, pub = key_pair(tmp_path)
    bundle_dir = write(session, signing_key=key).bundle_dir
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pub), "-rawin",
               "-in", str(bundle_dir / MANIFEST), "-sigfile", str(bundle_dir / SIGNATURE)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    (bundle_dir / MANIFEST).write_text((bundle_dir / MANIFEST).read_text() + "\n", encoding="utf-8")
    assert subprocess.run(command, capture_output=True).returncode != 0


def test_a_changed_manifest_breaks_the_signature(session: SyntheticSession, tmp_path: Path) -> None:
    key, pub = key_pair(tmp_path)
    bundle_dir = write(session, signing_key=key).bundle_dir
    (bundle_dir / "evidence.json").write_text("{}", encoding="utf-8")
    manifest = bundle_dir / MANIFEST
    manifest.write_text(manifest.read_text().replace(manifest.read_text()[:64], "0" * 64, 1), encoding="utf-8")
    assert verify_manifest(bundle_dir, public_key=pub).signature == "INVALID"
