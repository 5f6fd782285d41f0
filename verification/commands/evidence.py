"""The evidence subcommands of ``eprom-verify``: ``attest``, ``judge`` and ``verify-evidence``.

Each returns an exit code (0 fine, 1 a check failed / the leak scan or the manifest check failed,
4 usage or configuration error) and writes its messages through ``say`` (stdout) and ``warn`` (stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import ExitCode
from ..evidence.manifest import signing_key_from_env
from ..scenarios.recorded import recorded_outcomes

__all__ = ["command", "attest_command", "judge_command", "verify_evidence_command"]

Say = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _is_session(session_dir: Path) -> bool:
    return (session_dir / "session.sqlite").is_file()


def judge_command(
    session_dir: Path,
    *,
    compare: Path | None = None,
    target_path: Path | None = None,
    signing_key: Path | None = None,
    say: Say = print,
    warn: Say = _stderr,
) -> int:
    """Rewrite the bundle from the session store; optionally list the changes against another bundle."""
    from ..evidence.bundle import BundleError, StoreCorrupt, rebuild_bundle
    from ..evidence.manifest import SigningError

    target = None
    if target_path is not None:
        from ..config import TargetError, load_target

        try:
            target = load_target(target_path)
        except TargetError as exc:
            warn(f"eprom-verify: bad target file\n{exc}")
            return ExitCode.USAGE
    try:
        result = rebuild_bundle(session_dir, target=target, signing_key=signing_key or signing_key_from_env(),
                                judge_recorded=recorded_outcomes)
    except StoreCorrupt as exc:
        warn(f"eprom-verify: {exc}")
        return ExitCode.INTERNAL
    except (BundleError, SigningError) as exc:
        warn(f"eprom-verify: {exc}")
        return ExitCode.USAGE
    for line in result.lines():
        (warn if result.leaks else say)(f"eprom-verify: {line}")
    if compare is not None:
        code = _compare(result.bundle_dir, compare, say, warn)
        if code:
            return code
    return result.exit_code


def _compare(bundle_dir: Path, other: Path, say: Say, warn: Say) -> int:
    from ..evidence.compare import compare_evidence, load_evidence

    try:
        comparison = compare_evidence(load_evidence(bundle_dir), load_evidence(other))
    except (FileNotFoundError, ValueError) as exc:
        warn(f"eprom-verify: cannot compare: {exc}")
        return ExitCode.USAGE
    say(f"eprom-verify: compared with {other}:")
    for line in comparison.lines():
        say(f"  {line}")
    return ExitCode.OK


def verify_evidence_command(directory: Path, *, public_key: Path | None = None, say: Say = print,
                            warn: Say = _stderr) -> int:
    """Recompute the manifest of a bundle (or of a session folder's ``evidence/``)."""
    from ..evidence.manifest import MANIFEST, verify_manifest

    bundle = directory
    if not (directory / MANIFEST).is_file() and (directory / "evidence").is_dir():
        bundle = directory / "evidence"
    if not bundle.is_dir():
        warn(f"eprom-verify: {directory} is not a folder")
        return ExitCode.USAGE
    check = verify_manifest(bundle, public_key=public_key)
    if check.ok:
        note = f" ({check.signature_note})" if check.signature_note else ""
        say(f"eprom-verify: {bundle}: every file matches {MANIFEST}; signature: {check.signature}{note}")
        return ExitCode.OK
    warn(f"eprom-verify: {bundle}: the bundle does NOT match its manifest")
    for line in check.lines():
        warn(f"  {line}")
    return ExitCode.FAILED


def attest_command(
    session_dir: Path,
    *,
    file: Path | None = None,
    who: str = "",
    ask: Callable[[str], str] = input,
    say: Say = print,
    warn: Say = _stderr,
) -> int:
    """Record human attestations (from ``file`` or interactively), then rewrite the bundle."""
    from ..evidence.attest import AttestationError, ask_attestations, load_attestations, read_attestation_file, save_attestations
    from ..evidence.bundle import BundleError, rebuild_bundle
    from ..evidence.manifest import SigningError

    if not _is_session(session_dir):
        warn(f"eprom-verify: {session_dir} is not a session folder (no session.sqlite)")
        return ExitCode.USAGE
    existing = load_attestations(session_dir)
    try:
        if file is not None:
            given = read_attestation_file(file, session_dir)
        else:
            given = ask_attestations(session_dir, existing=existing, ask=ask, say=say,
                                     default_who=who or os.environ.get("EPROM_VERIFY_OPERATOR", ""))
    except AttestationError as exc:
        warn(f"eprom-verify: attestations not recorded:\n{exc}")
        return ExitCode.USAGE
    save_attestations(session_dir, {**existing, **given})
    say(f"eprom-verify: recorded {len(given)} attestation(s) in {session_dir / 'attestations.json'}")
    try:
        result = rebuild_bundle(session_dir, signing_key=signing_key_from_env(), judge_recorded=recorded_outcomes)
    except (BundleError, SigningError) as exc:
        warn(f"eprom-verify: {exc}")
        return ExitCode.USAGE
    for line in result.lines():
        (warn if result.leaks else say)(f"eprom-verify: {line}")
    return ExitCode.FAILED if result.leaks else ExitCode.OK


def command(args: argparse.Namespace) -> int:
    """``eprom-verify judge``, ``attest`` or ``verify-evidence``, as ``args.command`` names it."""
    if args.command == "judge":
        return judge_command(args.session_dir, compare=args.compare, target_path=args.target, signing_key=args.sign)
    if args.command == "attest":
        return attest_command(args.session_dir, file=args.file, who=args.who)
    return verify_evidence_command(args.directory, public_key=args.public_key)
