"""VERIFIED: the formula holds for every size, by executing the kernel once over symbols.

Sizes, program ids and lane indices are symbols (symexec/lanes.py). Every store yields three
obligations, each a quantifier-free z3 query under the launch preconditions H (sizes ≥ 1,
0 ≤ pid < grid, 0 ≤ lane < width, BLOCK ≥ N where the launch says next_power_of_2(N)):

  frame     H ∧ mask ⇒ the stored address is output[idx] with 0 ≤ idx < shape
  value     H ∧ mask ⇒ stored value = formula(idx)
  coverage  every idx in the output's domain is stored by some (pid, lane) — given as witnesses

Reductions over lanes meet the formula's reductions through one lemma, mask absorption:
  ⊕_{k<B} (k < E ? g(k) : neutral) = ⊕_{k<E} g(k)   when 0 ≤ E ≤ B,
with its side condition discharged by z3; each reduction is then an opaque atom compared by
identity. Kernels with loops over symbolic ranges, or branches on sizes, are not covered here:
they raise UnsupportedFeature and keep their bounded verdict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from ..errors import TritonLiftError, UnsupportedFeature
from ..frontend import Kernel
from ..ir.term import (FALSE, NEG_INF, POS_INF, REDUCTIONS, TRUE, Op, Sort, Term, access, apply, bound, canonical_binders,
                       fresh_binders,
                       free_vars, integer, param, real, reduce_, size, substitute, transform, walk)
from ..launch.bind import BoundLaunch
from ..launch.model import FloatArg, IntArg, LiteralArg, NoneArg, TensorArg
from ..result import Check
from ..symexec import fold, lanes
from ..symexec.interp import Interpreter, JitFunction
from ..synth.generalize import Formula
from ..synth.expnorm import normal_form
from ..synth.reductions import recognise
from .intcanon import canon_compare, canon_int, decompose
from .heuristics import HeuristicCase, Sym, heuristic_cases
from .safety import SafetyOutcome, lane_hyps as _lane_hyps, prove_access_safety, prove_race_freedom, query

NEUTRAL = {Op.SUM: real(0.0), Op.RMAX: NEG_INF, Op.RMIN: POS_INF, Op.PROD: real(1.0),
           Op.ARGMAX: NEG_INF, Op.ARGMIN: POS_INF}  # a masked-off lane of an argmax holds −∞: never chosen


@dataclass(frozen=True)
class UnboundedOutcome:
    proved: bool
    checks: tuple[Check, ...]
    reason: str = ""
    violation_sizes: dict[str, int] | None = None  # an obligation is refuted at these sizes: replay there
    witness: object | None = None  # safety.Witness: the bad access itself, for kernels the executor cannot run


def verify_unbounded(kernel: Kernel, bound: BoundLaunch, formulas: list[Formula], config: int,
                     invariant_patterns: bool = True) -> UnboundedOutcome:
    """The formulas for all sizes, in each case the kernel's heuristics distinguish
    (`invariant_patterns=False`: the --no-invariant-patterns ablation, no loop over sizes is proven)."""
    return _each_case(kernel, bound, config,
                      lambda case: _verify_case(kernel, bound, formulas, config, case, invariant_patterns),
                      "not proven for all sizes: ")


def _each_case(kernel: Kernel, bound: BoundLaunch, config: int, prove, prefix: str) -> UnboundedOutcome:
    try:
        cases = _heuristic_cases(kernel, bound, config)
    except UnsupportedFeature as err:
        return UnboundedOutcome(False, (), f"{prefix}{err.render()}")
    checks: list[Check] = []
    for case in cases:
        outcome = prove(case)
        if outcome.reason == _INFEASIBLE:
            checks.append(Check(f"case {case.describe()}: no sizes satisfy it under the launch preconditions",
                                "proved", 0.0))
            continue
        label = f"case {case.describe()}: " if len(cases) > 1 else ""
        checks += [replace(c, name=label + c.name) for c in outcome.checks]
        if not outcome.proved:
            return replace(outcome, checks=tuple(checks), reason=outcome.reason.replace(prefix, prefix + label, 1))
    return UnboundedOutcome(True, tuple(checks))


_INFEASIBLE = "infeasible case"


class _Infeasible(Exception):
    pass


def _verify_case(kernel: Kernel, bound: BoundLaunch, formulas: list[Formula], config: int,
                 case: HeuristicCase, invariant_patterns: bool = True) -> UnboundedOutcome:
    start = time.perf_counter()
    try:
        run = _execute(kernel, bound, config, case, invariant_patterns=invariant_patterns)
    except _Infeasible:
        return UnboundedOutcome(True, (), _INFEASIBLE)
    except UnsupportedFeature as err:
        return UnboundedOutcome(False, (), f"not proven for all sizes: {err.render()}")
    except TritonLiftError as err:
        return UnboundedOutcome(False, (), f"not proven for all sizes: {err.message}")
    both = run.loaded & {s.tensor for s in run.stores}
    if both:
        return UnboundedOutcome(False, (), f"not proven for all sizes: {', '.join(sorted(both))} is read and "
                                "written by the kernel (in-place updates are checked at bounded sizes only)")
    checks: list[Check] = [Check("symbolic execution over sizes, program ids and lanes", "proved",
                                 time.perf_counter() - start)]
    layout, shapes = _layout(bound, run)
    formulas = _with_block_symbols(formulas, bound)
    access = prove_access_safety(run, layout, shapes, tuple(bound.sizes), _simplify)
    checks.extend(access.checks)
    if access.refuted is not None:
        return _unsafe(checks, access, "not proven for all sizes: ")
    for division in run.divisions:
        ok = _prove(run, _lane_hyps(division),
                    [apply(Op.GE, division.dividend, integer(0)), apply(Op.GT, division.divisor, integer(0))])
        checks.append(Check(f"integer division at {division.site} has a nonnegative dividend", ok, 0.0))
        if ok != "proved":
            return UnboundedOutcome(False, tuple(checks), f"cannot show the division at {division.site} is on "
                                    "nonnegative integers (Triton truncates, the formula floors)")
    for f in formulas:
        stores = [s for s in run.stores if s.tensor == f.output]
        if not stores:
            return UnboundedOutcome(False, tuple(checks), f"{f.output} is not stored at symbolic sizes")
        for s in stores:
            outcome, sizes = _check_store(run, s, f, layout, shapes, tuple(bound.sizes))
            checks.extend(outcome)
            failed = next((c for c in outcome if c.result != "proved"), None)
            if failed is not None:
                return UnboundedOutcome(False, tuple(checks), f"not proven for all sizes: {failed.name}: "
                                        f"{failed.result}{(' — ' + failed.detail) if failed.detail else ''}", sizes)
        cover = _coverage(run, stores, f, layout)
        checks.append(cover)
        if cover.result != "proved":
            return UnboundedOutcome(False, tuple(checks), f"not proven for all sizes: {cover.name}: {cover.detail}")
    others = {s.tensor for s in run.stores} - {f.output for f in formulas}
    if others:
        return UnboundedOutcome(False, tuple(checks), f"stores to {', '.join(sorted(others))} have no formula")
    races = prove_race_freedom(run, tuple(bound.sizes), layout, access.in_range, values_proven=True)
    checks.extend(races.checks)
    if races.refuted is not None:
        return _unsafe(checks, races, "not proven for all sizes: ")
    return UnboundedOutcome(True, tuple(checks))


def _unsafe(checks: list[Check], safety: SafetyOutcome, prefix: str) -> UnboundedOutcome:
    failed = safety.refuted
    return UnboundedOutcome(False, tuple(checks), f"{prefix}{failed.name}: {failed.result}"
                            f"{(' — ' + failed.detail) if failed.detail else ''}", safety.sizes, safety.witness)


def verify_safety(kernel: Kernel, bound: BoundLaunch, config: int, invariant_patterns: bool = True) -> UnboundedOutcome:
    """Bounds, races and undefined values alone, for every size (`--safety-only`)."""
    return _each_case(kernel, bound, config,
                      lambda case: _safety_case(kernel, bound, config, case, invariant_patterns),
                      "safety not proven for all sizes: ")


def _safety_case(kernel: Kernel, bound: BoundLaunch, config: int, case: HeuristicCase,
                 invariant_patterns: bool = True) -> UnboundedOutcome:
    try:
        run = _execute(kernel, bound, config, case, opaque_values=True, invariant_patterns=invariant_patterns)
    except _Infeasible:
        return UnboundedOutcome(True, (), _INFEASIBLE)
    except UnsupportedFeature as err:
        return UnboundedOutcome(False, (), f"safety not proven for all sizes: {err.render()}")
    except TritonLiftError as err:
        return UnboundedOutcome(False, (), f"safety not proven for all sizes: {err.message}")
    layout, shapes = _layout(bound, run)
    access = prove_access_safety(run, layout, shapes, tuple(bound.sizes), _simplify)
    if access.refuted is not None:
        return _unsafe(list(access.checks), access, "")
    races = prove_race_freedom(run, tuple(bound.sizes), layout, access.in_range)
    checks = list(access.checks + races.checks)
    if races.refuted is not None:
        return _unsafe(checks, races, "")
    return UnboundedOutcome(True, tuple(checks))


# ---------------------------------------------------------------- symbolic launch and execution


@dataclass
class _Run:
    hypotheses: list[Term]
    stores: list
    loads: list
    divisions: list
    loaded: set
    grid: tuple[Term, ...]
    pids: tuple[Term, ...]
    ranges: dict = None  # index tensor -> the value ranges the launch states
    constants: dict = None  # constexpr size symbol -> its value (or block symbol) in this run


def _heuristic_cases(kernel: Kernel, bound: BoundLaunch, config: int) -> list[HeuristicCase]:
    """The heuristics on symbolic sizes: one case, or several when a condition splits them."""
    if not bound.heuristics:
        return [HeuristicCase((), ())]
    args: dict[str, object] = {}
    for name, arg in list(bound.args) + list(bound.constexprs):
        if isinstance(arg, IntArg):
            value = canon_int(arg.expr)
            args[name] = int(value.value) if value.op is Op.CONST else Sym(value)
        elif isinstance(arg, (LiteralArg, FloatArg)):
            args[name] = arg.value
        elif isinstance(arg, NoneArg):
            args[name] = None
    args.update(bound.configs[config])
    return heuristic_cases(bound.heuristics, args, kernel.site)


def _int_constexpr(name: str, expr: Term, hyps: list[Term], constexprs: dict, replace: dict) -> None:
    """A constexpr given as an integer expression over sizes: a number, a block symbol B with
    B ≥ n for B = next_power_of_2(n), or the expression itself."""
    if not {t for t in walk(expr) if t.op is Op.SIZE}:
        from ..ir.intexpr import evaluate_int

        constexprs[name] = evaluate_int(expr, {})
        replace[size(name)] = integer(constexprs[name])
    elif expr.op is Op.NEXTPOW2:
        symbol = size(name)
        hyps += [apply(Op.GE, symbol, expr.args[0]), apply(Op.GE, symbol, integer(1))]
        constexprs[name] = lanes.LBlock(symbol, (), lanes.INT, lanes.DType("int32"))
        replace[size(name)] = symbol
    else:
        constexprs[name] = lanes.LBlock(expr, (), lanes.INT, lanes.DType("int32"))
        replace[size(name)] = expr


def _execute(kernel: Kernel, bound: BoundLaunch, config: int, case: HeuristicCase | None = None,
             opaque_values: bool = False, invariant_patterns: bool = True) -> _Run:
    from ..ir.term import index

    case = case or HeuristicCase((), ())
    if bound.heuristics and not case.values:
        raise UnsupportedFeature("constexprs computed by a heuristic need a case (verify/heuristics.py)")
    hyps = [apply(Op.GE, size(n), integer(1)) for n in bound.sizes]
    constexprs: dict[str, object] = {}
    replace: dict[Term, Term] = {}
    for name, arg in bound.constexprs:
        if isinstance(arg, IntArg):
            _int_constexpr(name, arg.expr, hyps, constexprs, replace)
        elif isinstance(arg, (LiteralArg, FloatArg)):
            constexprs[name] = arg.value
        elif isinstance(arg, NoneArg):
            constexprs[name] = None
    constexprs.update(bound.configs[config])
    for name, value in bound.configs[config].items():
        if isinstance(value, int) and not isinstance(value, bool):
            replace[size(name)] = integer(value)
    for name, value in case.values:
        if isinstance(value, Term):
            _int_constexpr(name, value, hyps, constexprs, replace)
        else:
            constexprs[name] = value
            if isinstance(value, int) and not isinstance(value, bool):
                replace[size(name)] = integer(value)
    hyps += [substitute(h, replace) for h in case.hyps]
    if case.hyps and _prove(_Run(hyps, [], [], [], set(), (), ()), [], [FALSE]) == "proved":
        raise _Infeasible()  # the case's conditions contradict the launch: nothing to run
    grid = tuple(canon_int(substitute(g, replace)) for g in bound.launch.grid)
    grid3 = grid + (integer(1),) * (3 - len(grid))
    # a grid axis of extent 1 has the one program id 0: a constant, so that `pid_z · BLOCK_K` vanishes
    pids = tuple(integer(0) if g is integer(1) else index(f"pid{d}") for d, g in enumerate(grid3))
    for p, g in zip(pids, grid3):
        if p.op is not Op.CONST:
            hyps += [apply(Op.GE, p, integer(0)), apply(Op.LT, p, g)]
    args: dict[str, object] = {}
    for name, arg in bound.args:
        if isinstance(arg, TensorArg):
            from ..symexec.values import DType as VDType, PointerType

            args[name] = lanes.LBlock(integer(0), (), lanes.PTR, PointerType(VDType(arg.dtype)), arg.name)
        elif isinstance(arg, IntArg):
            args[name] = lanes.LBlock(arg.expr, (), lanes.INT, lanes.DType("int32"))
        elif isinstance(arg, FloatArg):
            args[name] = lanes.LBlock(param(arg.name) if arg.name else real(arg.value), (), lanes.REAL,
                                      lanes.DType("fp32"))
        else:
            args[name] = arg.value if isinstance(arg, LiteralArg) else None
    args.update(constexprs)
    interp = Interpreter({}, pids, grid3, [], domain=lanes)
    interp.stores, interp.loads, interp.divisions, interp.loaded, interp.loops = [], [], [], set(), []
    interp.opaque_values = opaque_values
    interp.invariant_patterns = invariant_patterns  # read by symexec/loops.py
    interp.call(JitFunction(kernel.module, kernel.func), [], args)
    ranges = {t.name: t.values for t in bound.tensors if t.values}
    ranges.update(getattr(interp, "opaque_ranges", {}))  # indices from argmax: within their axis
    return _Run(hyps, interp.stores, interp.loads, interp.divisions, interp.loaded, grid3, pids, ranges, replace)


def _with_block_symbols(formulas: list[Formula], bound: BoundLaunch) -> list[Formula]:
    """next_power_of_2(B) in a formula is the block symbol the kernel ran with (BLOCK ≥ B), not a
    second unknown of the same bounds."""
    blocks = {arg.expr: size(name) for name, arg in bound.constexprs
              if isinstance(arg, IntArg) and arg.expr.op is Op.NEXTPOW2}
    if not blocks:
        return formulas
    return [replace(f, body=substitute(f.body, blocks), shape=tuple(substitute(d, blocks) for d in f.shape))
            for f in formulas]


def _layout(bound: BoundLaunch, run: _Run) -> tuple[dict, dict]:
    """Strides and shapes of every tensor, with the constexprs of this run put in (mid[cdiv(M, BLOCK)])."""
    values = run.constants or {}
    layout = {t.name: tuple(canon_int(substitute(s, values)) for s in _strides(t)) for t in bound.tensors}
    shapes = {t.name: tuple(canon_int(substitute(d, values)) for d in t.shape) for t in bound.tensors}
    return layout, shapes


def _strides(t: TensorArg) -> tuple[Term, ...]:
    if t.strides:
        return t.strides
    strides, acc = [], integer(1)
    for d in reversed(t.shape):
        strides.append(acc)
        acc = canon_int(apply(Op.MUL, acc, d))
    return tuple(reversed(strides))


# ---------------------------------------------------------------- obligations



def _prove(run: _Run, extra: list[Term], goals: list[Term]) -> str:
    """H ∧ extra ⇒ goals: "proved", "refuted" or "unknown (…)" (safety.query, without a model)."""
    return query(run, extra, goals, ())[0]


def _flatten(t: Term, layout: dict[str, tuple[Term, ...]], integral: frozenset = frozenset()) -> Term:
    """x[i, k] → x@[i·s0 + k·s1]: the formula's accesses as flat offsets, like the kernel's. Elements of
    the `integral` tensors (which the kernel loads as integers) are integers on both sides."""

    def step(n: Term) -> Term:
        if n.op is Op.ACCESS and not str(n.attr).endswith("@"):
            strides = layout[str(n.attr)]
            offset = apply(Op.ADD, *(apply(Op.MUL, i, s) for i, s in zip(n.args, strides))) if n.args else integer(0)
            sort = Sort.INT if f"{n.attr}@" in integral else n.sort
            return Term(Op.ACCESS, (canon_int(offset),), f"{n.attr}@", sort)
        return n

    return transform(t, step)


def _check_store(run: _Run, store, f: Formula, layout, shapes, size_names=()) -> tuple[list[Check], dict | None]:
    """Frame and value of one store; with the sizes of a refuting model, for a concrete replay."""
    where = f"{f.output} store at {store.site}"
    t0 = time.perf_counter()
    extra = _lane_hyps(store) + [store.mask]
    idx = decompose(canon_int(store.offset), layout[f.output])
    if idx is None:
        return [Check(f"frame: {where}", "unknown", time.perf_counter() - t0,
                      f"cannot split the offset {store.offset!r} along the strides of {f.output}")], None
    in_bounds = []
    for i, dim in zip(idx, f.shape):
        in_bounds += [apply(Op.GE, i, integer(0)), apply(Op.LT, i, dim)]
    frame = _prove(run, extra, in_bounds or [fold.compare(Op.EQ, integer(0), integer(0))])
    checks = [Check(f"frame: {where} stays inside {f.output}", frame, time.perf_counter() - t0)]
    if frame != "proved":
        return checks, None
    t0 = time.perf_counter()
    value = _simplify(run, extra, store.value)
    integral = frozenset(str(n.attr) for n in walk(value) if n.op is Op.ACCESS and n.sort is Sort.INT)
    expected = _flatten(substitute(f.body, dict(zip(f.indices, idx))), layout, integral)
    if any(n.op is Op.WHERE for n in walk(expected)):  # choices the store's mask decides (t ≠ −100 where it writes)
        expected = _simplify(run, extra, expected)
    a, b = _canonical(value), _canonical(expected)
    if a is b:
        checks.append(Check(f"value: {where} equals the formula", "proved", time.perf_counter() - t0,
                            "identical after mask absorption"))
        return checks, None
    na = normal_form(a)
    if na is not None and na is normal_form(b):
        checks.append(Check(f"value: {where} equals the formula", "proved", time.perf_counter() - t0,
                            "identical exp-normal forms after mask absorption"))
        return checks, None
    result, sizes, _ = query(run, extra, [apply(Op.EQ, a, b)], size_names)  # one query: verdict and model
    checks.append(Check(f"value: {where} equals the formula", result, time.perf_counter() - t0,
                        "z3 over the reals, reductions as atoms"))
    return checks, sizes


def _canonical(t: Term) -> Term:
    def step(n: Term) -> Term:
        if n.sort is not Sort.INT:
            return n
        if n.op in (Op.MIN, Op.MAX):  # commutative: one order of the operands
            n = n.rebuild(sorted((canon_int(a) for a in n.args), key=repr))
        return canon_int(n)

    return canonical_binders(recognise(transform(t, step)))


def _simplify(run: _Run, extra: list[Term], t: Term) -> Term:
    """Decide lane conditions implied by the hypotheses, lift choices out of arithmetic, absorb masks."""
    cache: dict[Term, Term] = {}

    def decide(c: Term) -> Term:
        if c.op in (Op.AND, Op.OR, Op.NOT):
            return fold.logical(c.op, *(decide(a) for a in c.args))
        if c.sort is not Sort.BOOL or c.op is Op.CONST or any(v.op is Op.BOUND for v in walk(c)):
            return c
        if any(a.sort is Sort.REAL for a in c.args):
            return c
        if c not in cache:
            if _prove(run, extra, [c]) == "proved":
                cache[c] = TRUE
            elif _prove(run, extra, [apply(Op.NOT, c)]) == "proved":
                cache[c] = FALSE
            else:
                cache[c] = c
        return cache[c]

    def reduce_lanes(n: Term) -> Term:
        return _absorb(run, extra, _reindex(_hoist_extremum(run, extra, n)), decide)

    def wrap(n: Term) -> Term:
        """a mod b = a and a // b = 0 where 0 ≤ a < b (rows taken modulo M under the row mask)."""
        if n not in cache:
            a, b = n.args
            inside = any(v.op is Op.BOUND for v in walk(n)) or \
                _prove(run, extra, [apply(Op.GE, a, integer(0)), apply(Op.LT, a, b)]) != "proved"
            cache[n] = n if inside else (a if n.op is Op.MOD else integer(0))
        return cache[n]

    from .intcanon import from_poly, poly

    def extent(hi: Term) -> Term:
        """A reduction's bound in its simplest equal form: max/min decided, c·cdiv(a, c) = a when c
        divides a, cdiv(a, 1) = a (a K-loop of full tiles: 32·cdiv(K, 32) = K when K mod 32 = 0)."""
        def tidy(m: Term) -> Term:
            m = canon_int(m)
            if m.op in (Op.MAX, Op.MIN) and len(m.args) == 2 and not any(v.op is Op.BOUND for v in walk(m)):
                a, b = m.args
                if _prove(run, extra, [apply(Op.GE, a, b)]) == "proved":
                    return a if m.op is Op.MAX else b
                if _prove(run, extra, [apply(Op.LE, a, b)]) == "proved":
                    return b if m.op is Op.MAX else a
            if m.op is Op.CDIV and m.args[1].op is Op.CONST and m.args[1].value == 1:
                return m.args[0]
            if m.op in (Op.CDIV, Op.FLOORDIV) and m.args[1].op is Op.CONST and m.args[1].value > 0:
                p, c = poly(m.args[0]), m.args[1].value
                if all(coef % c == 0 for coef in p.values()):  # exact: (c·a + c·d) / c = a + d
                    return from_poly({mono: coef // c for mono, coef in p.items()})
                for value in (0, 1):  # the trip count of a loop over the one last tile
                    if _prove(run, extra, [apply(Op.EQ, m, integer(value))]) == "proved":
                        return integer(value)
            if m.op is Op.MUL and len(m.args) == 2 and m.args[0].op is Op.CONST and m.args[1].op is Op.CDIV \
                    and m.args[1].args[1] is m.args[0]:
                a, c = m.args[1].args
                if _prove(run, extra, [apply(Op.EQ, apply(Op.MOD, a, c), integer(0))]) == "proved":
                    return a
            return m
        return canon_int(transform(canon_int(hi), tidy))

    def tidy_extent(n: Term) -> Term:
        if n.op not in REDUCTIONS or n.args[1].op in (Op.SIZE, Op.CONST):
            return n
        tidier = extent(n.args[1])
        return n if tidier is n.args[1] else canonical_binders(reduce_(n.op, n.attr, n.args[0], tidier, n.args[2]))

    def step(n: Term) -> Term:
        if n.op in (Op.MOD, Op.FLOORDIV) and n.sort is Sort.INT:
            return wrap(n)
        n = tidy_extent(n)
        if n.op is Op.WHERE:
            chosen = fold.where(decide(n.args[0]), n.args[1], n.args[2])
            return _dead_lane(chosen) if chosen.op is Op.WHERE else chosen
        if n.op in REDUCTIONS:
            out = tidy_extent(reduce_lanes(within(n)))
            if out.op in (Op.MAX, Op.MIN) and out.sort is Sort.REAL:  # extrema split over lanes: join ranges
                return _concatenated(run, extra, out.rebuild(tidy_extent(a) for a in out.args))
            return _linear(out, lambda m: tidy_extent(reduce_lanes(m)), run, extra) if out.op is Op.SUM else out
        out = _lift_where(n)  # a choice lifted out of arithmetic (at any depth) may now be a dead-lane choice
        return transform(out, lambda m: _dead_lane(m) if m.op is Op.WHERE else m) if out is not n else out

    def within(n: Term) -> Term:
        """Conditions on a reduction's own variable k, decided under lo ≤ k < hi (`k < N` over a tile of
        4 lanes when N > 4); the choices they settle may then be dead-lane choices."""
        lo, hi, body = n.args
        k = n.attr
        if lo.op is not Op.CONST or any(v.op is Op.BOUND and v is not k for v in walk(hi)):
            return n
        ranged = extra + [apply(Op.GE, k, lo), apply(Op.LT, k, hi)]
        seen: dict[Term, Term] = {}

        def settle(m: Term) -> Term:
            if m.op is not Op.WHERE:
                return m
            c = m.args[0]
            if {v for v in walk(c) if v.op is Op.BOUND} != {k} or any(a.sort is Sort.REAL for a in c.args):
                return m
            if c not in seen:
                seen[c] = TRUE if _prove(run, ranged, [c]) == "proved" else \
                    FALSE if _prove(run, ranged, [apply(Op.NOT, c)]) == "proved" else c
            chosen = fold.where(seen[c], m.args[1], m.args[2])
            return _dead_lane(chosen) if chosen.op is Op.WHERE else chosen

        settled = transform(body, settle)
        return n if settled is body else canonical_binders(reduce_(n.op, k, lo, hi, settled))

    return transform(t, step)


def _lift_where(n: Term) -> Term:
    """f(c ? a : b, …) = c ? f(a, …) : f(b, …) for arithmetic f, so masks reach the reduction body."""
    if n.sort is not Sort.REAL or n.op in REDUCTIONS or n.op is Op.WHERE or not n.args:
        return n
    choice = next((a for a in n.args if a.op is Op.WHERE), None)
    if choice is None or n.op is Op.ACCESS:
        return n
    c = choice.args[0]
    then = [a.args[1] if a.op is Op.WHERE and a.args[0] is c else a for a in n.args]
    other = [a.args[2] if a.op is Op.WHERE and a.args[0] is c else a for a in n.args]
    return fold.where(c, _lift_where(fold.refold_node(n.rebuild(then))),
                      _lift_where(fold.refold_node(n.rebuild(other))))


def _dead_lane(n: Term) -> Term:
    """(R = −∞ ? A : E) → E' for a running maximum R = max_{k<T} g(k) whose lane never saw an element,
    when A is 0 at R = −∞ and E's exp-normal form E' is free of R and a multiple of
    S = Σ_{k<T} exp(g(k)) in every monomial: R = −∞ ⟹ S = 0 (a lemma proven in the test suite), so
    both branches equal E' (E' = E wherever R is finite, since R cancels)."""
    from ..ir.term import param
    from ..synth.expnorm import Normalizer, TooLarge, to_term

    cond, then, other = n.args
    if not (cond.op is Op.EQ and cond.args[1] is NEG_INF):
        return n
    peak = cond.args[0]
    parts = [peak] if peak.op is Op.RMAX else list(peak.args) if peak.op is Op.MAX else []
    if not parts or any(p.op is not Op.RMAX for p in parts):
        return n  # R = max(R₁, R₂) = −∞ ⟹ every Rᵢ = −∞ ⟹ every Sᵢ = 0
    if fold.refold(substitute(then, {peak: NEG_INF})) is not real(0.0):
        return n
    rho = param("ρ")
    finite = substitute(other, {peak: rho})
    try:
        p = Normalizer().poly(finite) if normal_form(finite) is not None else None
    except TooLarge:
        p = None
    if not p:
        return n
    totals = {_canonical(canonical_binders(reduce_(Op.SUM, r.attr, r.args[0], r.args[1],
                                                   _lift_where(fold.unary(Op.EXP, r.args[2]))))) for r in parts}
    for monomial in p:
        atoms = {_canonical(a) for a, e in monomial if e > 0}
        if not (totals & atoms) or any(rho in free_or_leaf(a) for a, _ in monomial):
            return n
    return to_term(p)


def free_or_leaf(t: Term) -> set[Term]:
    return {x for x in walk(t) if not x.args}


def _linear(n: Term, reduce_lanes, run=None, extra=()) -> Term:
    """Σ_k (c · f(k) + …) = c · Σ_k f(k) + …: pull factors free of k out of a lane sum so that the
    sums left inside meet the reindexing and absorption lemmas; then c·Σ_{u<a} f(u) + c·Σ_{u<b} f(a+u)
    = c·Σ_{u<a+b} f(u) (a row split into a loop over full tiles and a last tile)."""
    from ..synth.expnorm import Normalizer, TooLarge, to_term

    if normal_form(n) is None:
        return n
    try:
        p = Normalizer().poly(n)
    except TooLarge:
        return n
    rebuilt = {}
    for monomial, c in p.items():
        key = tuple((reduce_lanes(a) if a.op is Op.SUM else a, e) for a, e in monomial)
        rebuilt[key] = rebuilt.get(key, 0) + c
    if run is not None:
        rebuilt = _join_sums(run, list(extra), rebuilt)
    return to_term(rebuilt)


def _join_sums(run: _Run, extra: list[Term], poly: dict) -> dict:
    """Merge two monomials that differ only in one sum factor, c·R·Σ_{u<a} f(u) and c·R·Σ_{u<b} f(a+u)."""
    merged = True
    while merged:
        merged = False
        items = list(poly.items())
        for i, (m1, c1) in enumerate(items):
            for m2, c2 in items[i + 1:]:
                if c1 != c2 or len(m1) != len(m2):
                    continue
                only1 = [(a, e) for a, e in m1 if (a, e) not in m2]
                only2 = [(a, e) for a, e in m2 if (a, e) not in m1]
                if len(only1) != 1 or len(only2) != 1 or only1[0][1] != 1 or only2[0][1] != 1:
                    continue
                joined = _concat(run, extra, only1[0][0], only2[0][0]) or _concat(run, extra, only2[0][0], only1[0][0])
                if joined is None:
                    continue
                rest = [(a, e) for a, e in m1 if (a, e) != only1[0]]
                del poly[m1], poly[m2]
                poly[tuple(sorted(rest + [(joined, 1)], key=lambda ae: repr(ae[0])))] = c1
                merged = True
                break
            if merged:
                break
    return poly


def _concatenated(run: _Run, extra: list[Term], n: Term) -> Term:
    """max(max_{u<a} f(u), max_{u<b} f(a+u), …) = max(max_{u<a+b} f(u), …), the same for min."""
    args = list(n.args)
    for i in range(len(args)):
        for j in range(len(args)):
            if i != j:
                joined = _concat(run, extra, args[i], args[j])
                if joined is not None:
                    rest = [a for t, a in enumerate(args) if t not in (i, j)] + [joined]
                    combine = fold.maximum if n.op is Op.MAX else fold.minimum
                    return _concatenated(run, extra, combine(*rest)) if len(rest) > 1 else joined
    return n


def _concat(run: _Run, extra: list[Term], first: Term, second: Term) -> Term | None:
    """⊕_{u<a} f(u) ⊕ ⊕_{u<b} f(a+u) = ⊕_{u<a+b} f(u) for a, b ≥ 0 (a lemma proven in the test suite)."""
    if first.op not in REDUCTIONS or first.op in (Op.ARGMAX, Op.ARGMIN) or second.op is not first.op \
            or not _zero(first.args[0]) \
            or not _zero(second.args[0]):
        return None
    a, b = first.args[1], second.args[1]
    u = first.attr
    shifted = substitute(first.args[2], {u: apply(Op.ADD, u, a)})
    shifted = transform(shifted, lambda m: canon_int(m) if m.sort is Sort.INT else canon_compare(m))
    candidate = canonical_binders(reduce_(first.op, u, integer(0), b, shifted))
    if _canonical(candidate) is not _canonical(second):
        return None
    if _prove(run, extra, [apply(Op.GE, a, integer(0)), apply(Op.GE, b, integer(0))]) != "proved":
        return None
    body = transform(first.args[2], lambda m: canon_int(m) if m.sort is Sort.INT else m)
    return canonical_binders(reduce_(first.op, u, integer(0), canon_int(apply(Op.ADD, a, b)), body))


def _hoist_extremum(run: _Run, extra: list[Term], n: Term) -> Term:
    """max_{k<B} max(c, f(k)) = max(c, max_{k<B} f(k)) for c free of k and B ≥ 1 (an accumulator that
    starts from a constant such as 0 instead of −∞); the same for min."""
    fold_op = {Op.RMAX: Op.MAX, Op.RMIN: Op.MIN}.get(n.op)
    if fold_op is None or n.args[2].op is not fold_op:
        return n
    lo, hi, body = n.args
    k = n.attr
    constant = [a for a in body.args if k not in free_vars(a)]
    varying = [a for a in body.args if k in free_vars(a)]
    combine = fold.maximum if fold_op is Op.MAX else fold.minimum
    if not constant and len(varying) > 1:  # max_k max(f(k), g(k)) = max(max_k f(k), max_k g(k))
        return combine(*(_absorb(run, extra, _reindex(canonical_binders(reduce_(n.op, k, lo, hi, v))), lambda c: c)
                         for v in varying))
    if not constant or not varying or _prove(run, extra, [apply(Op.LT, lo, hi)]) != "proved":
        return n
    inner = varying[0] if len(varying) == 1 else apply(fold_op, *varying)
    reduced = canonical_binders(reduce_(n.op, k, lo, hi, inner))
    return combine(*constant, _absorb(run, extra, _reindex(reduced), lambda c: c))


def _reindex(n: Term) -> Term:
    """⊕_{k<B} ⊕_{t<T} h(t·B + k) = ⊕_{u<T·B} h(u) for the same ⊕ ∈ {Σ, max, min}: a lane sum of
    per-lane loop accumulators is one sum over the row (k = u mod B, t = u div B is a bijection).
    Finite sums and extrema commute, so the inner variable may be the fast one too (t·B + k with
    t outer), as in a K-loop of tl.dot."""
    if n.op not in (Op.SUM, Op.RMAX, Op.RMIN) or n.args[2].op is not n.op:
        return n
    n = fresh_binders(n)  # unique binder names: the substitution below cannot capture
    lo, outer_count, body = n.args
    if not _zero(lo) or not _zero(body.args[0]):
        return n
    outer, inner = n.attr, body.attr
    inner_count, h = body.args[1], body.args[2]
    if outer in free_vars(inner_count):
        return n
    u = bound("υ")
    for fast, slow, stride in ((outer, inner, outer_count), (inner, outer, inner_count)):
        if slow in free_vars(stride):
            continue
        shifted = substitute(h, {fast: apply(Op.SUB, u, apply(Op.MUL, slow, stride))})
        shifted = transform(shifted, lambda m: canon_int(m) if m.sort is Sort.INT else canon_compare(m))
        if slow not in free_vars(shifted) and fast not in free_vars(shifted):
            total = canon_int(apply(Op.MUL, outer_count, inner_count))
            return canonical_binders(reduce_(n.op, u, integer(0), total, shifted))
    return n


def _zero(t: Term) -> bool:
    return t.op is Op.CONST and t.value == 0


def _absorb(run: _Run, extra: list[Term], n: Term, decide) -> Term:
    """⊕_{k<B} (k < E ? g : neutral) → ⊕_{k<E} g when 0 ≤ E ≤ B (checked by z3)."""
    if n.op not in REDUCTIONS:
        return n
    lo, hi, body = n.args
    k = n.attr
    if body.op is not Op.WHERE or body.args[2] is not NEUTRAL[n.op]:
        return n
    cond = body.args[0]
    parts = list(cond.args) if cond.op is Op.AND else [cond]
    bound_part = [p for p in parts if k in free_vars(p)]
    rest = [p for p in parts if k not in free_vars(p)]
    if len(bound_part) != 1:
        return n
    c = bound_part[0]
    limit = _upper_limit(c, k)
    if limit is None or not (lo.op is Op.CONST and lo.value == 0):
        return n
    if _prove(run, extra, [apply(Op.LE, limit, hi), apply(Op.GE, limit, integer(0))]) != "proved":
        # a tile that may run past the end (the last one of a row): ⊕_{k<B} (k < E ? g : ν) = ⊕_{k<min(B, E)} g
        if _prove(run, extra, [apply(Op.GE, limit, integer(0))]) != "proved":
            return n
        limit = apply(Op.MIN, *sorted((hi, limit), key=repr))
    g = body.args[1]
    if n.op in (Op.ARGMAX, Op.ARGMIN) and (rest or not fold.is_finite(g)):
        return n  # −∞ lanes lose to finite values (ties go left, so an empty row gives lo either way)
    for r in rest:  # conditions free of k were decided by the hypotheses, or stay as a choice
        g = fold.where(decide(r), g, NEUTRAL[n.op])
    return canonical_binders(reduce_(n.op, k, lo, limit, g))


def _upper_limit(c: Term, k: Term) -> Term | None:
    """E with c ⟺ k < E, for an integer comparison in which k has coefficient 1 (`pid·B + k < M`)."""
    from .intcanon import poly, from_poly

    if c.op not in (Op.LT, Op.GT) or c.args[0].sort is not Sort.INT:
        return None
    small, large = c.args if c.op is Op.LT else reversed(c.args)
    d = poly(apply(Op.SUB, small, large))  # c ⟺ d < 0
    key = ((k, 1),)
    if d.get(key) != 1 or any(k in free_vars(a) for m in d if m != key for a, _ in m):
        return None
    rest = {m: -coef for m, coef in d.items() if m != key}
    return from_poly(rest)


def _coverage(run: _Run, stores, f: Formula, layout) -> Check:
    """Every element of the domain is stored: witnesses pid/lane from the index map, checked by z3."""
    t0 = time.perf_counter()
    from ..ir.term import index

    targets = tuple(index(f"ω{d}") for d in range(len(f.indices)))
    domain = []
    for t, dim in zip(targets, f.shape):
        domain += [apply(Op.GE, t, integer(0)), apply(Op.LT, t, dim)]
    reaching = []  # (store, what its witness must satisfy to reach the target element)
    for store in stores:
        idx = decompose(canon_int(store.offset), layout[f.output])
        if idx is None:
            continue
        witness = _witness(run, store, idx, targets)
        if witness is None:
            continue
        goals = [substitute(h, witness) for h in _lane_hyps(store)]
        goals += [substitute(h, witness) for h in run.hypotheses if any(p in free_vars(h) for p in run.pids)]
        goals.append(substitute(store.mask, witness))
        goals += [apply(Op.EQ, substitute(i, witness), t) for i, t in zip(idx, targets)]
        reaching.append((store, goals))
        result = _prove(run_without_pids(run), domain, goals)
        if result == "proved":
            return Check(f"coverage: every element of {f.output} is stored", "proved", time.perf_counter() - t0,
                         f"by the store at {store.site}")
    if len(reaching) > 1:  # several stores share the domain (a specialised last or first tile)
        either = apply(Op.OR, *(apply(Op.AND, *goals) if len(goals) > 1 else goals[0] for _, goals in reaching))
        if _prove(run_without_pids(run), domain, [either]) == "proved":
            sites = ", ".join(store.site for store, _ in reaching)
            return Check(f"coverage: every element of {f.output} is stored", "proved", time.perf_counter() - t0,
                         f"by the stores at {sites} together")
    for store in stores:  # program ids that pick a tile through arithmetic (pid // n, a grouped swizzle)
        detail = _tile_coverage(run, store, layout[f.output], f.shape, targets, domain)
        if detail is not None:
            return Check(f"coverage: every element of {f.output} is stored", "proved", time.perf_counter() - t0,
                         f"by the store at {store.site}: {detail}")
    return Check(f"coverage: every element of {f.output} is stored", "unknown", time.perf_counter() - t0,
                 "no store was shown to reach every element (witness search covers pid/lane index maps; "
                 "program-id arithmetic needs an injective tile map, see verify/tiles.py)")


def _tile_coverage(run: _Run, store, strides, shape, targets, domain) -> str | None:
    """Coverage through a tile map T(pid) (verify/tiles.py): with θ standing for T(pid), the usual
    witnesses θ_d = (ω_d − a_d) // c_d and λ_d reach ω, which gives
      C1  sizes ∧ ω in the domain ⇒ θ in the box, lanes and loop variables in range
      C2  H(pid) ∧ ω in the domain ∧ T(pid) = θ ⇒ the mask holds and the index is ω
    and tiles.prove_onto gives, for every θ in the box, a program pid of the grid with T(pid) = θ.
    Together: for every ω some program and lane store it. C1 does not assume H(pid), so an empty
    grid cannot make it vacuous (C2 may be: the onto proof then supplies no program, and its
    count fails unless the box is empty too)."""
    from . import tiles

    idx = decompose(canon_int(store.offset), strides)
    tiling = tiles.split_tiles(idx, run.pids, shape) if idx is not None else None
    if tiling is None:
        return None
    sizes = run_without_pids(run)
    by_tile = replace(sizes, hypotheses=sizes.hypotheses + tiling.box(), pids=tiling.tiles)
    witness = _witness(by_tile, store, tiling.index, targets)
    if witness is None:
        return None
    reach = [substitute(h, witness) for h in _lane_hyps(store) + tiling.box()]
    if _prove(sizes, domain, reach) != "proved":
        return None
    links = [apply(Op.EQ, m, witness[theta]) for m, theta in zip(tiling.maps, tiling.tiles)]
    writes = [substitute(store.mask, witness)] + [apply(Op.EQ, substitute(i, witness), t) for i, t in zip(idx, targets)]
    if _prove(run, domain + links, writes) != "proved":
        return None
    onto = tiles.prove_onto(run, tiling)
    return f"every tile is written by one program ({onto.detail})" if onto.result == "proved" else None


def run_without_pids(run: _Run) -> _Run:
    hyps = [h for h in run.hypotheses if not any(p in free_vars(h) for p in run.pids)]
    return _Run(hyps, run.stores, run.loads, run.divisions, run.loaded, run.grid, run.pids, run.ranges,
                run.constants)


def _witness(run: _Run, store, idx, targets) -> dict[Term, Term] | None:
    from .intcanon import poly

    witness: dict[Term, Term] = {}
    for i, t in zip(idx, targets):
        p = poly(i)
        vars_ = [m for m in p if m]
        if not vars_:
            continue  # a constant index: the goal idx = target decides it (e.g. a one-element output)
        if len(p) == 1 and len(vars_) == 1 and len(vars_[0]) == 1 and p[vars_[0]] == 1 and vars_[0][0][1] == 1:
            witness[vars_[0][0][0]] = t
            continue
        # a + c·v + λ, λ a lane, v a program id or loop variable and c = ±w a constant: v counts tiles
        # forward (c > 0: v = (t − a) // c) or backward (c < 0, a reversed loop: v = (a − t + w − 1) // w),
        # and λ = t − a − c·v; `a` (sizes and constants) must not mention a witness variable
        found = _tile_witness(p, t, run, store)
        if found is None:
            return None
        witness.update(found)
    loop_vars = {v for h in store.hyps for v in free_vars(h)}
    for v in list(run.pids) + list(lanes.LANES[:len(store.shape)]) + sorted(loop_vars, key=str):
        witness.setdefault(v, integer(0))
    return witness


def _tile_witness(p, t: Term, run: _Run, store) -> dict[Term, Term] | None:
    from .intcanon import from_poly

    unknowns = set(run.pids) | set(lanes.LANES[:len(store.shape)]) | \
        {v for h in store.hyps for v in free_vars(h) if v.op is Op.INDEX}
    linear = {m[0][0]: c for m, c in p.items() if len(m) == 1 and m[0][1] == 1 and m[0][0] in unknowns}
    rest = {m: c for m, c in p.items() if not (len(m) == 1 and m[0][1] == 1 and m[0][0] in unknowns)}
    if any(v in unknowns for m in rest for v, _ in m) or len(linear) not in (1, 2):
        return None
    lane = next((v for v, c in linear.items() if c == 1 and str(v.attr).startswith("λ")), None)
    if lane is None:
        return None
    if len(linear) == 1:  # a + λ: one tile at an offset (a specialised first or last tile)
        return {lane: apply(Op.SUB, t, from_poly(rest))}
    (stepper, c), = ((v, c) for v, c in linear.items() if v is not lane)
    a = from_poly(rest)
    if c > 0:
        v = apply(Op.FLOORDIV, apply(Op.SUB, t, a), integer(c))
    else:
        v = apply(Op.FLOORDIV, apply(Op.ADD, apply(Op.SUB, a, t), integer(-c - 1)), integer(-c))
    return {stepper: v, lane: apply(Op.SUB, apply(Op.SUB, t, a), apply(Op.MUL, integer(c), v))}
    loop_vars = {v for h in store.hyps for v in free_vars(h)}
    for v in list(run.pids) + list(lanes.LANES[:len(store.shape)]) + sorted(loop_vars, key=str):
        witness.setdefault(v, integer(0))
    return witness
