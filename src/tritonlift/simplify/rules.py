"""The rewrite rules, as data: one table per theme, each rule with the mathematics beside it.

A rule is a `Spec`: a left side, a right side (or, for the sign facts, the relation it concludes)
and side conditions named by variable — `closed` (free of every bound variable, so it may cross a
reduction), `pos`, `nonzero`, `nonempty` (the reduction has at least one term), `gt0`/`ne0` on
rational literals. The same data builds the egglog rules and, in the test suite, random instances
of both sides (tests/property/test_rules.py), so a rule cannot be used without being checked.
Variables: a b c f m v x y are reals (f is a reduction body that may depend on the bound
variable), lo hi are reduction bounds, p q are rational literals, n is a constant's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from egglog import BigRat, String, eq, get_var_name, i64, ne, rewrite, rule, ruleset, var

from .sorts import (
    O,
    R,
    add,
    approx,
    bigrat,
    count,
    div,
    exp,
    exp2,
    fv,
    ipos,
    lit,
    log,
    log2,
    max_,
    min_,
    mul,
    neg,
    nonempty,
    nonzero,
    pos,
    pow_,
    rmax,
    rmin,
    rprod,
    rsqrt,
    rsum,
    sigmoid,
    sqrt,
    sub,
    toreal,
)

a, b, c, f, m, v, x, y = (var(n, R) for n in ("a", "b", "c", "f", "m", "v", "x", "y"))
lo, hi = var("lo", O), var("hi", O)
p, q = var("p", BigRat), var("q", BigRat)
n = var("n", String)
ZERO, ONE, TWO = lit(bigrat(0)), lit(bigrat(1)), lit(bigrat(2))
N_ = count(lo, hi)  # the number of terms of the reduction over lo ≤ k < hi
MEAN = div(rsum(lo, hi, f), N_)  # μ = (Σ_k f)/N, the mean of f over the reduction
L2E, LN2, ISQ2 = approx("log2e", q), approx("ln2", q), approx("inv_sqrt2", q)


@dataclass(frozen=True)
class Spec:
    name: str
    lhs: R
    rhs: R | None  # None: a sign fact, concluding `concludes` of lhs
    when: tuple[tuple[str, ...], ...] = ()  # side conditions, e.g. ("closed", "m"), ("nonempty", "lo", "hi")
    concludes: str = ""  # "pos" or "nonzero" for a fact
    final: bool = False  # the right side is a literal: the matched node is subsumed (never matched or
    # extracted again), which keeps `1 = e^x/e^x` from feeding the fraction rules forever. Only for
    # literal right sides: the class then holds a cost-1 node, so no better node can be lost


NONEMPTY = ("nonempty", "lo", "hi")

SIGNS = [  # facts about the sign of a value, used by the side conditions below
    Spec("exp_pos", exp(a), None, concludes="pos"),  # exp(a) > 0
    Spec("exp2_pos", exp2(a), None, concludes="pos"),  # 2^a > 0
    Spec("sigmoid_pos", sigmoid(a), None, concludes="pos"),  # 1/(1 + e^−a) > 0
    Spec("lit_pos", lit(q), None, (("gt0", "q"),), "pos"),  # a positive literal
    Spec("named_pos", approx(n, q), None, concludes="pos"),  # log₂e, ln 2, 1/√2 (and their literals) are > 0
    Spec("size_pos", toreal(lo), None, (("ipos", "lo"),), "pos"),  # a size is ≥ 1
    Spec("count_pos", count(lo, hi), None, (NONEMPTY,), "pos"),  # a non-empty range has ≥ 1 term
    Spec("add_pos", add(a, b), None, (("pos", "a"), ("pos", "b")), "pos"),  # a, b > 0 ⇒ a + b > 0
    Spec("mul_pos", mul(a, b), None, (("pos", "a"), ("pos", "b")), "pos"),  # a, b > 0 ⇒ a·b > 0
    Spec("div_pos", div(a, b), None, (("pos", "a"), ("pos", "b")), "pos"),  # a, b > 0 ⇒ a/b > 0
    Spec("sqrt_pos", sqrt(a), None, (("pos", "a"),), "pos"),  # a > 0 ⇒ √a > 0
    Spec("rsqrt_pos", rsqrt(a), None, (("pos", "a"),), "pos"),  # a > 0 ⇒ 1/√a > 0
    Spec("max_pos", max_(a, b), None, (("pos", "a"),), "pos"),  # a > 0 ⇒ max(a, b) > 0
    Spec("max_pos_r", max_(b, a), None, (("pos", "a"),), "pos"),  # a > 0 ⇒ max(b, a) > 0
    Spec("min_pos", min_(a, b), None, (("pos", "a"), ("pos", "b")), "pos"),  # a, b > 0 ⇒ min(a, b) > 0
    Spec("sum_pos", rsum(lo, hi, f), None, (("pos", "f"), NONEMPTY), "pos"),  # a non-empty Σ of positives
    Spec("prod_pos", rprod(lo, hi, f), None, (("pos", "f"),), "pos"),  # Π of positives (empty Π = 1)
    Spec("rmax_pos", rmax(lo, hi, f), None, (("pos", "f"), NONEMPTY), "pos"),  # a non-empty max of positives
    Spec("rmin_pos", rmin(lo, hi, f), None, (("pos", "f"), NONEMPTY), "pos"),  # a non-empty min of positives
    Spec("pos_nonzero", a, None, (("pos", "a"),), "nonzero"),  # a > 0 ⇒ a ≠ 0
    Spec("lit_nonzero", lit(q), None, (("ne0", "q"),), "nonzero"),  # a nonzero literal
    Spec("neg_nonzero", neg(a), None, (("nonzero", "a"),), "nonzero"),  # a ≠ 0 ⇒ −a ≠ 0
    Spec("mul_nonzero", mul(a, b), None, (("nonzero", "a"), ("nonzero", "b")), "nonzero"),  # a·b ≠ 0
    Spec("div_nonzero", div(a, b), None, (("nonzero", "a"), ("nonzero", "b")), "nonzero"),  # a/b ≠ 0
]

ALGEBRA = [  # constant folding and field identities
    Spec("fold_add", add(lit(p), lit(q)), lit(p + q), final=True),  # p + q, folded exactly (rationals)
    Spec("fold_sub", sub(lit(p), lit(q)), lit(p - q), final=True),  # p − q, folded exactly
    Spec("fold_mul", mul(lit(p), lit(q)), lit(p * q), final=True),  # p · q, folded exactly
    Spec("fold_div", div(lit(p), lit(q)), lit(p / q), (("ne0", "q"),), final=True),  # p / q for q ≠ 0
    Spec("fold_neg", neg(lit(q)), lit(-q), final=True),  # −q
    Spec("add_zero", add(a, ZERO), a),  # a + 0 = a
    Spec("zero_add", add(ZERO, a), a),  # 0 + a = a
    Spec("sub_zero", sub(a, ZERO), a),  # a − 0 = a
    Spec("zero_sub", sub(ZERO, a), neg(a)),  # 0 − a = −a
    Spec("sub_self", sub(a, a), ZERO, final=True),  # a − a = 0
    Spec("mul_one", mul(a, ONE), a),  # a · 1 = a
    Spec("one_mul", mul(ONE, a), a),  # 1 · a = a
    Spec("div_one", div(a, ONE), a),  # a / 1 = a
    Spec("div_self", div(a, a), ONE, (("nonzero", "a"),), final=True),  # a / a = 1 for a ≠ 0
    Spec("neg_neg", neg(neg(a)), a),  # −(−a) = a
    Spec("add_neg", add(a, neg(b)), sub(a, b)),  # a + (−b) = a − b
    Spec("sub_neg", sub(a, neg(b)), add(a, b)),  # a − (−b) = a + b
    Spec("neg_mul", mul(neg(a), b), neg(mul(a, b))),  # (−a)·b = −(a·b)
    Spec("mul_neg", mul(a, neg(b)), neg(mul(a, b))),  # a·(−b) = −(a·b)
    Spec("neg_swap", mul(a, neg(b)), mul(neg(a), b)),  # a·(−b) = (−a)·b: the sign moves to the other factor
    Spec("neg_sub", neg(sub(a, b)), sub(b, a)),  # −(a − b) = b − a
    Spec("shift_cancel", sub(sub(a, m), sub(b, m)), sub(a, b)),  # (a − m) − (b − m) = a − b
    Spec("add_sub_cancel", sub(add(a, b), b), a),  # (a + b) − b = a
    Spec("sub_add_cancel", add(sub(a, b), b), a),  # (a − b) + b = a
    Spec("mul_div", mul(a, div(b, c)), div(mul(a, b), c)),  # a·(b/c) = (a·b)/c
    Spec("div_mul", mul(div(a, b), c), div(mul(a, c), b)),  # (a/b)·c = (a·c)/b
    Spec("mul_recip", mul(a, div(ONE, b)), div(a, b)),  # a·(1/b) = a/b
    Spec("recip_mul", mul(div(ONE, b), a), div(a, b)),  # (1/b)·a = a/b
    Spec("div_div_common", div(div(a, c), div(b, c)), div(a, b), (("nonzero", "c"),)),  # (a/c)/(b/c) = a/b
    Spec("mul_div_common", div(mul(a, c), mul(b, c)), div(a, b), (("nonzero", "c"),)),  # (a·c)/(b·c) = a/b
    Spec("div_div_left", div(div(a, b), c), div(a, mul(b, c))),  # (a/b)/c = a/(b·c)
    Spec("div_div_right", div(a, div(b, c)), div(mul(a, c), b), (("nonzero", "c"),)),  # a/(b/c) = a·c/b
    Spec("square", mul(a, a), pow_(a, TWO)),  # a·a = a²
]

AC = [  # commutativity, associativity, factoring: run only a few rounds (they grow the e-graph fast)
    Spec("add_comm", add(a, b), add(b, a)),  # a + b = b + a
    Spec("mul_comm", mul(a, b), mul(b, a)),  # a·b = b·a
    Spec("add_assoc", add(add(a, b), c), add(a, add(b, c))),  # (a + b) + c = a + (b + c)
    Spec("mul_assoc", mul(mul(a, b), c), mul(a, mul(b, c))),  # (a·b)·c = a·(b·c)
    Spec("factor_add", add(mul(a, b), mul(a, c)), mul(a, add(b, c))),  # a·b + a·c = a·(b + c)
    Spec("factor_sub", sub(mul(a, c), mul(b, c)), mul(sub(a, b), c)),  # a·c − b·c = (a − b)·c
]

EXP_LOG = [  # exp is a homomorphism from + to ·; log is its inverse on positive values
    Spec("exp_add", exp(add(a, b)), mul(exp(a), exp(b))),  # e^(a+b) = e^a·e^b
    Spec("exp_sub", exp(sub(a, b)), div(exp(a), exp(b))),  # e^(a−b) = e^a/e^b
    Spec("exp_neg", exp(neg(a)), div(ONE, exp(a))),  # e^−a = 1/e^a
    Spec("exp_div", div(exp(a), exp(b)), exp(sub(a, b))),  # e^a/e^b = e^(a−b)
    Spec("exp_zero", exp(ZERO), ONE, final=True),  # e^0 = 1
    Spec("log_one", log(ONE), ZERO, final=True),  # log 1 = 0
    Spec("log_exp", log(exp(a)), a),  # log e^a = a
    Spec("exp_log", exp(log(a)), a, (("pos", "a"),)),  # e^(log a) = a for a > 0
    Spec("log_div", log(div(a, b)), sub(log(a), log(b)), (("pos", "a"), ("pos", "b"))),  # log(a/b), a, b > 0
    Spec("log_mul", log(mul(a, b)), add(log(a), log(b)), (("pos", "a"), ("pos", "b"))),  # log(a·b), a, b > 0
]

STABILITY = [  # the max shift of softmax / log_softmax / logsumexp: equal over the reals
    Spec("softmax_shift", div(exp(sub(a, m)), rsum(lo, hi, exp(sub(f, m)))), div(exp(a), rsum(lo, hi, exp(f))),
         (("closed", "m"),)),  # e^(a−m)/Σ e^(f−m) = e^a/Σ e^f, m free of k
    Spec("logsumexp_shift", log(rsum(lo, hi, exp(sub(f, m)))), sub(log(rsum(lo, hi, exp(f))), m),
         (("closed", "m"), NONEMPTY)),  # log Σ e^(f−m) = log Σ e^f − m
    Spec("log_softmax_shift", sub(sub(a, m), log(rsum(lo, hi, exp(sub(f, m))))),
         sub(a, log(rsum(lo, hi, exp(f)))), (("closed", "m"), NONEMPTY)),  # a − m − log Σ e^(f−m)
    Spec("log_softmax", log(div(exp(a), rsum(lo, hi, exp(f)))), sub(a, log(rsum(lo, hi, exp(f)))),
         (NONEMPTY,)),  # log(e^a/Σ e^f) = a − log Σ e^f
]

CONSTANTS = [  # base-2 exponentials and named literals (the literal is within 1e-9 of the constant)
    Spec("exp2_log2e", exp2(mul(y, L2E)), exp(y)),  # 2^(y·log₂e) = e^y
    Spec("exp2_log2e_l", exp2(mul(L2E, y)), exp(y)),  # 2^(log₂e·y) = e^y
    Spec("log2_ln2", mul(log2(y), LN2), log(y)),  # log₂(y)·ln 2 = log y
    Spec("ln2_log2", mul(LN2, log2(y)), log(y)),  # ln 2·log₂(y) = log y
    Spec("inv_sqrt2", mul(y, ISQ2), div(y, sqrt(TWO))),  # y·(1/√2) = y/√2
    Spec("inv_sqrt2_l", mul(ISQ2, y), div(y, sqrt(TWO))),  # (1/√2)·y = y/√2
]

RSQRT = [  # reciprocal square roots become divisions by √
    Spec("mul_rsqrt", mul(a, rsqrt(v)), div(a, sqrt(v))),  # a·rsqrt(v) = a/√v
    Spec("rsqrt_mul", mul(rsqrt(v), a), div(a, sqrt(v))),  # rsqrt(v)·a = a/√v
    Spec("rsqrt", rsqrt(v), div(ONE, sqrt(v))),  # rsqrt(v) = 1/√v
]

REDUCTIONS = [  # linearity of finite sums; a constant shift of a max
    Spec("sum_add", rsum(lo, hi, add(f, b)), add(rsum(lo, hi, f), rsum(lo, hi, b))),  # Σ(f + b) = Σf + Σb
    Spec("sum_sub", rsum(lo, hi, sub(f, b)), sub(rsum(lo, hi, f), rsum(lo, hi, b))),  # Σ(f − b) = Σf − Σb
    Spec("sum_neg", rsum(lo, hi, neg(f)), neg(rsum(lo, hi, f))),  # Σ(−f) = −Σf
    Spec("sum_factor_l", rsum(lo, hi, mul(c, f)), mul(c, rsum(lo, hi, f)), (("closed", "c"),)),  # Σ c·f = c·Σ f
    Spec("sum_factor_r", rsum(lo, hi, mul(f, c)), mul(rsum(lo, hi, f), c), (("closed", "c"),)),  # Σ f·c = (Σ f)·c
    Spec("sum_div", rsum(lo, hi, div(f, c)), div(rsum(lo, hi, f), c), (("closed", "c"),)),  # Σ f/c = (Σ f)/c
    Spec("sum_const", rsum(lo, hi, c), mul(count(lo, hi), c), (("closed", "c"), NONEMPTY)),  # Σ c = (hi − lo)·c
    Spec("max_shift", rmax(lo, hi, sub(f, c)), sub(rmax(lo, hi, f), c), (("closed", "c"), NONEMPTY)),  # max(f − c)
    Spec("max_offset", rmax(lo, hi, add(f, c)), add(rmax(lo, hi, f), c), (("closed", "c"), NONEMPTY)),  # max(f + c)
]

VARIANCE = [  # one-pass variance becomes two-pass. With μ = Σf/N over N ≥ 1 terms, Σ(f − μ)² = Σf² −
    # 2μ·Σf + N·μ² = Σf² − N·μ². The left sides are the ways kernels write N·μ²; a product in another
    # order reaches one of them by commutativity/associativity, and μ·μ reaches μ² by `square`.
    Spec("var_one_pass", sub(rsum(lo, hi, pow_(f, TWO)), mul(mul(N_, MEAN), MEAN)),
         rsum(lo, hi, pow_(sub(f, MEAN), TWO)), (NONEMPTY,)),  # Σf² − N·μ·μ = Σ(f − μ)²
    Spec("var_one_pass_pow", sub(rsum(lo, hi, pow_(f, TWO)), mul(N_, pow_(MEAN, TWO))),
         rsum(lo, hi, pow_(sub(f, MEAN), TWO)), (NONEMPTY,)),  # Σf² − N·μ² = Σ(f − μ)²
    Spec("var_sum_squared", sub(rsum(lo, hi, pow_(f, TWO)), div(pow_(rsum(lo, hi, f), TWO), N_)),
         rsum(lo, hi, pow_(sub(f, MEAN), TWO)), (NONEMPTY,)),  # Σf² − (Σf)²/N = Σ(f − μ)²
    Spec("var_mean_square", sub(div(rsum(lo, hi, pow_(f, TWO)), N_), pow_(MEAN, TWO)),
         div(rsum(lo, hi, pow_(sub(f, MEAN), TWO)), N_), (NONEMPTY,)),  # Σf²/N − μ² = Σ(f − μ)²/N
]

NAMES = [  # named activations, only when asked for (--names)
    Spec("sigmoid", div(ONE, add(ONE, exp(neg(x)))), sigmoid(x)),  # 1/(1 + e^−x) = sigmoid(x)
    Spec("sigmoid_r", div(ONE, add(exp(neg(x)), ONE)), sigmoid(x)),  # 1/(e^−x + 1) = sigmoid(x)
]

THEMES = {"signs": SIGNS, "algebra": ALGEBRA, "ac": AC, "exp_log": EXP_LOG, "stability": STABILITY,
          "constants": CONSTANTS, "rsqrt": RSQRT, "reductions": REDUCTIONS, "variance": VARIANCE,
          "names": NAMES}


_SPECIAL = {"lo": lo, "hi": hi, "p": p, "q": q}
_WHOLE = var("whole", R)  # the e-class a fact is about


def _var(name: str):
    return _SPECIAL[name] if name in _SPECIAL else var(name, R)


def _condition(cond: tuple[str, ...]):
    kind, *names = cond
    if kind == "closed":
        return eq(fv(_var(names[0]))).to(i64(0))
    if kind == "pos":
        return pos(_var(names[0]))
    if kind == "nonzero":
        return nonzero(_var(names[0]))
    if kind == "nonempty":
        return nonempty(lo, hi)
    if kind == "ipos":
        return ipos(_var(names[0]))
    if kind == "gt0":
        return _var(names[0]) > bigrat(0)
    if kind == "ne0":
        return ne(_var(names[0])).to(bigrat(0))
    raise ValueError(f"unknown side condition {kind}")


def egglog_rule(spec: Spec):
    conditions = [_condition(cond) for cond in spec.when]
    if spec.rhs is None:
        relation = {"pos": pos, "nonzero": nonzero}[spec.concludes]
        if get_var_name(spec.lhs) is not None:  # a fact about any value with a known property
            return rule(*conditions, name=spec.name).then(relation(spec.lhs))
        return rule(eq(_WHOLE).to(spec.lhs), *conditions, name=spec.name).then(relation(_WHOLE))
    return rewrite(spec.lhs, subsume=spec.final).to(spec.rhs, *conditions)


def build_rulesets() -> tuple[dict[str, object], dict[object, Spec]]:
    """One egglog ruleset per theme, and each rule's declaration -> its Spec (for the run report)."""
    sets, by_decl = {}, {}
    for theme, specs in THEMES.items():
        built = [egglog_rule(s) for s in specs]
        sets[theme] = ruleset(*built, name=f"rules_{theme}")
        by_decl.update({r.decl: s for r, s in zip(built, specs)})
    return sets, by_decl


RULESETS, SPEC_OF_DECL = build_rulesets()
