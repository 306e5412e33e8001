"""--inputs/--args parsing and the integer fitting of generalisation (pure, fast)."""

import pytest

from tritonlift.capture.fit import Row, fit_int
from tritonlift.capture.spec import parse_args, parse_inputs
from tritonlift.errors import TritonLiftError


def test_inputs_with_views_follow_torch_semantics():
    x, w = parse_inputs("x=f32[M, N].t(), w=f32[N]")
    assert (x.name, x.dtype, x.shape, x.views) == ("x", "f32", ("M", "N"), (("t", ()),))
    assert x.logical_dims() == ("N", "M")  # torch.empty(M, N).t() is N x M
    assert w.logical_dims() == ("N",)
    (y,) = parse_inputs("y=f32[B, M, N].permute(2, 0, 1)")
    assert y.logical_dims() == ("N", "B", "M")


@pytest.mark.parametrize("bad", ["x=f32[M, N", "x=[M, N]", "x=f32[M, 0]", "x=f32[M, N].reshape(4)", "f32[M]"])
def test_bad_inputs_are_input_errors(bad):
    with pytest.raises(TritonLiftError) as err:
        parse_inputs(bad)
    assert "--inputs" in err.value.render()


def test_args_may_mention_sizes():
    args = dict(parse_args("dim=-1, normalized_shape=[N], eps=1e-5, mode='tanh'", ("M", "N")))
    assert args == {"dim": -1, "normalized_shape": {"list": [{"size": "N"}]}, "eps": 1e-5, "mode": "tanh"}
    with pytest.raises(TritonLiftError):
        parse_args("dim=foo(1)", ("N",))


def _rows(fn, sizes=("M", "N"), values=(1, 2, 3, 5, 8, 17, 100, 1000)):
    rows = []
    for m in values:
        for n in values:
            env = dict(zip(sizes, (m, n)))
            rows.append(Row(env, fn(env)))
    return rows


def _npow2(n):
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


@pytest.mark.parametrize("fn, expected", [
    (lambda e: 7, "7"),
    (lambda e: e["N"], "N"),
    (lambda e: e["M"] * e["N"], "M * N"),
    (lambda e: 2 * e["N"] + 1, "2 * N + 1"),
    (lambda e: _npow2(e["N"]), "next_power_of_2(N)"),
    (lambda e: -(-e["M"] // 4), "cdiv(M, 4)"),
    (lambda e: min(512, _npow2(e["N"])), "min(512, next_power_of_2(N))"),
    (lambda e: max(16, _npow2(e["N"])), "max(16, next_power_of_2(N))"),
])
def test_fit_finds_the_simplest_expression(fn, expected):
    assert fit_int(_rows(fn), ("M", "N")) == expected


def test_fit_over_a_constexpr_and_dont_cares():
    rows = [Row({"M": m, "BLOCK_M": b}, -(-m // b)) for m in (1, 3, 9, 100) for b in (4, 16, 64)]
    assert fit_int(rows, ("M",), ("BLOCK_M",)) == "cdiv(M, BLOCK_M)"
    # a value that only matters where it is recorded: None rows constrain nothing
    assert fit_int([Row({"N": 1}, None), Row({"N": 3}, 3), Row({"N": 9}, 9)], ("N",)) == "N"
    assert fit_int(_rows(lambda e: (e["N"] * 7919) % 13), ("M", "N")) is None  # nothing fits: say so
