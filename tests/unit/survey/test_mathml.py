"""Term -> MathML: well-formed, and each construct in its textbook element."""

import xml.etree.ElementTree as ET

from tritonlift.ir.term import Op, access, apply, bound, const, index, integer, param, real, reduce_, size
from tritonlift.report.mathml import formula_mathml, term_mathml
from tritonlift.synth.generalize import Formula

NS = "{http://www.w3.org/1998/Math/MathML}"
i, j, N = index("i"), index("j"), size("N")
k = bound("k0")
x_ik = access("x", (i, k))


def parse(mathml: str) -> ET.Element:
    root = ET.fromstring(mathml)  # raises on malformed XML
    assert root.tag == NS + "math"
    return root


def tags(mathml: str) -> list[str]:
    return [e.tag.removeprefix(NS) for e in parse(mathml).iter()]


def text(mathml: str) -> str:
    return "".join(parse(mathml).itertext())


def test_access_is_a_subscript():
    root = parse(term_mathml(access("x", (i, j))))
    sub = root.find(f".//{NS}msub")
    assert sub is not None and sub[0].text == "x"
    assert [e.text for e in sub[1].iter(NS + "mi")] == ["i", "j"]


def test_sum_has_bounds_under_and_over():
    m = term_mathml(reduce_(Op.SUM, k, integer(0), N, x_ik))
    root = parse(m)
    over = root.find(f".//{NS}munderover")
    assert over is not None and over[0].text == "∑"
    assert "".join(over[1].itertext()) == "k=0" and "".join(over[2].itertext()) == "N−1"


def test_product_with_constant_bound_prints_last_index():
    m = term_mathml(reduce_(Op.PROD, k, integer(0), integer(4), x_ik))
    over = parse(m).find(f".//{NS}munderover")
    assert over[0].text == "∏" and "".join(over[2].itertext()) == "3"


def test_max_and_min_have_the_range_under():
    for op, word in ((Op.RMAX, "max"), (Op.RMIN, "min")):
        under = parse(term_mathml(reduce_(op, k, integer(0), N, x_ik))).find(f".//{NS}munder")
        assert under is not None and under[0].text == word and "".join(under[1].itertext()) == "k<N"


def test_fraction_root_power_and_functions():
    v = access("v", (i,))
    m = term_mathml(apply(Op.DIV, apply(Op.EXP, v), apply(Op.SQRT, apply(Op.ADD, v, param("eps")))))
    assert {"mfrac", "msqrt"} <= set(tags(m)) and "exp" in text(m) and "eps" in text(m)
    assert "msup" in tags(term_mathml(apply(Op.POW, v, real(2.0))))
    rsqrt = parse(term_mathml(apply(Op.RSQRT, v)))
    assert rsqrt.find(f".//{NS}mfrac/{NS}msqrt") is not None
    two_to = parse(term_mathml(apply(Op.EXP2, v))).find(f".//{NS}msup")
    assert two_to[0].text == "2"
    for op, word in ((Op.LOG, "log"), (Op.ERF, "erf"), (Op.TANH, "tanh"), (Op.SIGMOID, "σ"), (Op.LOG2, "log")):
        assert word in text(term_mathml(apply(op, v)))


def test_abs_floor_and_integer_division_are_fenced():
    v = access("v", (i,))
    assert text(term_mathml(apply(Op.ABS, v))).startswith("|")
    assert text(term_mathml(apply(Op.FLOOR, v))).startswith("⌊")
    assert "⌈" in text(term_mathml(apply(Op.CDIV, N, integer(4))))


def test_where_chain_is_one_piecewise_brace():
    v = access("v", (i,))
    t = apply(Op.WHERE, apply(Op.LT, v, real(0.0)), real(0.0),
              apply(Op.WHERE, apply(Op.GT, v, real(6.0)), real(6.0), v))
    root = parse(term_mathml(t))
    rows = root.findall(f".//{NS}mtr")
    assert len(rows) == 3 and "otherwise" in "".join(rows[-1].itertext())
    assert "<" in "".join(rows[0].itertext())


def test_subtraction_of_negative_summands_and_parentheses():
    v = access("v", (i,))
    t = apply(Op.MUL, apply(Op.ADD, v, apply(Op.NEG, param("b"))), param("a"))
    assert text(term_mathml(t)).replace(" ", "") == "(vi−b)·a"


def test_formula_lhs_and_same_bound_names_as_text():
    body = apply(Op.DIV, reduce_(Op.SUM, k, integer(0), N, x_ik), apply(Op.TOREAL, N))
    f = Formula("mean", (i,), (N,), body)
    root = parse(formula_mathml(f))
    assert root.get("display") == "block"
    assert "".join(root.itertext()).startswith("meani=")
    assert "k" in f.text() and "k=0" in "".join(root.itertext())


def test_constants_fractions_infinity_and_booleans():
    assert "mfrac" in tags(term_mathml(real(0.5)))
    assert text(term_mathml(real(float("-inf")))) == "−∞"
    assert text(term_mathml(const(True))) == "true"


def test_named_literals_read_as_in_the_text_form():
    x = access("x", (i,))
    f = Formula("out", (i,), (N,), apply(Op.MUL, real(0.7071067811865476), x))
    root = parse(formula_mathml(f))
    assert "1/√2" in f.text()
    assert root.find(f".//{NS}mfrac/{NS}msqrt") is not None and "0.707" not in "".join(root.itertext())
    assert "0.5" not in "".join(parse(formula_mathml(Formula("o", (i,), (N,), apply(Op.MUL, real(0.5), x)))).itertext())
