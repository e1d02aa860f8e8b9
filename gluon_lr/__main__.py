"""``python -m gluon_lr``: the ``gluon-lr`` command line."""
import sys

from .cli import main

sys.exit(main())
