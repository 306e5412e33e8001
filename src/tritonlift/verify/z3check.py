"""Deciding `kernel term = formula term` over the reals with z3, at concrete sizes.

Input elements and float parameters are real variables; `exp`, `log`, `erf`, ... are
uninterpreted functions (so a proof holds for every function, the real ones included), with the
ground facts the comparison needs (`exp(u) > 0`, `√u ≥ 0`). Divisions get the hypothesis that
their denominator is nonzero (printed as an assumption). Each query has its own context.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import z3

from ..ir.term import COMPARISONS, Op, Term, walk

QUERY_TIMEOUT_MS = 10_000  # per output and size; the equalities are near-syntactic, 10 s means trouble
SEED = 7  # fixed: same verdicts on every run

_FUNCS = (Op.EXP, Op.EXP2, Op.LOG, Op.LOG2, Op.SQRT, Op.RSQRT, Op.ERF, Op.TANH, Op.SIN, Op.COS, Op.SIGMOID,
          Op.FLOOR, Op.CEIL)


@dataclass(frozen=True)
class Z3Outcome:
    status: str  # "proved", "refuted", "unknown"
    seconds: float
    failing: int | None = None  # index of a pair that differs in the model
    model: dict[Term, float] | None = None  # input element / parameter -> value
    reason: str = ""


class _Encoder:
    def __init__(self, ctx: z3.Context, sizes: dict[str, int]):
        self.ctx = ctx
        self.sizes = sizes
        self.vars: dict[Term, z3.ArithRef] = {}
        self.funcs: dict[Op, z3.FuncDeclRef] = {}
        self.facts: list[z3.BoolRef] = []
        self.memo: dict[Term, z3.ExprRef] = {}

    def real(self, value: float) -> z3.ArithRef:
        if not math.isfinite(value):
            raise _NotEncodable(f"the constant {value} (an infinite or NaN value reaches an output)")
        return z3.RealVal(repr(value) if value != int(value) else str(int(value)), self.ctx)

    def encode(self, term: Term) -> z3.ExprRef:
        for node in walk(term):
            if node not in self.memo:
                self.memo[node] = self._node(node)
        return self.memo[term]

    def _node(self, t: Term) -> z3.ExprRef:
        op, ctx = t.op, self.ctx
        a = [self.memo[x] for x in t.args]
        if op is Op.CONST:
            if isinstance(t.value, bool):
                return z3.BoolVal(t.value, ctx)
            return self.real(float(t.value))
        if op in (Op.ACCESS, Op.PARAM, Op.UNDEF):
            if t not in self.vars:
                self.vars[t] = z3.Real(f"v{len(self.vars)}", ctx)
            return self.vars[t]
        if op is Op.SIZE:
            return z3.RealVal(self.sizes[str(t.attr)], ctx)
        if op is Op.TOREAL:
            return a[0]
        if op is Op.ADD:
            return z3.Sum(a)
        if op is Op.MUL:
            return z3.Product(a)
        if op is Op.SUB:
            return a[0] - a[1]
        if op is Op.NEG:
            return -a[0]
        if op is Op.DIV:
            self.facts.append(a[1] != 0)
            return a[0] / a[1]
        if op in (Op.MAX, Op.MIN):
            result = a[0]
            for x in a[1:]:
                result = z3.If(x > result if op is Op.MAX else x < result, x, result)
            return result
        if op is Op.ABS:
            return z3.If(a[0] >= 0, a[0], -a[0])
        if op is Op.POW:
            exponent = t.args[1]
            if exponent.op is Op.CONST and float(exponent.value).is_integer() and 0 <= exponent.value <= 8:
                return z3.Product([a[0]] * int(exponent.value)) if exponent.value else z3.RealVal(1, ctx)
            return self._func(Op.POW, 2)(a[0], a[1])
        if op in _FUNCS:
            result = self._func(op, 1)(a[0])
            if op in (Op.EXP, Op.EXP2):
                self.facts.append(result > 0)
            elif op in (Op.SQRT, Op.RSQRT):
                self.facts.append(result >= 0)
            return result
        if op in COMPARISONS:
            x, y = a
            return {Op.LT: x < y, Op.LE: x <= y, Op.GT: x > y, Op.GE: x >= y, Op.EQ: x == y, Op.NE: x != y}[op]
        if op is Op.AND:
            return z3.And(a[0], a[1])
        if op is Op.OR:
            return z3.Or(a[0], a[1])
        if op is Op.NOT:
            return z3.Not(a[0])
        if op is Op.WHERE:
            return z3.If(a[0], a[1], a[2])
        raise _NotEncodable(f"the operation {op.value}")

    def _func(self, op: Op, arity: int) -> z3.FuncDeclRef:
        if op not in self.funcs:
            self.funcs[op] = z3.Function(op.value, *([z3.RealSort(self.ctx)] * (arity + 1)))
        return self.funcs[op]


class _NotEncodable(Exception):
    pass


def prove_equal(pairs: list[tuple[Term, Term]], sizes: dict[str, int],
                timeout_ms: int = QUERY_TIMEOUT_MS) -> Z3Outcome:
    """Is `kernel = formula` for every pair, for all real inputs? A model is a counterexample
    for the abstraction (uninterpreted math functions); callers replay it with the real ones."""
    start = time.perf_counter()
    ctx = z3.Context()
    enc = _Encoder(ctx, sizes)
    try:
        diffs = [enc.encode(k) != enc.encode(f) for k, f in pairs]
    except _NotEncodable as err:
        return Z3Outcome("unknown", time.perf_counter() - start, reason=f"cannot encode {err}")
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", timeout_ms)
    solver.set("random_seed", SEED)
    solver.add(*enc.facts)
    solver.add(z3.Or(diffs) if len(diffs) > 1 else diffs[0])
    result = solver.check()
    seconds = time.perf_counter() - start
    if result == z3.unsat:
        return Z3Outcome("proved", seconds)
    if result == z3.unknown:
        return Z3Outcome("unknown", seconds, reason=f"z3: {solver.reason_unknown()}")
    model = solver.model()
    values = {}
    for term, var in enc.vars.items():
        v = model.eval(var, model_completion=True)
        values[term] = float(v.as_fraction()) if z3.is_rational_value(v) else float(v.approx(20).as_fraction())
    failing = next((n for n, d in enumerate(diffs) if z3.is_true(model.eval(d, model_completion=True))), None)
    return Z3Outcome("refuted", seconds, failing, values)
