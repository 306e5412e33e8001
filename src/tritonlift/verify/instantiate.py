"""A formula at concrete sizes and one output index: a term over input elements only.

Index arithmetic is evaluated, reductions are unrolled with the executor's own folding, so the
result is directly comparable with the symbolic execution of the kernel.
"""

from __future__ import annotations

from ..ir.intexpr import evaluate_int
from ..ir.term import REDUCTIONS, FOLD_OF, Op, Sort, Term, access, integer, walk
from ..symexec import fold
from ..synth.generalize import Formula

_FOLD = {Op.ADD: fold.add, Op.MUL: fold.mul, Op.MAX: fold.maximum, Op.MIN: fold.minimum}


def instantiate(formula: Formula, sizes: dict[str, int], index: tuple[int, ...]) -> Term:
    env = dict(sizes)
    env.update({str(v.attr): i for v, i in zip(formula.indices, index)})
    memo: dict[tuple, Term] = {}
    return _go(formula.body, env, memo)


def _key(t: Term, env: dict[str, int]) -> tuple:
    return (t, tuple(sorted(env.items())))


def _go(t: Term, env: dict[str, int], memo: dict) -> Term:
    if t.sort is Sort.INT:
        return integer(_int(t, env))
    key = _key(t, env) if t.op in REDUCTIONS or t.args else (t,)
    hit = memo.get(key)
    if hit is not None:
        return hit
    result = _build(t, env, memo)
    memo[key] = result
    return result


def _int(t: Term, env: dict[str, int]) -> int:
    if t.op in (Op.INDEX, Op.BOUND):
        return env[str(t.attr)]
    return evaluate_int(t, env) if t.op is not Op.CONST else t.value


def _build(t: Term, env: dict[str, int], memo: dict) -> Term:
    op = t.op
    if op is Op.ACCESS:
        return access(str(t.attr), (integer(_int(a, env)) for a in t.args))
    if not t.args:
        return t
    if op is Op.TOREAL and not any(v.op in (Op.INDEX, Op.BOUND) for v in walk(t)):
        return t  # a size used as a number stays symbolic, exactly as the executor keeps it
    if op in REDUCTIONS:
        lo, hi, body = t.args
        var = str(t.attr.attr)
        parts = []
        for k in range(_int(lo, env), _int(hi, env)):
            inner = dict(env)
            inner[var] = k
            parts.append(_go(body, inner, memo))
        return _FOLD[FOLD_OF[op]](*parts)
    return fold.refold_node(t.rebuild(_go(a, env, memo) for a in t.args))
