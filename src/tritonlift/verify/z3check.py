"""Deciding `kernel term = formula term` over the reals with z3, at concrete sizes.

Input elements and float parameters are real variables; `exp`, `log`, `erf`, ... are
uninterpreted functions (so a proof holds for every function, the real ones included), with the
ground facts the comparison needs (`exp(u) > 0`, `√u ≥ 0`). Divisions get the hypothesis that
their denominator is nonzero (printed as an assumption). Each query has its own context.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from ..ir.term import Op, Term, integer, size, substitute, walk
from .z3sym import NotEncodable, SymEncoder

QUERY_TIMEOUT_MS = 10_000  # per output and size; the equalities are near-syntactic, 10 s means trouble
SEED = 7  # fixed: same verdicts on every run


@dataclass(frozen=True)
class Z3Outcome:
    status: str  # "proved", "refuted", "unknown"
    seconds: float
    failing: int | None = None  # index of a pair that differs in the model
    model: dict[Term, float] | None = None  # input element / parameter -> value
    reason: str = ""


def prove_equal(pairs: list[tuple[Term, Term]], sizes: dict[str, int],
                timeout_ms: int = QUERY_TIMEOUT_MS, value_ranges: dict | None = None,
                shapes: dict[str, tuple[int, ...]] | None = None) -> Z3Outcome:
    """Is `kernel = formula` for every pair, for all real inputs (and index tensors holding values in
    their stated ranges)? A model is a counterexample for the abstraction (uninterpreted math
    functions); callers replay it with the real ones."""
    start = time.perf_counter()
    at_sizes = {size(n): integer(v) for n, v in sizes.items()}
    enc = SymEncoder({name: tuple((substitute(lo, at_sizes), substitute(hi, at_sizes)) for lo, hi in ranges)
                      for name, ranges in (value_ranges or {}).items()})
    pairs = [(substitute(k, at_sizes), substitute(f, at_sizes)) for k, f in pairs]
    try:
        diffs = [enc.encode(k) != enc.encode(f) for k, f in pairs]
    except NotEncodable as err:
        return Z3Outcome("unknown", time.perf_counter() - start, reason=f"cannot encode {err}")
    solver = z3.Solver(ctx=enc.ctx)
    solver.set("timeout", timeout_ms)
    solver.set("random_seed", SEED)
    solver.add(enc.facts_now())
    for t in {n for k, f in pairs for side in (k, f) for n in walk(side)}:
        if t.op is Op.ACCESS and shapes and str(t.attr) in shapes and any(a.op is not Op.CONST for a in t.args):
            # a gathered element has a value only inside its tensor's shape; reading outside it is the
            # safety proof's business (bounds), not a difference of values
            for a, d in zip(t.args, shapes[str(t.attr)]):
                solver.add(enc.encode(a) >= 0, enc.encode(a) < d)
    solver.add(z3.Or(diffs) if len(diffs) > 1 else diffs[0])
    result = solver.check()
    seconds = time.perf_counter() - start
    if result == z3.unsat:
        return Z3Outcome("proved", seconds)
    if result == z3.unknown:
        return Z3Outcome("unknown", seconds, reason=f"z3: {solver.reason_unknown()}")
    model = solver.model()
    values = {}
    leaves = {t for k, f in pairs for side in (k, f) for t in walk(side) if t.op in (Op.ACCESS, Op.PARAM, Op.UNDEF)}
    for term in leaves:
        v = model.eval(enc.encode(term), model_completion=True)
        values[term] = float(v.as_long()) if z3.is_int_value(v) else float(v.as_fraction()) \
            if z3.is_rational_value(v) else float(v.approx(20).as_fraction())
    failing = next((n for n, d in enumerate(diffs) if z3.is_true(model.eval(d, model_completion=True))), None)
    return Z3Outcome("refuted", seconds, failing, values)
