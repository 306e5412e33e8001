"""Term arithmetic as the executor performs it: real-number semantics with ±∞ folded soundly.

Every symbolic input (ACCESS, PARAM) denotes a finite real. Masked loads bring in constants such as
−∞ and 0, and these are folded away exactly as IEEE arithmetic would on finite operands:
max(x, −∞) = x, x + 0 = x, exp(−∞) = 0, (x = −∞) is false. Nothing here rounds; constant
arithmetic on two literals is done in double precision (the literals are taken as written).
"""

from __future__ import annotations

import functools
import math

from ..ir.term import (FALSE, NEG_INF, POS_INF, PICKS, TRUE, Op, Sort, Term, apply, const, integer, real)

_finite_cache: dict[Term, bool] = {}


def is_finite(t: Term) -> bool:
    """True when `t` denotes a finite real for every finite assignment of its inputs (syntactically:
    no infinite or NaN constant and no undefined value inside)."""
    hit = _finite_cache.get(t)
    if hit is not None:
        return hit
    if t.op is Op.CONST:
        result = not (isinstance(t.value, float) and not math.isfinite(t.value))
    elif t.op is Op.UNDEF:
        result = False
    else:
        result = all(is_finite(a) for a in t.args)
    _finite_cache[t] = result
    return result


def _c(t: Term) -> float | None:
    return t.value if t.op is Op.CONST and t.sort is Sort.REAL else None


def _is_const(t: Term) -> bool:
    return t.op is Op.CONST


NAN = real(float("nan"))

# Terms are interned, so a fold is a pure function of object identities: masked-off lanes repeat
# the same few constant operations thousands of times, and a cache makes them dictionary lookups.
_memo = functools.lru_cache(maxsize=1 << 18)


@_memo
def add(*args: Term) -> Term:
    if any(a.op in PICKS for a in args):
        return _affine_pick(args, lambda p, c: p + c, 0)
    flat: list[Term] = []
    total = 0.0
    for a in args:
        parts = a.args if a.op is Op.ADD else (a,)
        for p in parts:
            v = _c(p)
            if v is None:
                flat.append(p)
            else:
                total += v
    if math.isnan(total):
        return NAN
    if math.isinf(total):
        return real(total) if all(is_finite(f) for f in flat) else apply(Op.ADD, *flat, real(total))
    if total != 0.0:
        flat.append(real(total))
    if not flat:
        return real(0.0)
    return flat[0] if len(flat) == 1 else apply(Op.ADD, *flat)


@_memo
def mul(*args: Term) -> Term:
    if any(a.op in PICKS for a in args):
        return _affine_pick(args, lambda p, c: p * c, 1)
    flat: list[Term] = []
    product = 1.0
    for a in args:
        parts = a.args if a.op is Op.MUL else (a,)
        for p in parts:
            v = _c(p)
            if v is None:
                flat.append(p)
            else:
                product *= v
    if math.isnan(product):
        return NAN
    if product == 0.0 and all(is_finite(f) for f in flat):
        return real(0.0)
    if math.isinf(product) and flat:
        return apply(Op.MUL, *flat, real(product))
    if product != 1.0:
        flat.insert(0, real(product))
    if not flat:
        return real(1.0)
    return flat[0] if len(flat) == 1 else apply(Op.MUL, *flat)


@_memo
def neg(a: Term) -> Term:
    v = _c(a)
    if v is not None:
        return real(-v)
    if a.op is Op.NEG:
        return a.args[0]
    return apply(Op.NEG, a)


@_memo
def sub(a: Term, b: Term) -> Term:
    va, vb = _c(a), _c(b)
    if va is not None and vb is not None:
        return real(va - vb)
    if vb == 0.0:
        return a
    if va == 0.0:
        return neg(b)
    if a is b and is_finite(a):
        return real(0.0)
    if vb is not None and math.isinf(vb) and is_finite(a):
        return real(-vb)
    if va is not None and math.isinf(va) and is_finite(b):
        return a
    return apply(Op.SUB, a, b)


@_memo
def div(a: Term, b: Term) -> Term:
    va, vb = _c(a), _c(b)
    if va is not None and vb is not None and vb != 0.0:
        return real(va / vb)
    if vb == 1.0:
        return a
    if va == 0.0 and is_finite(b) and vb != 0.0:
        return real(0.0)  # 0 / b = 0 for every nonzero b: denominators are assumed nonzero
    return apply(Op.DIV, a, b)


def _extremum(op: Op, args: tuple[Term, ...]) -> Term:
    neutral, absorbing = (NEG_INF, POS_INF) if op is Op.MAX else (POS_INF, NEG_INF)
    flat: list[Term] = []
    best: float | None = None
    for a in args:
        for p in (a.args if a.op is op else (a,)):
            if p is neutral:
                continue
            if p is absorbing:
                return absorbing
            v = _c(p)
            if v is not None:
                if math.isnan(v):
                    return NAN
                best = v if best is None else (max(best, v) if op is Op.MAX else min(best, v))
            elif p not in flat:
                flat.append(p)
    if best is not None:
        flat.append(real(best))
    if not flat:
        return neutral
    return flat[0] if len(flat) == 1 else apply(op, *flat)


@_memo
def maximum(*args: Term) -> Term:
    return _extremum(Op.MAX, args)


@_memo
def minimum(*args: Term) -> Term:
    return _extremum(Op.MIN, args)


_EXACT = {  # math functions folded only where the value is exact
    Op.EXP: {float("-inf"): 0.0, 0.0: 1.0, float("inf"): float("inf")},
    Op.EXP2: {float("-inf"): 0.0, 0.0: 1.0, float("inf"): float("inf")},
    Op.LOG: {1.0: 0.0, 0.0: float("-inf")},
    Op.LOG2: {1.0: 0.0, 0.0: float("-inf")},
    Op.SQRT: {0.0: 0.0, 1.0: 1.0, 4.0: 2.0},
    Op.RSQRT: {1.0: 1.0, 4.0: 0.5},
    Op.ERF: {0.0: 0.0}, Op.TANH: {0.0: 0.0}, Op.SIN: {0.0: 0.0}, Op.COS: {0.0: 1.0},
    Op.SIGMOID: {0.0: 0.5},
}


@_memo
def unary(op: Op, a: Term) -> Term:
    v = _c(a)
    if v is not None:
        if op is Op.ABS:
            return real(abs(v))
        if op in (Op.FLOOR, Op.CEIL) and math.isfinite(v):
            return real(float(math.floor(v) if op is Op.FLOOR else math.ceil(v)))
        table = _EXACT.get(op, {})
        if v in table:
            return real(table[v])
    return apply(op, a)


@_memo
def power(a: Term, b: Term) -> Term:
    va, vb = _c(a), _c(b)
    if vb == 1.0:
        return a
    if vb == 0.0 and is_finite(a):
        return real(1.0)
    if va is not None and vb is not None and vb == int(vb) and abs(vb) < 64 and (va != 0 or vb > 0):
        return real(va ** vb)
    return apply(Op.POW, a, b)


_COMPARE = {Op.LT: lambda x, y: x < y, Op.LE: lambda x, y: x <= y, Op.GT: lambda x, y: x > y,
            Op.GE: lambda x, y: x >= y, Op.EQ: lambda x, y: x == y, Op.NE: lambda x, y: x != y}


@_memo
def compare(op: Op, a: Term, b: Term) -> Term:
    if _is_const(a) and _is_const(b):
        return const(bool(_COMPARE[op](a.value, b.value)))
    # a finite real is never ±∞: decide comparisons against infinite constants
    for x, y, flipped in ((a, b, False), (b, a, True)):
        vy = _c(y)
        if vy is not None and math.isinf(vy) and is_finite(x):
            probe = 0.0
            left, right = (vy, probe) if flipped else (probe, vy)
            return const(bool(_COMPARE[op](left, right)))
    if a is b and is_finite(a) and a.sort is not Sort.BOOL:
        return const(op in (Op.LE, Op.GE, Op.EQ))
    return apply(op, a, b)


@_memo
def logical(op: Op, *args: Term) -> Term:
    if op is Op.NOT:
        (a,) = args
        if _is_const(a):
            return const(not a.value)
        return apply(Op.NOT, a)
    a, b = args
    if op is Op.AND:
        if a is FALSE or b is FALSE:
            return FALSE
        if a is TRUE:
            return b
        if b is TRUE:
            return a
    else:
        if a is TRUE or b is TRUE:
            return TRUE
        if a is FALSE:
            return b
        if b is FALSE:
            return a
    return apply(op, a, b)


@_memo
def where(c: Term, a: Term, b: Term) -> Term:
    if c is TRUE:
        return a
    if c is FALSE:
        return b
    if a is b:
        return a
    if a.op in PICKS:
        merged = merge_picks(c, a, b)
        if merged is not None:
            return merged
    if c.op in (Op.LT, Op.LE, Op.GT, Op.GE) and {a, b} == set(c.args) and a.sort is Sort.REAL \
            and not (_is_const(a) or _is_const(b)):
        # (x > y ? x : y) = max(x, y) over the reals: a running maximum kept with tl.where
        larger = (c.op in (Op.GT, Op.GE)) == (c.args[0] is a)
        return maximum(a, b) if larger else minimum(a, b)
    # inside a branch the condition is known: where(c, where(c, p, q), r) = where(c, p, r)
    if a.op is Op.WHERE and a.args[0] is c:
        return where(c, a.args[1], b)
    if b.op is Op.WHERE and b.args[0] is c:
        return where(c, a, b.args[2])
    return apply(Op.WHERE, c, a, b)


@_memo
def to_real(t: Term) -> Term:
    if t.sort is Sort.REAL:
        return t
    if t.op is Op.CONST:
        return real(float(t.value))
    return apply(Op.TOREAL, t)


def refold(t: Term) -> Term:
    """Rebuild `t` bottom-up with the folds above (after substituting constants such as −∞)."""
    from ..ir.term import transform

    return transform(t, refold_node)


def refold_node(n: Term) -> Term:
    """One node rebuilt with the fold for its operator (its children already folded)."""
    from ..ir.term import COMPARISONS, UNARY_MATH

    fn = _REFOLD.get(n.op)
    if fn is not None:
        return fn(*n.args)
    if n.op in COMPARISONS or n.op in (Op.AND, Op.OR, Op.NOT):
        return (compare if n.op in COMPARISONS else logical)(n.op, *n.args)
    if n.op in UNARY_MATH:
        return unary(n.op, *n.args)
    return n


_REFOLD = {Op.ADD: add, Op.MUL: mul, Op.MAX: maximum, Op.MIN: minimum, Op.SUB: sub, Op.DIV: div, Op.NEG: neg,
           Op.POW: power, Op.WHERE: where, Op.TOREAL: to_real,
           Op.PICKMAX: lambda *a: pick(Op.PICKMAX, *a), Op.PICKMIN: lambda *a: pick(Op.PICKMIN, *a)}


# ---------------------------------------------------------------- argmax / argmin at concrete sizes
#
# An index result of tl.max(..., return_indices=True) is PICKMAX(AT(p₀, v₀), …): the smallest
# position among the largest values (Triton's default tie rule, `return_indices_tie_break_left`).
# Positions are explicit integers, so the folds below are exact rewrites of that definition.


def at(position: int, value: Term) -> Term:
    return apply(Op.AT, integer(position), value)


@_memo
def pick(op: Op, *operands: Term) -> Term:
    """PICKMAX/PICKMIN over AT operands. An operand equal to the neutral value (−∞ for a max) can never be chosen when
    some operand is finite (finite > −∞) or lies at a smaller position (ties go left): it is
    dropped, which is how masked-off lanes (`other=-inf`) disappear. All-constant picks are decided."""
    neutral = NEG_INF if op is Op.PICKMAX else POS_INF
    entries = sorted({(a.args[0].value, a.args[1]) for a in operands}, key=lambda e: (e[0], repr(e[1])))
    first = entries[0][0]
    some_finite = any(is_finite(v) for _, v in entries)
    kept = [(p, v) for p, v in entries if not (v is neutral and (some_finite or p > first))]
    if all(_c(v) is not None for _, v in kept):
        values = [_c(v) for _, v in kept]
        best = max(values) if op is Op.PICKMAX else min(values)
        return integer(next(p for (p, _), v in zip(kept, values) if v == best))
    return apply(op, *(at(p, v) for p, v in kept))


def _affine_pick(args: tuple[Term, ...], combine, unit: int) -> Term:
    """PICK + c and PICK · c (c > 0): every position moves alike, so the choice is the same."""
    picks = [a for a in args if a.op in PICKS]
    rest = [a for a in args if a.op not in PICKS]
    if len(picks) != 1 or any(a.op is not Op.CONST or float(a.value) != int(a.value) for a in rest):
        return apply(Op.ADD if unit == 0 else Op.MUL, *args)
    c = unit
    for a in rest:
        c = combine(c, int(a.value))
    if unit == 1 and c <= 0:  # a non-positive scale reverses or collapses the order of positions
        return apply(Op.MUL, *args)
    p = picks[0]
    return pick(p.op, *(at(combine(a.args[0].value, c), a.args[1]) for a in p.args))


def _extreme_operands(t: Term, op: Op) -> frozenset[Term] | None:
    """The values whose maximum (op = MAX) `t` is: max(a, b, …), or a running maximum written
    `(x > y ? x : y)` as a loop's accumulator update is. −∞ is no operand of a maximum."""
    neutral = NEG_INF if op is Op.MAX else POS_INF
    if t is neutral:
        return frozenset()
    if t.op is op:
        return frozenset(t.args)
    if t.op is Op.WHERE and t.args[0].op in (Op.GT, Op.GE, Op.LT, Op.LE):
        x, y = t.args[0].args
        larger = t.args[0].op in (Op.GT, Op.GE)
        if (t.args[1], t.args[2]) == ((x, y) if larger == (op is Op.MAX) else (y, x)):
            a, b = _extreme_operands(x, op), _extreme_operands(y, op)
            return None if a is None or b is None else a | b
        return None
    return frozenset({t})


def _pick_values(p: Term) -> frozenset[Term]:
    neutral = NEG_INF if p.op is Op.PICKMAX else POS_INF
    return frozenset(a.args[1] for a in p.args if a.args[1] is not neutral)


def merge_picks(c: Term, a: Term, b: Term) -> Term | None:
    """(best(A) beats best(B) ? pick(A) : pick(B)) = pick(A ∪ B) when ties fall to the side whose
    positions are all smaller: a loop that keeps its running argmax unless a later tile has a
    strictly larger maximum computes the argmax of everything it has seen."""
    if a.op not in PICKS or b.op is not a.op or c.op not in (Op.GT, Op.GE, Op.LT, Op.LE):
        return None
    extremum = Op.MAX if a.op is Op.PICKMAX else Op.MIN
    x, y = c.args
    # c says "x beats y", strictly or not (for a max: x > y, y < x, x ≥ y, y ≤ x)
    beats_first = (c.op in (Op.GT, Op.GE)) == (extremum is Op.MAX)
    winner, loser = (x, y) if beats_first else (y, x)
    strict = c.op in (Op.GT, Op.LT)
    if _extreme_operands(winner, extremum) != _pick_values(a) or _extreme_operands(loser, extremum) != _pick_values(b):
        return None
    positions_a = [t.args[0].value for t in a.args]
    positions_b = [t.args[0].value for t in b.args]
    tie_side_first = max(positions_b) < min(positions_a) if strict else max(positions_a) < min(positions_b)
    return pick(a.op, *a.args, *b.args) if tie_side_first else None
