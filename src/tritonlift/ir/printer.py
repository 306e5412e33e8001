"""Unicode rendering of terms in the notation people write: x[i, k], Σ_{k<N}, √(v), a · b."""

from __future__ import annotations

import math
from fractions import Fraction

from .term import Op, REDUCTIONS, Sort, Term

# Printing precedence: a child whose precedence is lower than its context is parenthesised.
_PREC = {
    Op.WHERE: 0, Op.OR: 1, Op.AND: 2, Op.NOT: 3,
    Op.LT: 4, Op.LE: 4, Op.GT: 4, Op.GE: 4, Op.EQ: 4, Op.NE: 4,
    Op.ADD: 5, Op.SUB: 5,
    Op.MUL: 6, Op.DIV: 6, Op.FLOORDIV: 6, Op.MOD: 6,
    Op.NEG: 7, Op.POW: 8,
}
_ATOM = 10
_INFIX = {Op.SUB: " − ", Op.DIV: " / ", Op.FLOORDIV: " // ", Op.MOD: " mod ", Op.LT: " < ",
          Op.LE: " ≤ ", Op.GT: " > ", Op.GE: " ≥ ", Op.EQ: " = ", Op.NE: " ≠ "}
_NARY_SEP = {Op.ADD: " + ", Op.MUL: " · ", Op.AND: " ∧ ", Op.OR: " ∨ "}
_FUNC_NAME = {Op.EXP: "exp", Op.EXP2: "exp2", Op.LOG: "log", Op.LOG2: "log2", Op.RSQRT: "rsqrt",
              Op.ERF: "erf", Op.TANH: "tanh", Op.SIN: "sin", Op.COS: "cos", Op.SIGMOID: "sigmoid",
              Op.FLOOR: "floor", Op.CEIL: "ceil", Op.MAX: "max", Op.MIN: "min", Op.CDIV: "cdiv",
              Op.NEXTPOW2: "next_power_of_2", Op.CEILSQRT: "ceil_sqrt"}
_RED_SYMBOL = {Op.SUM: "Σ", Op.PROD: "Π", Op.RMAX: "max", Op.RMIN: "min", Op.ARGMAX: "argmax",
               Op.ARGMIN: "argmin"}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
BOUND_NAMES = ("k", "l", "m", "n", "p", "q", "r", "s", "t", "u", "v")


def format_number(value: float | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if math.isnan(value):
        return "NaN"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    frac = Fraction(value).limit_denominator(64)
    if float(frac) == value and frac.denominator <= 64:
        return f"{frac.numerator}/{frac.denominator}"
    return repr(value)


class _Printer:
    def __init__(self, reserved: set[str]):
        self.reserved = reserved
        self.names: dict[Term, str] = {}

    def bound_name(self, var: Term) -> str:
        if var not in self.names:
            used = self.reserved | set(self.names.values())
            name = next((n for n in BOUND_NAMES if n not in used), f"k{len(self.names)}")
            self.names[var] = name
        return self.names[var]

    def show(self, t: Term, context: int = 0, rightmost: bool = True) -> str:
        text, prec = self.render(t, rightmost)
        return f"({text})" if prec < context else text

    def render(self, t: Term, rightmost: bool) -> tuple[str, int]:
        op = t.op
        if op is Op.CONST:
            text = format_number(t.value)
            return text, (_PREC[Op.NEG] if text.startswith(("−", "-")) or "/" in text else _ATOM)
        if op in (Op.SIZE, Op.PARAM, Op.INDEX):
            return str(t.attr), _ATOM
        if op is Op.BOUND:
            return self.bound_name(t), _ATOM
        if op is Op.UNDEF:
            return f"undefined⟨{t.attr}⟩", _ATOM
        if op is Op.ACCESS:
            return f"{t.attr}[{', '.join(self.show(a) for a in t.args)}]", _ATOM
        if op is Op.TOREAL:
            return self.render(t.args[0], rightmost)
        if op in _NARY_SEP:
            prec = _PREC.get(op, 2 if op is Op.AND else 1)
            return self._nary(t, prec, rightmost), prec
        if op in _INFIX:
            prec = _PREC[op]
            left = self.show(t.args[0], prec, rightmost=False)
            right = self.show(t.args[1], prec + 1, rightmost)
            return f"{left}{_INFIX[op]}{right}", prec
        if op is Op.NEG:
            return f"−{self.show(t.args[0], _PREC[Op.NEG] + 1, rightmost)}", _PREC[Op.NEG]
        if op is Op.NOT:
            return f"¬{self.show(t.args[0], _ATOM, rightmost)}", _PREC[Op.NOT]
        if op is Op.POW:
            base, exponent = t.args
            if exponent.op is Op.CONST and float(exponent.value).is_integer() and 0 < exponent.value < 10:
                sup = str(int(exponent.value)).translate(_SUPERSCRIPT)
                return f"{self.show(base, _ATOM, False)}{sup}", _PREC[Op.POW]
            return f"{self.show(base, _ATOM, False)}^{self.show(exponent, _ATOM)}", _PREC[Op.POW]
        if op is Op.SQRT:
            return f"√({self.show(t.args[0])})", _ATOM
        if op is Op.ABS:
            return f"|{self.show(t.args[0])}|", _ATOM
        if op is Op.WHERE:
            c, a, b = (self.show(x, 1) for x in t.args)
            return f"({c} ? {a} : {b})", _ATOM
        if op in REDUCTIONS:
            lo, hi, body = t.args
            k = self.bound_name(t.attr)
            if lo.op is Op.CONST and lo.value == 0:
                rng = f"{k}<{self.show(hi, _PREC[Op.ADD])}"
            else:
                rng = f"{self.show(lo, _PREC[Op.ADD])}≤{k}<{self.show(hi, _PREC[Op.ADD])}"
            text = f"{_RED_SYMBOL[op]}_{{{rng}}} {self.show(body, _PREC[Op.MUL] + 1)}"
            # a reduction's body extends to the right: parenthesise it unless nothing follows
            return text, (_PREC[Op.NEG] if rightmost else 0)
        if op in _FUNC_NAME:
            return f"{_FUNC_NAME[op]}({', '.join(self.show(a) for a in t.args)})", _ATOM
        if op in (Op.PICKMAX, Op.PICKMIN):  # argmax at a concrete size: {position: value, …}
            name = "argmax" if op is Op.PICKMAX else "argmin"
            return f"{name}{{{', '.join(f'{self.show(a.args[0])}: {self.show(a.args[1])}' for a in t.args)}}}", _ATOM
        raise AssertionError(f"no printer for {op}")

    def _nary(self, t: Term, prec: int, rightmost: bool) -> str:
        """a + b − c: a negative summand after the first is written as a subtraction."""
        n = len(t.args)
        text = ""
        for pos, a in enumerate(t.args):
            last = rightmost and pos == n - 1
            if pos and t.op is Op.ADD and _is_negative(a):
                inner = a.args[0] if a.op is Op.NEG else None
                shown = self.show(inner, prec + 1, last) if inner is not None else format_number(-a.value)
                text += f" − {shown}"
                continue
            shown = self.show(a, prec + (0 if t.op in (Op.ADD, Op.MUL) else 1), last)
            text += (_NARY_SEP[t.op] if pos else "") + shown
        return text


def _is_negative(t: Term) -> bool:
    return t.op is Op.NEG or (t.op is Op.CONST and t.sort is not Sort.BOOL and t.value < 0)


def to_text(term: Term, reserved: set[str] | None = None) -> str:
    """Render `term`; bound variables get the first letters from k on that are not `reserved`."""
    reserved = set(reserved or ())
    from .term import walk

    reserved |= {str(t.attr) for t in walk(term) if t.op in (Op.INDEX, Op.SIZE, Op.PARAM)}
    return _Printer(reserved).show(term)
