"""``python -m gluon_lr.distributed -n N [-s S] [--launcher L] [-H FILE] -- COMMAND ...``."""
import sys

from ..launch.cli import main

if __name__ == "__main__":
    sys.exit(main())
