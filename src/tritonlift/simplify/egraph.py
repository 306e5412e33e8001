"""The egglog side of the simplifier: the free-variable analysis, and Term <-> egglog.

Real terms become the sort `R`. Integer and boolean subterms (reduction bounds, `N` used as a
number, conditions of `where`) and tensor elements become opaque atoms: no rule looks inside them,
they only carry their free variables. Bound variables are **de Bruijn indices** (`#0` is the
innermost enclosing reduction), the canonical-by-depth naming under which a closed subterm such as
`max_l x[i, l]` is the same e-node at every nesting depth — so the max of a softmax's numerator and
the max inside its Σ meet. `fv(e)` is 1 + the largest de Bruijn index free in `e` (0: closed);
it merges by `min`, which is sound because every term of an e-class denotes the same value, so if
one of them is free of a variable the value is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from egglog import (
    BigRat,
    EGraph,
    String,
    eq,
    get_callable_args,
    get_callable_fn,
    get_literal_value,
    get_var_name,
    i64,
    rule,
    ruleset,
    set_,
    union,
    var,
)

from ..ir.term import REDUCTIONS, Op, Sort, Term, apply, bound, integer, real, reduce_, substitute, walk
from .sorts import (
    BINARY,
    REDUCE,
    UNARY,
    O,
    R,
    approx,
    atom,
    bigrat,
    count,
    fv,
    ipos,
    lit,
    neg,
    nonempty,
    nonzero,
    oatom,
    ofv,
    param,
    toreal,
    where,
)

_OP_OF = {fn: op for table in (UNARY, BINARY, REDUCE) for op, fn in table.items()}


def _fv_rules():
    a, b, c = var("a", R), var("b", R), var("c", R)
    lo, hi = var("lo", O), var("hi", O)
    d, e, g, k = var("d", i64), var("e", i64), var("g", i64), var("k", i64)
    yield rule(eq(a).to(atom(k, d))).then(set_(fv(a)).to(d))
    yield rule(eq(lo).to(oatom(k, d))).then(set_(ofv(lo)).to(d))
    yield rule(eq(a).to(lit(var("q", BigRat)))).then(set_(fv(a)).to(i64(0)))
    yield rule(eq(a).to(approx(var("n", String), var("q", BigRat)))).then(set_(fv(a)).to(i64(0)))
    yield rule(eq(a).to(param(var("n", String)))).then(set_(fv(a)).to(i64(0)))
    yield rule(eq(a).to(toreal(lo)), eq(ofv(lo)).to(d)).then(set_(fv(a)).to(d))
    yield rule(eq(a).to(count(lo, hi)), eq(ofv(lo)).to(d), eq(ofv(hi)).to(e)).then(set_(fv(a)).to(d.max(e)))
    for f in UNARY.values():
        yield rule(eq(a).to(f(b)), eq(fv(b)).to(d)).then(set_(fv(a)).to(d))
    for f in BINARY.values():
        yield rule(eq(a).to(f(b, c)), eq(fv(b)).to(d), eq(fv(c)).to(e)).then(set_(fv(a)).to(d.max(e)))
    yield rule(eq(a).to(where(lo, b, c)), eq(ofv(lo)).to(g), eq(fv(b)).to(d), eq(fv(c)).to(e)).then(
        set_(fv(a)).to(g.max(d).max(e)))
    for f in REDUCE.values():  # the body's #0 is the reduction's own variable: shift the rest down
        yield rule(eq(a).to(f(lo, hi, b)), eq(ofv(lo)).to(d), eq(ofv(hi)).to(e), eq(fv(b)).to(g)).then(
            set_(fv(a)).to(d.max(e).max((g - 1).max(0))))


free_variables = ruleset(*_fv_rules(), name="free_variables")

# The literals taken as named constants, with the tolerance of the match.
NAMED = {"log2e": 1.4426950408889634, "ln2": 0.6931471805599453, "inv_sqrt2": 0.7071067811865476}
NAMED_TEXT = {"log2e": "log₂e", "ln2": "ln 2", "inv_sqrt2": "1/√2"}
APPROX_TOL = 1e-9


class Unsupported(Exception):
    """A term or an extracted expression outside what the bridge translates; the message says why."""


@dataclass
class Lowering:
    """Term -> R, remembering the opaque atoms (as de Bruijn terms) and the facts to seed."""

    atoms: dict[Term, int] = field(default_factory=dict)
    table: list[Term] = field(default_factory=list)
    facts: list = field(default_factory=list)
    named_hits: dict[str, float] = field(default_factory=dict)  # literal -> named constant used
    memo: dict = field(default_factory=dict)

    def real(self, t: Term, env: tuple[Term, ...] = ()) -> R:
        key = (t, env)
        if key not in self.memo:
            self.memo[key] = self._real(t, env)
        return self.memo[key]

    def _real(self, t: Term, env: tuple[Term, ...]) -> R:
        op = t.op
        if op is Op.CONST and isinstance(t.value, float) and t.value == t.value and abs(t.value) != float("inf"):
            return self._const(t.value)
        if op is Op.PARAM:
            return param(str(t.attr))
        if op is Op.TOREAL:
            return toreal(self.opaque(t.args[0], env))
        if op is Op.WHERE:
            return where(self.opaque(t.args[0], env), self.real(t.args[1], env), self.real(t.args[2], env))
        if op in REDUCTIONS:
            lo, hi, body = (self.opaque(t.args[0], env), self.opaque(t.args[1], env),
                            self.real(t.args[2], env + (t.attr,)))
            if _nonempty(*self._debruijn(t.args[0], env), *self._debruijn(t.args[1], env)):
                self.facts.append(nonempty(lo, hi))
            if t.args[0] is integer(0):  # Σ_{k<N} has N terms: the count is the size the kernel divides by
                self.facts.append(union(count(lo, hi)).with_(toreal(hi)))
            return REDUCE[op](lo, hi, body)
        if op in UNARY:
            return UNARY[op](self.real(t.args[0], env))
        if op in BINARY and t.sort is Sort.REAL:
            parts = [self.real(a, env) for a in t.args]
            out = parts[0]
            for p in parts[1:]:
                out = BINARY[op](out, p)
            if op is Op.DIV:  # tritonlift assumes every denominator of the formula is nonzero
                self.facts.append(nonzero(parts[1]))
            return out
        if t.sort is not Sort.REAL:
            raise Unsupported(f"a {t.sort.value} term where a real was expected: {op.value}")
        term, depth = self._debruijn(t, env)
        return atom(self._key(term), depth)  # tensor elements, undefined values, ±∞, NaN

    def _const(self, value: float) -> R:
        for name, exact in NAMED.items():
            if abs(abs(value) - exact) <= APPROX_TOL:
                self.named_hits[repr(abs(value))] = name
                node = approx(name, bigrat(Fraction(abs(value))))
                return neg(node) if value < 0 else node
        return lit(bigrat(Fraction(value)))

    def opaque(self, t: Term, env: tuple[Term, ...]) -> O:
        term, depth = self._debruijn(t, env)
        node = oatom(self._key(term), depth)
        if _positive(term):
            self.facts.append(ipos(node))
        return node

    def _key(self, term: Term) -> int:
        if term not in self.atoms:
            self.atoms[term] = len(self.table)
            self.table.append(term)
        return self.atoms[term]

    @staticmethod
    def _debruijn(t: Term, env: tuple[Term, ...]) -> tuple[Term, int]:
        """`t` with each enclosing bound variable renamed #n (n binders out), and its fv depth."""
        n = len(env)
        mapping = {v: bound(f"#{n - 1 - pos}") for pos, v in enumerate(env)}  # inner binders win
        term = substitute(t, mapping)
        used = [int(str(x.attr)[1:]) for x in walk(term) if x.op is Op.BOUND and str(x.attr).startswith("#")]
        return term, (max(used) + 1 if used else 0)


def _positive(t: Term) -> bool:
    """A sufficient syntactic test for an integer ≥ 1 (sizes are ≥ 1)."""
    if t.op is Op.SIZE or t.op is Op.NEXTPOW2:
        return True
    if t.op is Op.CONST:
        return t.sort is Sort.INT and t.value >= 1
    if t.op in (Op.MUL, Op.CDIV):
        return all(_positive(a) for a in t.args)
    if t.op in (Op.ADD, Op.MAX):
        return all(_positive(a) or (a.op is Op.CONST and a.value >= 0) for a in t.args) and any(
            _positive(a) for a in t.args)
    return False


def _nonempty(lo: Term, _lo_fv: int, hi: Term, _hi_fv: int) -> bool:
    if lo.op is Op.CONST and hi.op is Op.CONST:
        return lo.value < hi.value
    return lo.op is Op.CONST and lo.value == 0 and _positive(hi)


# ------------------------------------------------------------------ lifting back to terms


def lift(expr: R, table: list[Term], depth: int = 0, env: dict[str, Term] | None = None,
         rounded: list[str] | None = None) -> Term:
    """An extracted expression (or a rule pattern, with `env` giving its variables as de Bruijn
    terms) as a Term; bound variables are named ℓ0, ℓ1, … by level (rename with canonical_binders).
    A folded constant that is not a double is rounded to the nearest one and noted in `rounded`."""
    env = env or {}
    rounded = [] if rounded is None else rounded
    name = get_var_name(expr)
    if name is not None:
        if name not in env:
            raise Unsupported(f"pattern variable {name} has no value")
        return _named(env[name], depth)
    fn, args = get_callable_fn(expr), get_callable_args(expr)
    if fn in _OP_OF:
        op = _OP_OF[fn]
        if op in REDUCTIONS:
            lo, hi = (lift_opaque(a, table, depth, env) for a in args[:2])
            body = lift(args[2], table, depth + 1, env, rounded)
            return reduce_(op, bound(f"ℓ{depth}"), lo, hi, body)
        parts = [lift(a, table, depth, env, rounded) for a in args]
        if op in (Op.ADD, Op.MUL, Op.MAX, Op.MIN):  # n-ary, as kernels write them
            parts = [x for p in parts for x in (p.args if p.op is op else (p,))]
        return apply(op, *parts)
    if fn == lit:
        value = rational(args[0], env)
        if Fraction(float(value)) != value:
            rounded.append(f"the folded constant {value} is rounded to {float(value)!r}")
        return real(float(value))
    if fn == approx:
        return real(float(rational(args[1], env)))
    if fn == param:
        return Term(Op.PARAM, (), get_literal_value(args[0]), Sort.REAL)
    if fn == toreal:
        return apply(Op.TOREAL, lift_opaque(args[0], table, depth, env))
    if fn == count:
        lo, hi = (lift_opaque(a, table, depth, env) for a in args)
        return apply(Op.TOREAL, hi if lo is integer(0) else apply(Op.SUB, hi, lo))
    if fn == where:
        return apply(Op.WHERE, lift_opaque(args[0], table, depth, env),
                     *(lift(a, table, depth, env, rounded) for a in args[1:]))
    if fn == atom:
        return _named(table[get_literal_value(args[0])], depth)
    raise Unsupported(f"no term for the egglog node {fn}")


def lift_opaque(expr: O, table: list[Term], depth: int, env: dict[str, Term]) -> Term:
    name = get_var_name(expr)
    if name is not None:
        return _named(env[name], depth)
    return _named(table[get_literal_value(get_callable_args(expr)[0])], depth)


_RAT_OPS = {"· + ·": lambda x, y: x + y, "· - ·": lambda x, y: x - y, "· * ·": lambda x, y: x * y,
            "· / ·": lambda x, y: x / y, "-·": lambda x: -x}


def rational(q: BigRat, env: dict[str, Term]) -> Fraction:
    """The value of a BigRat literal, or of arithmetic over pattern variables bound in `env`."""
    name = get_var_name(q)
    if name is not None:
        return Fraction(env[name].value)
    fn = get_callable_fn(q)
    if str(fn) in _RAT_OPS:
        return _RAT_OPS[str(fn)](*(rational(a, env) for a in get_callable_args(q)))
    return q.value


def _named(term: Term, depth: int) -> Term:
    """Turn de Bruijn names #n back into level names ℓ(depth − 1 − n)."""
    mapping = {}
    for x in walk(term):
        if x.op is Op.BOUND and str(x.attr).startswith("#"):
            n = int(str(x.attr)[1:])
            if n >= depth:
                raise Unsupported(f"a bound variable escaped its reduction (#{n} at depth {depth})")
            mapping[x] = bound(f"ℓ{depth - 1 - n}")
    return substitute(term, mapping) if mapping else term


def new_egraph() -> EGraph:
    return EGraph()
