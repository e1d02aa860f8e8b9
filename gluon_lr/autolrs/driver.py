"""The AutoLRS driver: search a learning rate, train at it, stage after stage.

AutoLRS (Jin et al., "AutoLRS: Automatic Learning-Rate Schedule by Bayesian
Optimization on the Fly", ICLR 2021) splits training into stages. Each stage

1. takes a snapshot of the model and optimizer (:meth:`Learner.snapshot`);
2. tries ``k`` learning rates proposed by a Gaussian process over log LR in
   ``[min_lr, max_lr]`` (:class:`~gluon_lr.autolrs.LRSearch`, one per stage):
   each restores the snapshot, trains ``tau_prime`` steps and is scored by the
   exponential forecast (:mod:`gluon_lr.forecast`) of its loss after ``tau``
   steps (:mod:`gluon_lr.autolrs.trials`);
3. restores the snapshot and trains ``tau`` steps at the candidate with the
   lowest forecast.

Stage lengths double until ``tau`` reaches ``tau_max``; after that, when
``val_data`` is given, candidates are scored on validation loss
(:mod:`gluon_lr.autolrs.stages`). Everything trains through the
:class:`~gluon_lr.Learner`'s ``run``, ``snapshot``/``restore`` and
``peek_batches``/``replay``.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Tuple, cast

from .._validate import as_bool, as_callable, as_int, check_order
from ..callbacks import ProgressBar
from .plot import plot_autolrs
from ..trial import Trial
from .record import Stage
from ._optional import require_sklearn
from .search import LRSearch
from .stages import MIN_TRIAL_STEPS, StageLength, StagePlan, plan_stage, stage_length, \
    stage_seed
from .trials import run_candidate

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..learner import Learner
    from ..state import TrainingState

__all__ = ["AutoLRS"]

#: Version of the :meth:`AutoLRS.state_dict` layout.
_STATE_FORMAT = 1
_LEARNER_METHODS = ("run", "snapshot", "restore", "peek_batches", "replay",
                    "initialize_parameters")
_CONFIG_KEYS = ("min_lr", "max_lr", "tau", "k", "tau_max", "seed", "tau_prime", "kappa",
                "val_points", "replay", "validation")
_PENDING_KEYS = ("index", "first_step", "tau_prime", "tau", "scored_on", "seed")


def _checked_learner(learner: Any) -> Learner:
    for name in _LEARNER_METHODS:
        if not callable(getattr(learner, name, None)):
            raise TypeError("learner must be a gluon_lr.Learner (it needs {}()); got {!r}".format(
                name, type(learner)))
    if getattr(learner, "trainer", None) is None:
        raise TypeError("learner must be a gluon_lr.Learner with a trainer; got {!r}".format(
            type(learner)))
    return cast("Learner", learner)


def _checked_val_data(val_data: Any) -> Optional[Iterable[Any]]:
    if val_data is None:
        return None
    if not hasattr(val_data, "__iter__"):
        raise TypeError("val_data must be an iterable of (data, label) batches, got "
                        "{!r}".format(val_data))
    if isinstance(val_data, Iterator):
        raise TypeError("val_data must be iterable again and again (a list of batches or a "
                        "DataLoader), not a one-shot iterator; got {!r}".format(val_data))
    return cast(Iterable[Any], val_data)


class AutoLRS:
    """Find a learning-rate schedule during training, one stage at a time.

    Parameters
    ----------
    learner : Learner
        Trains the model; its state is what the snapshots capture.
    min_lr, max_lr : float
        The searched interval, ``0 < min_lr < max_lr`` (float32's range), e.g.
        :func:`~gluon_lr.autolrs.search_range` of an LR range test.
    tau : int, default 1000
        Training steps of the first stage, and the step whose loss its
        candidates' forecasts predict. The defaults are the paper's, for runs
        of hundreds of thousands of steps; for a budget of a few thousand,
        take ``tau``, ``tau_prime``, ``k`` and ``tau_max`` from
        :func:`~gluon_lr.autolrs.fitted_lengths`, which keeps the paper's
        proportions and fits at least 6 stages with candidates of at least
        20 steps.
    k : int, default 10
        Candidates per stage, ``>= 2``.
    tau_max : int, default 8000
        Stages double (``tau`` and ``tau_prime``) while ``tau < tau_max``;
        ``>= tau``.
    val_data : iterable of (data, label), optional
        A finite, re-iterable loader (a list or a ``DataLoader``). From the
        first stage after the doubling stops, candidates are scored on the
        mean loss over it, measured ``val_points`` times during each trial in
        inference mode, as the reference does. Without it every stage scores
        training loss.
    seed : int, default 0
        Seeds every stage's search (see :func:`~gluon_lr.autolrs.stages.stage_seed`).
    progress : bool, default True
        Show one bar over the budget of :meth:`run`.
    tau_prime : int, optional
        Steps per candidate in the first stage, ``3 <= tau_prime <= tau``;
        default ``tau // k``, so the search costs as many steps as the training
        (the reference's 100 = 1000 / 10).
    kappa : float, default 1e6
        The search's exploration weight (see :class:`~gluon_lr.autolrs.LRSearch`).
    val_points : int, default 16
        Validation measurements per trial, ``>= 3`` (fewer when a trial is
        shorter).
    replay : bool, default True
        Train every candidate of a stage on the same batches, drawn once with
        :meth:`Learner.peek_batches`; the training then starts on them, as if
        no candidate had run. This holds the batches of ``tau_prime`` steps in
        memory (``tau_prime * accumulate`` loader batches: 800 at the
        default's longest stages without accumulation, 1.2 GB for CIFAR-10 at
        batch 128). ``False`` lets each candidate draw its own batches from
        the loader, as the reference did.

    Attributes
    ----------
    stages : tuple of Stage
        The completed stages, with their candidates, forecasts and choices.

    Raises
    ------
    ImportError
        Without scikit-learn: ``pip install "gluon-lr[auto]"``.

    Notes
    -----
    *Budget.* :meth:`run` ``(total_steps)`` counts every optimizer step,
    candidates included. When the budget left cannot pay for the next full
    stage (``k * tau_prime + tau`` steps), that stage is the last and shrinks
    in proportion, keeping ``k`` and the ratio of search to training; if a
    candidate would get fewer than 3 steps, the last stage only trains, at
    the previous stage's rate (:func:`~gluon_lr.autolrs.stages.plan_stage`).
    The last stage's training takes every step its search leaves, so the run
    ends after exactly ``total_steps`` steps. A first stage that cannot search
    is a ``ValueError`` before any step.

    *Interruptions.* An exception or ``KeyboardInterrupt`` during a stage
    restores the stage's snapshot: the model and optimizer are left as at the
    end of the last completed stage. The candidates the interrupted stage
    finished are kept (in :meth:`state_dict`, not in :attr:`stages` or the
    step count): they started from exactly that state, so the next
    :meth:`run` continues the search instead of repeating it. The data
    loader's position is not rewound (no Learner rewinds it).

    *Divergence.* If every candidate of a stage diverges, or the training
    meets a NaN or infinite loss, the snapshot is restored and
    ``FloatingPointError`` raised: lower ``max_lr``.

    *The optimizer's lr_scheduler*, if any, does not decide any of AutoLRS's
    steps: every step trains through :meth:`Learner.run` at a given rate,
    which sets the scheduler aside for that run and puts it back unchanged.
    After :meth:`run` it decides the rate again, from the optimizer's update
    count. Without one, the optimizer keeps the last stage's rate (:attr:`lr`).

    *Resuming.* :meth:`state_dict` and :meth:`from_state` carry the stages,
    the finished candidates of an interrupted stage and the configuration;
    the caller saves the learner's parameters and trainer states and feeds
    the loader from the same position. A resumed run then makes the same
    choices as an uninterrupted one. With ``replay=True`` the loader has given
    the batches of ``sum(stage.train_steps)`` steps at the end of each stage
    (of all steps with ``replay=False``), ``accumulate`` loader batches a step.

    Differences from the reference implementation (``autolrs_server.py``):
    the search is :class:`LRSearch` (scikit-learn instead of scikit-optimize,
    the same acquisition); candidates see the same batches (``replay``);
    validation losses are measured at the end of each trial's sixteenths
    instead of every ``tau_prime // 16`` steps; the forecast is of the loss
    at step ``tau`` exactly (the reference's is one step or one measurement
    later); and the reference's validation-stage rule that scores a candidate
    by its last validation loss instead of the forecast, whenever one of its
    validation losses reaches the run's first training loss, is not applied:
    a rising series is scored ``inf`` by the forecaster's divergence rule.

    Examples
    --------
    >>> import mxnet as mx
    >>> from gluon_lr import Learner
    >>> x = mx.np.array([[1.0, 0.0], [0.0, 1.0]] * 4)
    >>> batches = [(x, x @ mx.np.array([2.0, -1.0]))] * 4
    >>> net = mx.gluon.nn.Dense(1, in_units=2, use_bias=False)
    >>> net.initialize(mx.init.Zero())
    >>> learner = Learner(net, batches, mx.cpu(), loss_fn=mx.gluon.loss.L2Loss())
    >>> autolrs = AutoLRS(learner, 0.01, 10.0, tau=12, k=3, tau_max=24, progress=False)
    >>> [stage.steps for stage in autolrs.run(60)]
    [24, 36]
    >>> autolrs.steps_spent, len(autolrs.schedule()), len(autolrs.schedule(search=True))
    (60, 30, 60)
    """

    def __init__(self, learner: "Learner", min_lr: float, max_lr: float, tau: int = 1000,
                 k: int = 10, tau_max: int = 8000, val_data: Optional[Iterable[Any]] = None,
                 seed: int = 0, progress: bool = True, *, tau_prime: Optional[int] = None,
                 kappa: float = 1e6, val_points: int = 16, replay: bool = True) -> None:
        self.learner = _checked_learner(learner)
        self.k = as_int("k", k, 2)
        self.tau = as_int("tau", tau, 1)
        if tau_prime is None:
            if self.tau < MIN_TRIAL_STEPS * self.k:
                raise ValueError(
                    "tau must be an int >= 3 * k = {} so that each of the k candidates trains "
                    "tau // k >= 3 steps (or pass tau_prime), got {!r}".format(
                        MIN_TRIAL_STEPS * self.k, tau))
            tau_prime = self.tau // self.k
        self.tau_prime = as_int("tau_prime", tau_prime, MIN_TRIAL_STEPS)
        check_order("tau_prime", self.tau_prime, "tau", self.tau)
        self.tau_max = as_int("tau_max", tau_max, 1)
        check_order("tau", self.tau, "tau_max", self.tau_max)
        self.seed = as_int("seed", seed, 0)
        self.val_data = _checked_val_data(val_data)
        self.val_points = as_int("val_points", val_points, MIN_TRIAL_STEPS)
        self.progress = as_bool("progress", progress)
        self.replay = as_bool("replay", replay)
        require_sklearn("AutoLRS")
        probe = LRSearch(min_lr, max_lr, self.k, kappa=kappa)  # checks min_lr, max_lr, kappa
        self.min_lr, self.max_lr, self.kappa = probe.min_lr, probe.max_lr, probe.kappa
        self._stages: List[Stage] = []
        self._pending: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return "AutoLRS(min_lr={!r}, max_lr={!r}, tau={!r}, k={!r}, tau_max={!r}) after {} " \
               "stages and {} steps".format(self.min_lr, self.max_lr, self.tau, self.k,
                                            self.tau_max, len(self._stages), self.steps_spent)

    # -- results ----------------------------------------------------------------------------

    @property
    def stages(self) -> Tuple[Stage, ...]:
        """The completed stages, in order, as a tuple of :class:`Stage`."""
        return tuple(self._stages)

    @property
    def steps_spent(self) -> int:
        """Optimizer steps of the completed stages, candidates included."""
        return sum(stage.steps for stage in self._stages)

    @property
    def lr(self) -> Optional[float]:
        """The learning rate of the last completed stage, or ``None`` before any."""
        return self._stages[-1].lr if self._stages else None

    def schedule(self, search: bool = False) -> List[Tuple[int, float]]:
        """The learning rate of every step, as ``(step, lr)`` pairs from step 1.

        Parameters
        ----------
        search : bool, default False
            ``False``: the training steps only, the schedule the model was
            trained along (each stage's rate for its training steps).
            ``True``: every optimizer step in the order taken, the candidates'
            trial steps included (each from the stage's snapshot).

        Returns
        -------
        list of (int, float)
        """
        as_bool("search", search)
        lrs = []
        for stage in self._stages:
            if search:
                for candidate in stage.candidates:
                    lrs.extend([candidate.lr] * candidate.steps)
            lrs.extend([stage.lr] * stage.train_steps)
        return [(step, lr) for step, lr in enumerate(lrs, start=1)]

    def plot(self, ax: Optional["Axes"] = None, show: bool = True) -> "Axes":
        """Draw the schedule found and the chosen forecasts; return the Axes.

        See :func:`gluon_lr.autolrs.plot.plot_autolrs`.
        """
        if not self._stages:
            raise RuntimeError("nothing to plot: call run() first")
        return plot_autolrs(self._stages, ax=ax, show=show)

    # -- training ---------------------------------------------------------------------------

    def run(self, total_steps: int,
            stage_callback: Optional[Callable[[Stage], Any]] = None) -> Tuple[Stage, ...]:
        """Train until ``total_steps`` optimizer steps, search included, are spent.

        Parameters
        ----------
        total_steps : int
            The budget of the whole AutoLRS run, ``>= 1``, counting the steps
            of stages completed before (by an earlier call, or before
            :meth:`from_state`): ``run(5000)`` after ``run(3000)`` trains 2000
            steps more. Nothing runs when it is already spent.
        stage_callback : callable, optional
            ``stage_callback(stage) -> stop?`` after every completed stage,
            e.g. to save :meth:`state_dict` with the learner's state; a true
            value ends the run there.

        Returns
        -------
        tuple of Stage
            All the completed stages (:attr:`stages`).

        Raises
        ------
        ValueError
            If ``total_steps`` is not an int ``>= 1``, or too small for the
            first stage to search; before any step.
        FloatingPointError
            See the class notes on divergence.
        """
        total = as_int("total_steps", total_steps, 1)
        if stage_callback is not None:
            as_callable("stage_callback", stage_callback, "stage -> stop?")
        if total <= self.steps_spent:
            return self.stages
        self._plan(total)  # a budget too small to start fails here, before any step
        with ProgressBar(total - self.steps_spent, "autolrs", enabled=self.progress) as bar:
            while self.steps_spent < total:
                stage = self._run_stage(*self._plan(total), bar)
                self._stages.append(stage)
                self._pending = None
                if stage_callback is not None and stage_callback(stage):
                    break
        return self.stages

    def _plan(self, total: int) -> Tuple[StageLength, StagePlan]:
        """``(length, plan)`` of the next stage with the budget left."""
        length = stage_length(len(self._stages), self.tau, self.tau_prime, self.tau_max)
        plan = plan_stage(length, self.k, total - self.steps_spent, bool(self._stages))
        return length, plan

    def _run_stage(self, length: StageLength, plan: StagePlan, bar: ProgressBar) -> Stage:
        """Search and train one stage; on any failure restore its start and re-raise."""
        header: Dict[str, Any] = {"index": len(self._stages), "first_step": self.steps_spent,
                  "tau_prime": plan.tau_prime, "tau": plan.tau,
                  "scored_on": None, "seed": stage_seed(self.seed, len(self._stages))}
        if plan.k:
            header["scored_on"] = "validation" if length.validation and \
                self.val_data is not None else "train"
        learner = self.learner
        learner.initialize_parameters()
        start = learner.snapshot()
        try:
            if plan.k:
                candidates, lr = self._search(header, plan, start, bar)
                learner.restore(start)
            else:
                candidates, lr = (), self._stages[-1].lr
            steps = plan.cost - sum(c.steps for c in candidates) if plan.last else plan.tau
            losses = learner.run(steps, lr=lr, callback=bar)
            if not math.isfinite(losses[-1]):
                self._pending = None
                raise FloatingPointError(
                    "stage {} met a {} loss after {} training steps at lr = {:.6g}; the model "
                    "is back at the end of the previous stage: lower max_lr".format(
                        header["index"], losses[-1], len(losses), lr))
        except BaseException:
            learner.restore(start)
            raise
        return Stage(candidates=tuple(candidates), lr=lr, train_losses=tuple(losses), **header)

    def _search(self, header: Dict[str, Any], plan: StagePlan, start: TrainingState,
                bar: ProgressBar) -> Tuple[Tuple[Trial, ...], float]:
        """Try the stage's candidates from ``start``; return them and the chosen rate."""
        if self._pending is None or {key: self._pending[key] for key in _PENDING_KEYS} != header:
            self._pending = dict(header, candidates=[])
        done: List[Trial] = self._pending["candidates"]
        search = LRSearch(self.min_lr, self.max_lr, plan.k, kappa=self.kappa,
                          seed=header["seed"])
        for candidate in done:
            search.tell(candidate.lr, candidate.forecast)
        val_data = self.val_data if header["scored_on"] == "validation" else None
        batches = self.learner.peek_batches(plan.tau_prime) if self.replay else None
        while not search.done:
            lr = search.ask()
            self.learner.restore(start)
            with self.learner.replay(batches) if batches else contextlib.nullcontext():
                candidate = run_candidate(self.learner, lr, plan.tau_prime, plan.tau,
                                          val_data=val_data, val_points=self.val_points,
                                          callback=bar)
            search.tell(lr, candidate.forecast)
            done.append(candidate)
        lr, score = search.best()
        if not math.isfinite(score):
            self._pending = None
            raise FloatingPointError(
                "every candidate of stage {} diverged (the lowest was lr = {:.6g}); the model "
                "is back at the end of the previous stage: lower min_lr and max_lr".format(
                    header["index"], lr))
        return tuple(done), lr

    # -- saving and resuming ----------------------------------------------------------------

    def state_dict(self) -> Dict[str, Any]:
        """The run's state as plain Python values (JSON-serialisable).

        It holds the configuration (``val_data`` only as whether it was given),
        every completed stage (:meth:`Stage.to_dict`) and the finished
        candidates of an interrupted stage. Seeds are derived from ``seed``
        and the stage index, so no random state is needed. Losses and
        forecasts may be NaN or infinite, which Python's ``json`` writes by
        default.

        Returns
        -------
        dict
        """
        config = {"min_lr": self.min_lr, "max_lr": self.max_lr, "tau": self.tau, "k": self.k,
                  "tau_max": self.tau_max, "seed": self.seed, "tau_prime": self.tau_prime,
                  "kappa": self.kappa, "val_points": self.val_points, "replay": self.replay,
                  "validation": self.val_data is not None}
        pending = None
        if self._pending is not None:
            pending = dict(self._pending,
                           candidates=[c.to_dict() for c in self._pending["candidates"]])
        return {"format": _STATE_FORMAT, "config": config,
                "stages": [stage.to_dict() for stage in self._stages], "pending": pending}

    @classmethod
    def from_state(cls, learner: "Learner", state: Mapping[str, Any],
                   val_data: Optional[Iterable[Any]] = None,
                   progress: bool = True) -> "AutoLRS":
        """Rebuild a run from :meth:`state_dict` to continue it with :meth:`run`.

        Parameters
        ----------
        learner : Learner
            Holding the model and optimizer state saved with ``state`` (at
            the end of its last completed stage), its loader at the same
            position.
        state : dict
            From :meth:`state_dict` (e.g. through ``json``).
        val_data : iterable, optional
            Required exactly when the saved run had ``val_data``.
        progress : bool, default True

        Returns
        -------
        AutoLRS

        Raises
        ------
        TypeError, ValueError
            For a state that does not come from :meth:`state_dict`, or
            ``val_data`` given or missing against it.
        """
        if not isinstance(state, Mapping):
            raise TypeError("state must be a dict from AutoLRS.state_dict(), got {!r}".format(
                state))
        missing = [key for key in ("format", "config", "stages", "pending") if key not in state]
        if missing:
            raise ValueError("state must be a dict from AutoLRS.state_dict(); missing "
                             "{}".format(", ".join(missing)))
        if state["format"] != _STATE_FORMAT:
            raise ValueError("state format must be {}, got {!r}".format(
                _STATE_FORMAT, state["format"]))
        config = dict(state["config"])
        missing = [key for key in _CONFIG_KEYS if key not in config]
        if missing:
            raise ValueError("state['config'] is missing {}".format(", ".join(missing)))
        if config.pop("validation") != (val_data is not None):
            raise ValueError("the saved run {} val_data: pass val_data exactly when it did".format(
                "had" if val_data is None else "had no"))
        autolrs = cls(learner, val_data=val_data, progress=progress, **config)
        stages = [Stage.from_dict(stage) for stage in state["stages"]]
        if [stage.index for stage in stages] != list(range(len(stages))):
            raise ValueError("state['stages'] must list the stages 0, 1, ... in order")
        autolrs._stages = stages
        pending = state["pending"]
        if pending is not None:
            missing = [key for key in _PENDING_KEYS + ("candidates",) if key not in pending]
            if missing:
                raise ValueError("state['pending'] is missing {}".format(", ".join(missing)))
            autolrs._pending = dict(
                {key: pending[key] for key in _PENDING_KEYS},
                candidates=[Trial.from_dict(c) for c in pending["candidates"]])
        return autolrs
