"""Rounded literals print as the constants they stand for, and the literal is assumed, not hidden."""

from __future__ import annotations

import math

from tritonlift.ir.term import Op, access, apply, index, integer, real
from tritonlift.synth import constants
from tritonlift.synth.generalize import Formula


def _formula(value: float) -> Formula:
    i = index("i")
    body = apply(Op.MUL, real(value), access("x", (i,)))
    return Formula("y", (i,), (integer(4),), body)


def test_kernel_literals_print_symbolically():
    for literal, text in ((0.7071067811, "1/√2"), (0.79788456, "√(2/π)"), (1.4426950408889634, "log₂e"),
                          (0.6931471805599453, "ln 2"), (3.141592653589793, "π")):
        f = _formula(literal)
        assert f.text() == f"y[i] = {text} · x[i]", literal
        assert constants.assumptions(f.body) == [f"the literal {literal!r} is taken as {text} (rounded; within 1e-9)"]


def test_the_formula_keeps_the_literal():
    f = _formula(0.7071067811)
    assert any(t.op is Op.CONST and t.value == 0.7071067811 for t in [f.body.args[0]])


def test_short_or_distant_literals_are_taken_as_written():
    for literal in (0.044715, 0.70711, 1.4427, 3.14159):
        f = _formula(literal)
        assert constants.name_of(literal) is None
        assert f.text() == f"y[i] = {literal!r} · x[i]"
        assert constants.assumptions(f.body) == []


def test_negative_literal_keeps_its_sign():
    assert _formula(-0.7071067811865476).text() == "y[i] = −1/√2 · x[i]"


def test_table_agrees_with_the_simplifier():
    """The simplifier names three of these constants itself; the values and texts must not drift."""
    from tritonlift.simplify.egraph import NAMED, NAMED_TEXT

    for name, value in NAMED.items():
        assert math.isclose(constants.NAMED[name][0], value, rel_tol=0, abs_tol=1e-15)
        assert constants.NAMED[name][1] == NAMED_TEXT[name]
