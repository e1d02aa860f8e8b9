"""The learning-rate range test ("LR finder") of the MXNet tutorial, made exact and safe."""
import csv
import math
import sys

from ._validate import FLOAT32_MAX, as_bool, as_callable, as_choice, as_int, as_lr, \
    as_number
from .callbacks import ProgressBar, chain
from .confirm import confirm_learning_rate, default_candidates
from .optimizers import optimizer_name
from .plotting import plot_finder, plot_trials
from .schedules import LRRangeTest
from .stopping import LRFinderStoppingCriteria
from .suggest import DEFAULT_RULE, SUGGESTION_WIDTH, lowest_options, smoothed_curve, suggest_lr

__all__ = ["LRFinder"]

_MODES = ("exponential", "linear")
# Relative slack when comparing a swept learning rate with lr_end, so that a
# geometric grid built to end at lr_end reaches it despite rounding.
_LR_END_SLACK = 1e-9


class _RepeatedProduct:
    """The exponential sweep as a pure function of the 1-based step.

    ``step -> lr_start * m * m * ...`` with ``step - 1`` multiplications, as the
    tutorial's loop computes it (repeated products, not ``lr_start * m**k``,
    which rounds differently). Values are kept as they are computed.
    """

    def __init__(self, lr_start, lr_multiplier):
        self._values = [lr_start]
        self._multiplier = lr_multiplier

    def __call__(self, step):
        while len(self._values) < step:
            self._values.append(self._values[-1] * self._multiplier)
        return self._values[step - 1]


def _linear_sweep(lr_start, step_size, step_rate, staircase):
    """DeepSpeed's range test: ``lr_start * (1 + step_rate * u)``, ``u = (t - 1) / step_size``.

    The schedule takes MXNet's 1-based update number ``t``, which is the
    finder's 1-based step.
    """
    return LRRangeTest(lr_range_test_min_lr=lr_start, lr_range_test_step_size=step_size,
                       lr_range_test_step_rate=step_rate, lr_range_test_staircase=staircase)


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
        Anything with :class:`~gluon_lr.Learner`'s ``run()`` and ``trial()``
        (and a ``trainer``, whose ``lr_scheduler`` is detached during the sweep).

    Attributes
    ----------
    results : list of (float, float)
        The ``(lr, loss)`` pairs of the last sweep (also after a failure).
    planned_iterations : int or None
        The last sweep's length had it not stopped early (None if unbounded).
    confirmation : Confirmation or None
        The trials of the last :meth:`confirm`.
    stop_reason : str or None
        Why the last sweep ended: ``'diverged'`` (the stopping rule fired),
        ``'non-finite loss'``, ``'lr_end'`` (the next learning rate would pass
        ``lr_end``, or float32's largest value), ``'max_iter'``, or
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
        for name in ("run", "trial"):
            if not callable(getattr(learner, name, None)):
                raise TypeError("learner must provide {}(); got {!r}".format(name, type(learner)))
        self.learner = learner
        self.results = []
        self.smoothing = 0.3
        self.stop_reason = None
        self.planned_iterations = None
        self.confirmation = None

    def find(self, lr_start=1e-6, lr_multiplier=1.1, smoothing=0.3, *, lr_end=10.0,
             max_iter=1000, num_points=None, mode="exponential", step_size=None,
             step_rate=None, staircase=False, stopping_criteria=None, progress=True):
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
            Never try a learning rate above this. Learning rates never exceed
            float32's largest value, MXNet's limit, in any case.
        max_iter : int or None, default 1000
            Never run more iterations than this.
        num_points : int, optional
            Exponential mode: instead of ``lr_multiplier``, sweep this many
            log-spaced points from ``lr_start`` to ``lr_end`` (at least 2; the
            multiplier becomes ``(lr_end / lr_start) ** (1 / (num_points - 1))``
            and at most ``num_points`` iterations run). ``gluon-lr find`` sweeps
            75 points over ``1e-5 .. 10``.
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
        self._check_find_args(lr_start, lr_multiplier, smoothing, lr_end, max_iter, num_points,
                              mode, step_size, step_rate, staircase, stopping_criteria, progress)
        if num_points is not None:
            lr_multiplier = (lr_end / lr_start) ** (1 / (num_points - 1))
            max_iter = num_points if max_iter is None else min(max_iter, num_points)
        if mode == "exponential":
            schedule = _RepeatedProduct(lr_start, lr_multiplier)
            total = _sweep_length(lr_start, lr_multiplier, lr_end, max_iter)
        else:
            schedule = _linear_sweep(lr_start, 1 if step_size is None else step_size,
                                     1.0 if step_rate is None else step_rate, staircase)
            total = max_iter
        stop = stopping_criteria if stopping_criteria is not None \
            else LRFinderStoppingCriteria(smoothing)
        self.smoothing = smoothing
        self.planned_iterations = total
        self.results = []
        self.stop_reason = "interrupted"
        record = self._recorder(schedule, stop, lr_end, max_iter)
        with ProgressBar(total, "lr finder", enabled=progress, smoothing=smoothing) as bar, \
                self.learner.trial():
            self._detach_scheduler()
            self.learner.run(sys.maxsize if max_iter is None else max_iter, lr=schedule,
                             callback=chain(bar, record))
        return self.results

    def _recorder(self, schedule, stop, lr_end, max_iter):
        """The sweep's ``(step, lr, loss)`` callback: record, then decide whether to stop."""
        cap = min(FLOAT32_MAX, math.inf if lr_end is None else lr_end * (1 + _LR_END_SLACK))

        def record(step, lr, loss):
            self.results.append((lr, loss))
            if not math.isfinite(loss):
                self.stop_reason = "non-finite loss"
            elif stop(loss):
                self.stop_reason = "diverged"
            elif max_iter is not None and step >= max_iter:
                self.stop_reason = "max_iter"
            elif schedule(step + 1) > cap:
                self.stop_reason = "lr_end"
            else:
                return False
            return True
        return record

    @staticmethod
    def _check_find_args(lr_start, lr_multiplier, smoothing, lr_end, max_iter, num_points, mode,
                         step_size, step_rate, staircase, stopping_criteria, progress):
        as_lr("lr_start", lr_start, allow_zero=False)
        as_number("lr_multiplier", lr_multiplier, low=1, low_open=True)
        as_number("smoothing", smoothing, low=0, high=1, high_open=True)
        if lr_end is not None:
            as_lr("lr_end", lr_end, allow_zero=False)
            as_number("lr_end", lr_end, low=lr_start)
        if max_iter is not None:
            as_int("max_iter", max_iter, 1)
        as_choice("mode", mode, _MODES)
        if mode != "linear" and (step_size is not None or step_rate is not None or staircase):
            raise ValueError("step_size, step_rate and staircase apply to mode='linear' only")
        if num_points is not None:
            as_int("num_points", num_points, 2)
            if mode != "exponential" or lr_end is None or lr_multiplier != 1.1:
                raise ValueError("num_points needs mode='exponential' and lr_end, and replaces "
                                 "lr_multiplier (leave it at its default)")
        if step_size is not None:
            as_int("step_size", step_size, 1)
        if step_rate is not None:
            as_number("step_rate", step_rate, low=0, low_open=True)
        as_bool("staircase", staircase)
        as_bool("progress", progress)
        if stopping_criteria is not None:
            as_callable("stopping_criteria", stopping_criteria, "loss -> bool")

    def _detach_scheduler(self):
        """The sweep sets each learning rate itself; the snapshot brings the scheduler back."""
        trainer = getattr(self.learner, "trainer", None)
        if trainer is not None:
            trainer.optimizer.lr_scheduler = None

    # -- confirming a suggestion ------------------------------------------------------------

    def confirm(self, candidates=None, *, budget=None, horizon=300, score="forecast", tail=10,
                val_data=None, floor=0.0, progress=True):
        """Confirm the learning rate with short trials from the exact snapshot.

        The candidates train from the learner's current state on the same
        batches, in rounds of successive halving; the best-scored finalist
        wins (see :mod:`gluon_lr.confirm`). The state is restored exactly
        afterwards, also on an error or Ctrl-C, and training continues on the
        batches the trials saw.

        Parameters
        ----------
        candidates : sequence of float, optional
            Defaults to :func:`gluon_lr.confirm.default_candidates` of the last
            sweep: a log grid below the divergence edge, with the rules'
            suggestions.
        budget : int, optional
            Optimizer steps for all trials together; default 4 times the
            sweep's length.
        horizon, score, tail, val_data, floor, progress
            See :func:`gluon_lr.confirm.confirm_learning_rate`.

        Returns
        -------
        float
            The confirmed learning rate; the trials are in :attr:`confirmation`.
        """
        if not self.results:
            raise RuntimeError("nothing to confirm: call find() first")
        if candidates is None:
            candidates = default_candidates(self.lrs, self.losses)
            if not candidates:
                raise ValueError("the sweep's loss never falls, so there is no candidate: "
                                 "pass candidates=")
        budget = 4 * len(self.results) if budget is None else budget
        self.confirmation = confirm_learning_rate(
            self.learner, candidates, budget=budget, horizon=horizon, score=score, tail=tail,
            val_data=val_data, floor=floor, progress=progress)
        return self.confirmation.lr

    def plot_trials(self, ax=None, show=True):
        """Draw :meth:`confirm`'s trial curves, the chosen one marked; return the Axes."""
        if self.confirmation is None:
            raise RuntimeError("nothing to plot: call confirm() first")
        return plot_trials(self.confirmation, ax=ax, show=show)

    # -- reading the results ----------------------------------------------------------------

    @property
    def lrs(self):
        """The learning rates of :attr:`results`."""
        return [lr for lr, _ in self.results]

    @property
    def losses(self):
        """The losses of :attr:`results`."""
        return [loss for _, loss in self.results]

    def suggest(self, method=DEFAULT_RULE, **options):
        """Suggest a learning rate from the last sweep; see :func:`gluon_lr.suggest_lr`.

        Parameters
        ----------
        method : {'lowest', 'steepest', 'valley', 'minimum'}, default 'lowest'
        **options
            The rule's options (see :func:`gluon_lr.suggest_lr`). The finder
            fills in what its curve cannot tell: ``num_it`` (valley) defaults
            to the sweep's planned length, as fastai trims a tenth of the
            planned sweep, and ``divisor`` and ``edge_margin`` (lowest) to
            :func:`gluon_lr.suggest.lowest_options` of the learner's optimizer.

        Returns
        -------
        float or None
            ``None``, with a RuntimeWarning, if there are too few finite points.
        """
        if method == "valley" and self.planned_iterations is not None:
            options.setdefault("num_it", max(self.planned_iterations, len(self.results)))
        if method == "lowest":
            options = dict(lowest_options(optimizer_name(self.learner)), **options)
        return suggest_lr(self.lrs, self.losses, method=method, **options)

    def plot(self, ax=None, suggestion=True, method=DEFAULT_RULE, show=True,
             width=SUGGESTION_WIDTH, **options):
        """Draw the tutorial's log-log plot of the last sweep and return the Axes.

        Over the tutorial's scatter it draws the centred smoothed curve
        (:func:`gluon_lr.suggest.smoothed_curve`, the one the default rule
        reads), and marks the suggestion.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw here; a new 6x8 inch figure otherwise (shown only then).
        suggestion : bool or float, default True
            Mark :meth:`suggest` ``(method, smoothing, **options)``; or mark this
            learning rate; or nothing with ``False``.
        method : str, default 'lowest'
        show : bool, default True
            Call ``plt.show()`` if this method created the figure.
        width : float or None, default 0.3
            Reach of the drawn curve's centred smoother, in decades (see
            :func:`gluon_lr.suggest.smoothed_curve`); ``None`` draws no curve.
        **options
            The rule's options, for the marked suggestion.
        """
        if not self.results:
            raise RuntimeError("nothing to plot: call find() first")
        if suggestion is True:
            mark = self.suggest(method, **options)
        elif suggestion is False or suggestion is None:
            mark = None
        else:
            mark = float(suggestion)
        curve = None if width is None else smoothed_curve(self.lrs, self.losses, width)
        return plot_finder(self.lrs, self.losses, suggestion=mark, ax=ax, show=show,
                           smoothed=curve)

    def to_csv(self, path):
        """Write ``lr,loss`` rows of the last sweep to ``path``."""
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["lr", "loss"])
            writer.writerows(self.results)
