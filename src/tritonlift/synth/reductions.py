"""Recognising reductions in concrete terms and putting n-ary operands in a canonical order.

At concrete sizes a row sum is an n-ary ADD of `x[2, 0], x[2, 1], …, x[2, 4]`. Operands of an
associative-commutative node that have the same shape and differ only in integer indices that are
affine in their rank form a family: `Σ_{k<5} x[2, 1·k + 0]`. Bounds and offsets stay concrete
integers here; `generalize` turns them into expressions over sizes and output indices.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction

from ..ir.term import (ARG_OF, NARY, PICKS, REDUCTION_OF, REDUCTIONS, Op, Sort, Term, apply, bound,
                       canonical_binders, integer, reduce_, transform)

_shape_cache: dict[Term, str] = {}


def shape_key(t: Term) -> str:
    """A digest of `t`'s structure with every integer constant blanked out."""
    hit = _shape_cache.get(t)
    if hit is not None:
        return hit
    if t.op is Op.CONST and t.sort is Sort.INT:
        key = "#"
    elif not t.args:
        key = f"{t.op.value}:{t.attr!r}:{t.sort.value}"
    else:
        inner = ",".join(shape_key(a) for a in t.args)
        attr = "" if t.op in REDUCTIONS else repr(t.attr) if t.attr is not None else ""
        key = f"{t.op.value}{attr}({inner})"
        if len(key) > 64:
            key = t.op.value + ":" + hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    _shape_cache[t] = key
    return key


def int_holes(terms: list[Term]) -> list[tuple[tuple[int, ...], list[int]]]:
    """Positions (paths) where same-shaped `terms` differ, with each term's integer there.
    Identical subterms are skipped, so shared row maxima cost nothing."""
    holes: list[tuple[tuple[int, ...], list[int]]] = []

    def zip_(nodes: list[Term], path: tuple[int, ...]) -> None:
        first = nodes[0]
        if all(n is first for n in nodes):
            return
        if first.op is Op.CONST and first.sort is Sort.INT:
            holes.append((path, [n.value for n in nodes]))
            return
        for pos in range(len(first.args)):
            zip_([n.args[pos] for n in nodes], path + (pos,))

    zip_(terms, ())
    return holes


def replace_at(t: Term, path: tuple[int, ...], new: Term) -> Term:
    if not path:
        return new
    args = list(t.args)
    args[path[0]] = replace_at(args[path[0]], path[1:], new)
    return t.rebuild(args)


def _affine_in_rank(values: list[int]) -> tuple[int, int] | None:
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if all(v == values[0] + step * r for r, v in enumerate(values)):
        return step, values[0]
    return None


def _order_key(t: Term) -> tuple:
    """Canonical operand order: by shape, then by the integers inside (row-major)."""
    return (shape_key(t), _ints(t))


def _ints(t: Term) -> tuple[int, ...]:
    out: list[int] = []
    seen: set[Term] = set()

    def go(n: Term) -> None:
        if n.op is Op.CONST and n.sort is Sort.INT:
            out.append(n.value)
            return
        if n in seen or len(out) > 64:
            return
        seen.add(n)
        for a in n.args:
            go(a)

    go(t)
    return tuple(out)


def _affine_body(members: list[Term], k: Term) -> Term | None:
    """The members as one body over k (in the order of their integers): each integer where they
    differ becomes step·k + start, or None when one is not affine in the rank."""
    holes = int_holes(members)
    if not holes:
        return None
    order = sorted(range(len(members)), key=lambda m: tuple(values[m] for _, values in holes))
    body = members[order[0]]
    for path, values in holes:
        fit = _affine_in_rank([values[m] for m in order])
        if fit is None:
            return None
        step, start = fit
        body = replace_at(body, path, apply(Op.ADD, apply(Op.MUL, integer(step), k), integer(start)))
    return body


def _family(op: Op, members: list[Term]) -> Term | None:
    k = bound("β")
    body = _affine_body(members, k)
    if body is None:
        return None
    return canonical_binders(reduce_(REDUCTION_OF[op], k, integer(0), integer(len(members)), body))


def _arg_family(node: Term) -> Term:
    """argmax{p₀: v₀, …} with positions and values affine in rank (positions ascending):
    s · argmax_{k<n} v(k) + p₀ for a step s > 0 (the same smallest-position tie rule). One operand
    is the one-element reduction, which anti-unification matches against longer ones."""
    k = bound("β")
    if len(node.args) == 1:
        (position, body), step = node.args[0].args, integer(1)
    else:
        if len({shape_key(m) for m in node.args}) != 1:
            return node
        at = _affine_body(list(node.args), k)  # positions differ, so AT(step·k + p₀, v(k)), sorted by position
        if at is None:
            return node
        (step, _), position = at.args[0].args[0].args, at.args[0].args[1]
        body = at.args[1]
    found = canonical_binders(reduce_(ARG_OF[node.op], k, integer(0), integer(len(node.args)), body))
    return apply(Op.ADD, apply(Op.MUL, step, found), position)


def recognise(t: Term) -> Term:
    """Bottom-up: every n-ary node gets its same-shaped affine families folded into reductions
    and its operands in canonical order."""

    def step(node: Term) -> Term:
        if node.op in PICKS:
            return _arg_family(node)
        if node.op not in NARY or node.sort is not Sort.REAL:
            return node
        groups: dict[str, list[Term]] = {}
        for a in node.args:
            groups.setdefault(shape_key(a), []).append(a)
        operands: list[Term] = []
        for members in groups.values():
            family = _family(node.op, members) if len(members) > 1 else None
            operands.extend([family] if family is not None else members)
        operands.sort(key=_order_key)
        return operands[0] if len(operands) == 1 else apply(node.op, *operands)

    return transform(t, step)


def affine_fit(samples: list[tuple[tuple[int, ...], int]], feature_names: list[str]
               ) -> list[tuple[str, Fraction]] | None:
    """The sparsest `value = c0 + Σ c_f · f` (small rational coefficients) that fits every sample
    exactly; features are tried in the given order (output indices before sizes)."""
    import itertools

    import numpy as np

    if not samples:
        return None
    xs = np.array([s[0] for s in samples], dtype=float).reshape(len(samples), -1)
    ys = np.array([s[1] for s in samples], dtype=float)
    n = xs.shape[1]
    for count in range(0, min(n, 3) + 1):
        for subset in itertools.combinations(range(n), count):
            design = np.column_stack([np.ones(len(samples))] + [xs[:, f] for f in subset])
            coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
            fracs = [Fraction(c).limit_denominator(16) for c in coef]
            if any(f != 0 and abs(f) > 1024 for f in fracs):
                continue
            exact = all(
                sum((fracs[0], *(fracs[1 + p] * int(xs[r, f]) for p, f in enumerate(subset)))) == int(ys[r])
                for r in range(len(samples)))
            if exact and all(fracs[1 + p] != 0 for p in range(len(subset))):
                return [("1", fracs[0])] + [(feature_names[f], fracs[1 + p]) for p, f in enumerate(subset)]
    return None
