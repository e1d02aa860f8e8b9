"""The ``gluon-lr`` subcommands; each module adds its parser and runs it."""
