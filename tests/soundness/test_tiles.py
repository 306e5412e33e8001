"""Coverage through program-id arithmetic (verify/tiles.py): a grouped swizzle or `pid // grid_n`
that reaches every tile is VERIFIED; one that misses a tile never is.

The kernels are 2-D tile copies (y = 2·x) whose tile is chosen from a 1-D program id. Small tiles
(2×2, groups of 3 rows) make the bounded grid see several groups and a partial last group.
"""

import textwrap

import pytest

import tritonlift
from tritonlift.errors import KernelRuntimeError
from tritonlift.result import Status

HEADER = "import triton\nimport triton.language as tl\n\n\n@triton.jit\n"
LAUNCH = "k[(cdiv(M, 2) * cdiv(N, 2),)](y[M, N], x[M, N], M, N, BLOCK_M=2, BLOCK_N=2, GROUP_M=3)"

BODY = """
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    mask = (rm < M)[:, None] & (rn < N)[None, :]
    offs = rm[:, None] * N + rn[None, :]
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(y_ptr + offs, x * 2.0, mask=mask)
"""

SWIZZLE = """
def k(y_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    grid_m = tl.cdiv(M, BLOCK_M)
    grid_n = tl.cdiv(N, BLOCK_N)
    width = GROUP_M * grid_n
    group_id = pid // width
    group_size = min(grid_m - group_id * GROUP_M, GROUP_M)
    pid_m = group_id * GROUP_M + (pid % group_size)
    pid_n = (pid % width) // group_size
""" + BODY

ROW_MAJOR = """
def k(y_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    grid_n = tl.cdiv(N, BLOCK_N)
    pid_m = pid // grid_n
    pid_n = pid % grid_n
""" + BODY

BROKEN = {
    # two programs of a group write one tile row; the group's last row is never written
    "swizzle-collides": (SWIZZLE.replace("(pid % group_size)", "(pid % group_size) // 2"), LAUNCH),
    # the last group, when grid_m % GROUP_M != 0, is walked with the full group size
    "swizzle-without-min": (SWIZZLE.replace("min(grid_m - group_id * GROUP_M, GROUP_M)", "GROUP_M"), LAUNCH),
    # an off-by-one grid in the kernel: programs go to a tile column past N, the last ones are missed
    "swizzle-grid-n-off-by-one": (SWIZZLE.replace("grid_n = tl.cdiv(N, BLOCK_N)", "grid_n = tl.cdiv(N, BLOCK_N) + 1"),
                                  LAUNCH),
    # an off-by-one grid at launch: a row of programs too many, whose group is empty (group_size 0)
    "swizzle-grid-row-too-many": (SWIZZLE, LAUNCH.replace("(cdiv(M, 2) * cdiv(N, 2),)",
                                                          "((cdiv(M, 2) + 1) * cdiv(N, 2),)")),
    # row-major with the wrong modulus
    "row-major-wrong-modulus": (ROW_MAJOR.replace("pid % grid_n", "pid % tl.cdiv(M, BLOCK_M)"), LAUNCH),
    # tile columns from 40 on are never written (two programs write column 40): beyond the bounded grid
    "row-major-capped": (ROW_MAJOR.replace("pid_n = pid % grid_n", "pid_n = tl.minimum(pid % grid_n, 40)"), LAUNCH),
}


def lift(tmp_path, body: str, name: str, launch: str):
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(HEADER + textwrap.dedent(body).lstrip())
    return tritonlift.lift(f"{path}::k", launch, oracle=False)


@pytest.mark.parametrize("name, body", [("swizzle", SWIZZLE), ("row-major", ROW_MAJOR)])
def test_program_ids_that_enumerate_the_tiles_are_verified(tmp_path, name, body):
    result = lift(tmp_path, body, name, LAUNCH)
    assert result.status is Status.VERIFIED, result.reason or result.notes
    assert result.formulas[0].text() == "y[i, j] = x[i, j] · 2"
    coverage = [c for c in result.checks if c.name.startswith("coverage")]
    assert coverage and all(c.result == "proved" for c in coverage)
    assert any("every tile is written by one program" in c.detail for c in coverage), coverage


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_program_ids_that_miss_a_tile_are_not_verified(tmp_path, name):
    body, launch = BROKEN[name]
    try:
        result = lift(tmp_path, body, name, launch)
    except KernelRuntimeError as err:  # a group of size 0: the kernel divides by zero at small sizes
        assert name == "swizzle-grid-row-too-many" and "division by zero" in err.message
        return
    assert result.status is not Status.VERIFIED, f"{name} was VERIFIED"
    if name == "row-major-capped":  # the bounded grid cannot tell: the proof must not be claimed
        assert result.status is Status.BOUNDED, result.reason
        assert any("not proven for all sizes: coverage" in n for n in result.notes), result.notes
    else:
        assert result.status is Status.COUNTEREXAMPLE, result.reason


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_all_sizes_proof_alone_rejects_them(tmp_path, name):
    """The unbounded prover with the true formula, no bounded check in front of it."""
    from tritonlift.frontend import load_kernel
    from tritonlift.ir.term import Op, access, apply, index, real, size
    from tritonlift.launch.bind import bind
    from tritonlift.launch.parse import parse_launch
    from tritonlift.synth.generalize import Formula
    from tritonlift.verify.unbounded import verify_unbounded

    body, launch = BROKEN[name]
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(HEADER + textwrap.dedent(body).lstrip())
    kernel = load_kernel(f"{path}::k")
    i, j = index("i"), index("j")
    doubled = Formula("y", (i, j), (size("M"), size("N")), apply(Op.MUL, access("x", (i, j)), real(2.0)))
    outcome = verify_unbounded(kernel, bind(kernel, parse_launch(launch)), [doubled], 0)
    assert not outcome.proved
    # a group of size 0 leaves z3's x mod 0 unconstrained: an address refuted before coverage is reached
    expected = "bounds" if name == "swizzle-grid-row-too-many" else "coverage"
    assert f"not proven for all sizes: {expected}" in outcome.reason, outcome.reason
