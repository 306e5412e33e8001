"""Memory safety, race freedom and defined values (issue 10), on kernels written here.

Each unsafe kernel must end COUNTEREXAMPLE, naming the access, program and lane, replayed in
Triton's interpreter (which checks bounds and logs writes only because tritonlift patches it);
its corrected version must be VERIFIED with every safety obligation listed as proved.
"""

from pathlib import Path

import pytest

import tritonlift
from tritonlift.errors import TritonLiftError
from tritonlift.launch.parse import parse_launch
from tritonlift.result import Status

SAFETY = Path(__file__).resolve().parents[3] / "examples" / "safety"

SCALE = "{k}[(cdiv(N, BLOCK),)](y[N], x[N], N, alpha, BLOCK=4)"
ROWS = "{k}[(cdiv(M, BLOCK_M),)](y[M, N], mean[M], x[M, N], M, N, BLOCK_M=2, BLOCK_N=next_power_of_2(N))"
TILES = "{k}[(cdiv(M, BLOCK_M), cdiv(N, BLOCK_N))](y[M, N], x[M, N], M, N, BLOCK_M=2, BLOCK_N=4)"
PARTS = "{k}[(M, cdiv(N, BLOCK_N))](part[M, cdiv(N, BLOCK_N)], x[M, N], M, N, BLOCK_N=4)"
ROW_SUM = "{k}[(M,)](y[M], x[M, N], N, BLOCK=next_power_of_2(N))"
COPY = "{k}[(M,)](y[M, N], x[M, N], N, BLOCK=next_power_of_2(N))"
GATHER = "{k}[(M,)](y[M], x[M, C], t[M]:i64 in 0..C-1 | -100, C)"

UNSAFE = [  # file, kernel, launch, lift options, what the counterexample must say
    ("off_by_one", "scale_buggy", SCALE, {}, ["out-of-bounds load", "off_by_one.py:10", "lane [", "past the end"]),
    ("row_stats", "center_rows_buggy", ROWS, {}, ["out-of-bounds store", "row_stats.py:13", "mean: offset"]),
    ("tiles_2d", "copy_tiles_overlapping", TILES, {"safety_only": True}, ["conflicting writes", "tiles_2d.py:26"]),
    ("tiles_2d", "tile_partial_sums_buggy", PARTS, {}, ["conflicting writes", "part[0, 0]"]),
    ("undefined_lanes", "row_sum_buggy", ROW_SUM, {}, ["undefined value", "without other="]),
    ("gather", "pick_buggy", GATHER, {"safety_only": True}, ["out-of-bounds load", "gather.py:10", "= -100"]),
]
SAFE = [
    ("off_by_one", "scale", SCALE, {}),
    ("row_stats", "center_rows", ROWS, {}),
    ("tiles_2d", "copy_tiles", TILES, {}),
    ("undefined_lanes", "row_sum", ROW_SUM, {}),
    ("undefined_lanes", "copy_rows", COPY, {}),  # no other=, but the masked-off lanes are never stored
    ("gather", "pick", GATHER, {"safety_only": True}),
]
INTERPRETER_SAYS = {"conflicting writes": "logging every write", "undefined value": "filled with NaN",
                    "out-of-bounds": "outside its storage"}


def _lift(file, kernel, launch, options, oracle=True):
    return tritonlift.lift(f"{SAFETY / file}.py::{kernel}", launch.format(k=kernel), oracle=oracle, **options)


@pytest.mark.parametrize("file, kernel, launch, options, expected", UNSAFE, ids=[u[1] for u in UNSAFE])
def test_unsafe_kernels_give_a_replayed_counterexample(file, kernel, launch, options, expected):
    result = _lift(file, kernel, launch, options)
    assert result.status is Status.COUNTEREXAMPLE, (result.status, result.reason, result.notes)
    what = result.counterexample.what
    for piece in expected:
        assert piece in what, what
    kind = next(k for k in INTERPRETER_SAYS if what.startswith(k))
    assert kind == "undefined value" or "by program (" in what, what
    assert "Triton's interpreter" in result.counterexample.replayed
    assert INTERPRETER_SAYS[kind] in result.counterexample.replayed, result.counterexample.replayed


@pytest.mark.parametrize("file, kernel, launch, options", SAFE, ids=[s[1] for s in SAFE])
def test_corrected_kernels_are_verified_with_their_safety_obligations(file, kernel, launch, options):
    result = _lift(file, kernel, launch, options, oracle=False)
    assert result.status is Status.VERIFIED, (result.reason, result.notes)
    kinds = {c.name.split(":")[0]: c.result for c in result.checks if c.name.split(":")[0] in
             ("bounds", "race", "undefined")}
    assert set(kinds) == {"bounds", "race", "undefined"}, kinds
    safety = [c for c in result.checks if c.name.split(":")[0] in ("bounds", "race", "undefined")]
    assert all(c.result == "proved" for c in safety), safety
    loads_and_stores = [c.name for c in safety if c.name.startswith("bounds:")]
    assert any(" load of " in n for n in loads_and_stores) and any(" store of " in n for n in loads_and_stores)


def test_the_gather_states_which_index_values_it_assumed():
    result = _lift("gather", "pick", GATHER, {"safety_only": True}, oracle=False)
    assert "every element of t is in 0..C − 1 | -100 (stated in the launch)" in result.assumptions


def test_a_gather_without_a_stated_range_is_refuted_for_some_index_value():
    result = _lift("gather", "pick", "{k}[(M,)](y[M], x[M, C], t[M]:i64, C)", {"safety_only": True})
    assert result.status is Status.COUNTEREXAMPLE
    assert "states no range for t" in result.counterexample.what


def test_a_gather_is_lifted_with_its_stated_index_range():
    """x[i, t[i]] is a formula now (tests/unit/verify/test_gather.py); safety is part of its VERIFIED."""
    result = _lift("gather", "pick", GATHER, {}, oracle=False)
    assert result.status is Status.VERIFIED, result.reason
    assert any("every element of t" in a for a in result.assumptions)


LATE = '''
import triton
import triton.language as tl


@triton.jit
def k(y_ptr, x_ptr, N, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    x = tl.load(x_ptr + offs, mask=offs < N, other=0.0)
    tl.store(y_ptr + offs, 2.0 * x, mask=offs < N + N // 50)
'''


def test_an_access_out_of_bounds_only_beyond_the_grid_is_found_by_z3_and_replayed(tmp_path):
    path = tmp_path / "late.py"
    path.write_text(LATE)
    result = tritonlift.lift(f"{path}::k", "k[(cdiv(N, BLOCK),)](y[N], x[N], N, BLOCK=4)")
    assert result.status is Status.COUNTEREXAMPLE, result.notes
    assert result.counterexample.sizes["N"] >= 50  # the grid (N ≤ 9) cannot see it
    assert "out-of-bounds store" in result.counterexample.what
    assert "at sizes found by z3" in result.counterexample.replayed
    assert "Triton's interpreter reports store to y" in result.counterexample.replayed


def test_safety_only_on_a_safe_kernel_lists_no_formula():
    result = _lift("tiles_2d", "copy_tiles", TILES, {"safety_only": True}, oracle=False)
    assert result.status is Status.VERIFIED and not result.formulas
    assert result.scope.startswith("safety only")


@pytest.mark.parametrize("text, ranges", [
    ("k[(M,)](t[M]:i64 in 0..C-1 | -100, C)", "0..C − 1 | -100"),
    ("k[(M,)](t[M] in 0..9, C)", "0..9"),
])
def test_launch_value_ranges(text, ranges):
    t = parse_launch(text).args[0]
    assert t.describe_values() == f"every element of t is in {ranges} (stated in the launch)"


@pytest.mark.parametrize("text", ["k[(M,)](t[M]:i64 in , C)", "k[(M,)](t[M]:i64 in 0..C-1 | , C)",
                                  "k[(M,)](t[M]:i64 in 0.., C)"])
def test_malformed_value_ranges_are_launch_errors(text):
    with pytest.raises(TritonLiftError):
        parse_launch(text)


def test_safety_with_neither_a_concrete_nor_a_symbolic_run_claims_nothing(tmp_path):
    """A loop whose step is a loaded value: the concrete executor cannot run it, nor can the symbolic
    run follow it: UNKNOWN with the reason, never BOUNDED (no grid was checked)."""
    path = tmp_path / "k.py"
    path.write_text('''
import triton
import triton.language as tl


@triton.jit
def pick(y_ptr, x_ptr, t_ptr, C):
    row = tl.program_id(0)
    t = tl.load(t_ptr + row)
    for s in range(0, C, t + 1):
        tl.store(y_ptr + row, tl.load(x_ptr + row * C + t + s, mask=t != -100, other=0.0))
''')
    result = tritonlift.lift(f"{path}::pick", GATHER.format(k="pick"), oracle=False, safety_only=True)
    assert result.status is Status.UNKNOWN, (result.status, result.scope)
    assert "no concrete runs" in result.scope and "step" in result.reason
