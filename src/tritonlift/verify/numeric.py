"""Evaluating concrete terms on numbers: many random trials at once (numpy, float64).

Used to find counterexamples fast before asking a solver, and to replay a solver's model with
the real math functions.
"""

from __future__ import annotations

import math

import numpy as np

from ..ir.term import Op, Term, walk

_erf = np.vectorize(math.erf, otypes=[float])

_UNARY = {Op.EXP: np.exp, Op.EXP2: np.exp2, Op.LOG: np.log, Op.LOG2: np.log2, Op.SQRT: np.sqrt,
          Op.RSQRT: lambda v: 1.0 / np.sqrt(v), Op.ERF: _erf, Op.TANH: np.tanh, Op.SIN: np.sin, Op.COS: np.cos,
          Op.ABS: np.abs, Op.SIGMOID: lambda v: 1.0 / (1.0 + np.exp(-v)), Op.FLOOR: np.floor, Op.CEIL: np.ceil,
          Op.NEG: np.negative}
_BINARY = {Op.SUB: np.subtract, Op.DIV: np.divide, Op.POW: np.power, Op.LT: np.less, Op.LE: np.less_equal,
           Op.GT: np.greater, Op.GE: np.greater_equal, Op.EQ: np.equal, Op.NE: np.not_equal,
           Op.AND: np.logical_and, Op.OR: np.logical_or}
_NARY = {Op.ADD: np.add, Op.MUL: np.multiply, Op.MAX: np.maximum, Op.MIN: np.minimum}


class OutsideShape(Exception):
    """A formula reads an element outside its tensor at these sizes: it is no formula for them."""


def evaluate(terms: list[Term], inputs: dict[str, np.ndarray], params: dict[str, np.ndarray],
             sizes: dict[str, int], trials: int, memo: dict | None = None) -> list[np.ndarray]:
    """Each term's value in every trial: inputs[x] has shape (trials, *x.shape)."""
    memo = {} if memo is None else memo
    out = []
    with np.errstate(all="ignore"):
        for term in terms:
            for node in walk(term):
                if node not in memo:
                    memo[node] = _node(node, memo, inputs, params, sizes, trials)
            out.append(np.broadcast_to(memo[term], (trials,)))
    return out


def _node(t: Term, memo, inputs, params, sizes, trials) -> np.ndarray:
    op = t.op
    if op is Op.CONST:
        return np.full(trials, float(t.value))
    if op is Op.ACCESS and any(a.op is not Op.CONST for a in t.args):
        return _gather(t, memo, inputs[str(t.attr)], trials)
    if op is Op.ACCESS:
        idx = tuple(a.value for a in t.args)
        array = inputs[str(t.attr)]
        if any(not 0 <= i < d for i, d in zip(idx, array.shape[1:])):  # numpy would wrap -1 silently
            raise OutsideShape(f"{t.attr}{list(idx)} is outside {t.attr}'s shape {list(array.shape[1:])}")
        return array[(slice(None),) + idx].astype(float)
    if op is Op.PARAM:
        return params[str(t.attr)]
    if op is Op.SIZE:
        return np.full(trials, float(sizes[str(t.attr)]))
    if op is Op.UNDEF:
        return np.full(trials, np.nan)
    args = [memo[a] for a in t.args]
    if op is Op.TOREAL:
        return args[0].astype(float)
    if op in _NARY:
        result = args[0]
        for a in args[1:]:
            result = _NARY[op](result, a)
        return result
    if op in _BINARY:
        return _BINARY[op](args[0], args[1])
    if op is Op.NOT:
        return np.logical_not(args[0])
    if op is Op.WHERE:
        return np.where(args[0].astype(bool), args[1], args[2])
    if op is Op.AT:
        return args[1]
    if op in (Op.PICKMAX, Op.PICKMIN):  # the smallest position among the extreme values
        order = sorted(range(len(t.args)), key=lambda a: t.args[a].args[0].value)
        values = np.stack([np.broadcast_to(args[a], (trials,)) for a in order])
        best = np.argmax(values, axis=0) if op is Op.PICKMAX else np.argmin(values, axis=0)
        return np.array([t.args[a].args[0].value for a in order], dtype=float)[best]
    if op in _UNARY:
        return _UNARY[op](args[0])
    raise ValueError(f"cannot evaluate {op} numerically here")


def _gather(t: Term, memo, array: np.ndarray, trials: int) -> np.ndarray:
    """x[i, t[i]] in every trial; an index outside x's shape gives NaN (the formula reads nothing there)."""
    idx = [np.rint(np.broadcast_to(memo[a], (trials,))).astype(np.int64) for a in t.args]
    inside = np.ones(trials, dtype=bool)
    for i, d in zip(idx, array.shape[1:]):
        inside &= (0 <= i) & (i < d)
    clipped = [np.clip(i, 0, max(d - 1, 0)) for i, d in zip(idx, array.shape[1:])]
    return np.where(inside, array[(np.arange(trials), *clipped)].astype(float), np.nan)


def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Agreement up to double-precision rounding of differently ordered real arithmetic."""
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(all="ignore"):
        near = np.abs(a - b) <= 1e-7 * np.maximum(np.abs(a), np.abs(b)) + 1e-9
    return both_nan | near | (a == b)
