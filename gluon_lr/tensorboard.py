"""TensorBoard files from any gluon-lr training loop, written with tensorboardX.

:class:`TensorBoardLogger` is a callback of the one shape, ``(step, lr, loss)``,
so it goes wherever a loop takes ``callback=``: the finder
(:meth:`LRFinder.find <gluon_lr.LRFinder.find>`), confirmation
(:meth:`LRFinder.confirm <gluon_lr.LRFinder.confirm>`), comparisons
(:func:`~gluon_lr.comparison.compare_learning_rates`) and epoch training
(:func:`~gluon_lr.training.train_epochs`). AutoLRS reports whole stages, so
its hook is :meth:`TensorBoardLogger.stage`, passed as ``stage_callback``.
Each scalar is under its own tag: ``<tag>/lr``, ``<tag>/loss`` and
``<tag>/smoothed_loss``.

tensorboardX is optional: ``pip install "gluon-lr[tensorboard]"``. Only
creating a logger imports it. :func:`read_scalars` reads the files back
without it or TensorFlow.
"""
from __future__ import annotations

import glob
import importlib
import itertools
import math
import os
import re
import struct
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

from ._validate import as_bool, as_number
from .stopping import update_running_mean

if TYPE_CHECKING:
    from .autolrs.record import Stage

__all__ = ["TensorBoardLogger", "read_scalars", "INSTALL_HINT"]

#: The install command named when tensorboardX is missing.
INSTALL_HINT = 'pip install "gluon-lr[tensorboard]"'
# Writers opened by this process, numbered for their event files' names.
_WRITERS = itertools.count(1)


def _summary_writer(logdir: str, tag: str) -> Any:
    """tensorboardX's ``SummaryWriter(logdir)``, or ImportError naming the extra.

    Its event file's name ends in the tag, the process and a count of this
    process's writers: tensorboardX names files by the second, so two
    loggers opened in one folder within a second would write into one file.
    """
    try:
        module = importlib.import_module("tensorboardX")
    except ImportError as error:
        raise ImportError("TensorBoardLogger writes with tensorboardX, which is not "
                          "installed: {}".format(INSTALL_HINT)) from error
    suffix = ".{}.{}.{}".format(re.sub(r"[^A-Za-z0-9_-]", "_", tag), os.getpid(),
                                next(_WRITERS))
    return module.SummaryWriter(logdir, filename_suffix=suffix)


class _Series:
    """One run of steps under one tag prefix: its step count and running mean."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.steps = 0
        self.running: Optional[float] = None


class TensorBoardLogger:
    """A ``(step, lr, loss)`` callback that writes the rate, the loss and the smoothed loss.

    Every call writes three scalars, at the series' own count of calls
    (1, 2, ...), so a loop whose ``step`` restarts (each epoch of
    :func:`~gluon_lr.training.train_epochs`) still draws one line:

    - ``<tag>/lr``: the step's learning rate;
    - ``<tag>/loss``: its loss (NaN and infinity as they are);
    - ``<tag>/smoothed_loss``: the finder's running mean of the finite
      losses, ``m = (1 - smoothing) * loss + smoothing * m``.

    With ``per_rate=True`` every learning rate is a series of its own, under
    ``<tag>/lr_<lr>/...`` (``lr`` to 4 significant digits, e.g.
    ``confirm/lr_0.05/loss``; TensorBoard allows no ``=`` in a tag): one line per
    trial of :meth:`LRFinder.confirm <gluon_lr.LRFinder.confirm>`, which
    continues over its rounds, or per rate of a comparison.

    The logger never asks to stop. It is a context manager; :meth:`close`
    flushes the files.

    Parameters
    ----------
    logdir : str or os.PathLike
        The directory of the event files (created if missing), as
        ``tensorboard --logdir`` reads them.
    tag : str, default 'finder'
        The prefix of every tag, e.g. ``'finder'``, ``'confirm'``, ``'train'``.
    smoothing : float, default 0.3
        The running mean's weight, in ``[0, 1)`` (the finder's default).
    per_rate : bool, default False
        One series per learning rate.

    Raises
    ------
    ImportError
        If tensorboardX is not installed, naming the ``[tensorboard]`` extra.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     with TensorBoardLogger(logdir, tag="demo") as log:
    ...         stops = [log(1, 0.1, 2.0), log(2, 0.2, 1.0)]
    ...     scalars = read_scalars(logdir)
    >>> stops, sorted(scalars)
    ([False, False], ['demo/loss', 'demo/lr', 'demo/smoothed_loss'])
    >>> scalars["demo/smoothed_loss"]    # 0.7 * 1.0 + 0.3 * 2.0, in float32
    [(1, 2.0), (2, 1.2999999523162842)]
    """

    def __init__(self, logdir: Union[str, "os.PathLike[str]"], tag: str = "finder", *,
                 smoothing: float = 0.3, per_rate: bool = False) -> None:
        if not isinstance(logdir, (str, os.PathLike)):
            raise TypeError("logdir must be a directory path, got {!r}".format(logdir))
        if not isinstance(tag, str) or not tag:
            raise TypeError("tag must be a non-empty str, got {!r}".format(tag))
        self.smoothing = as_number("smoothing", smoothing, low=0, high=1, high_open=True)
        self.per_rate = as_bool("per_rate", per_rate)
        self.tag = tag
        self.logdir = os.fspath(logdir)
        self._writer = _summary_writer(self.logdir, tag)
        self._series: Dict[str, _Series] = {}

    def _series_of(self, prefix: str) -> _Series:
        if prefix not in self._series:
            self._series[prefix] = _Series(prefix)
        return self._series[prefix]

    def _write(self, series: _Series, lr: float, loss: float, step: Optional[int] = None) -> None:
        """Write one step of ``series``: at ``step``, or at the series' next count."""
        series.steps = series.steps + 1 if step is None else step
        if math.isfinite(loss):
            series.running = update_running_mean(series.running, loss, self.smoothing)
        for name, value in (("lr", lr), ("loss", loss),
                            ("smoothed_loss", math.nan if series.running is None
                             else series.running)):
            self._writer.add_scalar("{}/{}".format(series.prefix, name), value, series.steps)

    def __call__(self, step: int, lr: float, loss: float) -> bool:
        """Write the step's rate, loss and smoothed loss; never stop the loop."""
        prefix = "{}/lr_{:.4g}".format(self.tag, lr) if self.per_rate else self.tag
        self._write(self._series_of(prefix), lr, loss)
        return False

    def stage(self, stage: "Stage") -> bool:
        """Write one AutoLRS stage: ``AutoLRS.run(total, stage_callback=logger.stage)``.

        The stage's training steps go to the ``<tag>`` series at AutoLRS's own
        step count (the search's steps included), and each candidate's trial
        to its own series, ``<tag>/stage<index>/lr_<lr>``, over its steps
        ``1 .. tau_prime``. Returns False: the run goes on.
        """
        for candidate in stage.candidates:
            series = self._series_of("{}/stage{}/lr_{:.4g}".format(self.tag, stage.index,
                                                                 candidate.lr))
            for loss in candidate.losses:
                self._write(series, candidate.lr, loss)
        first = stage.first_step + stage.search_steps
        for offset, loss in enumerate(stage.train_losses, start=1):
            self._write(self._series_of(self.tag), stage.lr, loss, step=first + offset)
        return False

    def flush(self) -> None:
        """Write everything logged so far to disk."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()

    def __enter__(self) -> "TensorBoardLogger":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _records(path: str) -> List[bytes]:
    """The records of one TFRecord file: 8-byte length, 4-byte CRC, data, 4-byte CRC."""
    records: List[bytes] = []
    with open(path, "rb") as handle:
        while True:
            header = handle.read(12)
            if len(header) < 12:
                return records
            (length,) = struct.unpack("<Q", header[:8])
            records.append(handle.read(length))
            handle.read(4)


def read_scalars(logdir: Union[str, "os.PathLike[str]"]) -> Dict[str, List[Tuple[int, float]]]:
    """Every scalar in the event files under ``logdir``: ``{tag: [(step, value), ...]}``.

    Values are float32, as TensorBoard stores them, in the order written.
    Reading needs tensorboardX's protocol buffers, not TensorFlow.
    """
    event_pb2 = importlib.import_module("tensorboardX.proto.event_pb2")
    scalars: Dict[str, List[Tuple[int, float]]] = {}
    pattern = os.path.join(os.fspath(logdir), "**", "events.out.tfevents.*")
    for path in sorted(glob.glob(pattern, recursive=True)):
        for record in _records(path):
            event = event_pb2.Event.FromString(record)
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append((int(event.step),
                                                          float(value.simple_value)))
    return scalars
