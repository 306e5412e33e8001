"""The executor's folding must agree with IEEE double arithmetic on finite inputs (incl. ±∞ constants).

Every folded result is compared with evaluating the unfolded operation numerically: a fold that
changes a value would make tritonlift prove the wrong formula.
"""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tritonlift.ir.term import NEG_INF, POS_INF, Op, access, apply, integer, real
from tritonlift.symexec import fold
from tritonlift.verify import numeric

X = [access("x", (integer(n),)) for n in range(3)]
leaf = st.sampled_from(X + [real(0.0), real(1.0), real(-2.5), NEG_INF, POS_INF])
BINARY = [(fold.add, Op.ADD), (fold.mul, Op.MUL), (fold.sub, Op.SUB), (fold.div, Op.DIV),
          (fold.maximum, Op.MAX), (fold.minimum, Op.MIN)]


def value(term, xs):
    inputs = {"x": np.array([xs])}
    return numeric.evaluate([term], inputs, {}, {}, 1)[0][0]


def raw(op, a, b, xs):
    va, vb = value(a, xs), value(b, xs)
    with np.errstate(all="ignore"):
        return {Op.ADD: va + vb, Op.MUL: va * vb, Op.SUB: va - vb, Op.DIV: np.float64(va) / vb if vb != 0 else
                math.nan, Op.MAX: max(va, vb) if not (math.isnan(va) or math.isnan(vb)) else math.nan,
                Op.MIN: min(va, vb) if not (math.isnan(va) or math.isnan(vb)) else math.nan}[op]


finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False).filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(BINARY), leaf, leaf, st.lists(finite, min_size=3, max_size=3))
def test_binary_folds_preserve_value(op, a, b, xs):
    fn, code = op
    folded = fold_value = value(fn(a, b), xs)
    expected = raw(code, a, b, xs)
    if code is Op.DIV and value(b, xs) == 0:
        return  # denominators are assumed nonzero
    if math.isnan(expected):
        assert math.isnan(folded) or fold_value == fold_value  # NaN inputs may fold to anything defined
        return
    assert folded == expected or math.isclose(folded, expected, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([Op.EXP, Op.LOG, Op.SQRT, Op.ERF, Op.TANH, Op.ABS]), leaf, st.lists(finite, min_size=3,
                                                                                            max_size=3))
def test_unary_folds_preserve_value(op, a, xs):
    folded = value(fold.unary(op, a), xs)
    expected = value(apply(op, a), xs)
    assert (math.isnan(folded) and math.isnan(expected)) or folded == expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE]), leaf, leaf,
       st.lists(finite, min_size=3, max_size=3))
def test_comparison_folds_preserve_truth(op, a, b, xs):
    folded = fold.compare(op, a, b)
    if folded.op is Op.CONST:
        assert bool(folded.value) == bool(value(apply(op, a, b), xs))


def test_max_with_neg_inf_is_identity():
    assert fold.maximum(X[0], NEG_INF) is X[0]


def test_exp_of_neg_inf_is_zero():
    assert fold.unary(Op.EXP, NEG_INF) is real(0.0)


def test_finite_term_is_never_neg_inf():
    assert fold.compare(Op.EQ, X[0], NEG_INF) is fold.compare(Op.EQ, X[1], NEG_INF)
    assert fold.compare(Op.EQ, X[0], NEG_INF).value is False
