"""Heuristic constexprs at symbolic sizes: host functions run on symbols, conditions split cases."""

import textwrap

import pytest

import tritonlift
from tritonlift.errors import UnsupportedFeature
from tritonlift.frontend.host import _cdiv, _next_power_of_2
from tritonlift.ir.term import Op, integer, size
from tritonlift.result import Status
from tritonlift.verify.heuristics import Sym, heuristic_cases

N = Sym(size("N"))


def test_host_helpers_build_terms_on_symbols_and_numbers_on_numbers():
    assert _next_power_of_2(5) == 8 and _cdiv(7, 2) == 4
    assert _next_power_of_2(N).term.op is Op.NEXTPOW2
    assert _cdiv(N, 4).term.op is Op.CDIV


def test_a_condition_the_sizes_do_not_decide_splits_into_two_cases():
    cases = heuristic_cases((("ONE", lambda a: a["TILE"] >= a["N"]),), {"TILE": 4, "N": N})
    assert [dict(c.values)["ONE"] for c in cases] == [True, False]
    assert [c.describe() for c in cases] == ["N ≤ 4", "¬(N ≤ 4)"]


def test_a_decided_condition_gives_one_case():
    cases = heuristic_cases((("ONE", lambda a: a["TILE"] >= 4),), {"TILE": 4, "N": N})
    assert [c.values for c in cases] == [(("ONE", True),)]


def test_later_heuristics_see_the_block_symbol():
    cases = heuristic_cases((("B", lambda a: _next_power_of_2(a["N"])), ("ONE", lambda a: a["B"] >= a["N"])),
                            {"N": N})
    assert dict(cases[0].values)["B"].op is Op.NEXTPOW2
    assert len(cases) == 2  # B ≥ N is not decided by the heuristics alone (the kernel proof adds B ≥ N)


def test_a_heuristic_that_branches_on_a_size_is_followed_down_both_paths():
    def branchy(a):
        return 1024 if a["N"] > 4096 else 64

    cases = heuristic_cases((("BLOCK", branchy),), {"N": N})
    assert sorted((dict(c.values)["BLOCK"], c.describe()) for c in cases) == \
        [(64, "¬(N > 4096)"), (1024, "N > 4096")]


def test_a_heuristic_looping_on_a_size_is_reported():
    def loop(a):
        b = 1
        while b < a["N"]:
            b *= 2
        return b

    with pytest.raises(UnsupportedFeature, match="heuristic for 'BLOCK'"):
        heuristic_cases((("BLOCK", loop),), {"N": N})


KERNEL = '''
import triton
import triton.language as tl


def one_tile(args):
    return args["TILE"] >= args["N"]


@triton.heuristics({"ONE_TILE": one_tile})
@triton.jit
def k(y_ptr, x_ptr, N, TILE: tl.constexpr, ONE_TILE: tl.constexpr):
    row = tl.program_id(0)
    if ONE_TILE:
        cols = tl.arange(0, TILE)
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
        tl.store(y_ptr + row, tl.sum(x, axis=0))
    else:
        acc = tl.zeros([TILE], dtype=tl.float32)
        for start in range(0, N, TILE):
            cols = start + tl.arange(0, TILE)
            acc += tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
        tl.store(y_ptr + row, tl.sum(acc, axis=0){bug})
'''


@pytest.mark.parametrize("bug, verified", [("", True), (" + (N > 100)", False)])
def test_each_case_of_a_heuristic_is_proven(tmp_path, bug, verified):
    path = tmp_path / "k.py"
    path.write_text(textwrap.dedent(KERNEL).replace("{bug}", bug))
    result = tritonlift.lift(f"{path}::k", "k[(M,)](y[M], x[M, N], N, TILE=4)", oracle=False)
    assert (result.status is Status.VERIFIED) == verified, (result.status, result.notes)
    if verified:
        names = [c.name for c in result.checks]
        assert any(n.startswith("case N ≤ 4: ") for n in names)
        assert any(n.startswith("case ¬(N ≤ 4): ") for n in names)
    else:
        assert result.status is not Status.VERIFIED
