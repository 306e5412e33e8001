"""Rounded literals printed as the constants they stand for: 0.7071067811 → 1/√2.

Kernels write `0.7071067811` for 1/√2 and `1.4426950408889634` for log₂e. The formula keeps the
literal (it is what was verified); only its printing names the constant, and the literal goes into
the assumptions, worded as the simplifier words the same fact (`simplify/egraph.py` NAMED, whose
three entries this table repeats with the same names and texts — a test keeps them equal).
A literal is named only when it is within `TOLERANCE` of the constant and has at least
`MIN_DIGITS` significant digits, so that 0.7 is never read as 1/√2.
"""

from __future__ import annotations

import math

from ..ir.term import Op, Sort, Term, apply, param, transform, walk

TOLERANCE = 1e-9  # the simplifier's APPROX_TOL: a float32-rounded constant (~1e-8) is not taken
MIN_DIGITS = 7  # 0.79788456 (8 digits) is √(2/π); a short literal is taken as written

# name -> (value, printed text); the first three as in simplify/egraph.py NAMED / NAMED_TEXT
NAMED: dict[str, tuple[float, str]] = {
    "log2e": (1.4426950408889634, "log₂e"),
    "ln2": (0.6931471805599453, "ln 2"),
    "inv_sqrt2": (0.7071067811865476, "1/√2"),
    "sqrt_2_over_pi": (math.sqrt(2 / math.pi), "√(2/π)"),
    "sqrt2": (math.sqrt(2.0), "√2"),
    "pi": (math.pi, "π"),
    "e": (math.e, "e"),
    "log10_2": (math.log10(2.0), "log₁₀2"),
    "ln10": (math.log(10.0), "ln 10"),
}


def _digits(value: float) -> int:
    text = repr(abs(value)).lower().split("e")[0].replace(".", "").lstrip("0")
    return len(text)


def name_of(value: float) -> str | None:
    """The name of the constant a literal stands for, or None."""
    if not math.isfinite(value) or _digits(value) < MIN_DIGITS:
        return None
    for name, (exact, _) in NAMED.items():
        if abs(abs(value) - exact) <= TOLERANCE:
            return name
    return None


def named_literals(body: Term) -> dict[float, str]:
    """Literal -> name, for every real literal of `body` that stands for a named constant."""
    out: dict[float, str] = {}
    for t in walk(body):
        if t.op is Op.CONST and t.sort is Sort.REAL:
            name = name_of(float(t.value))
            if name is not None:
                out[float(t.value)] = name
    return out


def for_display(body: Term) -> Term:
    """`body` with each named literal replaced by a leaf that prints as the constant (display only:
    the result is never evaluated or verified)."""
    named = named_literals(body)
    if not named:
        return body

    def step(t: Term) -> Term:
        if t.op is Op.CONST and t.sort is Sort.REAL and float(t.value) in named:
            leaf = param(NAMED[named[float(t.value)]][1])
            return apply(Op.NEG, leaf) if t.value < 0 else leaf
        return t

    return transform(body, step)


def assumptions(body: Term) -> list[str]:
    """`the literal 0.7071067811 is taken as 1/√2 (rounded; within 1e-9)` for each named literal
    (a double is never exactly an irrational constant, so every one is a rounding)."""
    return [f"the literal {abs(v)!r} is taken as {NAMED[n][1]} (rounded; within 1e-9)"
            for v, n in sorted(named_literals(body).items(), key=lambda vn: abs(vn[0]))]
