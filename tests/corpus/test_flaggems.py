"""FlagGems v2.1 kernels, lifted without a GPU, against the PyTorch operators they implement.

Each kernel's emitted PyTorch reference (the lifted formula as code) is compared with the PyTorch
operator on random float64 inputs at a few sizes. The FlagGems sources are third-party benchmark
input: they are read in place under ../shared/corpus, never copied.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from tritonlift.cli import emit_torch
from tritonlift.pipeline import Options, lift
from tritonlift.report.torch_code import load_reference
from tritonlift.result import LiftResult, Status

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "flaggems-v2.1"
GEMS = CORPUS / "src" / "flag_gems"

pytestmark = [pytest.mark.corpus,
              pytest.mark.skipif(not GEMS.is_dir(), reason=f"FlagGems v2.1 sources not found at {CORPUS}")]

def GEN(seed: int) -> torch.Generator:  # noqa: N802
    return torch.Generator().manual_seed(seed)


def rand(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def positive(gen: torch.Generator) -> float:
    return float(torch.empty(()).uniform_(0.05, 1.0, generator=gen))


_LIFTED: dict[tuple, tuple[LiftResult, object]] = {}


def lifted(kernel: str, launch: str | None, options: Options) -> tuple[LiftResult, object]:
    """The lift result and its emitted reference function (each kernel is lifted once)."""
    key = (kernel, launch, repr(options))
    if key not in _LIFTED:
        _LIFTED[key] = _lift(kernel, launch, options)
    return _LIFTED[key]


def _lift(kernel: str, launch: str | None, options: Options) -> tuple[LiftResult, object]:
    result = lift(str(GEMS / kernel), launch, options)
    reference = load_reference(emit_torch(result, launch)) if result.formulas else None
    return result, reference


def check(got: dict, want: dict, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    assert set(got) >= set(want), (sorted(got), sorted(want))
    for name, value in want.items():
        assert got[name].shape == value.shape, (name, got[name].shape, value.shape)
        torch.testing.assert_close(got[name], value, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- scalar functions (pointwise_dynamic)

SCALAR = {
    "ops/relu.py::relu_forward": lambda a: torch.relu(a["x"]),
    "ops/gelu.py::gelu_none": lambda a: F.gelu(a["x"]),  # exact (erf) GELU
    "ops/silu.py::silu_forward": lambda a: F.silu(a["x"]),
    "ops/add.py::add_func": lambda a: a["x"] + a["alpha"] * a["y"],
}


@pytest.mark.parametrize("kernel", list(SCALAR))
def test_scalar_function(kernel):
    result, reference = lifted(kernel, None, Options(oracle=False))
    assert result.status is Status.VERIFIED, result.reason
    assert [f.output for f in result.formulas] == ["out"]
    gen = GEN(3)
    for shape in ((7,), (3, 5), (2, 1, 4)):
        inputs = {"x": rand(gen, *shape)}
        if kernel.endswith("add_func"):  # two broadcast tensors and a scalar
            inputs.update(y=rand(gen, shape[-1]), alpha=positive(gen))
        got = reference(**inputs)
        # FlagGems writes 1/√2 as 0.7071067811 (ten digits): agreement to ~1e-10, not to the last bit
        check(got, {"out": SCALAR[kernel](inputs)}, rtol=1e-8, atol=1e-10)


def test_add_broadcasts_both_tensors():
    _, reference = lifted("ops/add.py::add_func", None, Options(oracle=False))
    x, y = rand(GEN(4), 3, 1), rand(GEN(5), 1, 4)
    check(reference(x=x, y=y, alpha=0.5), {"out": x + 0.5 * y})


# ---------------------------------------------------------------- kernels with launches

SOFTMAX = ("ops/softmax.py::softmax_kernel_inner", "softmax_kernel_inner[(M, 1, 1)](y[M, N], x[M, N], M, N)")
LOG_SOFTMAX = ("ops/log_softmax.py::log_softmax_kernel",
               "log_softmax_kernel[(cdiv(M, BLOCK_M), K)](y[M, N, K], x[M, N, K], M, N, K)")
RMS_NORM = ("ops/rms_norm.py::rms_norm_kernel",
            "rms_norm_kernel[(M,)](y[M, N], x[M, N], w[N], N, 1, N, 1, N, eps, BLOCK_SIZE=next_power_of_2(N))")
# From SkipRmsNorm.forward: skip_rms_norm_kernel[M,](y, x, residual, weight, N, 1, N, 1, N, 1, N, eps,
# BLOCK_SIZE) with BLOCK_SIZE = triton.next_power_of_2(N), on contiguous [M, N] tensors.
SKIP_RMS_NORM = ("fused/skip_rms_norm.py::skip_rms_norm_kernel",
                 "skip_rms_norm_kernel[(M,)](y[M, N], x[M, N], r[M, N], w[N], N, 1, N, 1, N, 1, N, eps, "
                 "BLOCK_SIZE=next_power_of_2(N))")
LAYER_NORM = ("ops/layernorm.py::layer_norm_kernel",
              "layer_norm_kernel[(cdiv(M, BLOCK_ROW_SIZE),)](x[M, N], y[M, N], w[N], b[N], mean[M], rstd[M], "
              "M, N, eps)")
LAYER_NORM_OPTIONS = Options(oracle=False, config=0, sizes={"M": (1, 2, 3), "N": (1, 2, 3, 5, 8)})


def rms(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def test_softmax_kernel_inner():
    result, reference = lifted(*SOFTMAX, Options(oracle=False))
    assert result.status >= Status.BOUNDED, result.reason
    gen = GEN(6)
    for m, n in ((1, 1), (3, 7), (4, 33)):
        x = rand(gen, m, n)
        check(reference(x=x), {"y": torch.softmax(x, -1)})


def test_log_softmax_kernel():
    result, reference = lifted(*LOG_SOFTMAX, Options(oracle=False, config=0))
    assert result.status >= Status.BOUNDED, result.reason
    gen = GEN(7)
    for m, n, k in ((1, 1, 1), (2, 5, 3), (3, 4, 6)):
        x = rand(gen, m, n, k)
        check(reference(x=x), {"y": torch.log_softmax(x, 1)})


def test_rms_norm_kernel():
    result, reference = lifted(*RMS_NORM, Options(oracle=False))
    assert result.status >= Status.BOUNDED, result.reason
    gen = GEN(8)
    for m, n in ((1, 1), (3, 5), (2, 16)):
        x, w, eps = rand(gen, m, n), rand(gen, n), positive(gen)
        check(reference(x=x, w=w, eps=eps), {"y": rms(x, w, eps)})


def test_skip_rms_norm_kernel():
    result, reference = lifted(*SKIP_RMS_NORM, Options(oracle=False))
    assert result.status >= Status.BOUNDED, result.reason
    gen = GEN(9)
    for m, n in ((1, 1), (3, 5), (2, 16)):
        x, r, w, eps = rand(gen, m, n), rand(gen, m, n), rand(gen, n), positive(gen)
        check(reference(x=x, r=r, w=w, eps=eps), {"y": rms(x + r, w, eps)})


def test_layer_norm_kernel():
    result, reference = lifted(*LAYER_NORM, LAYER_NORM_OPTIONS)
    assert result.status >= Status.BOUNDED, result.reason
    assert {f.output for f in result.formulas} == {"y", "mean", "rstd"}
    gen = GEN(10)
    for m, n in ((1, 1), (3, 5), (2, 12)):
        x, w, b, eps = rand(gen, m, n), rand(gen, n), rand(gen, n), positive(gen)
        want = {"y": F.layer_norm(x, (n,), w, b, eps), "mean": x.mean(-1),
                "rstd": 1 / torch.sqrt(x.var(-1, unbiased=False) + eps)}
        check(reference(x=x, w=w, b=b, eps=eps), want)


def test_a_wrong_operator_is_told_apart():
    """Not vacuous: the rms_norm reference does not match rms_norm without eps, nor skip's without r."""
    _, reference = lifted(*RMS_NORM, Options(oracle=False))
    x, w = rand(GEN(11), 2, 5), rand(GEN(12), 5)
    with pytest.raises(AssertionError):
        check(reference(x=x, w=w, eps=0.5), {"y": rms(x, w, 0.0)})
    _, skip = lifted(*SKIP_RMS_NORM, Options(oracle=False))
    with pytest.raises(AssertionError):
        check(skip(x=x, r=x, w=w, eps=0.5), {"y": rms(x, w, 0.5)})
