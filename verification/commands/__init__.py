"""The subcommands of ``eprom-verify`` that are more than argument parsing (the top of the layers)."""
