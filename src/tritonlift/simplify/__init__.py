"""E-graph simplification: from the numerically stable implementation to the textbook formula.

`simplify(term)` lowers a real term into egglog (simplify/egraph.py), runs the rule sets of
simplify/rules.py for a bounded number of rounds, extracts the cheapest equivalent term under a
cost model that prefers textbook primitives (exp over exp2, / √ over rsqrt) and small trees, and
re-checks the result against the input (simplify/recheck.py) before returning it. When nothing
cheaper is found, or the re-check fails, the input comes back unchanged with the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from egglog import EGraph

from ..ir.term import Op, Sort, Term, canonical_binders, walk
from .egraph import NAMED_TEXT, Lowering, Unsupported, free_variables, lift, new_egraph
from .recheck import recheck
from .rules import RULESETS, SPEC_OF_DECL

__all__ = ["SimplifyReport", "saturate", "simplify", "simplify_formula"]

MAX_ROUNDS = 12  # rounds of (analysis to saturation, one pass of every rule): kernels need ≤ 6
AC_ROUNDS = 3  # rounds that also run commutativity/associativity: enough to reorder ~4 operands,
# few enough that the e-graph of a layer norm stays small (AC alone grows it exponentially)
MAX_NODES = 20_000  # stop early when the e-graph grows past this many nodes (a runaway rule mix)
CORE = ("algebra", "exp_log", "stability", "constants", "rsqrt", "reductions", "variance")

NO_OVERFLOW = "no overflow in exp (max shift removed: equal over the reals, not in floating point)"
NONEMPTY = "sizes ≥ 1, so a reduction over k < N has at least one term (used for positivity of Σ, log Σ)"
DENOMINATORS = "denominators are nonzero (as everywhere in tritonlift)"


@dataclass(frozen=True)
class SimplifyReport:
    seconds: float
    iterations: int  # rounds run
    rules_fired: int  # rule matches over the whole run
    rules_used: tuple[str, ...]  # names of the rules that matched, sorted
    changed: bool
    assumptions: tuple[str, ...]
    rechecked: str  # how the result was checked against the input (or why the input is returned)
    stop_reason: str
    not_done: tuple[str, ...] = ()


def simplify(term: Term, *, names: bool = False) -> tuple[Term, SimplifyReport]:
    """The cheapest term found equal to `term`, and a report. `names=True` also recognises
    `1/(1 + exp(−x))` as sigmoid(x) (the other named operators: simplify/named.py)."""
    start = time.perf_counter()
    not_done = ()

    def unchanged(reason: str, rounds: int = 0, fired: int = 0, used: tuple[str, ...] = (),
                  stop: str = "not run") -> tuple[Term, SimplifyReport]:
        return term, SimplifyReport(time.perf_counter() - start, rounds, fired, used, False, (), reason, stop,
                                    not_done)

    if term.sort is not Sort.REAL:
        return unchanged(f"not simplified: a {term.sort.value} term")
    if any(t.op is Op.UNDEF or (t.op is Op.CONST and isinstance(t.value, float) and not abs(t.value) < float("inf"))
           for t in walk(term)):
        return unchanged("not simplified: the term holds an undefined, infinite or NaN value")
    source = canonical_binders(term)
    lowering = Lowering()
    try:
        root = lowering.real(source)
    except Unsupported as exc:
        return unchanged(f"not simplified: {exc}")

    run = saturate(root, lowering.facts, names)
    egraph, cost_before, rounds, stop, fired = run.egraph, run.cost_before, run.rounds, run.stop, run.fired
    specs = [SPEC_OF_DECL[d] for d, k in fired.items() if k and d in SPEC_OF_DECL]
    used = tuple(sorted({s.name for s in specs}))
    total = sum(fired.values())
    best, cost_after = egraph.extract(root, include_cost=True)
    if cost_after >= cost_before:
        return unchanged(f"unchanged: no cheaper equal form found (cost {cost_before})", rounds, total, used, stop)
    rounded: list[str] = []
    try:
        result = canonical_binders(lift(best, lowering.table, rounded=rounded))
    except Unsupported as exc:
        return unchanged(f"unchanged: the extracted form could not be read back ({exc})", rounds, total, used,
                         stop)
    ok, how = recheck(source, result)
    if not ok:
        return unchanged(f"unchanged: the re-check failed, {how}", rounds, total, used, stop)
    assumptions = _assumptions(source, result, lowering, specs) + tuple(rounded)
    return result, SimplifyReport(time.perf_counter() - start, rounds, total, used, True, assumptions, how, stop,
                                  not_done)


@dataclass
class Saturation:
    """The e-graph after the rule rounds (a mutable builder: it never leaves this package)."""

    egraph: EGraph
    cost_before: int
    rounds: int
    stop: str
    fired: dict


def saturate(root, facts: list, names: bool = False) -> Saturation:
    """Register `root` and its seed facts, then run the rounds: the analyses to saturation, one pass
    of every core rule, and commutativity/associativity in the first AC_ROUNDS rounds only."""
    egraph = new_egraph()
    egraph.register(root, *facts)
    _, cost_before = egraph.extract(root, include_cost=True)
    core = _combine(CORE + (("names",) if names else ()))
    analysis = (free_variables | RULESETS["signs"]).saturate()
    fired: dict[object, int] = {}
    rounds, stop = 0, f"round limit ({MAX_ROUNDS}) reached"
    while rounds < MAX_ROUNDS:
        report = egraph.run(analysis + core + (RULESETS["ac"] if rounds < AC_ROUNDS else analysis))
        rounds += 1
        for decl, count in report.num_matches_per_rule.items():
            fired[decl] = fired.get(decl, 0) + count
        if not report.updated:
            stop = f"saturated after {rounds} round(s)"
            break
        nodes = sum(size for _, size in egraph.all_function_sizes())
        if nodes > MAX_NODES:
            stop = f"the e-graph reached {nodes} nodes after {rounds} round(s)"
            break
    return Saturation(egraph, cost_before, rounds, stop, fired)


def simplify_formula(formula, *, names: bool = False):
    """`simplify` on a synthesised Formula's body: (Formula, SimplifyReport)."""
    from dataclasses import replace

    body, report = simplify(formula.body, names=names)
    return (replace(formula, body=body) if report.changed else formula), report


def _combine(themes: tuple[str, ...]):
    out = RULESETS[themes[0]]
    for theme in themes[1:]:
        out = out | RULESETS[theme]
    return out


def _assumptions(before: Term, after: Term, lowering: Lowering, specs) -> tuple[str, ...]:
    out = []
    if _shifted_exps(after) < _shifted_exps(before):
        out.append(NO_OVERFLOW)
    for literal, name in sorted(lowering.named_hits.items()):
        if _literal_count(after, float(literal)) < _literal_count(before, float(literal)):
            out.append(f"the literal {literal} is taken as {NAMED_TEXT[name]} (rounded; within 1e-9)")
    # Side conditions come from sign facts, which may rest on non-empty ranges (a Σ of positives is
    # positive) or on the input's denominators; these may over-report, never under-report.
    rewrites = {cond[0] for s in specs if s.rhs is not None for cond in s.when}
    facts = {cond[0] for s in specs if s.rhs is None for cond in s.when}
    signs_used = bool(rewrites & {"pos", "nonzero"})
    if "nonempty" in rewrites or (signs_used and "nonempty" in facts):
        out.append(NONEMPTY)
    if signs_used and any(t.op is Op.DIV for t in walk(before)):
        out.append(DENOMINATORS)
    return tuple(out)


def _tree_count(t: Term, hit, memo: dict) -> int:
    if t not in memo:
        memo[t] = int(hit(t)) + sum(_tree_count(a, hit, memo) for a in t.args)
    return memo[t]


def _shifted_exps(t: Term) -> int:
    """exp nodes whose argument contains a max or min reduction (a max shift), counted as a tree."""
    return _tree_count(t, lambda n: n.op is Op.EXP and any(x.op in (Op.RMAX, Op.RMIN) for x in walk(n)), {})


def _literal_count(t: Term, value: float) -> int:
    return _tree_count(t, lambda n: n.op is Op.CONST and n.sort is Sort.REAL and abs(n.value) == value, {})
