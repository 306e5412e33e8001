"""Anti-unification of concrete element terms: one template, and the holes where they differ.

Terms from different elements and sizes share their structure; where they do not agree the
template keeps the first term's subterm and records a hole with every term's value there. A hole
must hold integers (an index, a bound, or a real that counts something, such as `2.0` for a row of
two) for `generalize` to fit it. One structural difference is bridged here: a reduction of one
element against a plain term of another is the one-element reduction (the last tile of a row may
hold a single element), `Σ_{k<2} x[1·k + 4]` against `x[6]` = `Σ_{k<1} x[1·k + 6]`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..ir.term import ARG_REDUCTIONS, FOLD_OF, NARY, REDUCTIONS, Op, Sort, Term, apply, free_vars, integer, walk


@dataclass(frozen=True)
class Hole:
    path: tuple[int, ...]
    values: tuple[Term, ...]  # one per term: INT constants, or REAL constants with integer values
    at_least: tuple[bool, ...] | None = None  # per term: the value is only a lower bound (see _lift_padded)

    @property
    def ints(self) -> list[int]:
        return [int(v.value) for v in self.values]

    @property
    def is_real(self) -> bool:
        return self.values[0].sort is Sort.REAL


class Mismatch(Exception):
    """Two terms differ in structure at `path` (not only in integers): no single template."""

    def __init__(self, path: tuple[int, ...], first: int, other: int):
        super().__init__(f"terms {first} and {other} differ in structure at {path}")
        self.path, self.first, self.other = path, first, other


def anti_unify(terms: list[Term]) -> tuple[Term, list[Hole]]:
    holes: list[Hole] = []
    template = _zip(list(terms), (), holes, {})
    return template, holes


def _int_like(t: Term) -> bool:
    if t.op is not Op.CONST:
        return False
    if t.sort is Sort.INT:
        return True
    return t.sort is Sort.REAL and math.isfinite(t.value) and float(t.value).is_integer()


def _zip(nodes: list[Term], path: tuple[int, ...], holes: list[Hole], flex: dict) -> Term:
    first = nodes[0]
    if all(_int_like(n) and n.sort is first.sort for n in nodes) and \
            (path in flex or not all(n is first for n in nodes)):
        holes.append(Hole(path, tuple(nodes), flex.get(path)))
        return first
    if all(n is first for n in nodes):
        return first
    if first.op in ARG_REDUCTIONS:
        nodes = _rebind_singletons(nodes)
    if _odd_one(nodes) is not None:
        nodes = _lift_padded(_lift_singletons(nodes), path, flex)
    odd = _odd_one(nodes)
    if odd is not None:
        raise Mismatch(path, 0, odd)
    first = nodes[0]
    args = [_zip([n.args[k] for n in nodes], path + (k,), holes, flex) for k in range(len(first.args))]
    return first.rebuild(args)


def _odd_one(nodes: list[Term]) -> int | None:
    """The first node whose operator, sort, arity or attribute differs from the first node's."""
    first = nodes[0]
    for pos, n in enumerate(nodes):
        if (n.op, n.sort, len(n.args)) != (first.op, first.sort, len(first.args)) or \
                (n.op not in REDUCTIONS and n.attr != first.attr):
            return pos
    return None


def _lift_singletons(nodes: list[Term]) -> list[Term]:
    """Where some terms are reductions `R_{k<n} body` starting at 0 and the others are not, the
    others become `R_{k<1} body'` when they match the body at k = 0."""
    reductions = [n for n in nodes if n.op in REDUCTIONS and n.args[0].op is Op.CONST and n.args[0].value == 0]
    if not reductions or len(reductions) == len(nodes):
        return nodes
    ref = reductions[0]
    if any(r.op is not ref.op or r.attr is not ref.attr for r in reductions):
        return nodes
    out = []
    for n in nodes:
        if n.op in REDUCTIONS:
            out.append(n)
            continue
        body = _match(ref.args[2], n, ref.attr)
        if body is None:
            return nodes
        out.append(Term(ref.op, (integer(0), integer(1), body), ref.attr, ref.sort))
    return out


def _rebind_singletons(nodes: list[Term]) -> list[Term]:
    """argmax over one element has a body free of its variable (nothing varied): give it the body
    of a longer argmax of the same kind, with the integers that make it equal at k = 0."""
    ref = next((n for n in nodes if n.op is nodes[0].op and n.attr in free_vars(n.args[2])), None)
    if ref is None:
        return nodes
    out = []
    for n in nodes:
        if n.op is ref.op and n.args[1] is integer(1) and n.attr not in free_vars(n.args[2]):
            body = _match(ref.args[2], n.args[2], ref.attr)
            if body is None:
                return nodes
            n = Term(n.op, (n.args[0], n.args[1], body), ref.attr, n.sort)
        out.append(n)
    return out


def _match(body: Term, t: Term, var: Term) -> Term | None:
    """`body` with its k-dependent integers chosen so that it equals `t` at k = 0, or None."""
    if var not in free_vars(body):
        return t
    if body.sort is Sort.INT:
        if t.op is not Op.CONST or t.sort is not Sort.INT:
            return None
        if body is var:
            return apply(Op.ADD, apply(Op.MUL, integer(1), var), t)
        if body.op is Op.ADD and len(body.args) == 2 and body.args[1].op is Op.CONST:
            return apply(Op.ADD, body.args[0], t)  # a·k + b: at k = 0 the value is b
        return None
    if (t.op, t.sort, len(t.args)) != (body.op, body.sort, len(body.args)) or \
            (t.op not in REDUCTIONS and t.attr != body.attr):
        return None
    args = []
    for b, a in zip(body.args, t.args):
        m = _match(b, a, var)
        if m is None:
            return None
        args.append(m)
    return t.rebuild(args)


def _ground(t: Term) -> bool:
    """Free of tensor elements and variables: the value a masked-off lane contributes (0, 0^p)."""
    return not any(n.op in (Op.ACCESS, Op.INDEX, Op.BOUND, Op.UNDEF) for n in walk(t))


def _defined(t: Term) -> bool:
    """No NaN, ±∞ or division by a literal 0 (`0 / 0` from a masked lane): such a lane makes the
    whole reduction undefined, which is a bug to report, not padding to describe."""
    for n in walk(t):
        if n.op is Op.CONST and n.sort is Sort.REAL and not math.isfinite(n.value):
            return False
        if n.op is Op.DIV and n.args[1].op is Op.CONST and n.args[1].value == 0:
            return False
    return True


def _lift_padded(nodes: list[Term], path: tuple[int, ...], flex: dict) -> list[Term]:
    """Masked-off lanes of a tile contribute a constant: `max(0, max_{k<3} x[k])` is the padded
    reduction `max_{k<4} (k < 3 ? x[k] : 0)`. Where some terms carry such padding and others do
    not, all become `R_{k<n+p} (k < n ? body : c)` (p copies of the constant c; p = 0 allowed).
    For max and min, copies of c merge (max(0, 0) = 0), so with padding the bound is only known to
    be at least n + 1: the hole is marked so that any fitting expression that large will do."""
    parts = [_padding(n) for n in nodes]
    if any(p is None for p in parts) or not any(p[2] for p in parts):
        return nodes
    pads = {p[1] for p in parts if p[2]}
    ops = {p[0].op for p in parts if p[0].op in REDUCTIONS}
    if len(pads) != 1 or len(ops) != 1:
        return nodes
    pad, = pads
    lifted = _lift_singletons([p[0] for p in parts])
    if any(t.op not in REDUCTIONS for t in lifted):
        return nodes
    if lifted[0].op in (Op.RMAX, Op.RMIN):
        flex[path + (1,)] = tuple(p[2] > 0 for p in parts)
    out = []
    for t, (_, _, count) in zip(lifted, parts):
        lo, hi, body = t.args
        k = t.attr
        guarded = apply(Op.WHERE, apply(Op.LT, k, hi), body, pad)
        out.append(Term(t.op, (lo, integer(hi.value + count), guarded), k, t.sort))
    return out


def _padding(t: Term) -> tuple[Term, Term | None, int] | None:
    """(main part, padding constant, number of padding operands) of a fold node, or None."""
    if t.op in NARY and t.sort is Sort.REAL:
        ground = [a for a in t.args if _ground(a)]
        rest = [a for a in t.args if not _ground(a)]
        if len(rest) == 1 and ground and len(set(ground)) == 1 and _defined(ground[0]):
            main = rest[0]
            if main.op in REDUCTIONS and FOLD_OF[main.op] is not t.op:
                return None
            return main, ground[0], len(ground)
    if _ground(t):
        return None
    if t.op in REDUCTIONS and (t.args[0].op is not Op.CONST or t.args[1].op is not Op.CONST):
        return None
    return t, None, 0
