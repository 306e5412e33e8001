"""The exp-normal form must preserve values: random terms, normal form vs original, numerically."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tritonlift.ir.term import Op, access, apply, integer, real
from tritonlift.synth.expnorm import normal_form
from tritonlift.verify import numeric

X = [access("x", (integer(n),)) for n in range(3)]


def terms():
    base = st.sampled_from(X + [real(0.5), real(2.0), real(-1.0)])
    return st.recursive(base, lambda inner: st.one_of(
        st.builds(lambda a, b: apply(Op.ADD, a, b), inner, inner),
        st.builds(lambda a, b: apply(Op.SUB, a, b), inner, inner),
        st.builds(lambda a, b: apply(Op.MUL, a, b), inner, inner),
        st.builds(lambda a, b: apply(Op.DIV, a, apply(Op.ADD, apply(Op.EXP, b), real(1.0))), inner, inner),
        st.builds(lambda a: apply(Op.EXP, a), inner),
        st.builds(lambda a, b: apply(Op.MAX, a, b), inner, inner),
    ), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(terms(), st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_normal_form_preserves_value(term, xs):
    nf = normal_form(term)
    if nf is None:
        return
    inputs = {"x": np.array([xs])}
    a = numeric.evaluate([term], inputs, {}, {}, 1)[0][0]
    b = numeric.evaluate([nf], inputs, {}, {}, 1)[0][0]
    if not (math.isfinite(a) and abs(a) < 1e12):
        return
    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (term, nf)


def test_online_rescale_collapses():
    m1 = apply(Op.MAX, X[0], X[1])
    z = apply(Op.ADD, apply(Op.MUL, apply(Op.EXP, apply(Op.SUB, X[0], m1)), apply(Op.EXP, apply(Op.SUB, m1, m1))),
              apply(Op.EXP, apply(Op.SUB, X[1], m1)))
    shifted = apply(Op.DIV, apply(Op.EXP, apply(Op.SUB, X[0], m1)), z)
    plain = apply(Op.DIV, apply(Op.EXP, X[0]), apply(Op.ADD, apply(Op.EXP, X[0]), apply(Op.EXP, X[1])))
    assert normal_form(shifted) is normal_form(plain)


def test_different_terms_keep_different_normal_forms():
    assert normal_form(apply(Op.EXP, X[0])) is not normal_form(apply(Op.EXP, X[1]))
