"""parse_launch: the launch description language, and evaluate_int on the integer terms it builds."""

import pytest

from tritonlift.errors import LaunchError
from tritonlift.ir.intexpr import evaluate_int
from tritonlift.ir.term import Op, apply, integer, size
from tritonlift.launch.model import FloatArg, IntArg, LiteralArg, NoneArg, TensorArg
from tritonlift.launch.parse import parse_launch

M, N, K = size("M"), size("N"), size("K")


def error_of(text: str) -> LaunchError:
    with pytest.raises(LaunchError) as info:
        parse_launch(text)
    return info.value


# ---------------------------------------------------------------- well-formed launches


def test_softmax_launch():
    text = "softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK_SIZE=next_power_of_2(N))"
    launch = parse_launch(text)
    assert launch.kernel == "softmax_kernel"
    assert launch.grid == (M,)
    assert launch.args == (TensorArg("y", (M, N)), TensorArg("x", (M, N)), IntArg(N))
    assert launch.kwargs == (("BLOCK_SIZE", IntArg(apply(Op.NEXTPOW2, N))),)
    assert launch.sizes == ("M", "N")
    assert launch.text == text


def test_rms_norm_launch_mixes_int_literals_and_a_float_param():
    launch = parse_launch(
        "rms_norm_kernel[(M,)](y[M, N], x[M, N], w[N], N, 1, N, 1, N, eps, BLOCK_SIZE=next_power_of_2(N))")
    assert launch.args[2] == TensorArg("w", (N,))
    assert launch.args[3:] == (IntArg(N), IntArg(integer(1)), IntArg(N), IntArg(integer(1)), IntArg(N),
                               FloatArg(name="eps"))
    assert launch.sizes == ("M", "N")


def test_grid_may_reference_a_keyword_which_is_then_no_size():
    launch = parse_launch("k[(triton.cdiv(M, BLOCK_M), K)](out[M, N, K], inp[M, N, K], M, N, K, "
                          "BLOCK_M=4, BLOCK_N=next_power_of_2(N))")
    assert launch.grid == (apply(Op.CDIV, M, size("BLOCK_M")), K)
    assert launch.kwargs[0] == ("BLOCK_M", IntArg(integer(4)))
    assert launch.sizes == ("M", "K", "N")  # order of first appearance; BLOCK_M is a keyword


def test_keyword_passing_a_size_of_its_own_name_stays_a_size():
    launch = parse_launch("k[(M,)](x[M], N=N, B=N)")
    assert launch.kwargs == (("N", FloatArg(name="N")), ("B", FloatArg(name="N")))  # never a size
    launch = parse_launch("k[(M,)](x[M, N], N=N)")
    assert launch.kwargs == (("N", IntArg(N)),)
    assert launch.sizes == ("M", "N")


def test_strides_dtypes_and_literals():
    launch = parse_launch('k[M](y[M, N; stride_r, 1], x[M, N; N, 1]:bf16, w[N]:f16, N, eps, 1e-5, True, '
                          'None, D=tl.float32, MODE="tanh")')
    y, x, w, n, eps, lit, flag, none = launch.args
    assert y == TensorArg("y", (M, N), (size("stride_r"), integer(1)), "fp32")
    assert x == TensorArg("x", (M, N), (N, integer(1)), "bf16")
    assert w.dtype == "fp16" and w.strides is None
    assert (n, eps, lit, flag, none) == (IntArg(N), FloatArg(name="eps"), FloatArg(value=1e-5),
                                         LiteralArg(True), NoneArg())
    assert launch.kwargs == (("D", LiteralArg("fp32")), ("MODE", LiteralArg("tanh")))
    assert launch.sizes == ("M", "N", "stride_r")


def test_single_expression_grid_with_and_without_comma():
    assert parse_launch("k[M](x[M])").grid == (M,)
    assert parse_launch("k[M,](x[M])").grid == (M,)
    assert parse_launch("k[(M)](x[M])").grid == (M,)
    assert parse_launch("k[(M, N, 2)](x[M, N])").grid == (M, N, integer(2))


def test_zero_arguments():
    launch = parse_launch("k[(1,)]()")
    assert launch.args == () and launch.kwargs == () and launch.grid == (integer(1),)
    assert launch.sizes == ()


def test_integer_expression_operators():
    launch = parse_launch("k[(1,)](x[M * N + 1, N - 2, -N, N // 4, N % 3, (M + N) * 2])")
    assert launch.args[0].shape == (
        apply(Op.ADD, apply(Op.MUL, M, N), integer(1)),
        apply(Op.SUB, N, integer(2)),
        apply(Op.NEG, N),
        apply(Op.FLOORDIV, N, integer(4)),
        apply(Op.MOD, N, integer(3)),
        apply(Op.MUL, apply(Op.ADD, M, N), integer(2)),
    )


def test_integer_functions_and_their_prefixes():
    launch = parse_launch(
        "k[(cdiv(N, 4), tl.cdiv(M, 2))](x[triton.next_power_of_2(N), max(M, N, 3), min(M, 1)])")
    assert launch.grid == (apply(Op.CDIV, N, integer(4)), apply(Op.CDIV, M, integer(2)))
    assert launch.args[0].shape == (apply(Op.NEXTPOW2, N), apply(Op.MAX, M, N, integer(3)),
                                    apply(Op.MIN, M, integer(1)))


def test_negative_literals():
    launch = parse_launch("k[(1,)](-1, -1.0, 0.5, +2)")
    assert launch.args == (IntArg(integer(-1)), FloatArg(value=-1.0), FloatArg(value=0.5), IntArg(integer(2)))


def test_bare_name_is_int_only_when_used_as_a_size():
    launch = parse_launch("k[(1,)](x[M], M, alpha, stride, y[M; stride])")
    assert launch.args[1:4] == (IntArg(M), FloatArg(name="alpha"), IntArg(size("stride")))
    assert launch.sizes == ("M", "stride")  # alpha is a float parameter, no size


def test_bare_name_used_in_a_keyword_expression_is_a_size():
    launch = parse_launch("k[(1,)](x[M], D, BLOCK=next_power_of_2(D))")
    assert launch.args[1] == IntArg(size("D"))
    assert launch.sizes == ("M", "D")


def test_annotations_force_int_or_float():
    launch = parse_launch("k[(1,)](x[M], n:int, s : i64, a:float, b:f32)")
    assert launch.args[1:] == (IntArg(size("n")), IntArg(size("s")), FloatArg(name="a"), FloatArg(name="b"))
    assert launch.sizes == ("M", "n", "s")


def test_dtype_aliases_normalise():
    launch = parse_launch("k[(1,)](a[N]:float32, b[N]:bfloat16, c[N]:i64, d[N]:u8, e[N]:i1, f[N]:fp64, "
                          "g[N]:int8, h[N]:i16, i[N]:int32, j[N]:float16)")
    assert [a.dtype for a in launch.args] == ["fp32", "bf16", "int64", "uint8", "bool", "fp64", "int8",
                                               "int16", "int32", "fp16"]


def test_dtype_literal_values():
    launch = parse_launch("k[(1,)](tl.bfloat16, torch.float16, triton.language.int32, tl.int1, False)")
    assert launch.args == (LiteralArg("bf16"), LiteralArg("fp16"), LiteralArg("int32"), LiteralArg("bool"),
                           LiteralArg(False))


def test_tensor_keyword_argument_and_order_of_kwargs():
    launch = parse_launch("k[(M,)](x[M], out=y[M, N]:f16, B=2, A=1)")
    assert launch.kwargs == (("out", TensorArg("y", (M, N), None, "fp16")), ("B", IntArg(integer(2))),
                             ("A", IntArg(integer(1))))


def test_whitespace_newlines_and_trailing_commas():
    text = "  k [ ( M , ) ] (\n    x [ M , N ; N , 1 , ] : bf16 ,\n    N ,\n)  "
    launch = parse_launch(text)
    assert launch.args == (TensorArg("x", (M, N), (N, integer(1)), "bf16"), IntArg(N))
    assert launch.text == text


def test_commas_inside_strings_do_not_split():
    launch = parse_launch('k[(1,)](MODE="a, b]", OTHER=\'(\')')
    assert launch.kwargs == (("MODE", LiteralArg("a, b]")), ("OTHER", LiteralArg("(")))


def test_launches_compare_equal_regardless_of_text():
    assert parse_launch("k[(M,)](x[M])") == parse_launch("k[ (M,) ]( x[M] )")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(text):
    assert "empty" in error_of(text).message


def test_not_a_launch():
    e = error_of("softmax(x)")
    assert "expected 'kernel[grid](args)', got 'softmax(x)'" in e.message
    assert "grid" in e.hint


def test_missing_arguments_and_trailing_text():
    assert "expected '(args)' after the grid" in error_of("k[(M,)]").message
    assert "unexpected 'extra'" in error_of("k[(M,)](x[M]) extra").message


def test_empty_grid():
    assert "empty grid" in error_of("k[](x[M])").message
    assert "1 to 3 entries" in error_of("k[()](x[M])").message
    assert "1 to 3 entries" in error_of("k[(1, 2, 3, 4)](x[M])").message


def test_unbalanced_bracket_has_column_and_caret():
    e = error_of("k[(M,)](x[M, N)")
    assert "does not close '[' at column 10" in e.message
    e = error_of("softmax_kernel[(M,)](x[M")
    assert "unbalanced '[' at column 23" in e.message
    assert e.message.splitlines()[-1] == " " * 4 + " " * 22 + "^"
    assert "unbalanced ')'" in error_of("k[(M,)](x[M]))").message


def test_stride_count_mismatch():
    e = error_of("k[(M,)](x[M, N; 1])")
    assert "tensor 'x[M, N; 1]' has 2 dims but 1 stride" in e.message
    assert "more than one ';'" in error_of("k[(M,)](x[M; 1; 1])").message


def test_unknown_dtype_and_annotation():
    e = error_of("k[(M,)](x[M]:q8)")
    assert "unknown dtype 'q8'" in e.message and "bf16" in e.hint
    assert "unknown annotation 'q8'" in error_of("k[(M,)](x[M], n:q8)").message
    assert "unknown name 'tl.float31'" in error_of("k[(M,)](tl.float31)").message


def test_true_division_suggests_floor_or_cdiv():
    e = error_of("k[(M / 2,)](x[M])")
    assert "'/' is true division in 'M / 2'" in e.message
    assert "//" in e.hint and "cdiv" in e.hint


@pytest.mark.parametrize("text, piece", [
    ("k[(foo(M),)](x[M])", "foo(M)"),
    ("k[(M,)](x[np.cdiv(M, 2)])", "np.cdiv(M, 2)"),
    ("k[(M,)](x[M.size])", "M.size"),
    ("k[(M,)](x[1.5])", "1.5"),
    ("k[(M,)](x[M ** 2])", "M ** 2"),
    ("k[(M,)](x[cdiv(M)])", "cdiv(M)"),
    ("k[(M,)](x[M], 1 + 2.0)", "2.0"),
])
def test_non_integer_expressions_name_the_offending_text(text, piece):
    assert repr(piece) in error_of(text).message


def test_syntax_errors_are_launch_errors():
    assert "cannot read 'M N'" in error_of("k[(M,)](x[M N])").message
    assert "unterminated string" in error_of('k[(M,)](MODE="abc)').message
    assert "unexpected '+ 1' after tensor" in error_of("k[(M,)](x[M] + 1)").message


def test_bad_argument_lists():
    assert "empty argument" in error_of("k[(M,)](x[M],, y[M])").message
    assert "empty argument" in error_of("k[(M,)](,)").message
    assert "keyword 'a' given twice" in error_of("k[(M,)](x[M], a=1, a=2)").message
    assert "positional argument 'y' after keyword" in error_of("k[(M,)](a=1, y)").message
    assert "no value" in error_of("k[(M,)](a=)").message
    assert "no dimensions" in error_of("k[(M,)](x[])").message


def test_float_annotated_name_used_as_size():
    assert "'eps' is annotated float but used as a size" in error_of("k[(M,)](eps:float, x[eps])").message


def test_deep_nesting_is_a_launch_error():
    error_of("k[(M,)](" + "(" * 300 + "1" + ")" * 300 + ")")


# ---------------------------------------------------------------- evaluate_int


def test_evaluate_int_arithmetic():
    term = parse_launch("k[(M * N + 1 - K,)]()").grid[0]
    assert evaluate_int(term, {"M": 3, "N": 4, "K": 2}) == 11
    assert evaluate_int(apply(Op.NEG, N), {"N": 5}) == -5
    assert evaluate_int(apply(Op.MAX, M, N, integer(7)), {"M": 3, "N": 9}) == 9
    assert evaluate_int(apply(Op.MIN, M, N, integer(7)), {"M": 3, "N": 9}) == 3


def test_evaluate_int_cdiv_and_next_power_of_2():
    assert evaluate_int(apply(Op.CDIV, N, integer(4)), {"N": 10}) == 3
    assert evaluate_int(apply(Op.CDIV, N, integer(4)), {"N": 8}) == 2
    nextpow2 = apply(Op.NEXTPOW2, N)
    assert [evaluate_int(nextpow2, {"N": n}) for n in (0, 1, 5, 8, 9)] == [1, 1, 8, 8, 16]


def test_evaluate_int_floor_division_and_mod_of_negatives():
    assert evaluate_int(apply(Op.FLOORDIV, integer(-7), integer(2)), {}) == -4
    assert evaluate_int(apply(Op.MOD, integer(-7), integer(2)), {}) == 1
    assert evaluate_int(apply(Op.MOD, integer(7), integer(-2)), {}) == -1


def test_evaluate_int_errors():
    with pytest.raises(ValueError, match="size 'N' has no value"):
        evaluate_int(apply(Op.ADD, M, N), {"M": 1})
    with pytest.raises(ValueError, match="division by zero"):
        evaluate_int(apply(Op.FLOORDIV, M, integer(0)), {"M": 1})
