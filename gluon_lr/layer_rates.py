"""Per-layer learning rates: MXNet's ``Parameter.lr_mult``, set by name or spread over blocks.

Each parameter trains at the optimizer's rate times its ``lr_mult``; MXNet's
optimizers read the multiplier at every step. The finder, schedules and
:meth:`~gluon_lr.Learner.run` set the optimizer's rate (the base rate) only,
so the multipliers are kept through a sweep: a suggested rate is a base rate,
and each layer trains at that rate times its multiplier.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import mxnet as mx

from ._validate import as_number, check_order

__all__ = ["LrMult", "set_lr_mult", "discriminative_lr_mult", "apply_lr_mult",
           "lr_mult_summary"]

#: What ``Learner(lr_mult=...)`` accepts: ``{pattern: multiplier}`` or ``(lo, hi)``.
LrMult = Union[Mapping[str, float], Tuple[float, float]]


def _block_of(name: str) -> str:
    """The top-level child block a parameter's structural name lies in ('' for the net's own)."""
    head, dot, _ = name.partition(".")
    return head if dot else ""


def set_lr_mult(net: mx.gluon.Block, patterns: Mapping[str, float]) -> Dict[str, float]:
    """Set ``lr_mult`` of the parameters whose names match each regular expression.

    Parameters
    ----------
    net : mx.gluon.Block
    patterns : dict of str to float
        ``{pattern: multiplier}``. A pattern selects parameters as
        ``net.collect_params(pattern)`` does (``re.match`` on structural names
        such as ``'features.0.weight'``). Later patterns win where several
        match. A multiplier is a number >= 0 (0 freezes the parameter).

    Returns
    -------
    dict of str to float
        The multiplier now set, by parameter name, for every parameter matched.

    Raises
    ------
    ValueError
        For a pattern that matches no parameter (the message lists the names).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.HybridSequential()
    >>> net.add(mx.gluon.nn.Dense(4, in_units=3), mx.gluon.nn.Dense(2, in_units=4))
    >>> set_lr_mult(net, {r"0\\.": 0.1})
    {'0.weight': 0.1, '0.bias': 0.1}
    >>> net[1].weight.lr_mult
    1.0
    """
    if not isinstance(net, mx.gluon.Block):
        raise TypeError("net must be an mx.gluon.Block; got {!r}".format(type(net)))
    if not isinstance(patterns, Mapping):
        raise TypeError("lr_mult must be a dict {{pattern: multiplier}} or a pair (lo, hi); "
                        "got {!r}".format(patterns))
    checked = {_checked_pattern(pattern): as_number("lr_mult[{!r}]".format(pattern), mult, 0.0)
               for pattern, mult in patterns.items()}
    names = list(net.collect_params())
    done: Dict[str, float] = {}
    for pattern, mult in checked.items():
        selected = net.collect_params(pattern)
        if not selected:
            raise ValueError("lr_mult pattern {!r} matches no parameter of net (re.match on "
                             "the names {})".format(pattern, _listed(names)))
        for name, param in selected.items():
            param.lr_mult = mult
            done[name] = mult
    return done


def _checked_pattern(pattern: Any) -> str:
    if not isinstance(pattern, str):
        raise TypeError("lr_mult's keys must be regular expressions (str); got {!r}".format(
            pattern))
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError("lr_mult pattern {!r} is not a regular expression: {}".format(
            pattern, error)) from None
    return pattern


def _listed(names: List[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (", ... ({} in all)".format(len(names)) if len(names) > limit else "")


def discriminative_lr_mult(net: mx.gluon.Block, lo: float, hi: float) -> Dict[str, float]:
    """Spread multipliers geometrically over the network's top-level child blocks.

    With ``n`` blocks in order, block ``i`` (0-based) gets
    ``(lo / hi) ** ((n - 1 - i) / (n - 1))``: the first ``lo / hi``, the last
    1. Training at a base rate of ``hi`` then gives the first block ``lo`` and
    the last ``hi``, as fastai's ``slice(lo, hi)``. A single block gets 1, and
    so do parameters that belong to ``net`` itself rather than to a child.

    Parameters
    ----------
    net : mx.gluon.Block
        Its blocks are the first parts of its parameters' structural names
        (``'0'``, ``'1'``, ... for a ``Sequential``; ``'features'`` and
        ``'output'`` for the model zoo's networks), in order.
    lo, hi : float
        The rates of the first and the last block, ``0 < lo <= hi``.

    Returns
    -------
    dict of str to float
        The multiplier set, by parameter name.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.HybridSequential()
    >>> for units in (4, 4, 2):
    ...     net.add(mx.gluon.nn.Dense(units, in_units=4))
    >>> mults = discriminative_lr_mult(net, 1e-4, 1e-2)
    >>> [round(mults[name], 6) for name in ("0.weight", "1.weight", "2.weight")]
    [0.01, 0.1, 1.0]
    """
    lo = as_number("lo", lo, 0.0, low_open=True)
    hi = as_number("hi", hi, 0.0, low_open=True)
    check_order("lo", lo, "hi", hi)
    names = list(net.collect_params())
    blocks = list(dict.fromkeys(block for block in map(_block_of, names) if block))
    span = len(blocks) - 1
    position = {block: i for i, block in enumerate(blocks)}
    mults = {}
    for name in names:
        block = _block_of(name)
        mults[name] = 1.0 if not block or not span \
            else (lo / hi) ** ((span - position[block]) / span)
    return set_lr_mult(net, {re.escape(name) + "$": mult for name, mult in mults.items()})


def apply_lr_mult(net: mx.gluon.Block, lr_mult: Optional[LrMult]) -> None:
    """Apply ``Learner(lr_mult=...)``: a ``{pattern: mult}`` dict, a ``(lo, hi)`` pair or None."""
    if lr_mult is None:
        return
    if isinstance(lr_mult, tuple) and len(lr_mult) == 2:
        discriminative_lr_mult(net, lr_mult[0], lr_mult[1])
    else:
        set_lr_mult(net, lr_mult)


def lr_mult_summary(net: mx.gluon.Block) -> Optional[str]:
    """One line on the network's per-layer rates, or None when every ``lr_mult`` is 1.

    Each top-level block is listed with the multiplier of its trained
    parameters (a range where they differ; ``(net)`` stands for parameters of
    ``net`` itself); the line says that rates are the base rate times these.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.HybridSequential()
    >>> net.add(mx.gluon.nn.Dense(4, in_units=3), mx.gluon.nn.Dense(2, in_units=4))
    >>> lr_mult_summary(net) is None
    True
    >>> _ = set_lr_mult(net, {"0": 0.1})
    >>> lr_mult_summary(net)
    'per-layer rates: base rate x lr_mult (0: 0.1, 1: 1)'
    """
    by_block: Dict[str, List[float]] = {}
    for name, param in net.collect_params().items():
        if param.grad_req != "null":  # statistics such as BatchNorm's are not stepped
            by_block.setdefault(_block_of(name) or "(net)", []).append(float(param.lr_mult))
    if all(mult == 1.0 for mults in by_block.values() for mult in mults):
        return None
    parts = []
    for block, mults in by_block.items():
        low, high = min(mults), max(mults)
        parts.append("{}: {:g}".format(block, low) if low == high
                     else "{}: {:g}-{:g}".format(block, low, high))
    return "per-layer rates: base rate x lr_mult ({})".format(", ".join(parts))
