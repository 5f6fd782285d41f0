"""eprom-verify: the verification kit for ordering systems integrating with Hemit's ePROM."""

__version__ = "0.1.0"
