"""``python -m gluon_lr.distributed -n N [-s S] [--timeout SEC] -- COMMAND ...``."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
