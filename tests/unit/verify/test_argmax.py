"""argmax/argmin with Triton's tie rule (the first of equal extrema), at concrete and symbolic sizes.

Kernels are written here (and in examples/argmax.py). Ties are the point: random floats never tie, so
the interpreter is also run on inputs drawn from a handful of values, and broken tie handling (a
non-strict update, which lets a later tile win a tie) must never come out VERIFIED."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

from tritonlift.cli import emit_torch
from tritonlift.ir.term import Op, bound, integer, real
from tritonlift.oracle import TensorSpec, run_kernel
from tritonlift.pipeline import Options, lift
from tritonlift.report.torch_code import load_reference
from tritonlift.result import Status
from tritonlift.symexec import fold

from ...conftest import EXAMPLES

LAUNCH = "argmax_kernel[(M,)](best[M], idx[M]:i64, x[M, N], N, BLOCK=4)"


def test_pick_folds_are_the_tie_rule():
    x = [fold.at(p, v) for p, v in enumerate((real(1.0), real(3.0), real(3.0), real(2.0)))]
    assert fold.pick(Op.PICKMAX, *x) is integer(1)  # the first of the two maxima
    assert fold.pick(Op.PICKMIN, *x) is integer(0)
    assert fold.pick(Op.PICKMAX, fold.at(0, real(float("-inf"))), fold.at(1, real(float("-inf")))) is integer(0)


def test_merge_needs_the_strict_comparison_and_ordered_tiles():
    from tritonlift.ir.term import access

    a = [fold.at(p, access("x", (integer(p),))) for p in (0, 1)]
    b = [fold.at(p, access("x", (integer(p),))) for p in (2, 3)]
    pa, pb = fold.pick(Op.PICKMAX, *a), fold.pick(Op.PICKMAX, *b)
    ma, mb = fold.maximum(*(t.args[1] for t in a)), fold.maximum(*(t.args[1] for t in b))
    merged = fold.where(fold.compare(Op.GT, mb, ma), pb, pa)
    assert merged.op is Op.PICKMAX and len(merged.args) == 4
    # ≥ lets the later tile win a tie: not the first maximum, so no merge
    assert fold.where(fold.compare(Op.GE, mb, ma), pb, pa).op is Op.WHERE


def test_example_is_verified_with_argmax():
    result = lift(f"{EXAMPLES / 'argmax.py'}::argmax_kernel", LAUNCH, Options(oracle=False))
    assert result.status is Status.VERIFIED, result.reason
    idx = next(f for f in result.formulas if f.output == "idx")
    assert idx.body.op is Op.ARGMAX and idx.body.args[1].attr == "N"


def test_reference_and_interpreter_agree_on_ties():
    result = lift(f"{EXAMPLES / 'argmax.py'}::argmax_kernel", LAUNCH, Options(oracle=False))
    reference = load_reference(emit_torch(result, LAUNCH))
    rng = np.random.default_rng(3)
    for rows, cols in ((3, 5), (2, 9), (4, 12)):
        x = rng.integers(0, 3, size=(rows, cols)).astype(np.float64)  # many equal maxima, across tiles
        ran = run_kernel(str(EXAMPLES / "argmax.py"), "argmax_kernel", (rows,),
                         [TensorSpec("best", np.zeros(rows)), TensorSpec("idx", np.zeros(rows, np.int64), dtype="int64"),
                          TensorSpec("x", x), cols, 4])
        want = reference(x=torch.from_numpy(x))
        np.testing.assert_array_equal(ran.outputs["idx"], want["idx"].numpy().astype(np.int64))
        np.testing.assert_array_equal(ran.outputs["idx"], x.argmax(-1))


BROKEN = {
    # a later tile wins a tie: the last of equal maxima across tiles
    "non_strict": ("larger = tile_max >= best", "idx = tl.where(larger, start + tile_idx, idx)"),
    # the tile's index without its offset: a position inside the tile
    "no_offset": ("larger = tile_max > best", "idx = tl.where(larger, tile_idx, idx)"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_running_argmax_is_not_verified(tmp_path, name):
    compare, update = BROKEN[name]
    source = (EXAMPLES / "argmax.py").read_text()
    source = source.replace("larger = tile_max > best", compare)
    source = source.replace("idx = tl.where(larger, start + tile_idx, idx)", update)
    path = tmp_path / f"argmax_{name}.py"
    path.write_text(source)
    result = lift(f"{path}::argmax_kernel", LAUNCH, Options(oracle=False))
    assert result.status is not Status.VERIFIED or not any(
        f.output == "idx" and f.body.op is Op.ARGMAX for f in result.formulas), result.formulas


def test_masked_lanes_padded_with_zero_give_a_counterexample(tmp_path):
    """other=0.0 instead of −∞: a row of negative numbers has its argmax in the padding."""
    source = textwrap.dedent('''
        import triton
        import triton.language as tl

        @triton.jit
        def k(x_ptr, i_ptr, N, BLOCK: tl.constexpr):
            row = tl.program_id(0)
            cols = tl.arange(0, BLOCK)
            x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
            tl.store(i_ptr + row, tl.argmax(x, axis=0))
    ''')
    path = tmp_path / "pad.py"
    path.write_text(source)
    result = lift(f"{path}::k", "k[(M,)](x[M, N], i[M]:i64, N, BLOCK=next_power_of_2(N))", Options(oracle=False))
    assert result.status is not Status.VERIFIED
    assert not any(f.body.op is Op.ARGMAX and f.body.args[1].attr == "N" for f in result.formulas)
