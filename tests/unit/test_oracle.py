"""The interpreter oracle: examples and corpus kernels against PyTorch, the bounds guard, errors.

Every launch of the module runs in one batch (one worker process, see the `results` fixture); the
kernels below that misbehave on purpose are read from this file by the oracle, never launched here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import triton
import triton.language as tl
from triton.language.extra.cuda.libdevice import div_rz, erf, exp2, isnan, pow, rsqrt, tanh

from tritonlift.oracle import KernelJob, OracleError, OracleResult, TensorSpec, run_kernel, run_kernels

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CORPUS = ROOT / ".." / "shared" / "corpus" / "flaggems-v2.1" / "src" / "flag_gems"
THIS = str(Path(__file__).resolve())
SIZES = (1, 5, 9)  # with BLOCK=4: one partial tile, two tiles (one partial), three tiles
M = 2
TOL = {"rtol": 1e-5, "atol": 1e-5}


# ---------------------------------------------------------------- kernels that misbehave on purpose


@triton.jit
def unmasked_copy_kernel(y_ptr, x_ptr, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)  # no mask: lanes past the end read and write out of bounds
    tl.store(y_ptr + offs, tl.load(x_ptr + offs) + 1.0)


@triton.jit
def strided_axpy_kernel(out_ptr, x_ptr, y_ptr, alpha, n, stride_x, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs * stride_x, mask=mask)
    y = tl.load(y_ptr + offs, mask=mask).to(tl.float32)
    tl.store(out_ptr + offs, x + alpha * y, mask=mask)


@triton.jit
def far_store_kernel(y_ptr, n):
    tl.store(y_ptr - 1_000_000 + tl.arange(0, 2), tl.zeros([2], dtype=tl.float32))


@triton.jit
def bad_arange_kernel(y_ptr, n):
    offs = tl.arange(0, 3)  # not a power of 2
    tl.store(y_ptr + offs, offs.to(tl.float32))


@triton.jit
def undefined_name_kernel(y_ptr, n):
    tl.store(y_ptr, NOT_DEFINED_ANYWHERE)  # noqa: F821


@triton.jit
def spin_kernel(y_ptr, n):
    i = 0
    while i >= 0:
        i += 0


@triton.jit
def boolean_ops_kernel(y_ptr, lo, hi, FLAG: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    inside = offs >= lo and offs < hi
    outside = offs < lo or offs >= hi
    if FLAG and lo > 0:
        inside = inside and not (offs == lo)  # noqa: SIM201 - `not` on a tensor is the point
    code = inside.to(tl.float32) + 10 * outside.to(tl.float32) + 100 * (not inside).to(tl.float32)
    tl.store(y_ptr + offs, code)


@triton.jit
def libdevice_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    row = y_ptr + offs
    tl.store(row, erf(x), mask=mask)
    tl.store(row + n, tanh(x), mask=mask)
    tl.store(row + 2 * n, pow(x, 3.0), mask=mask)
    tl.store(row + 3 * n, pow(x, 2), mask=mask)
    tl.store(row + 4 * n, exp2(x) + rsqrt(x * x + 1.0), mask=mask)
    tl.store(row + 5 * n, div_rz(x, 3.0) + isnan(x / x).to(tl.float32), mask=mask)


@triton.jit
def bf16_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask, other=-float("inf"))  # stays bf16: no upcast
    top = tl.max(x, 0)
    y = x * x + tl.where(x < 0, -x, x) * 2.5 - top
    tl.store(y_ptr + offs, y, mask=mask & (x > -2.0))


# ---------------------------------------------------------------- inputs and references


def _values(*shape: int, seed: int = 0) -> np.ndarray:
    """Random fp32-representable values, so that references see exactly the kernel's inputs."""
    rng = np.random.default_rng(seed + 7 * sum(shape))
    return rng.standard_normal(shape).astype(np.float32).astype(np.float64)


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a)


def _example(name: str) -> str:
    return str(EXAMPLES / f"{name}.py")


def _example_jobs():
    """(key, job, {output: reference}) for every example at every size."""
    for n in SIZES:
        x, y = _values(n), _values(n, seed=1)
        yield (f"add-{n}", KernelJob(_example("add"), "add_kernel", (math.ceil(n / 4),),
                                     [TensorSpec("out", np.zeros(n)), TensorSpec("x", x), TensorSpec("y", y),
                                      0.5, n, 4]),
               {"out": x + 0.5 * y})
        yield (f"gelu-{n}", KernelJob(_example("gelu"), "gelu_kernel", (math.ceil(n / 4),),
                                      [TensorSpec("y", np.zeros(n)), TensorSpec("x", 3 * x), n, 4]),
               {"y": torch.nn.functional.gelu(_t(3 * x)).numpy()})
        x2, w, b = _values(M, n), _values(n, seed=2), _values(n, seed=3)
        block = triton.next_power_of_2(n)
        yield (f"softmax-{n}", KernelJob(_example("softmax"), "softmax_kernel", (M,),
                                         [TensorSpec("y", np.zeros((M, n))), TensorSpec("x", x2), n, block]),
               {"y": torch.softmax(_t(x2), dim=1).numpy()})
        yield (f"online_softmax-{n}",
               KernelJob(_example("online_softmax"), "online_softmax_kernel", (M,),
                         [TensorSpec("y", np.zeros((M, n))), TensorSpec("x", 5 * x2), n, 4]),
               {"y": torch.softmax(_t(5 * x2), dim=1).numpy()})
        yield (f"rms_norm-{n}",
               KernelJob(_example("rms_norm"), "rms_norm_kernel", (M,),
                         [TensorSpec("y", np.zeros((M, n))), TensorSpec("x", x2), TensorSpec("w", w), n, 1e-5,
                          block]),
               {"y": (x2 / np.sqrt((x2 ** 2).mean(axis=1, keepdims=True) + 1e-5) * w)})
        xt = _t(x2)
        yield (f"layer_norm-{n}",
               KernelJob(_example("layer_norm"), "layer_norm_kernel", (M,),
                         [TensorSpec("y", np.zeros((M, n))), TensorSpec("mean", np.zeros(M)),
                          TensorSpec("rstd", np.zeros(M)), TensorSpec("x", x2), TensorSpec("w", w),
                          TensorSpec("b", b), n, 1e-5, 4]),
               {"y": torch.nn.functional.layer_norm(xt, (n,), _t(w), _t(b), 1e-5).numpy(),
                "mean": xt.mean(dim=1).numpy(),
                "rstd": torch.rsqrt(xt.var(dim=1, unbiased=False) + 1e-5).numpy()})
        yield (f"row_sum-{n}", KernelJob(_example("row_sum"), "row_sum_kernel", (M,),
                                         [TensorSpec("out", np.zeros(M)), TensorSpec("x", x2), n, 4]),
               {"out": x2.sum(axis=1)})


def _corpus_jobs():
    rows = 3
    for n in (5, 9):
        x, w = _values(rows, n), _values(n, seed=4)
        # the wrapper's launch: rms_norm_kernel[M,](y, x, weight, N, 1, N, 1, N, eps, BLOCK_SIZE)
        yield (f"flaggems-rms_norm-{n}",
               KernelJob(str(CORPUS / "ops" / "rms_norm.py"), "rms_norm_kernel", (rows,),
                         [TensorSpec("y", np.zeros((rows, n))), TensorSpec("x", x), TensorSpec("w", w),
                          n, 1, n, 1, n, 1e-6, triton.next_power_of_2(n)]),
               {"y": (x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-6) * w)})
        for block_m in (2, 4):  # the last program's rows past M must be masked by `and`
            # log_softmax over the last dim: grid (cdiv(M, BLOCK_M), K) with K = 1
            yield (f"flaggems-log_softmax-{n}-{block_m}",
                   KernelJob(str(CORPUS / "ops" / "log_softmax.py"), "log_softmax_kernel",
                             (math.ceil(rows / block_m), 1),
                             [TensorSpec("out", np.zeros((rows, n))), TensorSpec("x", 4 * x), rows, n, 1,
                              block_m, triton.next_power_of_2(n)]),
                   {"out": torch.log_softmax(_t(4 * x), dim=1).numpy()})


EXAMPLE_JOBS = {key: (job, ref) for key, job, ref in _example_jobs()}
CORPUS_JOBS = {key: (job, ref) for key, job, ref in _corpus_jobs()}
X5 = np.array([-1.5, -0.3, 0.0, 0.7, 2.5], dtype=np.float32).astype(np.float64)
BF16_IN = np.array([-3.0, -1.5, 0.3, 1.0, 2.7])
OTHER_JOBS = {
    "strided-axpy": KernelJob(THIS, "strided_axpy_kernel", (1,),
                              [TensorSpec("out", np.zeros(5)), TensorSpec("x", X5, strides=(3,)),
                               TensorSpec("y", np.arange(5.0), dtype="fp16"), 2.0, 5, 3, 8]),
    "strided-gaps": KernelJob(_example("add"), "add_kernel", (2,),
                              [TensorSpec("out", np.zeros(5)), TensorSpec("x", X5, strides=(3,)),
                               TensorSpec("y", np.arange(5.0)), 2.0, 5, 4]),
    "unmasked": KernelJob(THIS, "unmasked_copy_kernel", (1,),
                          [TensorSpec("y", np.zeros(5)), TensorSpec("x", X5), 8]),
    "far-store": KernelJob(THIS, "far_store_kernel", (1,), [TensorSpec("y", np.zeros(3)), 3]),
    "bad-arange": KernelJob(THIS, "bad_arange_kernel", (1,), [TensorSpec("y", np.zeros(4)), 4]),
    "undefined-name": KernelJob(THIS, "undefined_name_kernel", (1,), [TensorSpec("y", np.zeros(1)), 1]),
    "boolean-ops": KernelJob(THIS, "boolean_ops_kernel", (1,), [TensorSpec("y", np.zeros(8)), 2, 6, True, 8]),
    "boolean-ops-noflag": KernelJob(THIS, "boolean_ops_kernel", (1,),
                                    [TensorSpec("y", np.zeros(8)), 2, 6, False, 8]),
    "bf16": KernelJob(THIS, "bf16_kernel", (1,), [TensorSpec("y", np.zeros(5), dtype="bf16"),
                                                   TensorSpec("x", BF16_IN, dtype="bf16"), 5, 8]),
    "libdevice": KernelJob(THIS, "libdevice_kernel", (1,),
                           [TensorSpec("y", np.zeros(30)), TensorSpec("x", X5), 5, 8]),
}


@pytest.fixture(scope="module")
def results() -> dict[str, OracleResult | OracleError]:
    jobs = {key: job for key, (job, _) in EXAMPLE_JOBS.items()}
    jobs.update(OTHER_JOBS)
    if CORPUS.is_dir():
        jobs.update({key: job for key, (job, _) in CORPUS_JOBS.items()})
    outcomes = run_kernels(list(jobs.values()))
    return dict(zip(jobs, outcomes))


def _ok(results, key) -> OracleResult:
    result = results[key]
    if isinstance(result, OracleError):
        pytest.fail(f"{key}: {result.render()}")
    return result


def _check(result: OracleResult, reference: dict[str, np.ndarray]) -> None:
    assert result.oob == ()
    for name, expected in reference.items():
        np.testing.assert_allclose(result.outputs[name], expected, err_msg=name, **TOL)


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("key", sorted(EXAMPLE_JOBS))
def test_example_matches_torch(results, key):
    _check(_ok(results, key), EXAMPLE_JOBS[key][1])


@pytest.mark.corpus
@pytest.mark.parametrize("key", sorted(CORPUS_JOBS))
def test_flaggems_kernel_matches_torch(results, key):
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    _check(_ok(results, key), CORPUS_JOBS[key][1])


def test_inputs_keep_their_values_and_strides(results):
    result = _ok(results, "strided-axpy")
    np.testing.assert_array_equal(result.outputs["x"], X5)  # inputs come back unchanged
    assert result.outputs["out"].dtype == np.float64 and result.outputs["y"].dtype == np.float64
    np.testing.assert_allclose(result.outputs["out"], X5 + 2.0 * np.arange(5.0), **TOL)


def test_reading_between_the_elements_of_a_strided_view_gives_nan(results):
    # add_kernel assumes contiguous x; with stride 3 it reads the gaps, which hold no element
    result = _ok(results, "strided-gaps")
    assert result.oob == ()  # the gaps lie inside the view's storage
    np.testing.assert_allclose(result.outputs["out"][[0, 3]], X5[[0, 1]] + 2.0 * np.array([0.0, 3.0]), **TOL)
    assert np.isnan(result.outputs["out"][[1, 2, 4]]).all()


def test_out_of_bounds_accesses_are_reported_and_dropped(results):
    result = _ok(results, "unmasked")
    assert len(result.oob) == 2, result.oob
    load, store = sorted(result.oob)
    assert load.startswith("load from x: 3 address(es)") and "element offsets 5..7" in load
    assert store.startswith("store to y: 3 address(es)") and "element offsets 5..7" in store
    np.testing.assert_allclose(result.outputs["y"], X5 + 1.0, **TOL)


def test_store_far_outside_every_tensor_is_dropped(results):
    result = _ok(results, "far-store")
    assert len(result.oob) == 1 and result.oob[0].startswith("store to y (nearest"), result.oob
    np.testing.assert_array_equal(result.outputs["y"], np.zeros(3))


def test_and_or_not_are_elementwise(results):
    lanes = np.arange(8)
    inside = (lanes >= 2) & (lanes < 6)
    for key, flag in (("boolean-ops", True), ("boolean-ops-noflag", False)):
        expect_inside = inside & ~(lanes == 2) if flag else inside
        expected = expect_inside + 10.0 * ~inside + 100.0 * ~expect_inside
        np.testing.assert_array_equal(_ok(results, key).outputs["y"], expected, err_msg=key)


def test_libdevice_externs_work(results):
    y = _ok(results, "libdevice").outputs["y"].reshape(6, 5)
    x = X5
    q = x / 3.0
    np.testing.assert_allclose(y[0], [math.erf(v) for v in x], **TOL)
    np.testing.assert_allclose(y[1], np.tanh(x), **TOL)
    np.testing.assert_allclose(y[2], x ** 3, **TOL)
    np.testing.assert_allclose(y[3], x ** 2, **TOL)
    np.testing.assert_allclose(y[4], 2.0 ** x + 1 / np.sqrt(x * x + 1), **TOL)
    np.testing.assert_allclose(y[5], q + (x == 0), **TOL)  # 0/0 is NaN; div_rz rounds toward 0
    assert np.all(np.abs(y[5][x != 0].astype(np.float32)) <= np.abs(q[x != 0]))


def test_bf16_arithmetic_is_done_on_values_not_bit_patterns(results):
    x = torch.tensor(BF16_IN).bfloat16()
    expected = (x * x + x.abs() * 2.5 - x.max()).double().numpy()
    expected[0] = 0.0  # masked out by x > -2 (the interpreter compares bf16 bits unless patched)
    result = _ok(results, "bf16")
    assert result.outputs["x"].tolist() == x.double().tolist()
    np.testing.assert_array_equal(result.outputs["y"], expected)


def test_interpreter_error_names_the_kernel_line(results):
    error = results["bad-arange"]
    assert isinstance(error, OracleError)
    line = next(i for i, text in enumerate(Path(THIS).read_text().splitlines(), 1) if "tl.arange(0, 3)" in text)
    assert f"test_oracle.py:{line}: in bad_arange_kernel" in error.message
    assert "power of 2" in error.message


def test_undefined_name_is_an_error_with_a_hint(results):
    error = results["undefined-name"]
    assert isinstance(error, OracleError) and "NOT_DEFINED_ANYWHERE" in error.message
    assert error.hint and "module-level name" in error.hint


def test_bad_source_or_launch_fails_before_running(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("import triton\n\n@triton.jit\ndef k(x_ptr):\n    x = = 1\n")
    with pytest.raises(OracleError, match="syntax error"):
        run_kernel(str(broken), "k", (1,), [TensorSpec("x", np.zeros(1))])
    with pytest.raises(OracleError, match="no function named nope"):
        run_kernel(_example("add"), "nope", (1,), [])
    add_args = EXAMPLE_JOBS["add-1"][0].args
    with pytest.raises(OracleError, match="grid must be a tuple"):
        run_kernel(_example("add"), "add_kernel", (1, 1, 1, 1), add_args)
    with pytest.raises(OracleError, match=r"takes 6 arguments \(out_ptr, x_ptr, y_ptr, alpha, n, BLOCK\), 5"):
        run_kernel(_example("add"), "add_kernel", (1,), add_args[:5])


def test_a_hung_kernel_times_out_and_the_batch_goes_on():
    add = EXAMPLE_JOBS["add-5"]
    hung, after = run_kernels([KernelJob(THIS, "spin_kernel", (1,), [TensorSpec("y", np.zeros(1)), 1]), add[0]],
                              timeout_s=2.0)
    assert isinstance(hung, OracleError) and "timed out after 2 s" in hung.message
    _check(after, add[1])
