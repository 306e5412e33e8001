"""Exp-Laurent normal form: a canonical form in which numerically stable rewrites disappear.

A real term becomes a sum of monomials with exact rational coefficients over *atoms* with integer
exponents. `exp` of a linear combination splits (exp(a − b) = exp(a) · exp(b)⁻¹), so the running
rescale of an online softmax, `z·exp(m − m') + exp(x − m')`, collapses to `Σ exp(x) · exp(m')⁻¹`
and the max shift cancels between numerator and denominator. Division by a polynomial keeps the
polynomial, with its monomial content cancelled, as an atom `1 / P`.

Sound over the reals given: exp(a + b) = exp(a)·exp(b), exp(0) = 1, field axioms, and the printed
assumption that denominators are nonzero (so every atom with a negative exponent is nonzero).
Two terms with the same normal form are equal; different normal forms prove nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

from ..ir.term import Op, Sort, Term, apply, canonical_binders, free_vars, real, reduce_, walk
from ..symexec import fold

Monomial = tuple[tuple[Term, int], ...]  # sorted by atom identity key
Poly = dict[Monomial, Fraction]

MAX_MONOMIALS = 4096  # beyond this the expansion is not worth it: give up on the normal form


class TooLarge(Exception):
    pass


def _atom_key(t: Term) -> tuple:
    from .reductions import _order_key

    return _order_key(t)


def _mono(items: dict[Term, int]) -> Monomial:
    return tuple(sorted(((a, e) for a, e in items.items() if e), key=lambda p: _atom_key(p[0])))


def _const(c: Fraction) -> Poly:
    return {(): c} if c else {}


def _add(p: Poly, q: Poly, sign: int = 1) -> Poly:
    out = dict(p)
    for m, c in q.items():
        v = out.get(m, Fraction(0)) + sign * c
        if v:
            out[m] = v
        else:
            out.pop(m, None)
    return out


def _mul(p: Poly, q: Poly) -> Poly:
    out: dict[Monomial, Fraction] = defaultdict(Fraction)
    if len(p) * len(q) > MAX_MONOMIALS:
        raise TooLarge
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            exps: dict[Term, int] = dict(m1)
            for a, e in m2:
                exps[a] = exps.get(a, 0) + e
            out[_mono(exps)] += c1 * c2
    return {m: c for m, c in out.items() if c}


def _atom(t: Term, e: int = 1) -> Poly:
    return {((t, e),): Fraction(1)}


class _Memo(dict):
    """Polynomials of the REAL subterms; anything else met inside arithmetic (an integer-valued argmax
    or index element) is an atom of its own."""

    def __missing__(self, t: Term) -> "Poly":
        return _atom(t)


class Normalizer:
    def __init__(self) -> None:
        self.memo: dict[Term, Poly] = _Memo()

    def poly(self, t: Term) -> Poly:
        for node in walk(t):
            if node not in self.memo and node.sort is Sort.REAL:
                self.memo[node] = self._node(node)
        return self.memo[t]

    def term(self, t: Term) -> Term:
        """The canonical term of `t` (its normal form written back as a term)."""
        return to_term(self.poly(t))

    def _node(self, t: Term) -> Poly:
        op = t.op
        if op is Op.CONST:
            return _const(Fraction(t.value))  # finite: normal_form refuses anything else
        if op is Op.ADD:
            out: Poly = {}
            for a in t.args:
                out = _add(out, self.memo[a])
            return out
        if op is Op.SUB:
            return _add(self.memo[t.args[0]], self.memo[t.args[1]], -1)
        if op is Op.NEG:
            return {m: -c for m, c in self.memo[t.args[0]].items()}
        if op is Op.MUL:
            out = _const(Fraction(1))
            for a in t.args:
                out = _mul(out, self.memo[a])
            return out
        if op is Op.DIV:
            return _mul(self.memo[t.args[0]], self._reciprocal(self.memo[t.args[1]]))
        if op is Op.POW:
            base, exponent = t.args
            if exponent.op is Op.CONST and float(exponent.value).is_integer() and abs(exponent.value) <= 8:
                n = int(exponent.value)
                p = self.memo[base] if n >= 0 else self._reciprocal(self.memo[base])
                out = _const(Fraction(1))
                for _ in range(abs(n)):
                    out = _mul(out, p)
                return out
        if op is Op.EXP:
            return self._exp(self.memo[t.args[0]])
        if op is Op.SUM:
            return self._sum(t)
        if op is Op.RSQRT:
            return self._reciprocal(_atom(apply(Op.SQRT, self.term(t.args[0]))))
        # any other node is an atom over canonical children
        args = [self.term(a) if a.sort is Sort.REAL else a for a in t.args]
        return _atom(t.rebuild(args))

    def _sum(self, t: Term) -> Poly:
        """Linearity of finite sums: Σ_k (c · a · f(k) + …) = c · a · Σ_k f(k) + … for a free of k."""
        lo, hi, body = t.args
        k = t.attr
        out: Poly = {}
        for m, c in self.poly(body).items():
            dep = {a: e for a, e in m if k in free_vars(a)}
            # factors free of k leave the sum: re-canonicalise their binders for their new depth
            free = {canonical_binders(a): e for a, e in m if a not in dep}
            inner = to_term({_mono(dep): Fraction(1)}) if dep else real(1.0)
            summed = canonical_binders(reduce_(Op.SUM, k, lo, hi, inner))
            out = _add(out, _mul({_mono(free): c}, _atom(summed)))
        return out

    def _exp(self, p: Poly) -> Poly:
        """exp(Σ cᵢ·mᵢ) = Π exp(mᵢ)^cᵢ for integer cᵢ; other parts stay inside one exp atom."""
        factors: dict[Term, int] = {}
        rest: Poly = {}
        for m, c in p.items():
            if m and c.denominator == 1:
                atom = apply(Op.EXP, to_term({m: Fraction(1)}))
                factors[atom] = factors.get(atom, 0) + int(c)
            else:
                rest[m] = c
        if rest:
            atom = apply(Op.EXP, to_term(rest))
            factors[atom] = factors.get(atom, 0) + 1
        return {_mono(factors): Fraction(1)}

    def _reciprocal(self, p: Poly) -> Poly:
        if not p:
            return _atom(apply(Op.DIV, real(1.0), real(0.0)))
        if len(p) == 1:
            (m, c), = p.items()
            return {_mono({a: -e for a, e in m}): 1 / c}
        # cancel the monomial content (lowest power of each atom common to all terms) and the
        # leading coefficient, so equal denominators written differently meet as one atom
        atoms = {a for m in p for a, _ in m}
        common = {a: min(dict(m).get(a, 0) for m in p) for a in atoms}
        common = {a: e for a, e in common.items() if e}  # Laurent monomials are units: factor them out
        lead = p[min(p, key=lambda m: [(_atom_key(a), e) for a, e in m])]
        reduced = {}
        for m, c in p.items():
            exps = dict(m)
            for a, e in common.items():
                exps[a] = exps.get(a, 0) - e
            reduced[_mono(exps)] = c / lead
        content = {_mono({a: -e for a, e in common.items()}): 1 / lead}
        return _mul(content, _atom(apply(Op.DIV, real(1.0), to_term(reduced))))


def to_term(p: Poly) -> Term:
    """Write a normal form back as a term: Σ c · Π numerator atoms / Π denominator atoms."""
    if not p:
        return real(0.0)
    parts = []
    for m, c in sorted(p.items(), key=lambda mc: [(_atom_key(a), e) for a, e in mc[0]]):
        num = [a for a, e in m for _ in range(e) if e > 0]
        den = [a for a, e in m for _ in range(-e) if e < 0]
        inverse = [a.args[1] for a in num if a.op is Op.DIV and a.args[0] == real(1.0)]
        num = [a for a in num if not (a.op is Op.DIV and a.args[0] == real(1.0))]
        coef = real(float(c))
        numerator = fold.mul(coef, *num) if num else coef
        denominators = den + inverse
        parts.append(fold.div(numerator, fold.mul(*denominators)) if denominators else numerator)
    return fold.add(*parts)


def normal_form(t: Term) -> Term | None:
    """The canonical term, or None when the expansion would be too large or `t` holds a value the
    field axioms do not cover: a NaN or infinite constant, or an undefined value (0 · exp(NaN) is
    NaN, not 0, so such terms are never normalised)."""
    if t.sort is not Sort.REAL:  # a truth value (a scalar function returning a comparison): no field form
        return None
    if any((n.op is Op.CONST and isinstance(n.value, float) and not math.isfinite(n.value)) or n.op is Op.UNDEF
           for n in walk(t)):
        return None
    try:
        return Normalizer().term(t)
    except TooLarge:
        return None
