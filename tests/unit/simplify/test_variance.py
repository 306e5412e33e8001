"""One-pass and two-pass variance, and the mean from Σ/N, as kernels write them (hand-built terms:
var_mean's kernels do not lift to a formula yet, see the report of issue 6)."""

import pytest

from tritonlift.ir import to_text
from tritonlift.ir.term import Op, access, apply, bound, canonical_binders, index, integer, param, real, reduce_, size
from tritonlift.simplify import simplify

i, N = index("i"), size("N")
k, l = bound("k"), bound("l")
n = apply(Op.TOREAL, N)


def x(b, name="x"):
    return access(name, (i, b))


def total(body, var=k):
    return reduce_(Op.SUM, var, integer(0), N, body)


def mean(name="x"):
    return apply(Op.DIV, total(x(l, name), l), n)


def sq(a):
    return apply(Op.MUL, a, a)


TEXTBOOK_SUM = "Σ_{k<N} (x[i, k] − (Σ_{l<N} x[i, l]) / N)²"
CASES = {  # kernel form -> textbook form
    "Σx·x − N·μ·μ (var_mean_kernel_1's acc)": (apply(Op.SUB, total(sq(x(k))), apply(Op.MUL, n, mean(), mean())),
                                               TEXTBOOK_SUM),
    "(Σx·x − N·μ·μ)/(N − c)": (apply(Op.DIV, apply(Op.SUB, total(sq(x(k))), apply(Op.MUL, n, mean(), mean())),
                                     apply(Op.SUB, n, param("correction"))), f"({TEXTBOOK_SUM}) / (N − correction)"),
    "Σx·x/N − μ·μ": (apply(Op.SUB, apply(Op.DIV, total(sq(x(k))), n), sq(mean())), f"({TEXTBOOK_SUM}) / N"),
    "Σx²/N − μ²": (apply(Op.SUB, apply(Op.DIV, total(apply(Op.POW, x(k), real(2.0))), n),
                          apply(Op.POW, mean(), real(2.0))), f"({TEXTBOOK_SUM}) / N"),
    "(Σx² − (Σx)²/N)/(N − 1)": (apply(Op.DIV, apply(Op.SUB, total(apply(Op.POW, x(k), real(2.0))), apply(
        Op.DIV, apply(Op.POW, total(x(l), l), real(2.0)), n)), apply(Op.SUB, n, real(1.0))),
        f"({TEXTBOOK_SUM}) / (N − 1)"),
    "Σ(x − μ)·(x − μ)/N": (apply(Op.DIV, total(sq(apply(Op.SUB, x(k), mean()))), n), f"({TEXTBOOK_SUM}) / N"),
    "Σx · (1/N) (the mean)": (apply(Op.MUL, total(x(k)), apply(Op.DIV, real(1.0), n)), "(Σ_{k<N} x[i, k]) / N"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_variance_and_mean_become_textbook(name):
    term, expected = CASES[name]
    result, report = simplify(canonical_binders(term))
    assert to_text(result) == expected
    assert report.changed and "agrees on" in report.rechecked
    assert not report.not_done, report


def test_two_pass_variance_is_already_textbook():
    term = canonical_binders(apply(Op.DIV, total(apply(Op.POW, apply(Op.SUB, x(k), mean()), real(2.0))), n))
    result, report = simplify(term)
    assert result is term and not report.changed


@pytest.mark.parametrize("term", [
    apply(Op.SUB, total(sq(x(k))), apply(Op.MUL, n, mean("y"), mean("y"))),  # another tensor's mean
    apply(Op.SUB, total(sq(x(k))), apply(Op.MUL, apply(Op.SUB, n, real(1.0)), mean(), mean())),  # (N − 1)·μ²
    apply(Op.SUB, apply(Op.DIV, total(sq(x(k))), n), mean()),  # μ, not μ²
], ids=["other_mean", "wrong_count", "not_squared"])
def test_what_is_not_a_variance_does_not_become_one(term):
    result, _ = simplify(canonical_binders(term))
    assert "(x[i, k] − (Σ_{l<N} x[i, l]) / N)²" not in to_text(result)
