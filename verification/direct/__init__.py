"""Direct mode: the kit itself calls ePROM (``eprom.upstream``) with the system's API key.

- :mod:`.client`: :class:`~.client.DirectClient`, the one place the safety rules are enforced before a request;
- :mod:`.preflight`: the pre-flight (P-checks): which requests go to ePROM, and sending them.
"""
