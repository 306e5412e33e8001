"""--inputs/--args parsing and the integer fitting of generalisation (pure, fast)."""

import ast
import math

import pytest

from tritonlift.capture.fit import Row, fit_int
from tritonlift.capture.spec import parse_args, parse_inputs
from tritonlift.errors import TritonLiftError
from tritonlift.ir.intexpr import ceil_sqrt, evaluate_int, int_expr_from_python


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
    # the two stages of a full reduction: block next_power_of_2(ceil(sqrt(M·N))), then the partials
    (lambda e: _npow2(math.ceil(math.sqrt(e["M"] * e["N"]))), "next_power_of_2(ceil_sqrt(M * N))"),
    (lambda e: -(-e["M"] * e["N"] // _npow2(math.ceil(math.sqrt(e["M"] * e["N"])))),
     "cdiv(M * N, next_power_of_2(ceil_sqrt(M * N)))"),
    (lambda e: _npow2(-(-e["M"] * e["N"] // _npow2(math.ceil(math.sqrt(e["M"] * e["N"]))))),
     "next_power_of_2(cdiv(M * N, next_power_of_2(ceil_sqrt(M * N))))"),
])
def test_fit_finds_the_simplest_expression(fn, expected):
    assert fit_int(_rows(fn), ("M", "N")) == expected


def test_fit_over_a_constexpr_and_dont_cares():
    rows = [Row({"M": m, "BLOCK_M": b}, -(-m // b)) for m in (1, 3, 9, 100) for b in (4, 16, 64)]
    assert fit_int(rows, ("M",), ("BLOCK_M",)) == "cdiv(M, BLOCK_M)"
    # a value that only matters where it is recorded: None rows constrain nothing
    assert fit_int([Row({"N": 1}, None), Row({"N": 3}, 3), Row({"N": 9}, 9)], ("N",)) == "N"
    assert fit_int(_rows(lambda e: (e["N"] * 7919) % 13), ("M", "N")) is None  # nothing fits: say so


def test_ceil_sqrt_is_exact_and_in_the_launch_language():
    assert [ceil_sqrt(n) for n in (0, 1, 2, 4, 5, 9, 10, 4097)] == [0, 1, 2, 2, 3, 3, 4, 65]
    assert all(ceil_sqrt(n) == math.ceil(math.sqrt(n)) for n in range(1, 5000))
    term = int_expr_from_python(ast.parse("next_power_of_2(ceil_sqrt(M * N))", mode="eval").body)
    assert evaluate_int(term, {"M": 3, "N": 7}) == 8  # ceil(sqrt(21)) = 5


def test_reindexing_a_reshape_is_exact_and_simplified_where_evident():
    from tritonlift.capture.views import reindex, simplify_divisions
    from tritonlift.ir.printer import to_text
    from tritonlift.ir.term import Op, apply, index, size

    B, T, N = size("B"), size("T"), size("N")
    i, j, k = index("i"), index("j"), index("k")
    # element (i, k) of [B·T, N] is element (i // T, i mod T, k) of [B, T, N]
    idx = reindex((i, k), (apply(Op.MUL, B, T), N), (B, T, N), {i: apply(Op.MUL, B, T), k: N})
    assert [to_text(t) for t in idx] == ["i // T", "i mod T", "k"]
    # and back: (i, j, k) of [B, T, N] is (i·T + j, k) of [B·T, N]
    back = reindex((i, j, k), (B, T, N), (apply(Op.MUL, B, T), N), {i: B, j: T, k: N})
    assert [to_text(t) for t in back] == ["i · T + j", "k"]
    row = apply(Op.ADD, apply(Op.MUL, i, T), j)
    assert simplify_divisions(apply(Op.FLOORDIV, row, T), {i: B, j: T}) is i
    assert simplify_divisions(apply(Op.MOD, row, T), {i: B, j: T}) is j
    assert simplify_divisions(apply(Op.MOD, row, T), {i: B, j: N}).op is Op.MOD  # j < T is not known: kept
    # shapes without an evident grouping are not mapped
    assert reindex((i,), (N,), (B, T), {i: N}) is None


def test_torch_definitions_of_argmax_and_cross_entropy():
    from tritonlift.capture.torchdefs import reference
    from tritonlift.ir.printer import to_text
    from tritonlift.ir.term import index, size

    M, C = size("M"), size("C")
    arg = reference("torch.argmax(x, dim=1)", {"x": (M, C)}, {}, ("M", "C"))
    assert to_text(arg.at((index("i"),))) == "min_{k<C} (x[i, k] = max_{l<C} x[i, l] ? k : C)"  # the first maximum
    ce = reference("F.cross_entropy(x, t)", {"x": (M, C), "t": (M,)}, {}, ("M", "C"))
    assert arg.shape == (M,) and ce.shape == ()
    text = to_text(ce.at(()))
    assert "t[k] ≠ -100" in text and "log(Σ_{m<C} exp(x[k, m]))" in text  # ignore_index, log-softmax
    soft = reference("F.cross_entropy(x, p, reduction='none')", {"x": (M, C), "p": (M, C)}, {}, ("M", "C"))
    assert to_text(soft.at((index("i"),))) == "Σ_{k<C} −(p[i, k] · (x[i, k] − log(Σ_{l<C} exp(x[i, l]))))"
    with pytest.raises(TritonLiftError):
        reference("F.cross_entropy(x, t, label_smoothing=0.1)", {"x": (M, C), "t": (M,)}, {}, ("M", "C"))
