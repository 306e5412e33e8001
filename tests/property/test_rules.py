"""Every rewrite rule is sound over the reals under its side conditions.

Each rule (simplify/rules.py) is instantiated from its own data: real variables become random
tensor elements (depending on the reduction variable where the rule puts them under a Σ, positive
or nonzero where a side condition says so), reduction bounds become random (non-empty where
required) integer ranges, rational literals random fractions, named literals random points within
1e-9 of the constant. Both sides are then evaluated on many random inputs in float64. Rules in the
field fragment (+ − · / and literals) are in addition proven with z3. A mutant rule with its side
condition dropped must be caught by the same check.
"""

from fractions import Fraction

import numpy as np
import pytest
import z3
from egglog import BigRat, String, get_callable_args, get_callable_fn, get_literal_value, get_var_name

from tritonlift.ir.term import Op, access, bound, canonical_binders, integer, real, reduce_, size
from tritonlift.simplify import egraph as bridge
from tritonlift.simplify import sorts
from tritonlift.simplify.rules import THEMES, Spec
from tritonlift.synth.generalize import Formula
from tritonlift.verify import numeric
from tritonlift.verify.instantiate import instantiate

ALL = [spec for specs in THEMES.values() for spec in specs]
DRAWS = 12  # independent draws of sizes and literals per rule
TRIALS = 200  # random inputs per draw
NAMED = {"log2e": 1.4426950408889634, "ln2": 0.6931471805599453, "inv_sqrt2": 0.7071067811865476}
REDUCE_FNS = set(sorts.REDUCE.values())


def _vars(expr, depth=0, out=None):
    """name -> (kind, deepest binder depth, named constant it stands for)."""
    out = {} if out is None else out
    name = get_var_name(expr)
    if name is not None:
        kind = "rat" if isinstance(expr, BigRat) else "str" if isinstance(expr, String) else \
            "int" if isinstance(expr, sorts.O) else "real"
        prev = out.get(name, (kind, depth, None))
        out[name] = (kind, max(prev[1], depth), prev[2])
        return out
    fn = get_callable_fn(expr)
    if fn is None:
        return out
    args = get_callable_args(expr)
    if fn == sorts.approx and get_var_name(args[1]) is not None:
        out[get_var_name(args[1])] = ("named", depth, get_literal_value(args[0]))
        return out
    for pos, a in enumerate(args):
        _vars(a, depth + (1 if fn in REDUCE_FNS and pos == 2 else 0), out)
    return out


def _conditions(spec: Spec) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for kind, *names in spec.when:
        for n in names:
            out.setdefault(n, set()).add(kind)
    return out


def _instance(spec: Spec, rng):
    """One draw: (lhs term, rhs term or None, inputs)."""
    found = _vars(spec.lhs)
    if spec.rhs is not None:
        _vars(spec.rhs, 0, found)
    conds = _conditions(spec)
    env, inputs = {}, {}
    nonempty = any(c[0] == "nonempty" for c in spec.when)
    lo_v = int(rng.integers(0, 3))
    hi_v = lo_v + int(rng.integers(1, 5)) if nonempty else int(rng.integers(0, 6))
    for name, (kind, depth, named) in sorted(found.items()):
        cs = conds.get(name, set())
        if kind == "int":
            value = int(rng.integers(1, 6)) if "ipos" in cs else (lo_v if name == "lo" else hi_v)
            env[name] = integer(value)
        elif kind == "rat":
            value = Fraction(int(rng.integers(1, 9)), int(rng.integers(1, 5)))
            env[name] = real(float(value if "gt0" in cs or rng.random() < 0.5 else -value))
            if "ne0" not in cs and "gt0" not in cs and rng.random() < 0.2:
                env[name] = real(0.0)
        elif kind == "named":
            constant = NAMED[named] if named else NAMED[sorted(NAMED)[int(rng.integers(0, len(NAMED)))]]
            env[name] = real(constant + float(rng.uniform(-1e-9, 1e-9)))
        elif kind == "real":
            per_k = depth > 0 and "closed" not in cs
            env[name] = access(name, (bound("#0"),) if per_k else ())
            shape = (TRIALS, 8) if per_k else (TRIALS,)
            if "pos" in cs:
                inputs[name] = np.exp(rng.standard_normal(shape))
            elif "nonzero" in cs:
                inputs[name] = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)
            else:
                inputs[name] = rng.standard_normal(shape) * 1.5
    sides = [spec.lhs] + ([spec.rhs] if spec.rhs is not None else [])
    terms = [instantiate(Formula("out", (), (), canonical_binders(bridge.lift(s, [], env=env))), {}, ())
             for s in sides]
    return terms, inputs


def check_rule(spec: Spec, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    finite = total = 0
    for _ in range(DRAWS):
        try:
            terms, inputs = _instance(spec, rng)
        except bridge.Unsupported as exc:  # e.g. a value that depends on k moved out of its Σ
            raise AssertionError(f"{spec.name}: {exc}") from exc
        values = numeric.evaluate(terms, inputs, {}, {}, TRIALS)
        lhs = values[0]
        ok = np.isfinite(lhs)
        finite += int(ok.sum())
        total += TRIALS
        if spec.rhs is None:
            holds = lhs[ok] > 0 if spec.concludes == "pos" else lhs[ok] != 0
            assert holds.all(), f"{spec.name}: the fact fails on {lhs[ok][~holds][:3]}"
        else:
            agree = numeric.close(lhs, values[1])
            assert agree.all(), f"{spec.name}: {lhs[~agree][:3]} vs {values[1][~agree][:3]} ({terms})"
    # logs and square roots of random reals are NaN half of the time on both sides
    assert finite >= total // 3, f"{spec.name}: too few finite values ({finite}/{total}) to judge"


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_rule_holds_on_random_instances(spec):
    check_rule(spec)


def test_rule_names_are_unique_and_every_theme_is_checked():
    names = [s.name for s in ALL]
    assert len(names) == len(set(names))
    assert set(THEMES) == {"signs", "algebra", "ac", "exp_log", "stability", "constants", "rsqrt", "reductions",
                           "variance", "names"}


def _mutants():
    """Each drops or breaks what makes a real rule sound: the check above must catch it."""
    from egglog import var

    a, b, c, f = (var(n, sorts.R) for n in "abcf")
    lo, hi = var("lo", sorts.O), var("hi", sorts.O)
    one, two, count = sorts.lit(sorts.bigrat(1)), sorts.lit(sorts.bigrat(2)), sorts.count(lo, hi)
    mean = sorts.div(sorts.rsum(lo, hi, f), count)
    return [
        Spec("sum_div_unconditioned", sorts.rsum(lo, hi, sorts.div(f, c)), sorts.div(sorts.rsum(lo, hi, f), c)),
        Spec("softmax_shift_m_varies", sorts.div(sorts.exp(sorts.sub(a, f)), sorts.rsum(lo, hi, sorts.exp(
            sorts.sub(f, f)))), sorts.div(sorts.exp(a), sorts.rsum(lo, hi, sorts.exp(f))), (("nonempty", "lo", "hi"),)),
        Spec("log_div_any_sign", sorts.log(sorts.div(a, b)), sorts.sub(sorts.log(a), sorts.log(b))),
        Spec("exp_sub_wrong", sorts.exp(sorts.sub(a, b)), sorts.mul(sorts.exp(a), sorts.exp(b))),
        Spec("sum_const_no_count", sorts.rsum(lo, hi, c), c, (("closed", "c"), ("nonempty", "lo", "hi"))),
        Spec("max_pos_of_any", sorts.max_(a, b), None, concludes="pos"),
        Spec("var_bessel_confused", sorts.sub(sorts.rsum(lo, hi, sorts.pow_(f, two)), sorts.mul(count, sorts.pow_(
            mean, two))), sorts.div(sorts.rsum(lo, hi, sorts.pow_(sorts.sub(f, mean), two)), sorts.sub(count, one)),
             (("nonempty", "lo", "hi"),)),  # Σ(f − μ)² / (N − 1) is not Σf² − N·μ²
        Spec("var_mean_of_other", sorts.sub(sorts.rsum(lo, hi, sorts.pow_(f, two)), sorts.mul(count, sorts.pow_(
            sorts.div(sorts.rsum(lo, hi, c), count), two))), sorts.rsum(lo, hi, sorts.pow_(sorts.sub(f, mean), two)),
             (("nonempty", "lo", "hi"),)),  # the subtracted mean must be f's own
    ]


@pytest.mark.parametrize("mutant", _mutants(), ids=lambda s: s.name)
def test_an_unsound_rule_is_caught(mutant):
    with pytest.raises(AssertionError):
        check_rule(mutant)


# ------------------------------------------------------------------ z3 proofs for the field fragment

_FIELD = {sorts.add: lambda x, y: x + y, sorts.sub: lambda x, y: x - y, sorts.mul: lambda x, y: x * y,
          sorts.neg: lambda x: -x}


class NotField(Exception):
    pass


def _z3(expr, ctx, dens):
    name = get_var_name(expr)
    if name is not None:
        return z3.Real(name, ctx)
    fn, args = get_callable_fn(expr), get_callable_args(expr)
    if fn == sorts.lit:
        return _z3_rat(args[0], ctx, dens)
    if fn == sorts.pow_ and get_callable_fn(args[1]) == sorts.lit and get_callable_args(args[1])[0].value == 2:
        return _z3(args[0], ctx, dens) * _z3(args[0], ctx, dens)  # a² (the only power the rules write)
    if fn == sorts.div:
        num, den = _z3(args[0], ctx, dens), _z3(args[1], ctx, dens)
        dens.append(den)
        return num / den
    if fn in _FIELD:
        return _FIELD[fn](*(_z3(a, ctx, dens) for a in args))
    raise NotField(str(fn))


def _z3_rat(q, ctx, dens):
    name = get_var_name(q)
    if name is not None:
        return z3.Real(name, ctx)
    ops = {"· + ·": lambda x, y: x + y, "· - ·": lambda x, y: x - y, "· * ·": lambda x, y: x * y}
    fn, args = get_callable_fn(q), get_callable_args(q)
    if str(fn) in ops:
        return ops[str(fn)](*(_z3_rat(a, ctx, dens) for a in args))
    if str(fn) == "· / ·":
        num, den = (_z3_rat(a, ctx, dens) for a in args)
        dens.append(den)
        return num / den
    if str(fn) == "-·":
        return -_z3_rat(args[0], ctx, dens)
    value = q.value
    return z3.RealVal(f"{value.numerator}/{value.denominator}", ctx)


def _z3_provable(spec: Spec) -> bool:
    try:
        ctx = z3.Context()
        _z3(spec.lhs, ctx, [])
        if spec.rhs is not None:
            _z3(spec.rhs, ctx, [])
    except NotField:
        return False
    return all(kind in ("pos", "nonzero", "gt0", "ne0") for kind, *_ in spec.when)


PROVABLE = [s for s in ALL if _z3_provable(s)]


def test_the_whole_field_fragment_is_proven():
    names = {s.name for s in PROVABLE}
    assert {s.name for s in THEMES["algebra"] + THEMES["ac"]} <= names
    assert len(names) >= 40


@pytest.mark.parametrize("spec", PROVABLE, ids=lambda s: s.name)
def test_field_rule_is_proven_by_z3(spec):
    ctx = z3.Context()
    lhs_dens: list = []
    lhs = _z3(spec.lhs, ctx, lhs_dens)
    hyps = [d != 0 for d in lhs_dens]
    for kind, name in spec.when:
        v = z3.Real(name, ctx)
        hyps.append(v > 0 if kind in ("pos", "gt0") else v != 0)
    if spec.rhs is None:
        goal = lhs > 0 if spec.concludes == "pos" else lhs != 0
    else:
        rhs_dens: list = []
        rhs = _z3(spec.rhs, ctx, rhs_dens)
        goal = z3.And(lhs == rhs, *[d != 0 for d in rhs_dens])  # no new division by zero either
    solver = z3.Solver(ctx=ctx)
    solver.add(*hyps, z3.Not(goal))
    assert solver.check() == z3.unsat, solver.model()


def test_free_variable_analysis_matches_the_terms():
    from tritonlift.ir.term import apply, index
    from tritonlift.simplify import saturate
    from tritonlift.simplify.sorts import fv

    i, N = index("i"), size("N")
    k, l = bound("k"), bound("l")
    inner = reduce_(Op.SUM, l, integer(0), N, apply(Op.MUL, access("x", (k, l)), access("y", (i, l))))
    cases = [
        (access("x", (i, k)), (k,), 1),  # depends on the enclosing binder
        (inner, (k,), 1),  # l is bound inside; k is still free
        (reduce_(Op.RMAX, l, integer(0), N, access("x", (i, l))), (k,), 0),  # closed: may leave the Σ
        (apply(Op.EXP, access("x", (i, l))), (k, l), 1),  # the innermost binder
        (apply(Op.EXP, access("x", (i, k))), (k, l), 2),  # one binder out
        (apply(Op.SUB, access("x", (i, k)), access("x", (i, k))), (k,), 0),  # k − k = 0: free of k by its class
    ]
    for term, env, expected in cases:
        lowering = bridge.Lowering()
        root = lowering.real(term, env)
        run = saturate(root, lowering.facts)
        assert run.egraph.extract(fv(root)).value == expected, term


def test_only_rules_with_a_literal_right_side_subsume_their_match():
    # subsuming a match whose right side is a variable can hide the best node of its own class
    # (seen: (a + b) − b → a subsumed x − log Σ e^x inside log_softmax's class)
    for spec in ALL:
        if spec.final:
            assert get_callable_fn(spec.rhs) == sorts.lit, spec.name


# ------------------------------------------------------------------ z3 proofs of the reduction rules, size by size

SIZES = (1, 2, 3, 4, 5)  # numbers of terms of each Σ: the identity is proven for each (polynomial arithmetic)


def _z3_sized(expr, ctx, dens, n, per_k, k=None):
    """`expr` with every Σ over n terms unrolled; a variable in `per_k` is a different real at each k."""
    name = get_var_name(expr)
    if name is not None:
        return z3.Real(f"{name}_{k}" if name in per_k and k is not None else name, ctx)
    fn, args = get_callable_fn(expr), get_callable_args(expr)
    if fn == sorts.rsum:
        return z3.Sum([_z3_sized(args[2], ctx, dens, n, per_k, j) for j in range(n)]) if n else z3.RealVal(0, ctx)
    if fn == sorts.count:
        return z3.RealVal(n, ctx)
    if fn == sorts.pow_ and get_callable_fn(args[1]) == sorts.lit and \
            get_callable_args(args[1])[0].value == 2:
        base = _z3_sized(args[0], ctx, dens, n, per_k, k)
        return base * base
    if fn == sorts.lit:
        return _z3_rat(args[0], ctx, dens)
    if fn == sorts.div:
        num, den = _z3_sized(args[0], ctx, dens, n, per_k, k), _z3_sized(args[1], ctx, dens, n, per_k, k)
        dens.append(den)
        return num / den
    if fn in _FIELD:
        return _FIELD[fn](*(_z3_sized(a, ctx, dens, n, per_k, k) for a in args))
    raise NotField(str(fn))


def _sized_provable(spec: Spec) -> bool:
    if spec.rhs is None or spec in PROVABLE or not all(kind in ("closed", "nonempty") for kind, *_ in spec.when):
        return False
    try:
        for side in (spec.lhs, spec.rhs):
            _z3_sized(side, z3.Context(), [], 2, set())
    except NotField:
        return False
    return True


SIZED = [s for s in ALL if _sized_provable(s)]


def _prove_sized(spec: Spec) -> None:
    found = _vars(spec.lhs)
    _vars(spec.rhs, 0, found)
    closed = {n for kind, *names in spec.when if kind == "closed" for n in names}
    per_k = {name for name, (kind, depth, _) in found.items() if kind == "real" and depth > 0 and name not in closed}
    nonempty = any(kind == "nonempty" for kind, *_ in spec.when)
    for n in SIZES if nonempty else (0,) + SIZES:
        ctx = z3.Context()
        lhs_dens: list = []
        lhs = _z3_sized(spec.lhs, ctx, lhs_dens, n, per_k)
        if n == 0:  # an empty Σ drops its body, but the formula still states that its denominators are ≠ 0
            _z3_sized(spec.lhs, ctx, lhs_dens, 1, per_k)
        rhs_dens: list = []
        rhs = _z3_sized(spec.rhs, ctx, rhs_dens, n, per_k)
        solver = z3.Solver(ctx=ctx)
        solver.add(*[d != 0 for d in lhs_dens], z3.Not(z3.And(lhs == rhs, *[d != 0 for d in rhs_dens])))
        assert solver.check() == z3.unsat, f"{spec.name} at {n} terms: {solver.model()}"


def test_reduction_and_variance_rules_are_proven_size_by_size():
    assert {s.name for s in THEMES["variance"]} <= {s.name for s in SIZED}
    assert {"sum_add", "sum_sub", "sum_factor_l", "sum_div", "sum_const"} <= {s.name for s in SIZED}


@pytest.mark.parametrize("spec", SIZED, ids=lambda s: s.name)
def test_reduction_rule_is_proven_by_z3_for_each_size(spec):
    _prove_sized(spec)


@pytest.mark.parametrize("mutant", [m for m in _mutants() if m.name.startswith("var_") or m.name.startswith("sum_")],
                         ids=lambda s: s.name)
def test_an_unsound_reduction_rule_fails_its_z3_proof(mutant):
    with pytest.raises(AssertionError):
        _prove_sized(mutant)
