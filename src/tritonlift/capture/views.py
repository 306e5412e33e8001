"""Tensors that host code passes as reshaped views of the operator's own inputs and outputs.

`x.reshape(-1, N)` of a contiguous `x[B, T, N]` reaches the kernel as `x_view[B * T, N]`, and its
formula reads `x_view[a, b]`. Both are contiguous over one storage, so element `(a, b)` of the view
is element `(a // T, a mod T, b)` of `x`: the dimensions are matched in groups of equal extent
products from the innermost one (`N` ↔ `N`, `B·T` ↔ `B, T`), and within a group the index is
linearised and split again by floor division and remainder — exact integer arithmetic, no
assumption. The divisions are then simplified where that is evident: `(i·T + j) // T = i` and
`(i·T + j) mod T = j` when `j` is an index or reduction variable ranging over exactly `[0, T)`.
Views at a storage offset or with other strides stay unmodelled.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass

from ..ir.intexpr import int_expr_from_python
from ..ir.term import REDUCTIONS, Op, Term, access, apply, integer
from ..verify.intcanon import _mono, canon_int, from_poly, poly


@dataclass(frozen=True)
class View:
    """A launch tensor `name` that is a view of the operator's input or output `base`."""

    name: str
    base: str
    shape: tuple[str, ...]
    strides: tuple[str, ...]  # element strides; () when contiguous
    offset: str  # storage offset relative to the base's

    @property
    def reshaped(self) -> bool:
        """Contiguous at the base's storage offset: a reshape, which `reindex` maps."""
        return not self.strides and self.offset == "0"


def int_term(text: str) -> Term:
    return int_expr_from_python(ast.parse(text, mode="eval").body)


def _product(dims) -> Term:
    return canon_int(apply(Op.MUL, integer(1), *dims))


def _groups(src: list[int], dst: list[int], a: tuple[Term, ...], b: tuple[Term, ...]):
    """Split the (non-unit) dimensions of both shapes, innermost first, into groups whose extent
    products are identical; None if no grouping is evident."""
    groups = []
    while src or dst:
        found = None
        for total in range(2, len(src) + len(dst) + 1):
            for n in range(1, total):
                m = total - n
                if n <= len(src) and m <= len(dst) and \
                        _product(a[d] for d in src[-n:]) is _product(b[d] for d in dst[-m:]):
                    found = (n, m)
                    break
            if found:
                break
        if found is None:
            return None
        n, m = found
        groups.insert(0, (src[-n:], dst[-m:]))
        src, dst = src[:-n], dst[:-m]
    return groups


def reindex(idx: tuple[Term, ...], src: tuple[Term, ...], dst: tuple[Term, ...],
            ranges: dict[Term, Term]) -> tuple[Term, ...] | None:
    """Element `idx` of a contiguous tensor of shape `src` as an index of the contiguous tensor of
    shape `dst` over the same storage (same number of elements); `ranges`: variable -> extent."""
    keep_src = [d for d in range(len(src)) if canon_int(src[d]) is not integer(1)]
    keep_dst = [d for d in range(len(dst)) if canon_int(dst[d]) is not integer(1)]
    groups = _groups(keep_src, keep_dst, src, dst)
    if groups is None:
        return None
    out: list[Term] = [integer(0)] * len(dst)
    for sg, dg in groups:
        linear = integer(0)
        for d in sg:
            linear = canon_int(apply(Op.ADD, apply(Op.MUL, linear, src[d]), idx[d]))
        for k, d in enumerate(dg):
            inner = _product(dst[e] for e in dg[k + 1:])
            q = _div(linear, inner, ranges, Op.FLOORDIV)
            out[d] = q if k == 0 else _div(q, dst[d], ranges, Op.MOD)
    return tuple(out)


def _div(a: Term, c: Term, ranges: dict[Term, Term], op: Op) -> Term:
    """a // c or a mod c, without the division where `a = q·c + r` with r evidently in [0, c)."""
    if c is integer(1):
        return a if op is Op.FLOORDIV else integer(0)
    cp = poly(c)
    if len(cp) == 1:
        ((cmono, ccoef),) = cp.items()
        cexp = dict(cmono)
        q, r = {}, {}
        for m, coef in poly(a).items():
            exps = dict(m)
            if coef % ccoef == 0 and all(exps.get(v, 0) >= e for v, e in cexp.items()):
                quot = _mono({v: exps.get(v, 0) - cexp.get(v, 0) for v in set(exps) | set(cexp)})
                q[quot] = q.get(quot, 0) + coef // ccoef
            else:
                r[m] = coef
        rest = from_poly(r)
        if _in_range(rest, c, ranges):
            return canon_int(from_poly(q)) if op is Op.FLOORDIV else canon_int(rest)
    return apply(op, a, c)


def _in_range(r: Term, c: Term, ranges: dict[Term, Term]) -> bool:
    """0 ≤ r < c is evident: r = 0, or r = v·e + r' with v ranging over [0, c/e) and 0 ≤ r' < e."""
    r = canon_int(r)
    if r is integer(0):
        return True
    if r.op in (Op.INDEX, Op.BOUND):
        return r in ranges and canon_int(ranges[r]) is canon_int(c)
    for v, extent in ranges.items():
        if v in {t for t in _leaves(r)}:
            e = _quotient(c, extent)
            if e is None:
                continue
            rest = canon_int(apply(Op.SUB, r, apply(Op.MUL, v, e)))
            if v not in set(_leaves(rest)) and _in_range(rest, e, ranges):
                return True
    return False


def _leaves(t: Term):
    from ..ir.term import walk

    return [x for x in walk(t) if x.op in (Op.INDEX, Op.BOUND)]


def _quotient(c: Term, d: Term) -> Term | None:
    """c / d when d divides c as a monomial (T·N / T = N)."""
    for e in (integer(1), *itertools.islice(_monomials(c), 8)):
        if canon_int(apply(Op.MUL, d, e)) is canon_int(c):
            return e
    return None


def _monomials(c: Term):
    """Sub-products of c's single monomial."""
    cp = poly(c)
    if len(cp) != 1:
        return
    ((mono, coef),) = cp.items()
    factors = [v for v, e in mono for _ in range(e)]
    seen = set()
    for n in range(1, len(factors) + 1):
        for combo in itertools.combinations(factors, n):
            t = canon_int(apply(Op.MUL, integer(1), *combo))
            if t not in seen:
                seen.add(t)
                yield t


def _scoped(body: Term, index_ranges: dict[Term, Term], fn) -> Term | None:
    """Bottom-up rewrite where `fn(node, ranges)` also knows each variable's extent (output
    indices, and reduction variables from 0 inside their reduction); None propagates."""
    memo: dict[tuple[Term, int], Term | None] = {}
    scopes: list[dict] = [index_ranges]  # kept alive: memo keys hold their ids

    def go(t: Term, ranges: dict[Term, Term]) -> Term | None:
        key = (t, id(ranges))
        if key in memo:
            return memo[key]
        if not t.args:
            out = t
        elif t.op in REDUCTIONS:
            lo, hi, inner = t.args
            scope = {k: v for k, v in ranges.items() if k is not t.attr}
            if lo is integer(0):
                scope[t.attr] = hi
            scopes.append(scope)
            parts = (go(lo, ranges), go(hi, ranges), go(inner, scope))
            out = None if None in parts else t.rebuild(parts)
        else:
            args = [go(a, ranges) for a in t.args]
            out = None if None in args else fn(t.rebuild(args), ranges)
        memo[key] = out
        return out

    return go(body, index_ranges)


def rewrite_reads(body: Term, views: dict[str, View], base_shapes: dict[str, tuple[Term, ...]],
                  index_ranges: dict[Term, Term]) -> Term | None:
    """`body` with every read of a view replaced by a read of its base; None if one cannot be."""
    def step(t: Term, ranges):
        if t.op is not Op.ACCESS or t.attr not in views:
            return t
        view = views[t.attr]
        shape = tuple(int_term(s) for s in view.shape)
        idx = reindex(t.args, shape, base_shapes[view.base], ranges) if view.reshaped else None
        return None if idx is None else access(view.base, idx)

    return _scoped(body, index_ranges, step) if views else body


def simplify_divisions(body: Term, index_ranges: dict[Term, Term]) -> Term:
    """`(i·T + j) // T` → `i` and `(i·T + j) mod T` → `j` where j evidently ranges over [0, T)."""
    def step(t: Term, ranges):
        if t.op in (Op.FLOORDIV, Op.MOD):
            return _div(canon_int(t.args[0]), t.args[1], ranges, t.op)
        return t

    return _scoped(body, index_ranges, step)
