"""Operators of examples/ops.py: capture, generalise, lift, compose, check; and user errors."""

import io
import textwrap

import pytest

from tritonlift.capture.check import check_operator
from tritonlift.capture.cli import run_check, run_operator
from tritonlift.capture.generalize import generalise
from tritonlift.capture.lifting import lift_operator
from tritonlift.capture.run import capture
from tritonlift.capture.spec import parse_operator
from tritonlift.pipeline import Options
from tritonlift.result import Status

from ...conftest import EXAMPLES

OPS = f"{EXAMPLES}/ops.py"
FAST = Options(oracle=False, simplify=False)


def test_generalised_launch_of_a_strided_softmax():
    spec = parse_operator(f"{OPS}::softmax", "x=f32[M, N].t()")
    records, _ = capture(spec)
    (case,) = generalise(records, spec.sizes, {}, ())
    (launch,) = case.launches
    # logical x is N x M with strides (1, N); the host passes those strides and picks the block
    assert launch.text == ("softmax_strided_kernel[(N,)](out[N, M], x[N, M; 1, N], M, 1, N, M, 1, "
                           "next_power_of_2(M))")
    assert [o.shape for o in case.outputs] == [("N", "M")]


def test_host_dispatch_becomes_cases_with_observed_ranges():
    spec = parse_operator(f"{OPS}::gelu", "x=f32[n]")
    records, _ = capture(spec)
    cases = generalise(records, spec.sizes, {}, ())
    assert [c.launches[0].text for c in cases] == ["gelu_kernel[(cdiv(n, 4),)](out[n], x[n], n, 4)",
                                                   "gelu_kernel[(cdiv(n, 16),)](out[n], x[n], n, 16)"]
    low, high = (c.ranges[0] for c in cases)
    assert low[2] < 64 <= high[1]  # the host threshold (n < 64) lies between the observed ranges


def test_two_stage_sum_composes_through_the_buffer():
    result = lift_operator(f"{OPS}::total_sum", "x=f32[M, N]", options=FAST)
    (case,) = result.cases
    assert [p.text for p in case.case.launches] == ["row_sum_kernel[(M,)](mid[M], x[M, N], N, 8)",
                                                    "row_sum_kernel[(1,)](out[1], mid[M], M, 8)"]
    (formula,) = case.formulas
    assert formula.text() == "out = Σ_{k<M} Σ_{l<N} x[k, l]"  # mid inlined, the unit dim of out[1] dropped
    assert result.status >= Status.BOUNDED


def test_a_kernel_calling_a_function_bound_at_import_time():
    # `inlined_f = squared_relu._scalar_fn` cannot be read from source; the capture saw what it is
    result = check_operator(f"{OPS}::squared_relu_op", "x=f32[M, N]", "torch.relu(x) * torch.relu(x)", options=FAST)
    (case,) = result.cases
    assert case.outputs[0].status is Status.VERIFIED  # the formula is the reference
    assert result.lifted.cases[0].formulas[0].text() == "out[i, j] = max(x[i, j], 0)²"
    assert result.status >= Status.BOUNDED


def test_check_proves_softmax_on_a_transposed_input():
    result = check_operator(f"{OPS}::softmax", "x=f32[M, N].t()", "torch.softmax(x, dim=-1)", options=FAST)
    assert result.status is Status.VERIFIED
    assert result.cases[0].outputs[0].how == "identical exp-normal forms"


def test_check_finds_the_stride_bug_and_replays_it():
    buggy = f"{EXAMPLES}/ops_buggy.py::softmax"
    ok = check_operator(buggy, "x=f32[M, N]", "torch.softmax(x, dim=-1)", options=FAST)
    assert ok.status is Status.VERIFIED  # right on contiguous inputs
    bad = check_operator(buggy, "x=f32[M, N].t()", "torch.softmax(x, dim=-1)", options=FAST)
    assert bad.status is Status.COUNTEREXAMPLE
    assert "reproduced by running softmax in Triton's interpreter" in bad.cases[0].counterexample


def test_check_refutes_a_wrong_reference_by_the_formulas():
    result = check_operator(f"{OPS}::row_sum", "x=f32[M, N]", "torch.amax(x, dim=1)", options=FAST)
    assert result.status is Status.COUNTEREXAMPLE
    assert "reproduced" in result.cases[0].counterexample


@pytest.mark.parametrize("body, inputs, message", [
    ("def op(x):\n    raise ValueError('bad shape')\n", "x=f32[N]", "raised ValueError: bad shape"),
    ("def op(x):\n    return x + 1\n", "x=f32[N]", "launched no Triton kernel"),
    ("def op(x):\n    return x\n", "x=f32[N", "--inputs"),
])
def test_user_mistakes_exit_2_with_file_and_line(tmp_path, body, inputs, message):
    path = tmp_path / "user_ops.py"
    path.write_text("import torch\n\n" + textwrap.dedent(body))
    out, err = io.StringIO(), io.StringIO()
    assert run_operator(f"{path}::op", inputs, None, True, False, out, err) == 2
    text = err.getvalue()
    assert message in text and "Traceback" not in text
    if "--inputs" not in message:
        assert f"{path}:" in text  # names the file and line
    assert run_check(f"{path}::nope", "x=f32[N]", "x", None, True, False, out, io.StringIO()) == 2


LN_BACKWARD = ("{r} * (w * dy - torch.mean(w * dy, dim=-1, keepdim=True) - {xh} * torch.mean(w * dy * {xh}, dim=-1, "
               "keepdim=True))")
RSTD = "torch.rsqrt(torch.var(x, dim=-1, correction=0, keepdim=True) + eps)"
XHAT = f"(x - torch.mean(x, dim=-1, keepdim=True)) * {RSTD}"


def test_reshaped_views_of_inputs_and_outputs_map_back_to_them():
    result = check_operator(f"{OPS}::last_dim_sum", "x=f32[B, T, N]", "torch.sum(x, dim=-1)", options=FAST)
    (case,) = result.lifted.cases
    assert case.case.launches[0].text == "row_sum_kernel[(B * T,)](out_view[B * T], x_view[B * T, N], N, 8)"
    assert case.formulas[0].text() == "out[i, j] = Σ_{k<N} x[i, j, k]"  # (i·T + j) // T = i, … mod T = j
    assert result.status is Status.VERIFIED


@pytest.mark.slow
def test_check_finds_a_layer_norm_backward_that_assumes_2d_input():
    against = LN_BACKWARD.format(r=RSTD, xh=XHAT)
    inputs3 = "dy=f32[B, T, N], x=f32[B, T, N], w=f32[N]"
    good = check_operator(f"{OPS}::layer_norm_backward", inputs3, against, options=FAST)
    assert good.status is Status.VERIFIED
    buggy = f"{EXAMPLES}/ops_buggy.py::layer_norm_backward"
    ok = check_operator(buggy, "dy=f32[M, N], x=f32[M, N], w=f32[N]", against, options=FAST)
    assert ok.status is Status.VERIFIED  # right for 2-D inputs
    bad = check_operator(buggy, inputs3, against, options=FAST)
    assert bad.status is Status.COUNTEREXAMPLE
    assert "is never written" in bad.cases[0].counterexample and "reproduced" in bad.cases[0].counterexample


def test_a_kernel_with_an_unmodelled_construct_makes_the_operator_unknown(tmp_path):
    path = tmp_path / "atomic_ops.py"
    path.write_text(textwrap.dedent('''
        import torch
        import triton
        import triton.language as tl

        @triton.jit
        def row_max_kernel(out_ptr, x_ptr, N, BLOCK: tl.constexpr):
            row = tl.program_id(0)
            cols = tl.arange(0, BLOCK)
            x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=-float("inf"))
            tl.atomic_max(out_ptr + row, tl.max(x, axis=0))

        def argmax(x):
            M, N = x.shape
            out = torch.full((M,), -float("inf"))
            row_max_kernel[(M,)](out, x, N, BLOCK=triton.next_power_of_2(N))
            return out
    '''))
    result = lift_operator(f"{path}::argmax", "x=f32[M, N]", options=FAST)
    assert result.status is Status.UNKNOWN
    assert "unsupported: tl.atomic_max" in result.cases[0].reason
