"""The unbounded prover must never claim VERIFIED for a kernel that is wrong only at large sizes.

Each kernel below agrees with its formula at every size the bounded grid checks (so it comes out
at least BOUNDED) and is wrong beyond a threshold of 100: only a proof for all sizes can tell.
"""

import textwrap
from pathlib import Path

import pytest

import tritonlift
from tritonlift.result import Status

HEADER = "import triton\nimport triton.language as tl\n\n\n@triton.jit\n"
LAUNCH = "k[(M,)](y[M, N], x[M, N], N, BLOCK=next_power_of_2(N))"

CORRECT = """
def k(y_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < N
    x = tl.load(x_ptr + row * N + cols, mask=mask, other=0.0)
    total = tl.sum(x * x, axis=0)
    tl.store(y_ptr + row * N + cols, x / total, mask=mask)
"""

WRONG_AT_LARGE_SIZES = {
    # the store covers only the first 100 columns
    "store-capped": CORRECT.replace("mask=mask)\n", "mask=cols < tl.minimum(N, 100))\n", 1)
                           .replace("tl.store(y_ptr + row * N + cols, x / total, mask=mask)",
                                    "tl.store(y_ptr + row * N + cols, x / total, mask=cols < tl.minimum(N, 100))"),
    # the reduction ignores columns from 100 on
    "sum-capped": CORRECT.replace("total = tl.sum(x * x, axis=0)",
                                  "total = tl.sum(tl.where(cols < 100, x * x, 0.0), axis=0)"),
    # the value changes from column 100 on
    "value-changes": CORRECT.replace("x / total, mask=mask)", "tl.where(cols < 100, x / total, x), mask=mask)"),
    # rows from 100 on read the wrong row
    "row-offset": CORRECT.replace("x = tl.load(x_ptr + row * N + cols",
                                  "x = tl.load(x_ptr + tl.minimum(row, 99) * N + cols"),
}


def lift(tmp_path, body: str, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(body).lstrip())
    return tritonlift.lift(f"{path}::k", LAUNCH, oracle=False)


def test_the_correct_kernel_is_verified(tmp_path):
    result = lift(tmp_path, CORRECT, "correct")
    assert result.status is Status.VERIFIED, result.notes
    assert result.formulas[0].text() == "y[i, j] = x[i, j] / Σ_{k<N} x[i, k]²"


@pytest.mark.parametrize("name", sorted(WRONG_AT_LARGE_SIZES))
def test_kernels_wrong_beyond_the_grid_are_not_verified(tmp_path, name):
    result = lift(tmp_path, WRONG_AT_LARGE_SIZES[name], name.replace("-", "_"))
    assert result.status is not Status.VERIFIED, f"{name} was VERIFIED: {result.formulas[0].text()}"
    assert_refuted_beyond_the_grid(result)


def assert_refuted_beyond_the_grid(result):
    """BOUNDED (the grid cannot tell), or a counterexample at z3's sizes past the threshold of 100."""
    if result.status is Status.COUNTEREXAMPLE:
        assert max(result.counterexample.sizes.values()) >= 100, result.counterexample
        assert "at sizes found by z3" in result.counterexample.replayed
    else:
        assert result.status is Status.BOUNDED, result.reason
        assert any("not proven for all sizes" in n for n in result.notes)


LOOP_LAUNCH = "k[(M,)](out[M], x[M, N], N, BLOCK=4)"
LOOP_CORRECT = """
def k(out_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
    tl.store(out_ptr + row, tl.sum(acc, axis=0))
"""
LOOP_WRONG = {
    "loop-bound-capped": LOOP_CORRECT.replace("range(0, N, BLOCK)", "range(0, tl.minimum(N, 100), BLOCK)"),
    "term-capped": LOOP_CORRECT.replace("acc += tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)",
                                        "acc += tl.where(cols < 100, tl.load(x_ptr + row * N + cols, "
                                        "mask=cols < N, other=0.0), 0.0)"),
    "max-instead-of-sum-late": LOOP_CORRECT.replace(
        "acc += tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)",
        "acc += tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0) * tl.where(off < 100, 1.0, 2.0)"),
}


def test_the_correct_tile_loop_is_verified(tmp_path):
    path = tmp_path / "loop.py"
    path.write_text(HEADER + textwrap.dedent(LOOP_CORRECT).lstrip())
    result = tritonlift.lift(f"{path}::k", LOOP_LAUNCH, oracle=False)
    assert result.status is Status.VERIFIED, result.notes


@pytest.mark.parametrize("name", sorted(LOOP_WRONG))
def test_tile_loops_wrong_beyond_the_grid_are_not_verified(tmp_path, name):
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(HEADER + textwrap.dedent(LOOP_WRONG[name]).lstrip())
    result = tritonlift.lift(f"{path}::k", LOOP_LAUNCH, oracle=False)
    assert result.status is not Status.VERIFIED, f"{name} was VERIFIED"
    assert_refuted_beyond_the_grid(result)


PREVIOUS_TILE = """
def k(out_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    prev = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
        acc += prev
        prev = x
    tl.store(out_ptr + row, tl.sum(acc, axis=0))
"""


def test_an_accumulator_fed_by_another_loop_carried_value_proves_nothing(tmp_path):
    """Regression: `acc += prev` with prev carried across iterations is not an accumulator of a
    loop-invariant expression; handed the (wrong) row-sum formula, the prover must refuse."""
    from tritonlift.frontend import load_kernel
    from tritonlift.ir.term import Op, access, bound, index, integer, reduce_, size
    from tritonlift.launch.bind import bind
    from tritonlift.launch.parse import parse_launch
    from tritonlift.synth.generalize import Formula
    from tritonlift.verify.unbounded import verify_unbounded

    path = tmp_path / "prev.py"
    path.write_text(HEADER + textwrap.dedent(PREVIOUS_TILE).lstrip())
    kernel = load_kernel(f"{path}::k")
    k = bound("k")
    row_sum = Formula("out", (index("i"),), (size("M"),),
                      reduce_(Op.SUM, k, integer(0), size("N"), access("x", (index("i"), k))))
    outcome = verify_unbounded(kernel, bind(kernel, parse_launch(LOOP_LAUNCH)), [row_sum], 0)
    assert not outcome.proved
    assert "no invariant pattern" in outcome.reason


def test_a_wrong_formula_for_a_verified_kernel_is_refuted(tmp_path):
    """The same machinery that proves the row sum must refuse the row maximum for it."""
    from tritonlift.frontend import load_kernel
    from tritonlift.ir.term import Op, access, bound, index, integer, reduce_, size
    from tritonlift.launch.bind import bind
    from tritonlift.launch.parse import parse_launch
    from tritonlift.synth.generalize import Formula
    from tritonlift.verify.unbounded import verify_unbounded

    path = tmp_path / "loop.py"
    path.write_text(HEADER + textwrap.dedent(LOOP_CORRECT).lstrip())
    kernel = load_kernel(f"{path}::k")
    k = bound("k")
    wrong = Formula("out", (index("i"),), (size("M"),),
                    reduce_(Op.RMAX, k, integer(0), size("N"), access("x", (index("i"), k))))
    right = Formula("out", (index("i"),), (size("M"),),
                    reduce_(Op.SUM, k, integer(0), size("N"), access("x", (index("i"), k))))
    bound_launch = bind(kernel, parse_launch(LOOP_LAUNCH))
    assert verify_unbounded(kernel, bound_launch, [right], 0).proved
    assert not verify_unbounded(kernel, bound_launch, [wrong], 0).proved


MATMUL = (Path(__file__).resolve().parents[2] / "examples" / "matmul.py").read_text()
MATMUL_WRONG = {
    "k-loop-capped": MATMUL.replace("range(0, K, BLOCK_K)", "range(0, tl.minimum(K, 100), BLOCK_K)"),
    "b-mask-capped": MATMUL.replace("mask=(ks[:, None] < K) & (cols[None, :] < N)",
                                    "mask=(ks[:, None] < tl.minimum(K, 100)) & (cols[None, :] < N)"),
    "late-rows-skip": MATMUL.replace("acc += tl.dot(a, b)", "acc += tl.dot(a, b) * tl.where(pid_m < 100, 1.0, 0.5)"),
}


def _launch(text: str) -> str:
    import ast as _ast

    tree = _ast.parse(text)
    return next(n.value.value if isinstance(n.value, _ast.Constant) else _ast.literal_eval(n.value)
                for n in tree.body if isinstance(n, _ast.Assign) and n.targets[0].id == "LAUNCH")


@pytest.mark.parametrize("name", sorted(MATMUL_WRONG))
def test_matmul_wrong_beyond_the_grid_is_not_verified(tmp_path, name):
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(MATMUL_WRONG[name])
    result = tritonlift.lift(f"{path}::matmul_kernel", _launch(MATMUL), oracle=False)
    assert result.status is not Status.VERIFIED, f"{name} was VERIFIED"
    assert_refuted_beyond_the_grid(result)


ONLINE = (Path(__file__).resolve().parents[2] / "examples" / "online_softmax.py").read_text()
ONLINE_WRONG = {
    # the rescale is skipped after 100 columns: invisible on the grid, wrong for long rows
    "late-rescale": ONLINE.replace("z = z * rescale", "z = z * tl.where(off < 100, rescale, 1.0)"),
    # the running maximum stops moving after 100 columns
    "late-max": ONLINE.replace("m_new = tl.maximum(m, x)", "m_new = tl.maximum(m, tl.where(off < 100, x, m))"),
}


def test_the_online_softmax_example_is_verified():
    path = Path(__file__).resolve().parents[2] / "examples" / "online_softmax.py"
    result = tritonlift.lift(f"{path}::online_softmax_kernel", _launch(ONLINE), oracle=False,
                             sizes={"M": (1, 2), "N": tuple(range(1, 10))})
    assert result.status is Status.VERIFIED, result.notes


@pytest.mark.parametrize("name", sorted(ONLINE_WRONG))
def test_online_softmax_wrong_beyond_the_grid_is_not_verified(tmp_path, name):
    assert ONLINE_WRONG[name] != ONLINE, "the mutation did not apply"
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(ONLINE_WRONG[name])
    result = tritonlift.lift(f"{path}::online_softmax_kernel", _launch(ONLINE), oracle=False,
                             sizes={"M": (1, 2), "N": tuple(range(1, 10))})
    assert result.status is not Status.VERIFIED, f"{name} was VERIFIED"


CARRIED_POINTER = '''
import triton
import triton.language as tl


@triton.jit
def k(out_ptr, x_ptr, M, N, BM: tl.constexpr, BN: tl.constexpr):
    rows = tl.program_id(0) * BM + tl.arange(0, BM)
    cols = tl.arange(0, BN)
    ptrs = x_ptr + rows[:, None] * N + cols[None, :]
    acc = tl.zeros([BM], dtype=tl.float32)
    for start in range(0, N, BN):
        mask = (rows[:, None] < M) & (start + cols[None, :] < N)
        acc += tl.sum(tl.load(ptrs, mask=mask, other=0.0), axis=1)
        ptrs += BN
    tl.store(out_ptr + rows, acc, mask=rows < M)
'''


@pytest.mark.parametrize("step, verified", [("BN", True), ("BN + (N > 100)", False)])
def test_a_loop_carried_pointer_read_at_renamed_lanes(tmp_path, step, verified):
    """The pointer tile is a loop-carried placeholder; the axis-1 sum renames its lane. Its closed
    form must be read at the renamed lane (a regression: it was read at the original one)."""
    path = tmp_path / "carried.py"
    path.write_text(CARRIED_POINTER.replace("ptrs += BN", f"ptrs += {step}"))
    result = tritonlift.lift(f"{path}::k", "k[(cdiv(M, BM),)](out[M], x[M, N], M, N, BM=2, BN=4)", oracle=False)
    assert result.formulas[0].text() == "out[i] = Σ_{k<N} x[i, k]"
    if verified:
        assert result.status is Status.VERIFIED, result.notes
    else:
        assert result.status is not Status.VERIFIED
        assert_refuted_beyond_the_grid(result)


# An online softmax over full tiles, then the last (masked) tile in a loop of its own that continues
# the state, then the output written back to front with the first tile specialised — the shape of a
# production kernel. Its update computes exp(m − m_new) = NaN when both are −∞, so the invariant
# holds only from a lane's first finite element on, and a heuristic sends rows of one tile elsewhere.
TWO_LOOPS = '''
import triton
import triton.language as tl


def one_tile(args):
    return args["TILE"] >= args["N"]


@triton.heuristics({"ONE_TILE": one_tile})
@triton.jit
def k(y_ptr, x_ptr, N, TILE: tl.constexpr, ONE_TILE: tl.constexpr):
    row = tl.program_id(0)
    if ONE_TILE:  # the update below gives NaN on lanes that never see an element: one tile instead
        cols = tl.arange(0, TILE)
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=-float("inf"))
        e = tl.exp(x - tl.max(x, 0))
        tl.store(y_ptr + row * N + cols, e / tl.sum(e, 0), mask=cols < N)
        return
    m = tl.full([TILE], value=float("-inf"), dtype=tl.float32)
    z = tl.full([TILE], value=0.0, dtype=tl.float32)
    last = tl.cdiv(N, TILE) * TILE - TILE
    for start in range(0, last, TILE):
        x = tl.load(x_ptr + row * N + start + tl.arange(0, TILE))
        m_new = tl.maximum(m, x)
        z = z * tl.exp(m - m_new) + tl.exp(x - m_new)
        m = m_new
    for start in range(last, N, TILE):
        cols = start + tl.arange(0, TILE)
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=-float("inf"))
        m_new = tl.maximum(m, x)
        z = z * tl.exp(m - m_new) + tl.exp(x - m_new)
        m = m_new
    top = tl.max(m, 0)
    total = tl.sum(z * tl.exp(m - top), 0)
    for start in range(0, TILE, TILE):
        cols = last - start + tl.arange(0, TILE)
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=-float("inf"))
        tl.store(y_ptr + row * N + cols, tl.exp(x - top) / total, mask=cols < N)
    for start in range(TILE, N, TILE):
        cols = last - start + tl.arange(0, TILE)
        x = tl.load(x_ptr + row * N + cols)
        tl.store(y_ptr + row * N + cols, tl.exp(x - top) / total)
'''
TWO_LOOPS_WRONG = {
    # the last tile's loop forgets to rescale the state it continues
    "no-rescale": TWO_LOOPS.replace("z = z * tl.exp(m - m_new) + tl.exp(x - m_new)\n        m = m_new\n    top",
                                    "z = z + tl.exp(x - m_new)\n        m = m_new\n    top"),
    # from 100 columns on, the full tiles stop moving the maximum
    "late-max": TWO_LOOPS.replace("m_new = tl.maximum(m, x)\n        z = z * tl.exp(m - m_new) + tl.exp(x - m_new)\n"
                                  "        m = m_new\n    for start in range(last",
                                  "m_new = tl.maximum(m, tl.where(start < 100, x, m))\n"
                                  "        z = z * tl.exp(m - m_new) + tl.exp(x - m_new)\n"
                                  "        m = m_new\n    for start in range(last"),
    # the back-to-front loop skips the first full tile
    "skip-tile": TWO_LOOPS.replace("for start in range(TILE, N, TILE):", "for start in range(2 * TILE, N, TILE):"),
}
TWO_LOOPS_LAUNCH = "k[(M,)](y[M, N], x[M, N], N, TILE=4)"


def _lift_two_loops(tmp_path, source, name):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return tritonlift.lift(f"{path}::k", TWO_LOOPS_LAUNCH, oracle=False, sizes={"M": (1, 2), "N": tuple(range(1, 10))})


def test_an_online_softmax_continued_over_a_last_tile_is_verified(tmp_path):
    result = _lift_two_loops(tmp_path, TWO_LOOPS, "two_loops")
    assert result.status is Status.VERIFIED, result.notes
    assert result.formulas[0].text() == "y[i, j] = exp(x[i, j]) / Σ_{k<N} exp(x[i, k])"


@pytest.mark.parametrize("name", sorted(TWO_LOOPS_WRONG))
def test_broken_continued_online_softmax_is_not_verified(tmp_path, name):
    assert TWO_LOOPS_WRONG[name] != TWO_LOOPS, "the mutation did not apply"
    result = _lift_two_loops(tmp_path, TWO_LOOPS_WRONG[name], name.replace("-", "_"))
    assert result.status is not Status.VERIFIED, f"{name} was VERIFIED"
