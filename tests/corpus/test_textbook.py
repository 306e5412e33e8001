"""Issue 6's must-show textbook forms, on the FlagGems v2.1 kernels themselves (bounded lift, no oracle).

The textbook line is what the report shows under the formula; where the kernel is already written
in textbook form there is no second line and the formula itself is checked.
"""

from __future__ import annotations

import pytest

from tritonlift.ir.term import Op, walk
from tritonlift.pipeline import Options

from .test_flaggems import GEMS, LAYER_NORM, LOG_SOFTMAX, RMS_NORM, SOFTMAX, lifted

pytestmark = [pytest.mark.corpus,
              pytest.mark.skipif(not GEMS.is_dir(), reason=f"FlagGems v2.1 sources not found at {GEMS}")]

NON_INNER = ("ops/softmax.py::softmax_kernel_non_inner",
             "softmax_kernel_non_inner[(M, cdiv(K, TILE_K), 1)](y[M, N, K], x[M, N, K], M, N, K, TILE_K=1)")
NON_INNER_ONLINE = ("ops/softmax.py::softmax_kernel_non_inner",
                    "softmax_kernel_non_inner[(M, cdiv(K, TILE_K), 1)](y[M, N, K], x[M, N, K], M, N, K, TILE_K=2, "
                    "TILE_N=4)")
INNER_ONLINE = ("ops/softmax.py::softmax_kernel_inner",
                "softmax_kernel_inner[(M, 1, 1)](y[M, N], x[M, N], M, N, TILE_N=4)")
CELOSS = ("ops/cross_entropy_loss.py::celoss_probability_kernel",
          "celoss_probability_kernel[(N, cdiv(D, BLOCK_D))](inp[N, C, D], tgt[N, C, D], w[C], out[N, D], "
          "label_smoothing, N, C, D)")
SMALL = {"M": (1, 2), "N": (1, 2, 3), "K": (1, 2)}


def shown(kernel, launch=None, names=False, **options) -> list[str]:
    """The textbook line of each output (the formula where the kernel is already textbook)."""
    result, _ = lifted(kernel, launch, Options(oracle=False, unbounded=False, names=names, **options))
    assert result.formulas, result.reason
    return [(t or f).text() for f, t in zip(result.formulas, result.textbook)]


SOFTMAX_2D = "y[i, j] = exp(x[i, j]) / Σ_{k<N} exp(x[i, k])"
SOFTMAX_3D = "y[i, j, c] = exp(x[i, j, c]) / Σ_{k<N} exp(x[i, k, c])"


@pytest.mark.parametrize(("kernel", "options", "expected"), [
    (SOFTMAX, {}, SOFTMAX_2D),
    (NON_INNER, {"sizes": SMALL}, SOFTMAX_3D),
    (NON_INNER_ONLINE, {"sizes": SMALL}, SOFTMAX_3D),
    pytest.param(INNER_ONLINE, {}, SOFTMAX_2D, marks=pytest.mark.slow),  # ~18 s
], ids=["inner", "non_inner", "non_inner_online", "inner_online"])
def test_softmax_both_branches(kernel, options, expected):
    assert shown(*kernel, **options) == [expected]
    named = shown(*kernel, names=True, **options)
    assert named == [expected.split(" = ")[0] + " = " + ("softmax(x[i, :])[j]" if "c]" not in expected
                                                          else "softmax(x[i, :, c])[j]")]


def test_log_softmax():
    assert shown(*LOG_SOFTMAX, config=0) == ["y[i, j, c] = x[i, j, c] − log(Σ_{k<N} exp(x[i, k, c]))"]
    assert shown(*LOG_SOFTMAX, config=0, names=True) == ["y[i, j, c] = log_softmax(x[i, :, c])[j]"]


def test_rms_norm_divides_by_the_root_mean_square():
    result, _ = lifted(*RMS_NORM, Options(oracle=False, unbounded=False))
    body = (result.textbook[0] or result.formulas[0]).body
    assert Op.RSQRT not in {t.op for t in walk(body)}
    assert shown(*RMS_NORM) == ["y[i, j] = w[j] · x[i, j] / √((Σ_{k<N} x[i, k]²) / N + eps)"]
    assert shown(*RMS_NORM, names=True) == ["y[i, j] = rms_norm(x[i, :], w, eps)[j]"]


def test_layer_norm_shows_textbook_mean_and_variance():
    options = {"config": 0, "sizes": {"M": (1, 2, 3), "N": (1, 2, 3, 5, 8)}}
    y, mean, rstd = shown(*LAYER_NORM, **options)
    variance = "(Σ_{k<N} (x[i, k] − (Σ_{l<N} x[i, l]) / N)²) / N"
    assert mean == "mean[i] = (Σ_{k<N} x[i, k]) / N"
    assert rstd == f"rstd[i] = 1 / √({variance} + eps)"
    assert y == f"y[i, j] = b[j] + w[j] · (x[i, j] − (Σ_{{k<N}} x[i, k]) / N) / √({variance} + eps)"
    assert shown(*LAYER_NORM, names=True, **options) == [
        "y[i, j] = layer_norm(x[i, :], w, b, eps)[j]", "mean[i] = mean(x[i, :])",
        "rstd[i] = 1 / √(var(x[i, :], correction=0) + eps)"]


@pytest.mark.parametrize(("kernel", "textbook", "named"), [
    ("ops/sigmoid.py::sigmoid_forward", "out[i⃗] = 1 / (exp(−x[i⃗]) + 1)", "out[i⃗] = sigmoid(x[i⃗])"),
    ("ops/gelu.py::gelu_none", "out[i⃗] = 1/2 · x[i⃗] · (erf(x[i⃗] / √(2)) + 1)", "out[i⃗] = gelu(x[i⃗])"),
    ("ops/gelu.py::gelu_tanh", "out[i⃗] = 1/2 · x[i⃗] · (tanh(√(2/π) · x[i⃗] · (0.044715 · x[i⃗]² + 1)) + 1)",
     "out[i⃗] = gelu(x[i⃗], approximate='tanh')"),
    ("ops/silu.py::silu_forward", "out[i⃗] = x[i⃗] / (exp(−x[i⃗]) + 1)", "out[i⃗] = silu(x[i⃗])"),
    ("fused/silu_and_mul.py::silu_and_mul_kernel", None, "out[i⃗] = silu(x[i⃗]) · y[i⃗]"),
], ids=["sigmoid", "gelu", "gelu_tanh", "silu", "silu_and_mul"])
def test_pointwise_activations(kernel, textbook, named):
    if textbook is not None:
        assert shown(kernel) == [textbook]
    assert shown(kernel, names=True) == [named]


def test_cross_entropy_loses_the_max_shift():
    options = {"config": 0, "sizes": {"N": (1, 2), "C": (1, 2, 3, 5), "D": (1, 2)}}
    [text] = shown(*CELOSS, **options)
    assert "(log(Σ_{l<C} exp(inp[i, l, j])) − inp[i, k, j])" in text and "max" not in text
    [named] = shown(*CELOSS, names=True, **options)
    assert "(logsumexp(inp[i, :, j]) − inp[i, k, j])" in named
