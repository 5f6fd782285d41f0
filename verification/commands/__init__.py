"""The subcommands of ``eprom-verify``, one module each with ``command(args) -> ExitCode`` (the top of the
layers; :mod:`verification.cli` parses the arguments and calls one). :mod:`.arguments` checks what they share:
the target file, ``--report-dir`` and ``--only``."""
