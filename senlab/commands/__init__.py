"""Subcommands of `senlab`, one module per area; each module has `register(subparsers)`."""
