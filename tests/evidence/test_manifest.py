"""Tamper evidence: the manifest accepts the bundle as written and names every change; signatures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from evidence_support import SyntheticSession, write

from verification.evidence import BundleResult, verify_manifest
from verification.commands.evidence import verify_evidence_command
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
    shipped = verify_manifest(result.bundle_dir)  # against the key the bundle ships, and saying so
    assert shipped.ok and shipped.signature == "valid" and "NOT against a trusted key" in shipped.signature_note
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


# -- tamper checks that must fail (issue 12) ---------------------------------------------------------------


def test_a_duplicated_manifest_line_fails_whichever_copy_is_right(bundle: BundleResult) -> None:
    manifest = bundle.bundle_dir / MANIFEST
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    name = lines[0].split("  ", 1)[1]
    (bundle.bundle_dir / name.strip()).write_text("forged", encoding="utf-8")
    manifest.write_text(f"{'0' * 64}  {name}" + "".join(lines), encoding="utf-8")  # wrong digest first
    check = verify_manifest(bundle.bundle_dir)
    assert not check.ok and any("a second time" in problem for problem in check.problems)


@pytest.mark.parametrize("line", [f"{'g' * 64}  report.html", f"{'a' * 64} report.html", f"{'a' * 63}  x", "  x"])
def test_a_malformed_manifest_line_fails(bundle: BundleResult, line: str) -> None:
    manifest = bundle.bundle_dir / MANIFEST
    manifest.write_text(manifest.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    assert not verify_manifest(bundle.bundle_dir).ok


def test_a_changed_signature_byte_fails_without_a_public_key(session: SyntheticSession, tmp_path: Path) -> None:
    key, _ = key_pair(tmp_path)
    bundle_dir = write(session, signing_key=key).bundle_dir
    signature = bytearray((bundle_dir / SIGNATURE).read_bytes())
    signature[10] ^= 0x01
    (bundle_dir / SIGNATURE).write_bytes(bytes(signature))
    said: list[str] = []
    assert verify_evidence_command(bundle_dir, say=said.append, warn=said.append) == 1
    assert any(line.startswith("  signature: INVALID") for line in said), said


def test_an_unsigned_bundle_is_called_unsigned(bundle: BundleResult) -> None:
    said: list[str] = []
    assert verify_evidence_command(bundle.bundle_dir, say=said.append, warn=said.append) == 0
    assert "UNSIGNED evidence" in said[0]


@pytest.mark.parametrize("bad_key", ["missing", "folder", "garbage", "public", "rsa"])
def test_judge_sign_with_a_bad_key_exits_4_and_keeps_the_previous_signature(
    session: SyntheticSession, tmp_path: Path, bad_key: str
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from verification.commands.evidence import judge_command

    key, pub = key_pair(tmp_path)
    bundle_dir = write(session, signing_key=key).bundle_dir
    before = {p.name: p.read_bytes() for p in bundle_dir.iterdir()}
    wrong = tmp_path / "wrong.pem"
    if bad_key == "folder":
        wrong.mkdir()
    elif bad_key == "garbage":
        wrong.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    elif bad_key == "public":
        wrong.write_bytes(pub.read_bytes())
    elif bad_key == "rsa":
        wrong.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    said: list[str] = []
    assert judge_command(session.dir, signing_key=wrong, say=said.append, warn=said.append) == 4
    assert len(said) == 1 and str(wrong) in said[0] and "Traceback" not in said[0], said
    assert {p.name: p.read_bytes() for p in bundle_dir.iterdir()} == before
    assert verify_manifest(bundle_dir, public_key=pub).signature == "valid"
