"""The learning-rate range test ("LR finder") of the MXNet tutorial, made exact and safe."""
import csv
import math

from tqdm.auto import tqdm

from ._validate import as_bool, as_int, as_number
from .plotting import plot_finder
from .schedules import LRRangeTest
from .stopping import LRFinderStoppingCriteria, update_running_mean
from .suggest import SUGGESTION_SMOOTHING, smoothed_curve, suggest_lr

__all__ = ["LRFinder"]

_MODES = ("exponential", "linear")


def _exponential_sweep(lr_start, lr_multiplier):
    """``lr_start, lr_start*m, (lr_start*m)*m, ...``: repeated products, as the tutorial."""
    lr = lr_start
    while True:
        yield lr
        lr = lr * lr_multiplier


def _linear_sweep(lr_start, step_size, step_rate, staircase):
    """DeepSpeed's range test: ``lr_start * (1 + step_rate * u)``, ``u = k / step_size``.

    ``k = 0, 1, ...`` counts completed steps; the schedule takes the 1-based
    update number ``k + 1``, as an MXNet optimizer would pass it.
    """
    schedule = LRRangeTest(lr_range_test_min_lr=lr_start, lr_range_test_step_size=step_size,
                           lr_range_test_step_rate=step_rate, lr_range_test_staircase=staircase)
    update = 1
    while True:
        yield schedule(update)
        update += 1


def _sweep_length(lr_start, lr_multiplier, lr_end, max_iter):
    """How many points an exponential sweep can have before a cap; None if unbounded."""
    caps = [max_iter] if max_iter is not None else []
    if lr_end is not None:
        caps.append(int(math.floor(math.log(lr_end / lr_start) / math.log(lr_multiplier)
                                   + 1e-9)) + 1)
    return min(caps) if caps else None


class LRFinder:
    """Sweep the learning rate upwards, one batch per step, until the loss diverges.

    The "Learning Rate Finder" tutorial's class. :meth:`find` with its default
    arguments tries exactly the tutorial's learning rates and stops where the
    tutorial's rule stops. Beyond the tutorial it

    - caps the sweep (``lr_end``, ``max_iter``) and stops on a NaN or infinite
      loss, so it always ends;
    - offers DeepSpeed's linear range test (``mode='linear'``);
    - takes any stopping rule;
    - restores the model and optimizer *exactly* (parameters, BatchNorm
      statistics, optimizer states, learning rate, update counters and any
      attached ``lr_scheduler``) in memory when it ends, fails or is
      interrupted, so it can run in the middle of training;
    - writes no file unless :meth:`to_csv` is called;
    - suggests a learning rate (:meth:`suggest`).

    Parameters
    ----------
    learner : Learner
        Anything with ``iteration(lr)``, ``snapshot()``, ``restore(s)`` and a
        ``trainer``, like :class:`~gluon_lr.Learner`.

    Attributes
    ----------
    results : list of (float, float)
        The ``(lr, loss)`` pairs of the last sweep (also after a failure).
    stop_reason : str or None
        Why the last sweep ended: ``'diverged'`` (the stopping rule fired),
        ``'non-finite loss'``, ``'lr_end'``, ``'max_iter'``, or
        ``'interrupted'`` (an exception or Ctrl-C).

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluon_lr import ContinuousBatchSampler, Learner
    >>> data = mx.gluon.data.ArrayDataset(mx.np.random.normal(size=(64, 4)),
    ...                                   mx.np.zeros((64,)))
    >>> loader = mx.gluon.data.DataLoader(data, batch_sampler=ContinuousBatchSampler(
    ...     mx.gluon.data.RandomSampler(64), batch_size=16))
    >>> finder = LRFinder(Learner(mx.gluon.nn.Dense(2), loader, mx.cpu()))
    >>> results = finder.find(lr_start=1e-3, lr_multiplier=2.0, max_iter=10, progress=False)
    >>> [round(lr, 3) for lr, _ in results[:4]], finder.stop_reason
    ([0.001, 0.002, 0.004, 0.008], 'max_iter')
    """

    def __init__(self, learner):
        for name in ("iteration", "snapshot", "restore"):
            if not callable(getattr(learner, name, None)):
                raise TypeError("learner must provide {}(); got {!r}".format(name, type(learner)))
        self.learner = learner
        self.results = []
        self.smoothing = 0.3
        self.stop_reason = None

    def find(self, lr_start=1e-6, lr_multiplier=1.1, smoothing=0.3, *, lr_end=10.0,
             max_iter=1000, mode="exponential", step_size=None, step_rate=None,
             staircase=False, stopping_criteria=None, progress=True):
        """Run the sweep and return the ``(lr, loss)`` pairs.

        Parameters
        ----------
        lr_start : float, default 1e-6
            First learning rate (DeepSpeed's ``lr_range_test_min_lr`` in linear mode).
        lr_multiplier : float, default 1.1
            Exponential mode: each learning rate is the previous one times this (> 1).
        smoothing : float, default 0.3
            Running-mean weight of the default stopping rule and of the
            progress bar's loss (:meth:`suggest` smooths on its own).
        lr_end : float or None, default 10.0
            Never try a learning rate above this.
        max_iter : int or None, default 1000
            Never run more iterations than this.
        mode : {'exponential', 'linear'}
            ``'linear'`` follows DeepSpeed's range test:
            ``lr = lr_start * (1 + step_rate * u)`` with ``u = k / step_size``
            (``floor``-ed when ``staircase``) at step ``k = 0, 1, ...``.
        step_size : int, optional
            Linear mode only (default 1).
        step_rate : float, optional
            Linear mode only (default 1.0).
        staircase : bool, default False
            Linear mode only.
        stopping_criteria : callable, optional
            ``loss -> bool``; a fresh :class:`LRFinderStoppingCriteria(smoothing)`
            when omitted. A non-finite loss always stops the sweep.
        progress : bool, default True
            Show a tqdm bar with the learning rate and the smoothed loss.

        Returns
        -------
        list of (float, float)
        """
        self._check_find_args(lr_start, lr_multiplier, smoothing, lr_end, max_iter, mode,
                              step_size, step_rate, staircase, stopping_criteria)
        if mode == "exponential":
            sweep = _exponential_sweep(lr_start, lr_multiplier)
            total = _sweep_length(lr_start, lr_multiplier, lr_end, max_iter)
        else:
            sweep = _linear_sweep(lr_start, 1 if step_size is None else step_size,
                                  1.0 if step_rate is None else step_rate, staircase)
            total = max_iter
        stop = stopping_criteria if stopping_criteria is not None \
            else LRFinderStoppingCriteria(smoothing)
        self.smoothing = smoothing
        self.results = []
        self._prepare_learner()
        snapshot = self.learner.snapshot()
        bar = tqdm(total=total, desc="lr finder", disable=not progress, leave=False)
        try:
            self._detach_scheduler()
            self._sweep(sweep, stop, lr_end, max_iter, bar)
        finally:
            bar.close()
            self.learner.restore(snapshot)
        return self.results

    @staticmethod
    def _check_find_args(lr_start, lr_multiplier, smoothing, lr_end, max_iter, mode,
                         step_size, step_rate, staircase, stopping_criteria):
        as_number("lr_start", lr_start, low=0, low_open=True)
        as_number("lr_multiplier", lr_multiplier, low=1, low_open=True)
        as_number("smoothing", smoothing, low=0, high=1, high_open=True)
        if lr_end is not None:
            as_number("lr_end", lr_end, low=lr_start)
        if max_iter is not None:
            as_int("max_iter", max_iter, 1)
        if mode not in _MODES:
            raise ValueError("mode must be one of {}; got {!r}".format(_MODES, mode))
        if mode != "linear" and (step_size is not None or step_rate is not None or staircase):
            raise ValueError("step_size, step_rate and staircase apply to mode='linear' only")
        if step_size is not None:
            as_int("step_size", step_size, 1)
        if step_rate is not None:
            as_number("step_rate", step_rate, low=0, low_open=True)
        as_bool("staircase", staircase)
        if stopping_criteria is not None and not callable(stopping_criteria):
            raise TypeError("stopping_criteria must be callable (loss -> bool); got {!r}".format(
                stopping_criteria))

    def _prepare_learner(self):
        """Let deferred parameter initialization happen before the snapshot."""
        prepare = getattr(self.learner, "initialize_parameters", None)
        if callable(prepare):
            prepare()

    def _detach_scheduler(self):
        """The sweep sets each learning rate itself; the snapshot brings the scheduler back."""
        trainer = getattr(self.learner, "trainer", None)
        if trainer is not None:
            trainer.optimizer.lr_scheduler = None

    def _sweep(self, sweep, stop, lr_end, max_iter, bar):
        running = None
        self.stop_reason = "interrupted"
        for lr in sweep:
            if lr_end is not None and lr > lr_end * (1 + 1e-9):
                self.stop_reason = "lr_end"
                return
            loss = self.learner.iteration(lr)
            self.results.append((lr, loss))
            if math.isfinite(loss):
                running = update_running_mean(running, loss, self.smoothing)
            bar.set_postfix(lr="{:.3g}".format(lr), loss="{:.4g}".format(
                float("nan") if running is None else running))
            bar.update()
            if not math.isfinite(loss):
                self.stop_reason = "non-finite loss"
                return
            if stop(loss):
                self.stop_reason = "diverged"
                return
            if max_iter is not None and len(self.results) >= max_iter:
                self.stop_reason = "max_iter"
                return

    # -- reading the results ----------------------------------------------------------------

    @property
    def lrs(self):
        """The learning rates of :attr:`results`."""
        return [lr for lr, _ in self.results]

    @property
    def losses(self):
        """The losses of :attr:`results`."""
        return [loss for _, loss in self.results]

    def suggest(self, method="steepest", smoothing=SUGGESTION_SMOOTHING, **options):
        """Suggest a learning rate from the last sweep; see :func:`gluon_lr.suggest_lr`.

        Parameters
        ----------
        method : {'steepest', 'valley', 'minimum'}
        smoothing : float, default 0.95
            Running-mean weight applied to the losses first (pytorch-lr-finder's).
        **options
            ``skip_start``, ``skip_end`` (steepest; defaults 10 and 5) or ``divisor``
            (minimum; default 10).

        Returns
        -------
        float or None
            ``None``, with a RuntimeWarning, if there are too few finite points.
        """
        return suggest_lr(self.lrs, self.losses, method=method, smoothing=smoothing, **options)

    def plot(self, ax=None, suggestion=True, method="steepest", show=True,
             smoothing=SUGGESTION_SMOOTHING, **options):
        """Draw the tutorial's log-log plot of the last sweep and return the Axes.

        Over the tutorial's scatter it draws the smoothed curve that
        :meth:`suggest` reads, and marks the suggestion.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw here; a new 6x8 inch figure otherwise (shown only then).
        suggestion : bool or float, default True
            Mark :meth:`suggest` ``(method, smoothing, **options)``; or mark this
            learning rate; or nothing with ``False``.
        method : str, default 'steepest'
        show : bool, default True
            Call ``plt.show()`` if this method created the figure.
        smoothing : float or None, default 0.95
            Smoothing of the drawn curve and of the suggestion; ``None`` draws
            no curve (the suggestion then uses the default).
        """
        if not self.results:
            raise RuntimeError("nothing to plot: call find() first")
        curve_smoothing = SUGGESTION_SMOOTHING if smoothing is None else smoothing
        if suggestion is True:
            mark = self.suggest(method, smoothing=curve_smoothing, **options)
        elif suggestion is False or suggestion is None:
            mark = None
        else:
            mark = float(suggestion)
        curve = None if smoothing is None else smoothed_curve(self.lrs, self.losses, smoothing)
        return plot_finder(self.lrs, self.losses, suggestion=mark, ax=ax, show=show,
                           smoothed=curve)

    def to_csv(self, path):
        """Write ``lr,loss`` rows of the last sweep to ``path``."""
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["lr", "loss"])
            writer.writerows(self.results)
