"""The --no-invariant-patterns ablation: without loop invariants a loop over sizes is never proven
for all sizes (BOUNDED at best, the loop named); loop-free kernels are unaffected."""

from typer.testing import CliRunner

import tritonlift
from tritonlift.cli import app
from tritonlift.result import Status

from ..conftest import EXAMPLES

ROW_SUM = (f"{EXAMPLES}/row_sum.py::row_sum_kernel", "row_sum_kernel[(M,)](out[M], x[M, N], N, BLOCK=4)")
ADD = (f"{EXAMPLES}/add.py::add_kernel", "add_kernel[(cdiv(n, 4),)](out[n], x[n], y[n], alpha, n, BLOCK=4)")
SMALL = {"N": (1, 2, 3, 5, 9), "M": (1, 2)}


def test_a_tile_loop_is_verified_with_invariants_and_bounded_without():
    with_patterns = tritonlift.lift(*ROW_SUM, oracle=False, sizes=SMALL)
    without = tritonlift.lift(*ROW_SUM, oracle=False, sizes=SMALL, invariant_patterns=False)
    assert with_patterns.status is Status.VERIFIED
    assert without.status is Status.BOUNDED
    assert [f.text() for f in without.formulas] == [f.text() for f in with_patterns.formulas]  # same synthesis
    assert any("row_sum.py:14 has no invariant (--no-invariant-patterns)" in n for n in without.notes), without.notes


def test_the_safety_proof_of_a_loop_is_bounded_without_invariants():
    result = tritonlift.lift(*ROW_SUM, oracle=False, sizes=SMALL, safety_only=True, invariant_patterns=False)
    assert result.status is Status.BOUNDED
    assert any("has no invariant (--no-invariant-patterns)" in n for n in result.notes)


def test_a_loop_free_kernel_is_still_verified():
    result = tritonlift.lift(*ADD, oracle=False, sizes={"n": (1, 4, 9)}, invariant_patterns=False)
    assert result.status is Status.VERIFIED


def test_the_command_line_switch():
    runner = CliRunner()
    args = ["lift", ROW_SUM[0], "--launch", ROW_SUM[1], "--no-oracle", "--no-simplify", "--sizes", "N=1..5, M=1..2"]
    plain = runner.invoke(app, args)
    ablated = runner.invoke(app, args + ["--no-invariant-patterns"])
    assert plain.exit_code == 0 and "VERIFIED" in plain.output, plain.output
    assert ablated.exit_code == 0 and "BOUNDED" in ablated.output and "VERIFIED" not in ablated.output
    assert "row_sum.py:14 has no invariant (--no-invariant-patterns)" in ablated.output
