"""The egglog sorts of the simplifier: real terms `R`, opaque integer/boolean terms `O`, and the
relations the side conditions read. Each constructor's `cost` is the extraction cost of the node
itself: textbook primitives (exp, log, √, +, ·, /) are cheap, exp2/log2/rsqrt and named literals
are dear, so the cheapest equal term is the textbook one.
"""

from __future__ import annotations

from fractions import Fraction

from egglog import BigInt, BigRat, BigRatLike, Expr, StringLike, function, i64, i64Like, relation

from ..ir.term import Op


class R(Expr):
    """A real-valued term."""


class O(Expr):
    """An opaque integer or boolean term (an index bound, a size, a condition)."""


# ---- constructors; `cost` is the extraction cost of the node itself (textbook primitives are cheap)
@function(cost=1)
def lit(q: BigRatLike) -> R: ...  # an exact rational constant
@function(cost=1)
def param(name: StringLike) -> R: ...  # a float scalar argument
@function(cost=1)
def atom(key: i64Like, fv: i64Like) -> R: ...  # a tensor element or other opaque real (table key, fv)
@function(cost=1)
def oatom(key: i64Like, fv: i64Like) -> O: ...  # an opaque integer/boolean term (table key, fv)
@function(cost=9)
def approx(name: StringLike, q: BigRatLike) -> R: ...  # the literal q, within 1e-9 of the named constant
@function(cost=1)
def toreal(o: O) -> R: ...  # an integer used as a real
@function(cost=1)
def count(lo: O, hi: O) -> R: ...  # hi − lo as a real: the number of terms of a reduction
@function(cost=2)
def add(a: R, b: R) -> R: ...
@function(cost=2)
def sub(a: R, b: R) -> R: ...
@function(cost=2)
def mul(a: R, b: R) -> R: ...
@function(cost=2)
def div(a: R, b: R) -> R: ...
@function(cost=2)
def pow_(a: R, b: R) -> R: ...
@function(cost=2)
def max_(a: R, b: R) -> R: ...
@function(cost=2)
def min_(a: R, b: R) -> R: ...
@function(cost=1)
def neg(a: R) -> R: ...
@function(cost=3)
def exp(a: R) -> R: ...
@function(cost=9)
def exp2(a: R) -> R: ...
@function(cost=3)
def log(a: R) -> R: ...
@function(cost=9)
def log2(a: R) -> R: ...
@function(cost=3)
def sqrt(a: R) -> R: ...
@function(cost=9)
def rsqrt(a: R) -> R: ...
@function(cost=3)
def erf(a: R) -> R: ...
@function(cost=3)
def tanh(a: R) -> R: ...
@function(cost=3)
def sin(a: R) -> R: ...
@function(cost=3)
def cos(a: R) -> R: ...
@function(cost=2)
def abs_(a: R) -> R: ...
@function(cost=3)
def sigmoid(a: R) -> R: ...
@function(cost=3)
def floor(a: R) -> R: ...
@function(cost=3)
def ceil(a: R) -> R: ...
@function(cost=2)
def where(c: O, a: R, b: R) -> R: ...
@function(cost=3)
def rsum(lo: O, hi: O, body: R) -> R: ...
@function(cost=3)
def rprod(lo: O, hi: O, body: R) -> R: ...
@function(cost=3)
def rmax(lo: O, hi: O, body: R) -> R: ...
@function(cost=3)
def rmin(lo: O, hi: O, body: R) -> R: ...


@function(merge=lambda old, new: old.min(new))
def fv(a: R) -> i64: ...  # 1 + the largest free de Bruijn index (0: closed)
@function(merge=lambda old, new: old.min(new))
def ofv(o: O) -> i64: ...


pos = relation("pos", R)  # the value is > 0
nonzero = relation("nonzero", R)  # the value is ≠ 0
ipos = relation("ipos", O)  # an integer ≥ 1 (a size)
nonempty = relation("nonempty", O, O)  # lo < hi: the reduction has at least one term

UNARY = {Op.EXP: exp, Op.EXP2: exp2, Op.LOG: log, Op.LOG2: log2, Op.SQRT: sqrt, Op.RSQRT: rsqrt, Op.ERF: erf,
         Op.TANH: tanh, Op.SIN: sin, Op.COS: cos, Op.ABS: abs_, Op.SIGMOID: sigmoid, Op.FLOOR: floor,
         Op.CEIL: ceil, Op.NEG: neg}
BINARY = {Op.ADD: add, Op.SUB: sub, Op.MUL: mul, Op.DIV: div, Op.POW: pow_, Op.MAX: max_, Op.MIN: min_}
REDUCE = {Op.SUM: rsum, Op.PROD: rprod, Op.RMAX: rmax, Op.RMIN: rmin}


def bigrat(q: Fraction | int) -> BigRat:
    """An exact rational literal (in the form whose `.value` Python can read back)."""
    q = Fraction(q)
    return BigRat(BigInt.from_string(str(q.numerator)), BigInt.from_string(str(q.denominator)))
