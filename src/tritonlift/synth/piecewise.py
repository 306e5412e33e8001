"""Top-down: a specification whose elements do not share one structure becomes a case split.

The samples are put in classes whose terms anti-unify (greedily, in sample order); each class is
solved on its own, and the class is told apart from the rest by the smallest comparison of
enumerated integer expressions (`j < D2`, `B = S`, `j mod 2 = 0`): `(p ? case₁ : rest)`. A
condition is learned only from the samples, so every case formula is still checked by the verifier
at every size like any other formula.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..ir.term import Op, Term, apply
from .antiunify import Mismatch, anti_unify
from .enumerate import separate
from .fit import Context

MAX_CASES = 4  # more cases than this is not a formula a person reads; give up instead


class NoSplit(Exception):
    """No case split explains the samples; the message says why."""


def classes(terms: list[Term], ids: list[int]) -> list[list[int]]:
    reps: list[int] = []
    out: list[list[int]] = []
    for n in ids:
        for c, rep in enumerate(reps):
            try:  # against the first and the latest member: cheap, and catches most drift
                anti_unify([terms[rep], terms[out[c][-1]], terms[n]])
            except Mismatch:
                continue
            out[c].append(n)
            break
        else:
            if len(reps) == MAX_CASES:
                raise NoSplit(f"the elements fall into more than {MAX_CASES} structurally different cases")
            reps.append(n)
            out.append([n])
    return out


def split(terms: list[Term], ids: list[int], ctx: Context,
          solve: Callable[[list[int], Context], Term]) -> Term:
    """`(p₁ ? case₁ : (p₂ ? case₂ : case₃))` over the classes of `ids`; `ctx` covers `ids`."""
    groups = classes(terms, ids)
    if len(groups) == 1:
        raise NoSplit("no split into cases that each have one structure was found")
    position = {n: p for p, n in enumerate(ids)}
    # Cases separate elements (`c < D2`, `j mod 2 = 0`), not sizes: when each size of the training
    # set falls into one case, the cases are size regimes the training sizes happen to separate
    # (`N = M·M`) and nothing says how the kernel behaves at other sizes.
    size_rows = [r for r, leaf in enumerate(ctx.leaves) if leaf.op is Op.SIZE]
    case_of_size: dict[tuple, set[int]] = {}
    for g, group in enumerate(groups):
        for n in group:
            case_of_size.setdefault(tuple(ctx.columns[size_rows, position[n]]), set()).add(g)
    if all(len(cases) == 1 for cases in case_of_size.values()):
        raise NoSplit("the elements differ in structure from size to size, not within a size")
    bodies = [solve(g, ctx.restrict([position[n] for n in g])) for g in groups]
    return _decision_list(groups, bodies, ids, ctx)


def _decision_list(groups: list[list[int]], bodies: list[Term], ids: list[int], ctx: Context) -> Term:
    if len(groups) == 1:
        return bodies[0]
    labels_of = [np.isin(np.array(ids), g) for g in groups]
    best = None
    for c, labels in enumerate(labels_of):
        found = separate(ctx.pool, labels)
        if found is not None and (best is None or _size(found[0]) < _size(best[1][0])):
            best = (c, found)
        if len(groups) == 2:
            break  # one condition separates two classes
    if best is None:
        raise NoSplit(f"no condition of at most 4-node integer expressions over the indices and sizes "
                      f"separates the {len(groups)} cases")
    c, (cond, polarity) = best
    rest_groups = groups[:c] + groups[c + 1:]
    rest_ids = [n for p, n in enumerate(ids) if not labels_of[c][p]]
    position = {n: p for p, n in enumerate(ids)}
    rest = _decision_list(rest_groups, bodies[:c] + bodies[c + 1:], rest_ids,
                          ctx.restrict([position[n] for n in rest_ids]))
    return apply(Op.WHERE, cond, bodies[c], rest) if polarity else apply(Op.WHERE, cond, rest, bodies[c])


def _size(t: Term) -> int:
    from ..ir.term import size_of

    return size_of(t)
