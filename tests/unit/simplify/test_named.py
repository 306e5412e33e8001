"""Named operators (--names): shown where proven equal to the library's definitions, never otherwise."""

import pytest

from tritonlift.ir import to_text
from tritonlift.ir.term import Op, Sort, Term, access, apply, canonical_binders, index, param, real
from tritonlift.simplify import named, simplify
from tritonlift.simplify.named import name_body, name_formula
from tritonlift.synth.generalize import Formula

from .test_simplify import (
    MUST_SHOW,
    X,
    i,
    j,
    k,
    l,
    row_max,
    shifted,
    total,
    x,
)

N_REAL = apply(Op.TOREAL, MUST_SHOW["softmax"]().args[1].args[1])  # N, as a real
POINTWISE = (index("i⃗"),)


def mean():
    return apply(Op.DIV, total(x(i, l), l), N_REAL)


def variance():
    return apply(Op.DIV, total(apply(Op.POW, apply(Op.SUB, x(i, k), mean()), real(2.0))), N_REAL)


def layer_norm():
    rstd = apply(Op.RSQRT, apply(Op.ADD, variance(), param("eps")))
    return canonical_binders(apply(Op.ADD, access("b", (j,)), apply(Op.MUL, access("w", (j,)),
                                                                       apply(Op.SUB, x(i, j), mean()), rstd)))


def silu():
    return apply(Op.DIV, X, apply(Op.ADD, apply(Op.EXP, apply(Op.NEG, X)), real(1.0)))


def gelu_tanh(c=0.79788456):  # FlagGems' gelu_tanh: √(2/π) rounded to 8 digits
    inner = apply(Op.MUL, real(c), X, apply(Op.ADD, apply(Op.MUL, real(0.044715), X, X), real(1.0)))
    return apply(Op.MUL, real(0.5), X, apply(Op.ADD, apply(Op.TANH, inner), real(1.0)))


def gather():
    return access("x", (i, Term(Op.ACCESS, (i,), "t", Sort.INT)))  # x[i, t[i]]


def cross_entropy():  # −x[i, t[i]] + m + log Σ exp(x − m), m the row max
    lse = apply(Op.LOG, total(apply(Op.EXP, shifted(x(i, k)))))
    return canonical_binders(apply(Op.ADD, apply(Op.NEG, gather()), row_max(), lse))


NAMED = {  # (term, positions) -> named text
    "softmax": (MUST_SHOW["softmax"], (i, j), "softmax(x[i, :])[j]"),
    "log_softmax": (MUST_SHOW["log_softmax"], (i, j), "log_softmax(x[i, :])[j]"),
    "log_softmax_sub": (MUST_SHOW["log_softmax_sub"], (i, j), "log_softmax(x[i, :])[j]"),
    "rms_norm": (MUST_SHOW["rms_norm"], (i, j), "rms_norm(x[i, :], w, eps)[j]"),
    "rms_norm_flaggems": (MUST_SHOW["rms_norm_flaggems"], (i, j), "rms_norm(x[i, :], w, eps)[j]"),
    "layer_norm": (layer_norm, (i, j), "layer_norm(x[i, :], w, b, eps)[j]"),
    "mean": (lambda: canonical_binders(mean()), (i,), "mean(x[i, :])"),
    "rstd": (lambda: canonical_binders(apply(Op.DIV, real(1.0), apply(Op.SQRT, apply(Op.ADD, variance(),
                                                                                         param("eps"))))),
             (i,), "1 / √(var(x[i, :], correction=0) + eps)"),
    "logsumexp": (lambda: canonical_binders(apply(Op.ADD, row_max(), apply(Op.LOG, total(apply(
        Op.EXP, shifted(x(i, k))))))), (i,), "logsumexp(x[i, :])"),
    "cross_entropy": (cross_entropy, (i,), "logsumexp(x[i, :]) − x[i, t[i]]"),
    "sigmoid_exp2": (MUST_SHOW["sigmoid"], POINTWISE, "sigmoid(x[i⃗])"),
    "silu": (silu, POINTWISE, "silu(x[i⃗])"),
    "silu_and_mul": (lambda: apply(Op.MUL, silu(), access("y", POINTWISE)), POINTWISE, "silu(x[i⃗]) · y[i⃗]"),
    "gelu": (MUST_SHOW["gelu"], POINTWISE, "gelu(x[i⃗])"),
    "gelu_tanh": (gelu_tanh, POINTWISE, "gelu(x[i⃗], approximate='tanh')"),
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_operator_is_recognised(name):
    build, positions, expected = NAMED[name]
    body, _ = simplify(build())
    found = name_body(body, positions)
    assert found is not None and found[0] == expected, found
    if name == "gelu_tanh":
        assert found[2] == "the literal 0.79788456 is taken as √(2/π) (rounded; within 1e-9)"


NOT_NAMED = {  # look like a named operator, are not one
    "softmax_of_another_row": (canonical_binders(apply(Op.DIV, apply(Op.EXP, access("y", (i, j))),
                                                       total(apply(Op.EXP, x(i, k))))), (i, j)),
    "rms_norm_without_the_mean": (canonical_binders(apply(Op.DIV, x(i, j), apply(Op.SQRT, apply(
        Op.ADD, total(apply(Op.POW, x(i, k), real(2.0))), param("eps"))))), (i, j)),
    "gelu_with_a_wrong_constant": (apply(Op.MUL, real(0.5), X, apply(Op.ADD, apply(Op.ERF, apply(
        Op.MUL, real(0.7), X)), real(1.0))), POINTWISE),
    "gelu_tanh_with_a_wrong_constant": (gelu_tanh(0.8), POINTWISE),
    "sigmoid_of_twice_x": (apply(Op.DIV, real(1.0), apply(Op.ADD, real(1.0), apply(Op.EXP, apply(
        Op.MUL, real(-2.0), X)))), POINTWISE),
}


@pytest.mark.parametrize("name", sorted(NOT_NAMED))
def test_a_near_miss_is_not_named(name):
    term, positions = NOT_NAMED[name]
    found = name_body(term, positions)
    assert found is None or not any(op in found[0] for op in ("softmax", "rms_norm", "gelu", "sigmoid")), found


def test_a_name_needs_a_proof(monkeypatch):
    monkeypatch.setattr(named, "proven", lambda a, b: None)
    body, _ = simplify(MUST_SHOW["softmax"]())
    assert name_body(body, (i, j)) is None


def test_named_formula_keeps_the_body_and_shows_the_name():
    body, _ = simplify(MUST_SHOW["softmax"]())
    formula = Formula("y", (i, j), (), body)
    shown = name_formula(formula)
    assert shown.body is body and shown.text() == "y[i, j] = softmax(x[i, :])[j]" and shown.by_normal_forms


def test_cross_entropy_with_a_gather_loses_the_shift():
    result, report = simplify(cross_entropy())
    assert to_text(result) == "log(Σ_{k<N} exp(x[i, k])) − x[i, t[i]]"
    assert report.changed and "agrees on" in report.rechecked
