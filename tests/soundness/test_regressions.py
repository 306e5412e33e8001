"""Soundness bugs found by the random-kernel campaign (bench/campaign.py), each minimised by hand.

Each test is the smallest kernel that showed the bug, with the verdict it got before the fix.
"""

from __future__ import annotations

import textwrap

import pytest

import tritonlift
from tritonlift.frontend import load_kernel
from tritonlift.launch.bind import bind
from tritonlift.launch.parse import parse_launch
from tritonlift.pipeline import Options
from tritonlift.result import Status
from tritonlift.verify.plan import make_plan

# A row sum over one fixed tile of 16 lanes: right for N ≤ 16, wrong from N = 17 on.
FIXED_TILE_ROW_SUM = textwrap.dedent('''\
    import triton
    import triton.language as tl


    @triton.jit
    def k(out_ptr, x_ptr, N, stride_x, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        cols = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * stride_x + cols, mask=cols < N, other=0.0)
        tl.store(out_ptr + row, tl.sum(x, axis=0))
    ''')
STRIDED = "k[(M,)](out[M], x[M, N; sx, 1], N, sx, BLOCK=16)"


def test_strided_fixed_tile_is_checked_past_the_tile(tmp_path):
    """Campaign `--seed 2` kernels 2000004, 2000149, 2000234 (row_single, small_fixed_block, strided
    input) were BOUNDED with a scope listing N ∈ {15, 16, 17, 32, 33}, yet wrong from N = 17 on:
    each edge point had the row stride at 2 < N, an overlapping view, so the plan dropped it while
    the scope still named it (verify/plan.py; fixed: the stride takes the edge value too)."""
    path = tmp_path / "fixed_tile.py"
    path.write_text(FIXED_TILE_ROW_SUM)
    result = tritonlift.lift(f"{path}::k", STRIDED, oracle=False, simplify=False)
    assert result.status is Status.COUNTEREXAMPLE, (result.status, result.scope)
    assert result.counterexample.sizes["N"] > 16


def test_every_edge_size_the_scope_names_is_in_the_grid(tmp_path):
    path = tmp_path / "fixed_tile.py"
    path.write_text(FIXED_TILE_ROW_SUM)
    plan = make_plan(bind(load_kernel(f"{path}::k"), parse_launch(STRIDED)), Options())
    assert plan.edges["N"] == (15, 16, 17, 32, 33)
    for name, values in plan.edges.items():
        for v in values:
            assert any(point[name] == v for point in plan.grid), (name, v)


# A tile loop that skips the last partial tile, over a strided input: the formula synthesised from
# the training sizes reads x[i, k] past the row at some grid size, and the numeric check indexes the
# input array with it.
SKIPPED_TILE = textwrap.dedent('''\
    import triton
    import triton.language as tl


    @triton.jit
    def k(out_ptr, x_ptr, N, stride_x, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        acc = 0.0
        for off in range(0, (N // BLOCK) * BLOCK, BLOCK):
            acc += tl.sum(tl.load(x_ptr + row * stride_x + off + tl.arange(0, BLOCK)), axis=0)
        tl.store(out_ptr + row, acc)
    ''')


def test_formula_reading_past_the_row_is_not_an_internal_error(tmp_path):
    path = tmp_path / "skipped_tile.py"
    path.write_text(SKIPPED_TILE)
    result = tritonlift.lift(f"{path}::k", "k[(M,)](out[M], x[M, N; sx, 1], N, sx, BLOCK=2)", oracle=False,
                             simplify=False)
    assert result.status < Status.BOUNDED  # the kernel ignores the last partial tile


# Campaign (test_random_kernels, seed 910088): a load given other=0.0 whose every lane is masked off.
# Triton's semantic layer passes a falsy other= on as None (`other.handle if other else None`), so
# the interpreter patch that fills masked-off lanes of loads *without* other= with NaN poisoned this
# one too: the interpreter said NaN, tritonlift 0, and the kernel came out UNKNOWN. Only loads the
# kernel wrote without other= are poisoned now.
SHIFTED_ROW_SUM = textwrap.dedent('''\
    import triton
    import triton.language as tl


    @triton.jit
    def k(out_ptr, x_ptr, N, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        cols = tl.arange(0, BLOCK) + 1
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
        tl.store(out_ptr + row, tl.sum(x, axis=0))
    ''')


def test_a_falsy_other_is_not_taken_for_a_missing_one(tmp_path):
    path = tmp_path / "shifted.py"
    path.write_text(SHIFTED_ROW_SUM)
    result = tritonlift.lift(f"{path}::k", "k[(M,)](out[M], x[M, N], N, BLOCK=next_power_of_2(N))",
                             sizes={"M": (1, 2), "N": (1, 2, 3)}, simplify=False)
    interpreter = next(c for c in result.checks if c.name == "Triton interpreter")
    assert interpreter.result == "passed", interpreter.detail
    assert result.status >= Status.BOUNDED
