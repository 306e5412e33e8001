"""From concrete specifications to a formula over symbolic sizes and output indices.

Every written element, at every training size, gives a concrete term. After reduction
recognition they are anti-unified into one template (`antiunify`); the integers where they differ
(indices, reduction bounds, offsets, counts) are fitted as expressions of the element's index and
the launch sizes (`fit`: affine first, then enumerated, then min/max). Elements that do not share
one structure are split into cases told apart by a learned condition (`piecewise`). Nothing here
knows which operator it is looking at; every formula still goes through the verifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir.printer import to_text
from ..ir.term import Op, Sort, Term, apply, index, integer, size, substitute, transform
from .antiunify import Mismatch, anti_unify
from .fit import Context, fit_int, make_context
from .piecewise import NoSplit, split
from .reductions import recognise, replace_at

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
        from .constants import for_display  # 0.7071067811 printed as 1/√2 (the literal is assumed)

        return f"{lhs} = {to_text(for_display(self.body), {str(i.attr) for i in self.indices})}"


@dataclass(frozen=True)
class Sample:
    sizes: dict[str, int]
    index: tuple[int, ...]
    term: Term


class GeneralizeFailure(Exception):
    """No formula of the supported shape fits the specification; the message says why."""


@dataclass(frozen=True)
class Switches:
    """Parts of the search that can be turned off to measure what each is worth (the ablation)."""

    topdown: bool = True  # split a specification with several structures into cases (ite)
    pruning: bool = True  # keep one enumerated expression per behaviour on the samples


def generalize(output: str, shape: tuple[Term, ...], samples: list[Sample], size_names: tuple[str, ...],
               derived: dict[str, Term] | None = None, switches: Switches = Switches()) -> Formula:
    """`derived`: integer constexprs the launch computes from sizes (name -> expression), usable in
    indices and bounds and substituted into the output's shape."""
    if not samples:
        raise GeneralizeFailure(f"no element of {output} is written at the training sizes")
    derived = dict(derived or {})
    indices = _index_vars(len(shape), size_names, derived)
    terms = [recognise(s.term) for s in samples]
    envs = [dict(s.sizes) | {str(v.attr): x for v, x in zip(indices, s.index)} for s in samples]
    ctx = make_context(envs, indices, size_names, derived, prune=switches.pruning)

    def solve(ids: list[int], sub: Context) -> Term:
        try:
            template, holes = anti_unify([terms[n] for n in ids])
        except Mismatch as m:
            a, b = ids[m.first], ids[m.other]
            if not switches.topdown:
                raise _structure_failure(output, samples, terms, a, b) from None
            try:
                return split(terms, ids, sub, solve)
            except NoSplit as why:
                raise _structure_failure(output, samples, terms, a, b, str(why)) from None
        for hole in holes:
            fit = fit_int(sub, hole.ints, hole.at_least, count=hole.is_real)
            if fit is None:
                values = hole.ints
                raise GeneralizeFailure(
                    f"an integer in the formula for {output} is not an affine function of "
                    f"({', '.join(to_text(v) for v in ctx.leaves[:ctx.base])}) nor a small expression "
                    f"of them: values {values[:8]}{'…' if len(values) > 8 else ''}")
            template = replace_at(template, hole.path, apply(Op.TOREAL, fit) if hole.is_real else fit)
        return template

    body = solve(list(range(len(samples))), ctx)
    shape = tuple(substitute(d, {size(n): e for n, e in derived.items()}) for d in shape)
    return Formula(output, indices, shape, simplify_int(body))


def _index_vars(rank: int, size_names: tuple[str, ...], derived: dict[str, Term]) -> tuple[Term, ...]:
    """i, j, c, … skipping names the launch already uses for sizes (the verifier binds both)."""
    taken = set(size_names) | set(derived)
    free = [n for n in INDEX_NAMES + tuple(f"i{d}" for d in range(8)) if n not in taken]
    return tuple(index(free[d]) for d in range(rank))


def _structure_failure(output: str, samples: list[Sample], terms: list[Term], a: int, b: int,
                       why: str = "piecewise synthesis is off") -> GeneralizeFailure:
    return GeneralizeFailure(
        f"elements of {output} have different structure: {output}{list(samples[a].index)} at "
        f"{samples[a].sizes} is {to_text(terms[a])} but {output}{list(samples[b].index)} at "
        f"{samples[b].sizes} is {to_text(terms[b])} ({why})")


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
        if c < 0 and rest:  # −D2 rather than −1 · D2, so that sums print as subtractions
            positive = step(apply(Op.MUL, integer(-c), *rest))
            return apply(Op.NEG, positive)
        items = ([integer(c)] if c != 1 else []) + rest
        return items[0] if len(items) == 1 else (integer(1) if not items else apply(Op.MUL, *items))

    return transform(t, step)


def derived_sizes(bound) -> dict[str, Term]:
    """The integer constexprs a launch computes from its sizes (`BLOCK = next_power_of_2(N)`)."""
    from ..launch.model import IntArg

    return {name: arg.expr for name, arg in bound.constexprs if isinstance(arg, IntArg)}
