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


def _softmax_like(shift_inside: bool):
    from tritonlift.ir.term import bound, canonical_binders, index, reduce_, size

    i, j, N = index("i"), index("j"), size("N")
    k, q = bound("k"), bound("q")
    row_max = reduce_(Op.RMAX, q, integer(0), N, access("x", (i, q)))
    body = apply(Op.EXP, apply(Op.SUB, access("x", (i, k)), row_max)) if shift_inside else \
        apply(Op.DIV, apply(Op.EXP, access("x", (i, k))), apply(Op.EXP, access("x", (i, k))))
    return canonical_binders(reduce_(Op.SUM, k, integer(0), N, body)), row_max


def test_constant_factor_leaves_a_sum_only_when_free_of_the_bound_variable():
    from tritonlift.ir import to_text

    shifted, _ = _softmax_like(True)
    assert to_text(normal_form(shifted)) == "(Σ_{k<N} exp(x[i, k])) / exp(max_{k<N} x[i, k])"
    dependent, _ = _softmax_like(False)
    assert "exp" not in to_text(normal_form(dependent))  # exp(x_k)/exp(x_k) cancels inside the sum only
    assert to_text(normal_form(dependent)) == "Σ_{k<N} 1"


def test_normal_form_of_a_sum_agrees_numerically_at_concrete_sizes():
    from tritonlift.synth.generalize import Formula
    from tritonlift.verify.instantiate import instantiate
    from tritonlift.ir.term import index, size

    shifted, _ = _softmax_like(True)
    f = Formula("y", (index("i"),), (size("M"),), shifted)
    g = Formula("y", (index("i"),), (size("M"),), normal_form(shifted))
    rng = np.random.default_rng(1)
    for n in (1, 2, 5):
        inputs = {"x": rng.standard_normal((4, 3, n))}
        a = numeric.evaluate([instantiate(f, {"M": 3, "N": n}, (1,))], inputs, {}, {"N": n}, 4)[0]
        b = numeric.evaluate([instantiate(g, {"M": 3, "N": n}, (1,))], inputs, {}, {"N": n}, 4)[0]
        assert np.allclose(a, b, rtol=1e-12)
