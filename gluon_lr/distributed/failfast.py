"""Make a failing worker exit at once instead of hanging in the kvstore's goodbye.

When a ``dist_sync`` worker's interpreter shuts down, the kvstore's
destructor waits in a barrier for every other worker. A worker that fails
(an exception, ``sys.exit(3)``) while the others are still busy therefore
never exits: it waits for them and they wait for its next push, until a
time limit ends them all. A worker that fails must leave with
``os._exit`` instead, which skips the destructor; the launcher then sees the
exit code and stops the rest.

* :func:`fail_fast` does that for a block: ``with fail_fast(): main()``.
* :func:`install_excepthook` does it for any uncaught exception (it is
  installed by :func:`gluon_lr.distributed.create_kvstore`). ``sys.exit(n)``
  does not reach ``sys.excepthook``: only :func:`fail_fast` covers it.

A successful worker should exit normally, so that the barrier lets the
servers and the scheduler shut down by themselves.
"""
from __future__ import annotations

import contextlib
import os
import sys
import traceback
from types import TracebackType
from typing import Iterator, NoReturn, Optional, Type

__all__ = ["fail_fast", "install_excepthook", "exit_now"]


def exit_now(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``code`` (no clean-up)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(code)


def _exit_code(code: object) -> int:
    """The status ``sys.exit(code)`` would give (printing a non-int ``code`` as it does)."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


@contextlib.contextmanager
def fail_fast() -> Iterator[None]:
    """Leave with :func:`exit_now` if the block raises or calls ``sys.exit(non-zero)``.

    An exception prints its traceback and exits with 1; ``sys.exit(n)``
    exits with ``n``. ``sys.exit(0)`` and a normal end are left alone.

    Examples
    --------
    >>> with fail_fast():
    ...     total = 1 + 1
    >>> total
    2
    """
    try:
        yield
    except SystemExit as stop:
        code = _exit_code(stop.code)
        if code == 0:
            raise
        exit_now(code)
    except BaseException:  # noqa: B902 - any failure must end the worker
        traceback.print_exc()
        exit_now(1)


def install_excepthook() -> None:
    """Make an uncaught exception print its traceback and :func:`exit_now` with 1.

    Idempotent; keeps the previous hook for printing.
    """
    if getattr(sys.excepthook, "_gluon_lr_fail_fast", False):
        return
    previous = sys.excepthook

    def hook(kind: Type[BaseException], value: BaseException,
             tb: Optional[TracebackType]) -> None:
        previous(kind, value, tb)
        exit_now(1)

    hook._gluon_lr_fail_fast = True  # type: ignore[attr-defined]  # the mark of our hook
    sys.excepthook = hook
