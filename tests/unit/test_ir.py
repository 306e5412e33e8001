"""The term IR: interning, immutability, printing, binders, the import boundary."""

import subprocess
import sys

import pytest

from tritonlift.ir import to_text
from tritonlift.ir.term import (Op, Term, access, apply, bound, canonical_binders, free_vars, index, integer,
                                real, reduce_, size, substitute)

i, j, N = index("i"), index("j"), size("N")


def x(a, b):
    return access("x", (a, b))


def test_equal_terms_are_the_same_object():
    assert apply(Op.ADD, x(i, j), real(1.0)) is apply(Op.ADD, x(i, j), real(1.0))


def test_integer_one_and_real_one_differ():
    assert integer(1) is not real(1.0)


def test_terms_are_immutable():
    with pytest.raises(AttributeError):
        x(i, j).op = Op.SUB


def test_rebuild_from_parts_is_identity():
    t = apply(Op.DIV, apply(Op.EXP, x(i, j)), real(2.0))
    assert t.rebuild(t.args) is t


def test_alpha_equivalent_reductions_coincide_after_canonical_binders():
    a = reduce_(Op.SUM, bound("k"), integer(0), N, x(i, bound("k")))
    b = reduce_(Op.SUM, bound("q"), integer(0), N, x(i, bound("q")))
    assert a is not b
    assert canonical_binders(a) is canonical_binders(b)


def test_free_vars_exclude_bound_variable():
    k = bound("k")
    s = reduce_(Op.SUM, k, integer(0), N, x(i, k))
    assert free_vars(s) == {i}


def test_substitute_replaces_leaves():
    assert substitute(x(i, j), {i: integer(2)}) is x(integer(2), j)


def test_printer_softmax():
    k = bound("k")
    s = reduce_(Op.SUM, k, integer(0), N, apply(Op.EXP, x(i, k)))
    assert to_text(apply(Op.DIV, apply(Op.EXP, x(i, j)), s)) == "exp(x[i, j]) / Σ_{k<N} exp(x[i, k])"


def test_printer_parenthesises_reduction_on_the_left():
    k = bound("k")
    s = reduce_(Op.SUM, k, integer(0), N, x(i, k))
    assert to_text(apply(Op.DIV, s, apply(Op.TOREAL, N))) == "(Σ_{k<N} x[i, k]) / N"


def test_printer_subtraction_in_sums():
    assert to_text(apply(Op.ADD, x(i, j), real(-2.0))) == "x[i, j] − 2"


def test_ir_imports_no_solver_or_triton():
    code = ("import sys, tritonlift.ir, tritonlift.ir.term, tritonlift.ir.printer, tritonlift.ir.intexpr;"
            "bad = [m for m in ('z3', 'triton', 'egglog', 'torch') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_canonical_binders_never_capture_a_free_bound_variable():
    """Regression: an inner sum that mentions the outer sum's variable, canonicalised on its own,
    used to rename its binder to the outer variable's name (k + 4·l became 5·k)."""
    outer, inner = bound("β0"), bound("q")
    inner_sum = reduce_(Op.SUM, inner, integer(0), N,
                        access("x", (apply(Op.ADD, outer, apply(Op.MUL, integer(4), inner)), i)))
    renamed = canonical_binders(inner_sum)
    assert renamed.attr is not outer
    assert free_vars(renamed) == free_vars(inner_sum) == {outer, i}
