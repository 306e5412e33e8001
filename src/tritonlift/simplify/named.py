"""Named operators (`--names`): softmax(x[i, :])[j], layer_norm, rms_norm, gelu, silu, … where proven.

The library is the definitions of the torch operators (capture/torchdefs.py: the formulas of
PyTorch's documentation), plus logsumexp. Recognition never reads a kernel's or an operator's name:
candidate arguments are read off the formula's own structure (each reduction's body gives a row
`g(k)`, the output indices give positions, tensor elements free of the reduction give weights and
pointwise arguments, float scalars give eps), each definition is instantiated at them, and a name
is shown only when the instance is *proven* equal to the formula or one of its closed subterms
(simplify/prove.py: identical exp-normal forms, or one e-class under the sound rewrite rules).
The name is for display: the formula's body stays the term it names.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from ..capture import torchdefs as td
from ..ir.printer import to_text
from ..ir.term import Op, Sort, Term, apply, free_vars, index, integer, param, real, size_of, substitute, walk
from ..synth.generalize import Formula
from .prove import proven

COLON = index(":")  # shown as `x[i, :]`: the row a reduction runs over


@dataclass(frozen=True)
class Row:
    """A reduction's row: element g(t) for 0 ≤ t < hi."""

    var: Term
    hi: Term
    body: Term  # g(var)

    def at(self, t: Term) -> Term:
        return substitute(self.body, {self.var: t})

    def sym(self) -> td.Sym:
        return td.Sym((self.hi,), lambda idx: self.at(idx[0]))

    def text(self) -> str:
        shown = to_text(self.at(COLON))
        return shown if self.body.op is Op.ACCESS else f"({shown})"


@dataclass(frozen=True)
class Candidates:
    rows: tuple[Row, ...]
    positions: tuple[Term, ...]  # output indices
    elements: tuple[Term, ...]  # tensor elements free of every reduction variable
    scalars: tuple[Term, ...]  # float scalar arguments (eps)
    literals: tuple[float, ...]  # real constants of the formula


@dataclass(frozen=True)
class Instance:
    term: Term
    text: str
    assumes: str = ""  # a rounded literal of the formula taken as the definition's constant


SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # gelu's tanh form
LITERAL_TOL = 1e-9  # as for the simplifier's named literals (egraph.APPROX_TOL)


def _vector(element: Term, position: Term, hi: Term) -> tuple[td.Sym, str] | None:
    """An element w[j] as the vector w[:] (over the row's length), or None if it is not one."""
    if position not in set(walk(element)):
        return None
    sym = td.Sym((hi,), lambda idx: substitute(element, {position: idx[0]}))
    plain = element.op is Op.ACCESS and element.args == (position,)
    return sym, (str(element.attr) if plain else to_text(substitute(element, {position: COLON})))


def _row_definitions(c: Candidates) -> Iterator[Instance]:
    for row in c.rows:
        r, shown = row.sym(), row.text()
        yield Instance(td.mean(r, 0).at(()), f"mean({shown})")
        for corr in (0, 1):
            yield Instance(td.var(r, 0, correction=corr).at(()), f"var({shown}, correction={corr})")
        yield Instance(apply(Op.LOG, td.sum_(td.elementwise(lambda a: apply(Op.EXP, a), r), 0).at(())),
                       f"logsumexp({shown})")
        for j in c.positions:
            yield Instance(td.softmax(r, 0).at((j,)), f"softmax({shown})[{j.attr}]")
            yield Instance(td.log_softmax(r, 0).at((j,)), f"log_softmax({shown})[{j.attr}]")
            vectors = [v for v in (_vector(e, j, row.hi) for e in c.elements) if v is not None]
            for eps in c.scalars:
                for w, w_text in [(None, "None")] + vectors:
                    yield Instance(td.rms_norm(r, [row.hi], w, eps).at((j,)),
                                   f"rms_norm({shown}, {w_text}, {eps.attr})[{j.attr}]")
                    for b, b_text in [(None, "None")] + vectors:
                        yield Instance(td.layer_norm(r, [row.hi], w, b, eps).at((j,)),
                                       f"layer_norm({shown}, {w_text}, {b_text}, {eps.attr})[{j.attr}]")


def _gelu_tanh(a: Term, c: float) -> Term:
    """torch's gelu(approximate='tanh') with √(2/π) written as c: a/2 · (1 + tanh(c · (a + 0.044715·a³)))."""
    inner = apply(Op.ADD, a, apply(Op.MUL, real(0.044715), apply(Op.POW, a, real(3.0))))
    return apply(Op.MUL, real(0.5), a, apply(Op.ADD, real(1.0), apply(Op.TANH, apply(Op.MUL, real(c), inner))))


def _pointwise(c: Candidates, a: Term) -> Iterator[Instance]:
    x = td.Sym((), lambda idx: a)
    yield Instance(td.FUNCTIONS["sigmoid"](x).at(()), f"sigmoid({to_text(a)})")
    yield Instance(td.FUNCTIONS["silu"](x).at(()), f"silu({to_text(a)})")
    yield Instance(td.gelu(x).at(()), f"gelu({to_text(a)})")
    call = f"gelu({to_text(a)}, approximate='tanh')"
    yield Instance(_gelu_tanh(a, SQRT_2_OVER_PI), call)
    for lit in c.literals:  # a kernel's rounded √(2/π), e.g. 0.79788456
        if lit != SQRT_2_OVER_PI and abs(lit - SQRT_2_OVER_PI) <= LITERAL_TOL:
            yield Instance(_gelu_tanh(a, lit), call, f"the literal {lit!r} is taken as √(2/π) (rounded; within 1e-9)")


def _pointwise_definitions(c: Candidates, cofactors: bool) -> Iterator[Instance]:
    for a in c.elements:
        for d in _pointwise(c, a):
            yield d
            for other in c.elements if cofactors else ():
                if other is not a:
                    yield Instance(apply(Op.MUL, d.term, other), f"{d.text} · {to_text(other)}", d.assumes)


def candidates(t: Term, positions: tuple[Term, ...]) -> Candidates:
    rows: dict[Term, Row] = {}
    for r in walk(t):
        if r.op in (Op.SUM, Op.RMAX) and r.args[0] is integer(0):
            for g in _row_bodies(r.attr, r.args[2]):
                row = Row(r.attr, r.args[1], g)
                rows.setdefault(row.at(COLON), row)
    bound_free = [e for e in walk(t) if e.op is Op.ACCESS and e.sort is Sort.REAL and not _bound_in(e)]
    scalars = sorted({e for e in walk(t) if e.op is Op.PARAM}, key=lambda e: str(e.attr))
    literals = sorted({abs(e.value) for e in walk(t) if e.op is Op.CONST and e.sort is Sort.REAL})
    ordered = sorted(rows, key=lambda k: (size_of(k), to_text(k)))  # plain rows first: var(x) before mean(x²)
    return Candidates(tuple(rows[k] for k in ordered), positions,
                      tuple(sorted(set(bound_free), key=to_text)), tuple(scalars), tuple(literals))


def _row_bodies(var: Term, body: Term) -> list[Term]:
    """g(k) candidates: the body, and what it applies exp, a square or a centring to."""
    out = [body]
    inner = body.args[0] if body.op in (Op.EXP, Op.POW) or (body.op is Op.MUL and len(set(body.args)) == 1) \
        else None
    if inner is not None:
        out.append(inner)
        if inner.op is Op.SUB and var not in free_vars(inner.args[1]):
            out.append(inner.args[0])
    return [g for g in out if var in free_vars(g)]


def _bound_in(t: Term) -> bool:
    return any(x.op is Op.BOUND for x in walk(t))


def _signature(t: Term) -> tuple[frozenset, frozenset, bool]:
    nodes = list(walk(t))
    return (frozenset(str(x.attr) for x in nodes if x.op is Op.ACCESS),
            frozenset(str(x.attr) for x in nodes if x.op is Op.PARAM),
            any(x.op in (Op.SUM, Op.RMAX) for x in nodes))


def name_term(t: Term, positions: tuple[Term, ...], whole: bool = True) -> tuple[str, str, str] | None:
    """(the named text, how it was proven, what it assumes) for `t` itself, or None."""
    c = candidates(t, positions)
    sig = _signature(t)
    defs = list(_row_definitions(c)) + list(_pointwise_definitions(c, cofactors=whole))
    for d in defs:
        if _signature(d.term) == sig:
            how = proven(d.term, t)
            if how is not None:
                return d.text, how, d.assumes
    return None


def name_body(body: Term, positions: tuple[Term, ...]) -> tuple[str, str, str] | None:
    """The body as named operators: the whole body if it is one, else its closed subterms that are
    (outermost first). None when nothing is named."""
    whole = name_term(body, positions)
    if whole is not None:
        return whole
    named: dict[Term, Term] = {}
    hows: list[str] = []
    assumed: list[str] = []

    def visit(t: Term) -> None:
        if t.op in (Op.ACCESS, Op.CONST, Op.PARAM, Op.SIZE, Op.INDEX, Op.TOREAL) or t.sort is not Sort.REAL:
            return
        if t is not body and not any(v.op is Op.BOUND for v in free_vars(t)):
            found = name_term(t, positions, whole=False)
            if found is not None:
                named[t] = param(found[0])
                hows.append(found[1])
                assumed.append(found[2])
                return
        for a in t.args:
            visit(a)

    visit(body)
    if not named:
        return None
    shown = to_text(substitute(body, named), {str(i.attr) for i in positions})
    return shown, "; ".join(sorted(set(hows))), "; ".join(sorted({a for a in assumed if a}))


@dataclass(frozen=True)
class NamedFormula(Formula):
    """A formula shown with named operators; `body` is still the term the names stand for."""

    named: str = ""
    how: str = ""  # how each name was proven equal to its definition
    assumes: str = ""  # rounded literals taken as a definition's constant ("" if none)

    @property
    def by_normal_forms(self) -> bool:  # every name proven by identical exp-normal forms
        return all(h == "identical exp-normal forms" for h in self.how.split("; "))

    def text(self) -> str:
        lhs = f"{self.output}[{', '.join(str(i.attr) for i in self.indices)}]" if self.indices else self.output
        return f"{lhs} = {self.named}"


def name_formula(formula: Formula) -> NamedFormula | None:
    found = name_body(formula.body, formula.indices)
    if found is None:
        return None
    return NamedFormula(formula.output, formula.indices, formula.shape, formula.body, *found)


__all__ = ["NamedFormula", "name_body", "name_formula", "name_term"]
