"""Integer index expressions as polynomials: a canonical form, and splitting a flat offset by strides.

`pid0·N + λ0` and `N·pid0 + λ0` are the same polynomial; splitting it by the strides (N, 1) of a
row-major [M, N] tensor gives the element index (pid0, λ0). The frame obligation then proves
0 ≤ index < shape, which makes the split the only one.
"""

from __future__ import annotations

from ..ir.term import Op, Sort, Term, apply, integer

Monomial = tuple[tuple[Term, int], ...]


def _key(t: Term) -> tuple:
    return (t.op.value, str(t.attr), len(t.args), repr(t))


def _mono(items: dict[Term, int]) -> Monomial:
    return tuple(sorted(((a, e) for a, e in items.items() if e), key=lambda p: _key(p[0])))


def poly(t: Term) -> dict[Monomial, int]:
    op = t.op
    if op is Op.CONST:
        return {(): int(t.value)} if t.value else {}
    if op is Op.ADD:
        out: dict[Monomial, int] = {}
        for a in t.args:
            for m, c in poly(a).items():
                out[m] = out.get(m, 0) + c
        return {m: c for m, c in out.items() if c}
    if op is Op.SUB:
        out = dict(poly(t.args[0]))
        for m, c in poly(t.args[1]).items():
            out[m] = out.get(m, 0) - c
        return {m: c for m, c in out.items() if c}
    if op is Op.NEG:
        return {m: -c for m, c in poly(t.args[0]).items()}
    if op is Op.MUL:
        out = {(): 1}
        for a in t.args:
            nxt: dict[Monomial, int] = {}
            for m1, c1 in out.items():
                for m2, c2 in poly(a).items():
                    exps = dict(m1)
                    for v, e in m2:
                        exps[v] = exps.get(v, 0) + e
                    m = _mono(exps)
                    nxt[m] = nxt.get(m, 0) + c1 * c2
            out = {m: c for m, c in nxt.items() if c}
        return out
    atom = t.rebuild(canon_int(a) if a.sort is Sort.INT else a for a in t.args) if t.args else t
    return {((atom, 1),): 1}


def from_poly(p: dict[Monomial, int]) -> Term:
    parts = []
    for m, c in sorted(p.items(), key=lambda mc: (len(mc[0]) == 0, [(_key(a), e) for a, e in mc[0]])):
        factors = [a for a, e in m for _ in range(e)]
        if not factors:
            parts.append(integer(c))
        elif c == 1:
            parts.append(factors[0] if len(factors) == 1 else apply(Op.MUL, *factors))
        else:
            parts.append(apply(Op.MUL, integer(c), *factors))
    if not parts:
        return integer(0)
    return parts[0] if len(parts) == 1 else apply(Op.ADD, *parts)


def canon_int(t: Term) -> Term:
    return from_poly(poly(t)) if t.sort is Sort.INT else t


def canon_compare(t: Term) -> Term:
    """`k < K − τ·B` → `k + τ·B < K`: an integer comparison with every monomial on the side where its
    coefficient is positive, so the same condition reads the same after a change of variables."""
    if t.op not in (Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE) or t.args[0].sort is not Sort.INT:
        return t
    d = poly(apply(Op.SUB, t.args[0], t.args[1]))
    left = {m: c for m, c in d.items() if c > 0}
    right = {m: -c for m, c in d.items() if c < 0}
    return apply(t.op, from_poly(left), from_poly(right))


def decompose(offset: Term, strides: tuple[Term, ...]) -> tuple[Term, ...] | None:
    """Split `offset` into per-dimension indices with Σ index_d · stride_d = offset, assigning each
    monomial to the first (outermost) stride that divides it."""
    remaining = dict(poly(offset))
    parts: list[dict[Monomial, int]] = []
    for stride in strides:
        sp = poly(stride)
        if len(sp) != 1:
            return None
        ((smono, scoef),) = sp.items()
        sexp = dict(smono)
        mine: dict[Monomial, int] = {}
        for m, c in list(remaining.items()):
            exps = dict(m)
            if c % scoef == 0 and all(exps.get(a, 0) >= e for a, e in sexp.items()):
                quotient = {a: exps.get(a, 0) - sexp.get(a, 0) for a in set(exps) | set(sexp)}
                mine[_mono(quotient)] = c // scoef
                del remaining[m]
        parts.append(mine)
    if remaining:
        return None
    return tuple(from_poly(p) for p in parts)
