"""From concrete specifications to a formula over symbolic sizes and output indices.

Every written element, at every training size, gives a concrete term. After reduction
recognition they must share one shape; the integers where they differ (indices, reduction bounds,
offsets) are fitted as affine functions of the element's index and the launch sizes. Real
constants that are sizes (`/ N`) already arrive symbolic from the executor. Nothing here knows
which operator it is looking at.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..ir.printer import to_text
from ..ir.term import Op, Sort, Term, apply, index, integer, size, transform
from .reductions import affine_fit, int_holes, recognise, replace_at, shape_key

INDEX_NAMES = ("i", "j", "c", "d", "e", "f")


@dataclass(frozen=True)
class Formula:
    """`output[indices] = body` for every index in `shape` (each 0 ≤ index_d < shape_d)."""

    output: str
    indices: tuple[Term, ...]
    shape: tuple[Term, ...]
    body: Term

    def text(self) -> str:
        lhs = f"{self.output}[{', '.join(str(i.attr) for i in self.indices)}]" if self.indices else self.output
        return f"{lhs} = {to_text(self.body, {str(i.attr) for i in self.indices})}"


@dataclass(frozen=True)
class Sample:
    sizes: dict[str, int]
    index: tuple[int, ...]
    term: Term


class GeneralizeFailure(Exception):
    """No formula of the supported shape fits the specification; the message says why."""


def generalize(output: str, shape: tuple[Term, ...], samples: list[Sample], size_names: tuple[str, ...]) -> Formula:
    if not samples:
        raise GeneralizeFailure(f"no element of {output} is written at the training sizes")
    indices = tuple(index(INDEX_NAMES[d]) for d in range(len(shape)))
    terms = [recognise(s.term) for s in samples]
    groups: dict[str, list[int]] = {}
    for n, t in enumerate(terms):
        groups.setdefault(shape_key(t), []).append(n)
    if len(groups) > 1:
        keys = list(groups)
        a, b = groups[keys[0]][0], groups[keys[1]][0]
        raise GeneralizeFailure(
            f"elements of {output} have different structure: {output}{list(samples[a].index)} at "
            f"{samples[a].sizes} is {to_text(terms[a])} but {output}{list(samples[b].index)} at "
            f"{samples[b].sizes} is {to_text(terms[b])} (piecewise formulas are not synthesised yet)")
    template = terms[0]
    features = [str(i.attr) for i in indices] + list(size_names)
    for path, values in int_holes(terms):
        rows = [(tuple(s.index) + tuple(s.sizes[n] for n in size_names), v) for s, v in zip(samples, values)]
        fit = affine_fit(rows, features)
        if fit is None:
            raise GeneralizeFailure(
                f"an integer in the formula for {output} is not an affine function of "
                f"({', '.join(features)}): values {values[:8]}{'…' if len(values) > 8 else ''}")
        template = replace_at(template, path, _affine_term(fit, indices, size_names))
    return Formula(output, indices, shape, simplify_int(template))


def _affine_term(fit: list[tuple[str, Fraction]], indices: tuple[Term, ...], size_names: tuple[str, ...]) -> Term:
    by_name = {str(i.attr): i for i in indices} | {n: size(n) for n in size_names}
    parts: list[Term] = []
    constant = fit[0][1]
    for name, coef in fit[1:]:
        var = by_name[name]
        if coef.denominator != 1:
            parts.append(apply(Op.FLOORDIV, apply(Op.MUL, integer(coef.numerator), var), integer(coef.denominator)))
        else:
            parts.append(apply(Op.MUL, integer(int(coef)), var))
    if constant.denominator != 1:
        raise GeneralizeFailure("a fractional constant offset in an index")
    parts.append(integer(int(constant)))
    return parts[0] if len(parts) == 1 else apply(Op.ADD, *parts)


def simplify_int(t: Term) -> Term:
    """Tidy integer arithmetic: 1·k → k, k + 0 → k, constant folding, 2·N + 1 kept."""

    def step(n: Term) -> Term:
        if n.sort is not Sort.INT or n.op not in (Op.ADD, Op.MUL):
            return n
        flat: list[Term] = []
        for a in n.args:
            flat.extend(a.args if a.op is n.op else (a,))
        consts = [a.value for a in flat if a.op is Op.CONST]
        rest = [a for a in flat if a.op is not Op.CONST]
        if n.op is Op.ADD:
            c = sum(consts)
            items = rest + ([integer(c)] if c else [])
            return items[0] if len(items) == 1 else (integer(0) if not items else apply(Op.ADD, *items))
        c = 1
        for v in consts:
            c *= v
        if c == 0:
            return integer(0)
        items = ([integer(c)] if c != 1 else []) + rest
        return items[0] if len(items) == 1 else (integer(1) if not items else apply(Op.MUL, *items))

    return transform(t, step)
