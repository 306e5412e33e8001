"""Integer holes as expressions over the output indices and the launch sizes.

The features of a sample are its output indices, the launch sizes, and the integer constexprs the
launch computes from them (`BLOCK = next_power_of_2(B)`), written as their expressions so that the
formula stays a function of sizes alone. A hole is fitted, cheapest first, by

1. the sparsest affine function of indices and sizes (the fit every kernel so far needed),
2. the same with products index × size (`i·T`: where tile `i` of a flat tensor starts),
3. the smallest enumerated expression (`i mod S`, `j − D2`),
4. `min`/`max` of two enumerated expressions (`min(T, M − i·T)`: a partial last tile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..ir.intexpr import evaluate_int
from ..ir.term import Op, Term, apply, integer, walk
from . import enumerate as enum
from .reductions import affine_fit


@dataclass
class Context:
    """Feature values at the samples of one (sub)problem; the enumeration pool is built lazily."""

    leaves: list[Term]  # index variables, then sizes, then derived constexpr expressions
    columns: np.ndarray  # one row per leaf, one column per sample
    base: int  # the first `base` leaves are the original features (indices and sizes)
    prune: bool = True
    enumerate_: bool = True
    _pool: enum.Pool | None = field(default=None, repr=False)

    @property
    def pool(self) -> enum.Pool:
        if self._pool is None:
            self._pool = enum.Pool(list(zip(self.leaves, self.columns)), prune=self.prune)
        return self._pool

    def restrict(self, ids: list[int]) -> Context:
        return Context(self.leaves, self.columns[:, ids], self.base, self.prune, self.enumerate_)


def make_context(envs: list[dict[str, int]], indices: tuple[Term, ...], size_names: tuple[str, ...],
                 derived: dict[str, Term], prune: bool = True, enumerate_: bool = True) -> Context:
    from ..ir.term import size

    leaves = list(indices) + [size(n) for n in size_names]
    base = len(leaves)
    # the launch's constexprs: expressions of sizes, and literals (a tile of W=4 is a leaf `4`)
    extra = [e for e in derived.values() if e.op is not Op.SIZE and not (e.op is Op.CONST and e.value in enum.CONSTANTS)]
    leaves += list(dict.fromkeys(extra))
    rows = []
    for leaf in leaves:
        if leaf.op is Op.INDEX:
            rows.append([env[str(leaf.attr)] for env in envs])
        else:
            rows.append([evaluate_int(leaf, env) for env in envs])
    columns = np.array(rows, dtype=np.int64).reshape(len(leaves), len(envs))
    return Context(leaves, columns, base, prune, enumerate_)


def fit_int(ctx: Context, values: list[int], at_least: tuple[bool, ...] | None = None,
            count: bool = False) -> Term | None:
    """`at_least[s]`: at sample s any value ≥ values[s] will do (the bound of a padded max).
    `count`: the hole is a real that counts something (`2.0` for a row of two): only an affine
    function with integer coefficients is taken, as a real number of elements is never `N mod 2`."""
    target = np.array(values, dtype=np.int64)
    names = [str(n) for n in range(ctx.base)]
    found = _affine(ctx.columns[:ctx.base], ctx.leaves[:ctx.base], target, names)
    if count:
        return found if found is not None and not any(t.op is Op.FLOORDIV for t in walk(found)) else None
    if found is not None:
        return found
    if at_least is not None and ctx.enumerate_:
        found = enum.find_at_least(ctx.pool, target, np.array(at_least, dtype=bool))
        if found is not None:
            return found
    leaves, cols = _with_products(ctx)
    found = _affine(cols, leaves, target, [str(n) for n in range(len(leaves))])
    if found is not None or not ctx.enumerate_:
        return found
    return enum.find(ctx.pool, target) or enum.find_min_max(ctx.pool, target)


def _with_products(ctx: Context) -> tuple[list[Term], np.ndarray]:
    """Leaves plus index × (size or derived) products, the start of a tile in a flat tensor."""
    leaves, cols = list(ctx.leaves), [c for c in ctx.columns]
    index_leaves = [n for n, t in enumerate(ctx.leaves) if t.op is Op.INDEX]
    for a in index_leaves:
        for b in range(len(ctx.leaves)):
            if b not in index_leaves:
                leaves.append(apply(Op.MUL, ctx.leaves[b], ctx.leaves[a]))
                cols.append(ctx.columns[a] * ctx.columns[b])
    return leaves, np.array(cols, dtype=np.int64).reshape(len(leaves), -1)


def _affine(cols: np.ndarray, leaves: list[Term], target: np.ndarray, names: list[str]) -> Term | None:
    rows = [(tuple(int(x) for x in cols[:, s]), int(target[s])) for s in range(len(target))]
    fit = affine_fit(rows, names)
    if fit is None:
        return None
    parts: list[Term] = []
    for name, coef in fit[1:]:
        var = leaves[int(name)]
        if coef.denominator != 1:
            parts.append(apply(Op.FLOORDIV, apply(Op.MUL, integer(coef.numerator), var), integer(coef.denominator)))
        else:
            parts.append(apply(Op.MUL, integer(int(coef)), var))
    constant: Fraction = fit[0][1]
    if constant.denominator != 1:
        return None  # a fractional offset: not an integer expression
    parts.append(integer(int(constant)))
    return parts[0] if len(parts) == 1 else apply(Op.ADD, *parts)
