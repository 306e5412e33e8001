"""Display tidying with a proof: x · x → x², a · (1 / b) → a / b, 1/2 · x → x / 2.

A tidied formula replaces the synthesised one only when both have the same exp-normal form, which
holds for all sizes at once (reductions are atoms over normalised bodies), so what is printed is
proven equal to what was checked.
"""

from __future__ import annotations

from ..ir.term import Op, Sort, Term, apply, real, transform
from .expnorm import normal_form


def _step(t: Term) -> Term:
    if t.op is not Op.MUL or t.sort is not Sort.REAL:
        return t
    counts: dict[Term, int] = {}
    for a in t.args:
        counts[a] = counts.get(a, 0) + 1
    numerator, denominator = [], []
    for a, c in counts.items():
        if a.op is Op.DIV and a.args[0] is real(1.0):
            denominator.extend([a.args[1]] * c)
        else:
            numerator.append(a if c == 1 else apply(Op.POW, a, real(float(c))))
    if not numerator:
        numerator = [real(1.0)]
    top = numerator[0] if len(numerator) == 1 else apply(Op.MUL, *numerator)
    if not denominator:
        return top
    bottom = denominator[0] if len(denominator) == 1 else apply(Op.MUL, *denominator)
    return apply(Op.DIV, top, bottom)


def tidy(body: Term) -> Term:
    tidied = transform(body, _step)
    if tidied is body:
        return body
    original, candidate = normal_form(body), normal_form(tidied)
    return tidied if original is not None and original is candidate else body


def textbook(body: Term) -> Term | None:
    """The exp-normal form, tidied, when it is smaller than `body` (the max shift of a softmax
    cancels there); None when it is not simpler. Equal to `body` for all sizes by construction."""
    from ..ir.term import size_of

    nf = normal_form(body)
    if nf is None:
        return None
    from .reductions import recognise

    candidate = transform(recognise(nf), _step)
    if normal_form(candidate) is not nf or size_of(candidate) >= size_of(body):
        return None
    return candidate
