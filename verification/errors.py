"""Exit codes and the one base of every exception the kit raises on purpose.

Exit codes follow pytest's (:class:`ExitCode`). Every exception of the kit derives from
:class:`EpromVerifyError` and carries the exit code a command ends with when it stops on one. Where a
standard exception says more about the kind (``ValueError`` for bad data, ``RuntimeError`` for a process
that would not start, ``AssertionError`` so pytest reports a failed check as such) the class derives from
it too. Hierarchy (module, exit code)::

    EpromVerifyError                      exit 3 INTERNAL unless a subclass says otherwise
     ├── UsageError                       exit 4 USAGE: input the operator gave and can fix
     │    ├── TargetError                 config        a target file that cannot be used (also ValueError)
     │    ├── SafetyError                 direct        a safety rule refused a request
     │    ├── SelectionError              selection     --only names no case (also ValueError)
     │    ├── AttestationError            evidence.attest  attestations that cannot be recorded (ValueError)
     │    ├── BundleError                 evidence.bundle  no bundle from this session folder
     │    │    └── StoreCorrupt           exit 3        the store fails SQLite's integrity check
     │    ├── SigningError                evidence.manifest  a signing key that cannot be used
     │    ├── RelayError                  recorder.relay  the relay cannot serve (also RuntimeError)
     │    ├── SettingsError               simulator.settings  bad simulator settings (also ValueError)
     │    └── FaultError                  simulator.faults  an unknown or malformed fault (also ValueError)
     ├── ContractError                    data against the ePROM contract (also ValueError)
     │    ├── PayloadError                spec.timestamps  a payload member that cannot be read
     │    ├── EnumValueError              spec.enums    a value that is no member of an enum
     │    ├── ChecklistError              spec.checklist  checklist data that contradicts itself
     │    └── RequirementError            spec.requirements  a requirement register entry that is malformed
     ├── CheckOutcome                     exit 1: a check's verdict other than a pass
     │    ├── CheckFailure                checks.failure  a check failed (also AssertionError, for pytest)
     │    ├── NotVerifiable               exit 0        cannot be judged with what the target provides
     │    └── Waiting                     exit 0        the events it needs are not recorded yet
     ├── SimulatorStartError              simulator.process  the simulator did not come up (RuntimeError)
     ├── SimulatorAdminError              simulator.process  its admin API refused (RuntimeError)
     ├── AdminError, Rejection, CitizenRefusal   simulator  answered as HTTP errors inside the simulator
     ├── ReferenceSystemError             reference.server  the reference system did not come up
     ├── ServingError                     serving       a server could not listen, or was not ready (RuntimeError)
     │    └── ChildNotReady               serving       a child process exited before it was ready, or hung
     ├── ExchangeFailed                   recorder.transport  no answer came (also httpx.TransportError)
     └── Rejection, TriggerError, UnknownOrder   reference  answered as HTTP errors inside it

``RunDeadlinePassed`` (deadline, exit 1) derives from ``BaseException``, like ``KeyboardInterrupt``, and so
not from the base: the run's deadline must pass through a scenario's ``except Exception`` and hypothesis'
shrinking, never be turned into more waiting.

Private control-flow exceptions that never leave their module (``_NotAccepted``, ``_BodyTooLarge``,
``_DeadlineExpired``, ``_Refused``) and the warnings (``Advice``, ``CheckNote``) are not part of it. A
command may end otherwise than ``exit_code`` says where it knows better (``simulate`` exits 4 when the
simulator cannot start: the port it was told to use is busy).
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

__all__ = ["ExitCode", "EpromVerifyError", "UsageError", "ContractError", "CheckOutcome"]


class ExitCode(IntEnum):
    OK = 0  # every required check passed
    FAILED = 1  # a check failed (or a case did not run, a fault was missed)
    INTERRUPTED = 2
    INTERNAL = 3  # a bug, or a part of the kit that would not start
    USAGE = 4  # usage or configuration: a bad target file, refused by a safety rule


class EpromVerifyError(Exception):
    """The base of the kit's exceptions; ``exit_code`` is the exit code a command ends with on it."""

    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL


class UsageError(EpromVerifyError):
    """Input the operator gave and can fix (a file, an option, a key)."""

    exit_code: ClassVar[ExitCode] = ExitCode.USAGE


class ContractError(EpromVerifyError, ValueError):
    """Data that does not fit the ePROM contract or the checklist."""


class CheckOutcome(EpromVerifyError):
    """A check's verdict other than a pass, raised by the check function."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILED
