"""The tutorial's comparison: the same start, the same batches, several learning rates."""
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence

from ._validate import as_callable, as_int, as_lr

if TYPE_CHECKING:
    from .learner import Learner, StepCallback

__all__ = ["compare_learning_rates"]


def compare_learning_rates(learner: "Learner", lrs: Sequence[float], iterations: int,
                           make_loader: Callable[[], Iterable[Any]],
                           evaluate: Optional[Callable[[Any], float]] = None,
                           callback: Optional["StepCallback"] = None
                           ) -> List[Dict[str, Any]]:
    """Train ``iterations`` optimizer steps at each learning rate, every run from one start.

    The "Learning Rate Finder" tutorial saves the initial parameters, then
    trains 300 iterations at 0.05, 0.5 and 0.005 from them. Here every run
    starts from ``learner``'s state at the call (parameters, BatchNorm
    statistics and optimizer states, through :meth:`Learner.trial`) and
    trains on a fresh loader from ``make_loader()``, which must give the same
    batches each time (e.g. a seeded sampler). The learner is left in its
    starting state; an optimizer's ``lr_scheduler`` is set aside while the
    runs train at their rates (:meth:`Learner.run`).

    Parameters
    ----------
    learner : Learner
    lrs : sequence of float
        Learning rates, each > 0.
    iterations : int
        Optimizer steps per learning rate, >= 1 (the tutorial's 300 iterations).
    make_loader : callable
        ``() -> data loader``; called once per learning rate.
    evaluate : callable, optional
        ``learner -> float`` run after each learning rate's last step (e.g.
        test accuracy).
    callback : callable, optional
        ``(step, lr, loss) -> stop?`` after every step (see :meth:`Learner.run`);
        ``step`` restarts at 1 for each learning rate.

    Returns
    -------
    list of dict
        One ``{'lr', 'losses', 'evaluation'}`` per learning rate, in order.
    """
    if not lrs:
        raise ValueError("lrs must list at least one learning rate")
    for lr in lrs:
        as_lr("each of lrs", lr, allow_zero=False)
    as_int("iterations", iterations, 1)
    as_callable("make_loader", make_loader, "() -> data loader")
    if evaluate is not None:
        as_callable("evaluate", evaluate, "learner -> float")
    runs: List[Dict[str, Any]] = []
    with learner.trial() as start:
        for lr in lrs:
            learner.restore(start)
            learner.set_data_loader(make_loader())
            losses = learner.run(iterations, lr=lr, callback=callback)
            runs.append({"lr": lr, "losses": losses,
                         "evaluation": None if evaluate is None else evaluate(learner)})
    return runs
