"""Terms as Presentation MathML, which browsers render natively (the survey's HTML report).

Covers everything `ir/printer.py` prints, in textbook notation: accesses as subscripts (x_{i,j}),
Σ/Π with bounds under and over, max/min with the range under, fractions, roots, 2^x, log₂,
⌊a/b⌋, |x|, and `where` chains as a piecewise brace. Bound variables get the printer's names
(k, l, m, …), so the MathML and the text of a formula read the same.
"""

from __future__ import annotations

from html import escape

from ..ir.printer import BOUND_NAMES, format_number
from ..ir.term import REDUCTIONS, Op, Sort, Term, walk

# Precedence as in the text printer: a child below its context's level is parenthesised.
_LOW, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _NEG, _POW, _FRAC, _ATOM = range(11)
_CMP_OPS = {Op.LT: "&lt;", Op.LE: "≤", Op.GT: "&gt;", Op.GE: "≥", Op.EQ: "=", Op.NE: "≠"}
_NARY = {Op.ADD: ("+", _ADD), Op.MUL: ("·", _MUL), Op.AND: ("∧", _AND), Op.OR: ("∨", _OR)}
_FUNCS = {Op.EXP: "exp", Op.LOG: "log", Op.ERF: "erf", Op.TANH: "tanh", Op.SIN: "sin", Op.COS: "cos",
          Op.SIGMOID: "σ", Op.MAX: "max", Op.MIN: "min", Op.NEXTPOW2: "next_power_of_2",
          Op.CEILSQRT: "ceil_sqrt"}
_BIG = {Op.SUM: "∑", Op.PROD: "∏", Op.RMAX: "max", Op.RMIN: "min"}
_NS = "http://www.w3.org/1998/Math/MathML"
_APPLY = "<mo>&#x2061;</mo>"  # invisible function application: spacing like a typeset exp(x)


def _mi(name: str) -> str:
    return f"<mi>{escape(name)}</mi>"


def _mo(op: str) -> str:
    return f"<mo>{op}</mo>"


def _paren(inner: str, left: str = "(", right: str = ")") -> str:
    return f"<mrow><mo fence=\"true\">{left}</mo>{inner}<mo fence=\"true\">{right}</mo></mrow>"


# Named constants (synth/constants.py NAMED) in textbook notation; a name missing here prints as its text.
_CONSTANTS = {
    "log2e": "<mrow><msub><mi>log</mi><mn>2</mn></msub><mi>e</mi></mrow>",
    "ln2": "<mrow><mi>ln</mi><mo>&#x2061;</mo><mn>2</mn></mrow>",
    "inv_sqrt2": "<mfrac><mn>1</mn><msqrt><mn>2</mn></msqrt></mfrac>",
    "sqrt_2_over_pi": "<msqrt><mfrac><mn>2</mn><mi>π</mi></mfrac></msqrt>",
    "sqrt2": "<msqrt><mn>2</mn></msqrt>",
    "pi": "<mi>π</mi>",
    "e": "<mi>e</mi>",
    "log10_2": "<mrow><msub><mi>log</mi><mn>10</mn></msub><mn>2</mn></mrow>",
    "ln10": "<mrow><mi>ln</mi><mo>&#x2061;</mo><mn>10</mn></mrow>",
}


class _Writer:
    def __init__(self, reserved: set[str], named: dict[float, str] | None = None):
        self.reserved = reserved
        self.names: dict[Term, str] = {}
        self.named = named or {}  # literal -> constant name, as Formula.text() prints them

    def bound_name(self, var: Term) -> str:
        if var not in self.names:
            used = self.reserved | set(self.names.values())
            self.names[var] = next((n for n in BOUND_NAMES if n not in used), f"k{len(self.names)}")
        return self.names[var]

    def show(self, t: Term, context: int = _LOW, rightmost: bool = True) -> str:
        xml, prec = self.render(t, rightmost)
        if prec < context:
            return _paren(xml)
        return xml if prec >= _POW else f"<mrow>{xml}</mrow>"  # from _POW up, render() gives one element

    def render(self, t: Term, rightmost: bool) -> tuple[str, int]:
        op = t.op
        if op is Op.CONST:
            return self._number(t)
        if op in (Op.SIZE, Op.PARAM, Op.INDEX):
            return _mi(str(t.attr)), _ATOM
        if op is Op.BOUND:
            return _mi(self.bound_name(t)), _ATOM
        if op is Op.UNDEF:
            return f"<mtext>undefined⟨{escape(str(t.attr))}⟩</mtext>", _ATOM
        if op is Op.TOREAL:
            return self.render(t.args[0], rightmost)
        if op is Op.ACCESS:
            subs = _mo(",").join(self.show(a) for a in t.args)
            return f"<msub>{_mi(str(t.attr))}<mrow>{subs}</mrow></msub>", _ATOM
        if op in _NARY:
            return self._nary(t, rightmost)
        if op is Op.SUB:
            return (f"{self.show(t.args[0], _ADD, False)}{_mo('−')}{self.show(t.args[1], _ADD + 1, rightmost)}",
                    _ADD)
        if op is Op.NEG:
            return f"{_mo('−')}{self.show(t.args[0], _NEG + 1, rightmost)}", _NEG
        if op is Op.DIV:
            return f"<mfrac>{self.show(t.args[0])}{self.show(t.args[1])}</mfrac>", _FRAC
        if op is Op.FLOORDIV:
            return _paren(f"<mfrac>{self.show(t.args[0])}{self.show(t.args[1])}</mfrac>", "⌊", "⌋"), _ATOM
        if op is Op.CDIV:
            return _paren(f"<mfrac>{self.show(t.args[0])}{self.show(t.args[1])}</mfrac>", "⌈", "⌉"), _ATOM
        if op is Op.MOD:
            return f"{self.show(t.args[0], _MUL, False)}{_mo('mod')}{self.show(t.args[1], _MUL + 1, rightmost)}", _MUL
        if op is Op.POW:
            return f"<msup>{self.show(t.args[0], _ATOM)}{self.show(t.args[1])}</msup>", _POW
        if op is Op.EXP2:
            return f"<msup><mn>2</mn>{self.show(t.args[0])}</msup>", _POW
        if op is Op.LOG2:
            return f"<mrow><msub><mi>log</mi><mn>2</mn></msub>{_APPLY}{_paren(self.show(t.args[0]))}</mrow>", _ATOM
        if op is Op.SQRT:
            return f"<msqrt>{self.show(t.args[0])}</msqrt>", _ATOM
        if op is Op.RSQRT:
            return f"<mfrac><mn>1</mn><msqrt>{self.show(t.args[0])}</msqrt></mfrac>", _FRAC
        if op is Op.ABS:
            return _paren(self.show(t.args[0]), "|", "|"), _ATOM
        if op is Op.FLOOR:
            return _paren(self.show(t.args[0]), "⌊", "⌋"), _ATOM
        if op is Op.CEIL:
            return _paren(self.show(t.args[0]), "⌈", "⌉"), _ATOM
        if op in _CMP_OPS:
            return f"{self.show(t.args[0], _CMP + 1, False)}{_mo(_CMP_OPS[op])}{self.show(t.args[1], _CMP + 1)}", _CMP
        if op is Op.NOT:
            return f"{_mo('¬')}{self.show(t.args[0], _ATOM, rightmost)}", _NOT
        if op is Op.WHERE:
            return self._piecewise(t), _ATOM
        if op in REDUCTIONS:
            return self._reduction(t, rightmost)
        if op in _FUNCS:
            args = _mo(",").join(self.show(a) for a in t.args)
            return f"<mrow>{_mi(_FUNCS[op])}{_APPLY}{_paren(args)}</mrow>", _ATOM
        raise AssertionError(f"no MathML for {op}")

    def _number(self, t: Term) -> tuple[str, int]:
        if t.sort is Sort.BOOL or isinstance(t.value, bool):
            return f"<mtext>{format_number(t.value)}</mtext>", _ATOM
        name = self.named.get(float(t.value))
        if name is not None:
            from ..synth.constants import NAMED

            xml = _CONSTANTS.get(name, _mi(NAMED[name][1]))
            return (f"{_mo('−')}{xml}", _NEG) if t.value < 0 else (xml, _FRAC)
        text = format_number(t.value)
        negative = text.startswith(("-", "−"))
        text = text.lstrip("-−")
        if "/" in text:
            num, den = text.split("/")
            xml = f"<mfrac><mn>{num}</mn><mn>{den}</mn></mfrac>"
        else:
            xml = "<mi>∞</mi>" if text == "∞" else f"<mn>{escape(text)}</mn>"
        return (f"{_mo('−')}{xml}", _NEG) if negative else (xml, _FRAC if "/" in text else _ATOM)

    def _nary(self, t: Term, rightmost: bool) -> tuple[str, int]:
        sep, prec = _NARY[t.op]
        parts = []
        for pos, a in enumerate(t.args):
            last = rightmost and pos == len(t.args) - 1
            if pos and t.op is Op.ADD and _is_negative(a):
                if a.op is Op.NEG:
                    parts.append(_mo("−") + self.show(a.args[0], _ADD + 1, last))
                else:
                    parts.append(_mo("−") + self._number_term(-a.value))
                continue
            parts.append((_mo(sep) if pos else "") + self.show(a, prec, last))
        return "".join(parts), prec

    def _number_term(self, value) -> str:
        from ..ir.term import const

        return self.show(const(value), _ADD + 1)

    def _piecewise(self, t: Term) -> str:
        """(c1 ? a : (c2 ? b : d)) as a brace with one row per case."""
        rows = []
        while t.op is Op.WHERE:
            cond, then, t = t.args
            rows.append(f"<mtr><mtd>{self.show(then)}</mtd><mtd><mtext>if&#xA0;</mtext>{self.show(cond)}</mtd></mtr>")
        rows.append(f"<mtr><mtd>{self.show(t)}</mtd><mtd><mtext>otherwise</mtext></mtd></mtr>")
        table = f"<mtable columnalign=\"left left\">{''.join(rows)}</mtable>"
        return f"<mrow><mo fence=\"true\" stretchy=\"true\">{{</mo>{table}</mrow>"

    def _reduction(self, t: Term, rightmost: bool) -> tuple[str, int]:
        lo, hi, body = t.args
        k = _mi(self.bound_name(t.attr))
        if t.op in (Op.SUM, Op.PROD):  # Σ_{k=lo}^{hi−1}
            last = (f"<mn>{hi.value - 1}</mn>" if hi.op is Op.CONST and isinstance(hi.value, int)
                    else f"{self.show(hi, _ADD, False)}{_mo('−')}<mn>1</mn>")
            big = (f"<munderover><mo largeop=\"true\">{_BIG[t.op]}</mo><mrow>{k}{_mo('=')}{self.show(lo)}</mrow>"
                   f"<mrow>{last}</mrow></munderover>")
        else:  # max_{lo ≤ k < hi}
            start = "" if lo.op is Op.CONST and lo.value == 0 else f"{self.show(lo, _ADD)}{_mo('≤')}"
            big = f"<munder><mo movablelimits=\"false\">{_BIG[t.op]}</mo><mrow>{start}{k}{_mo('&lt;')}" \
                  f"{self.show(hi, _ADD)}</mrow></munder>"
        # the body extends to the right: parenthesised unless nothing follows, as in the text
        return f"{big}{self.show(body, _MUL + 1)}", (_NEG if rightmost else _LOW)


def _is_negative(t: Term) -> bool:
    return t.op is Op.NEG or (t.op is Op.CONST and t.sort is not Sort.BOOL and not isinstance(t.value, bool)
                              and t.value < 0)


def _reserved(term: Term, extra: set[str]) -> set[str]:
    return set(extra) | {str(t.attr) for t in walk(term) if t.op in (Op.INDEX, Op.SIZE, Op.PARAM)}


def term_mathml(term: Term, reserved: set[str] | None = None, display: bool = False) -> str:
    """`term` as a complete `<math>` element."""
    body = _Writer(_reserved(term, reserved or set())).show(term)
    attrs = ' display="block"' if display else ""
    return f'<math xmlns="{_NS}"{attrs}>{body}</math>'


def formula_mathml(formula, display: bool = True) -> str:
    """A `Formula` (`out[i, j] = body`) as a `<math>` element, the output's indices as subscripts."""
    indices = [str(i.attr) for i in formula.indices]
    lhs = _mi(formula.output)
    if indices:
        lhs = f"<msub>{lhs}<mrow>{_mo(',').join(_mi(i) for i in indices)}</mrow></msub>"
    from ..synth.constants import named_literals

    writer = _Writer(_reserved(formula.body, set(indices)), named_literals(formula.body))
    attrs = ' display="block"' if display else ""
    return (f'<math xmlns="{_NS}"{attrs}><mrow>{lhs}{_mo("=")}'
            f"{writer.show(formula.body)}</mrow></math>")
