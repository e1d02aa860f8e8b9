"""The learning-rate range test ("LR finder") of the MXNet tutorial, made exact and safe."""
import csv
import inspect
import math
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, \
    Tuple, Union

from ._validate import as_bool, as_callable, as_choice, as_int, as_number
from .callbacks import ProgressBar, chain
from .confirm import INCUMBENT_MARGIN, affordable, confirm_learning_rate, default_candidates
from .evaluation import checked_val_data
from .optimizers import optimizer_name
from .plotting import plot_finder, plot_trials
from .stopping import LRFinderStoppingCriteria, MedianStartStopping, loss_fell
from .suggest import (DEFAULT_RULE, SUGGESTION_METHODS, SUGGESTION_WIDTH, rule_options,
                      smoothed_curve, suggest_lr)
from .sweeps import DEFAULT_SWEEP, Sweep, build_sweep

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .confirm import Confirmation
    from .learner import Learner, StepCallback

__all__ = ["LRFinder"]

# The find() arguments that describe the sweep, handed to build_sweep when no sweep= is given.
_SWEEP_ARGUMENTS = ("lr_start", "lr_multiplier", "lr_end", "max_iter", "num_points", "mode",
                    "step_size", "step_rate", "staircase")
# The stop reasons of a sweep that ended before its planned end.
_EARLY_STOPS = ("diverged", "non-finite loss")
#: The curves :meth:`LRFinder.suggest` and :meth:`LRFinder.plot` read.
CURVES = ("train", "val")
_CURVE_LABELS = {"train": "loss of one step", "val": "validation loss"}


class LRFinder:
    """Sweep the learning rate upwards, one optimizer step per rate, until the loss diverges.

    The "Learning Rate Finder" tutorial's class. :meth:`find` with the
    tutorial's arguments (``find(lr_start=1e-6)``) tries exactly the tutorial's
    learning rates and stops where the tutorial's rule stops. Beyond the
    tutorial it

    - sweeps :data:`~gluon_lr.sweeps.DEFAULT_SWEEP` when called without
      arguments, as ``gluon-lr find`` does, and stops it by
      :class:`~gluon_lr.stopping.MedianStartStopping`, which one lucky first
      batch does not set off; it warns when a sweep stops before its loss fell;
    - caps the sweep (``lr_end``, ``max_iter``) and stops on a NaN or infinite
      loss, so it always ends;
    - takes the sweep as one object (:class:`~gluon_lr.ExponentialSweep`,
      :class:`~gluon_lr.LinearSweep` for DeepSpeed's linear range test);
    - takes any stopping rule and any ``(step, lr, loss)`` callback, e.g. a
      :class:`~gluon_lr.tensorboard.TensorBoardLogger`;
    - measures the loss on validation data beside the training loss
      (``val_data``), and suggests from and plots either curve;
    - restores the model and optimizer *exactly* (parameters, BatchNorm
      statistics, optimizer states, learning rate, update counters and any
      attached ``lr_scheduler``) in memory when it ends, fails or is
      interrupted, so it can run in the middle of training;
    - writes no file unless :meth:`to_csv` is called;
    - suggests a learning rate (:meth:`suggest`).

    Parameters
    ----------
    learner : Learner
        Anything with :class:`~gluon_lr.Learner`'s ``run()`` and ``trial()``.

    Attributes
    ----------
    results : list of (float, float)
        The ``(lr, loss)`` pairs of the last sweep (also after a failure).
    sweep : Sweep or None
        The last sweep.
    planned_iterations : int or None
        The last sweep's length had it not stopped early (its
        :attr:`~gluon_lr.sweeps.Sweep.num_points`; None if unbounded).
    confirmation : Confirmation or None
        The trials of the last :meth:`confirm`.
    val_results : list of (float, float)
        The ``(lr, validation loss)`` pairs of the last sweep's measured steps
        (empty without ``val_data``).
    val_steps : list of int
        The 1-based steps of :attr:`val_results`.
    stop_reason : str or None
        Why the last sweep ended: ``'diverged'`` (the stopping rule fired),
        ``'non-finite loss'``, ``'lr_end'`` (the next learning rate would pass
        ``lr_end``, or float32's largest value), ``'max_iter'``, ``'callback'``
        (``find``'s ``callback`` asked to stop), or ``'interrupted'`` (an
        exception or Ctrl-C). ``'diverged before the loss fell'`` and
        ``'non-finite loss before the loss fell'`` say that the sweep ended
        before its loss ever fell, which :meth:`find` also warns about.

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluon_lr import ContinuousBatchSampler, ExponentialSweep, Learner
    >>> data = mx.gluon.data.ArrayDataset(mx.np.random.normal(size=(64, 4)),
    ...                                   mx.np.zeros((64,)))
    >>> loader = mx.gluon.data.DataLoader(data, batch_sampler=ContinuousBatchSampler(
    ...     mx.gluon.data.RandomSampler(64), batch_size=16))
    >>> finder = LRFinder(Learner(mx.gluon.nn.Dense(2), loader, mx.cpu()))
    >>> results = finder.find(lr_start=1e-3, lr_multiplier=2.0, max_iter=10, progress=False)
    >>> [round(lr, 3) for lr, _ in results[:4]], finder.stop_reason
    ([0.001, 0.002, 0.004, 0.008], 'max_iter')
    >>> results = finder.find(sweep=ExponentialSweep(1e-3, 2.0, lr_end=0.01), progress=False)
    >>> len(results), finder.stop_reason
    (4, 'lr_end')

    With validation data, measured after every second step:

    >>> val = [(mx.np.random.normal(size=(16, 4)), mx.np.zeros((16,)))]
    >>> results = finder.find(lr_start=1e-3, lr_multiplier=2.0, max_iter=4, val_data=val,
    ...                       val_every=2, progress=False)
    >>> finder.val_steps, [round(lr, 3) for lr, _ in finder.val_results]
    ([2, 4], [0.002, 0.008])
    """

    def __init__(self, learner: "Learner") -> None:
        for name in ("run", "trial"):
            if not callable(getattr(learner, name, None)):
                raise TypeError("learner must provide {}(); got {!r}".format(name, type(learner)))
        self.learner = learner
        self.results: List[Tuple[float, float]] = []
        self.val_results: List[Tuple[float, float]] = []
        self.val_steps: List[int] = []
        self.val_every = 1
        self.sweep: Optional[Sweep] = None
        self.stop_reason: Optional[str] = None
        self.planned_iterations: Optional[int] = None
        self.confirmation: Optional["Confirmation"] = None

    def find(self, lr_start: Optional[float] = None, lr_multiplier: Optional[float] = None,
             smoothing: float = 0.3,
             *, sweep: Optional[Sweep] = None, lr_end: Optional[float] = 10.0,
             max_iter: Optional[int] = 1000, num_points: Optional[int] = None,
             mode: str = "exponential", step_size: Optional[int] = None,
             step_rate: Optional[float] = None, staircase: bool = False,
             stopping_criteria: Optional[Callable[[float], bool]] = None,
             val_data: Optional[Iterable[Any]] = None, val_every: int = 1,
             callback: Optional["StepCallback"] = None,
             progress: bool = True) -> List[Tuple[float, float]]:
        """Run the sweep and return the ``(lr, loss)`` pairs.

        The sweep is one of three:

        - ``sweep``, when given;
        - the tutorial's: the sweep the tutorial's arguments below describe
          (:func:`~gluon_lr.sweeps.build_sweep`, with the tutorial's
          ``lr_start=1e-6`` and ``lr_multiplier=1.1`` for those not passed),
          when any of them is passed, e.g. ``find(lr_start=1e-6)``; its
          default stopping rule is then the tutorial's
          :class:`LRFinderStoppingCriteria(smoothing)
          <gluon_lr.LRFinderStoppingCriteria>`, so the tutorial's call gives
          the tutorial's rates, losses and stop exactly;
        - :data:`~gluon_lr.sweeps.DEFAULT_SWEEP` otherwise (75 log-spaced
          points over 1e-5 .. 10, as ``gluon-lr find`` sweeps).

        ``lr_end`` and ``max_iter`` at their defaults do not count as passed.
        Outside the tutorial's sweep the default stopping rule is
        :class:`MedianStartStopping(smoothing) <gluon_lr.stopping.MedianStartStopping>`,
        which one lucky early batch does not set off.

        Parameters
        ----------
        lr_start : float, optional
            First learning rate (DeepSpeed's ``lr_range_test_min_lr`` in linear
            mode); the tutorial's 1e-6 when another sweep argument is passed.
        lr_multiplier : float, optional
            Exponential mode: each learning rate is the previous one times this
            (> 1); the tutorial's 1.1 when another sweep argument is passed.
        smoothing : float, default 0.3
            Running-mean weight of the default stopping rule and of the
            progress bar's loss (:meth:`suggest` smooths on its own).
        sweep : Sweep, optional
            The rates to try and the caps, e.g.
            :class:`~gluon_lr.ExponentialSweep` or :class:`~gluon_lr.LinearSweep`;
            the arguments below that describe a sweep must then stay at their
            defaults.
        lr_end : float or None, default 10.0
            Never try a learning rate above this. Learning rates never exceed
            float32's largest value, MXNet's limit, in any case.
        max_iter : int or None, default 1000
            Never run more optimizer steps than this.
        num_points : int, optional
            Exponential mode: instead of ``lr_multiplier``, sweep this many
            log-spaced points from ``lr_start`` to ``lr_end`` (at least 2; the
            multiplier becomes ``(lr_end / lr_start) ** (1 / (num_points - 1))``
            and at most ``num_points`` steps run).
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
            ``loss -> bool`` over the training losses; the rule named above
            when omitted. A non-finite loss always stops the sweep.
        val_data : iterable of batches, optional
            A finite validation loader (a ``DataLoader`` or a list, not a
            one-pass iterator). Every ``val_every``-th step, the mean loss
            over all of it is measured in inference mode, without gradients
            (:meth:`Learner.evaluate_loss`), and kept in
            :attr:`val_results`, beside the training loss. It is iterated
            afresh each time, so its curve cannot go flat on an exhausted
            iterator. Cost: one full pass over ``val_data`` per measured
            step, on top of the sweep's training steps. The training loss
            still decides the stop.
        val_every : int, default 1
            Measure on ``val_data`` after every this many steps (``>= 1``).
        callback : callable, optional
            ``(step, lr, loss) -> stop?`` after every step, beside the
            finder's own (e.g. a :class:`~gluon_lr.tensorboard.TensorBoardLogger`);
            a true value ends the sweep (``stop_reason`` ``'callback'``).
        progress : bool, default True
            Show a tqdm bar with the learning rate and the smoothed loss.

        Returns
        -------
        list of (float, float)

        Warns
        -----
        RuntimeWarning
            When the sweep diverged or met a non-finite loss before its loss
            ever fell (:func:`gluon_lr.stopping.loss_fell` finds no fall):
            ``stop_reason`` then ends in ``' before the loss fell'``.
        """
        given = {name: value for name, value in locals().items() if name in _SWEEP_ARGUMENTS}
        as_number("smoothing", smoothing, low=0, high=1, high_open=True)
        as_bool("progress", progress)
        if stopping_criteria is not None:
            as_callable("stopping_criteria", stopping_criteria, "loss -> bool")
        if callback is not None:
            as_callable("callback", callback, "(step, lr, loss) -> stop?")
        if val_data is not None:
            checked_val_data("val_data", val_data)
        val_every = as_int("val_every", val_every, 1)
        sweep, tutorial = _chosen_sweep(sweep, given)
        stop = stopping_criteria if stopping_criteria is not None \
            else LRFinderStoppingCriteria(smoothing) if tutorial else MedianStartStopping(smoothing)
        self.sweep = sweep
        self.planned_iterations = sweep.num_points
        self.results, self.val_results, self.val_steps = [], [], []
        self.val_every = val_every
        self.stop_reason = "interrupted"
        measure = None if val_data is None else self._validator(val_data, val_every)
        try:
            with ProgressBar(self.planned_iterations, "lr finder", enabled=progress,
                             smoothing=smoothing) as bar, self.learner.trial():
                self.learner.run(sys.maxsize if sweep.max_iter is None else sweep.max_iter,
                                 lr=sweep, callback=chain(
                                     bar, measure, self._recorder(sweep, stop), callback))
        except BaseException:
            self.stop_reason = "interrupted"
            raise
        self._check_for_a_fall()
        return self.results

    def _validator(self, val_data: Iterable[Any], val_every: int) -> "StepCallback":
        """The callback that measures the loss on ``val_data`` every ``val_every`` steps."""

        def measure(step: int, lr: float, loss: float) -> bool:
            if step % val_every == 0 and math.isfinite(loss):
                self.val_results.append((lr, self.learner.evaluate_loss(val_data)))
                self.val_steps.append(step)
            return False
        return measure

    def _recorder(self, sweep: Sweep, stop: Callable[[float], bool]) -> "StepCallback":
        """The sweep's ``(step, lr, loss)`` callback: record, then decide whether to stop.

        The stop reason is ``'callback'`` until this decides otherwise: when
        the run ends with it still there, the caller's callback ended it.
        """

        def record(step: int, lr: float, loss: float) -> bool:
            self.results.append((lr, loss))
            reason: Optional[str]
            if not math.isfinite(loss):
                reason = "non-finite loss"
            elif stop(loss):
                reason = "diverged"
            else:
                reason = sweep.end_reason(step)
            self.stop_reason = "callback" if reason is None else reason
            return reason is not None
        return record

    def _check_for_a_fall(self) -> None:
        """Say so, in ``stop_reason`` and a warning, when the sweep stopped before any fall."""
        if self.stop_reason not in _EARLY_STOPS or loss_fell(self.losses):
            return
        warnings.warn(
            "the sweep stopped ({}) after {} steps at lr {:.3g}, before its loss ever fell: its "
            "suggestions cannot be trusted. Start the sweep lower, or pass a stopping_criteria "
            "that waits longer".format(self.stop_reason, len(self.results), self.lrs[-1]),
            RuntimeWarning, stacklevel=3)
        self.stop_reason = "{} before the loss fell".format(self.stop_reason)

    # -- confirming a suggestion ------------------------------------------------------------

    def confirm(self, candidates: Optional[Sequence[float]] = None, *,
                budget: Optional[int] = None, horizon: int = 300, score: str = "forecast",
                tail: int = 10, val_data: Optional[Iterable[Any]] = None,
                floor: Optional[float] = 0.0, margin: float = INCUMBENT_MARGIN,
                callback: Optional["StepCallback"] = None,
                progress: bool = True) -> float:
        """Confirm the learning rate with short trials from the exact snapshot.

        The candidates train from the learner's current state on the same
        batches, in rounds of successive halving (see :mod:`gluon_lr.confirm`).
        With the default candidates, :meth:`suggest`'s answer is the
        incumbent: it trains in every round and stays unless another
        finalist's score is lower by more than ``margin``. The state is restored exactly
        afterwards, also on an error or Ctrl-C, and training continues on the
        batches the trials saw.

        Parameters
        ----------
        candidates : sequence of float, optional
            Defaults to :func:`gluon_lr.confirm.default_candidates` of the last
            sweep: a log grid below the divergence edge, with the rules'
            suggestions and :meth:`suggest`'s answer; thinned evenly
            (:func:`gluon_lr.confirm.affordable`, keeping :meth:`suggest`'s
            answer) when the budget cannot give each of them a first round.
        budget : int, optional
            Optimizer steps for all trials together; default 4 times the
            sweep's length.
        horizon, score, tail, val_data, floor, margin, callback, progress
            See :func:`gluon_lr.confirm.confirm_learning_rate`.

        Returns
        -------
        float
            The confirmed learning rate; the trials are in :attr:`confirmation`.
        """
        if not self.results:
            raise RuntimeError("nothing to confirm: call find() first")
        if callback is not None:
            as_callable("callback", callback, "(step, lr, loss) -> stop?")
        budget = 4 * len(self.results) if budget is None else budget
        incumbent = None
        if candidates is None:
            incumbent = self.suggest()
            grid = default_candidates(self.lrs, self.losses)
            if incumbent is not None:  # it replaces the grid's rates within 5 % of it
                grid = sorted([lr for lr in grid if max(lr, incumbent) > 1.05 * min(lr, incumbent)]
                              + [incumbent])
            candidates = affordable(grid, budget, keep=incumbent)
            if not candidates:
                raise ValueError("the sweep has no finite loss, so there is no candidate: "
                                 "pass candidates=")
        self.confirmation = confirm_learning_rate(
            self.learner, candidates, budget=budget, horizon=horizon, score=score, tail=tail,
            val_data=val_data, floor=floor, incumbent=incumbent, margin=margin,
            callback=callback, progress=progress)
        return self.confirmation.lr

    def plot_trials(self, ax: Optional["Axes"] = None, show: bool = True) -> "Axes":
        """Draw :meth:`confirm`'s trial curves, the chosen one marked; return the Axes."""
        if self.confirmation is None:
            raise RuntimeError("nothing to plot: call confirm() first")
        return plot_trials(self.confirmation, ax=ax, show=show)

    # -- reading the results ----------------------------------------------------------------

    @property
    def lrs(self) -> List[float]:
        """The learning rates of :attr:`results`."""
        return [lr for lr, _ in self.results]

    @property
    def losses(self) -> List[float]:
        """The losses of :attr:`results`."""
        return [loss for _, loss in self.results]

    def curve(self, curve: str = "train") -> Tuple[List[float], List[float]]:
        """The last sweep's ``(lrs, losses)``: training (``'train'``) or validation (``'val'``).

        Raises
        ------
        ValueError
            For ``'val'`` when the sweep had no ``val_data``.
        """
        as_choice("curve", curve, CURVES)
        if curve == "train":
            return self.lrs, self.losses
        if not self.val_results:
            raise ValueError("curve='val' needs a sweep with val_data: call "
                             "find(val_data=...) first")
        return [lr for lr, _ in self.val_results], [loss for _, loss in self.val_results]

    def suggest(self, method: str = DEFAULT_RULE, curve: str = "train",
                **options: Any) -> Optional[float]:
        """Suggest a learning rate from the last sweep; see :func:`gluon_lr.suggest_lr`.

        Parameters
        ----------
        method : {'lowest', 'steepest', 'valley', 'minimum'}, default 'lowest'
        curve : {'train', 'val'}, default 'train'
            Read the training losses, or the validation losses of a sweep
            with ``val_data``.
        **options
            The rule's options (see :func:`gluon_lr.suggest_lr`). The finder
            fills in, for any rule that takes them, what its curve cannot
            tell: ``optimizer``, the learner's, and ``num_it``, the sweep's
            planned length in points of that curve (fastai's valley trims a
            tenth of the planned sweep).

        Returns
        -------
        float or None
            ``None``, with a RuntimeWarning, if there are too few finite points.
        """
        lrs, losses = self.curve(curve)
        every = self.val_every if curve == "val" else 1
        context = {"optimizer": optimizer_name(self.learner),
                   "num_it": None if self.planned_iterations is None
                   else max(self.planned_iterations // every, len(lrs))}
        accepted = rule_options(method) if method in SUGGESTION_METHODS else []
        options = dict({key: value for key, value in context.items()
                        if key in accepted and value is not None}, **options)
        return suggest_lr(lrs, losses, method=method, **options)

    def plot(self, ax: Optional["Axes"] = None, suggestion: Union[bool, float, None] = True,
             method: str = DEFAULT_RULE, show: bool = True,
             width: Optional[float] = SUGGESTION_WIDTH, curve: str = "train",
             **options: Any) -> Optional["Axes"]:
        """Draw the tutorial's log-log plot of the last sweep and return the Axes.

        Over the tutorial's scatter of ``curve``'s losses it draws their
        centred smoothed curve (:func:`gluon_lr.suggest.smoothed_curve`, the
        one the default rule reads), and marks the suggestion. After a sweep
        with ``val_data`` the other curve is drawn beside them as a line.
        Before any sweep it draws nothing and returns None with a
        RuntimeWarning, as :meth:`suggest` does.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw here; a new 10x6 inch figure otherwise (shown only then).
        suggestion : bool or float, default True
            Mark :meth:`suggest` ``(method, curve=curve, **options)``; or mark
            this learning rate; or nothing with ``False``.
        method : str, default 'lowest'
        show : bool, default True
            Call ``plt.show()`` if this method created the figure.
        width : float or None, default 0.3
            Reach of the drawn curve's centred smoother, in decades (see
            :func:`gluon_lr.suggest.smoothed_curve`); ``None`` draws no curve.
        curve : {'train', 'val'}, default 'train'
            The losses drawn as points, smoothed and suggested from.
        **options
            The rule's options, for the marked suggestion.
        """
        if not self.results:
            warnings.warn("nothing to plot: call find() first", RuntimeWarning, stacklevel=2)
            return None
        lrs, losses = self.curve(curve)
        if suggestion is True:
            mark = self.suggest(method, curve, **options)
        elif suggestion is False or suggestion is None:
            mark = None
        else:
            mark = float(suggestion)
        beside = None
        if self.val_results:
            other = "val" if curve == "train" else "train"
            beside = self.curve(other) + (_CURVE_LABELS[other],)
        smoothed = None if width is None else smoothed_curve(lrs, losses, width)
        return plot_finder(lrs, losses, suggestion=mark, ax=ax, show=show, smoothed=smoothed,
                           label=_CURVE_LABELS[curve], beside=beside)

    def to_csv(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Write ``lr,loss`` rows of the last sweep to ``path``, one a step.

        After a sweep with ``val_data`` a third column, ``val_loss``, holds
        the validation loss of the measured steps and is empty in the others.
        """
        measured = dict(zip(self.val_steps, (loss for _, loss in self.val_results)))
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            if not measured:
                writer.writerow(["lr", "loss"])
                writer.writerows(self.results)
                return
            writer.writerow(["lr", "loss", "val_loss"])
            writer.writerows((lr, loss, measured.get(step, ""))
                             for step, (lr, loss) in enumerate(self.results, start=1))


def _chosen_sweep(sweep: Optional[Sweep], given: Dict[str, Any]) -> Tuple[Sweep, bool]:
    """``(sweep, tutorial)``: ``sweep``, the tutorial's sweep that :meth:`LRFinder.find`'s
    other arguments describe (``tutorial`` true), or :data:`DEFAULT_SWEEP`."""
    changed = {name: given[name] for name in _SWEEP_ARGUMENTS
               if given[name] != _FIND_DEFAULTS[name]}
    if sweep is None:
        # build_sweep's defaults are the tutorial's for every argument not passed
        return (build_sweep(**changed), True) if changed else (DEFAULT_SWEEP, False)
    if not isinstance(sweep, Sweep):
        raise TypeError("sweep must be a Sweep such as ExponentialSweep(...) or "
                        "LinearSweep(...), got {!r}".format(sweep))
    if changed:
        raise TypeError("pass sweep or {}, not both".format(", ".join(changed)))
    return sweep, False


_FIND_DEFAULTS = {name: parameter.default for name, parameter
                  in inspect.signature(LRFinder.find).parameters.items()
                  if name in _SWEEP_ARGUMENTS}
