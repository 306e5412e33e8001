"""A formula at concrete sizes and one output index: a term over input elements only.

Index arithmetic is evaluated, reductions are unrolled with the executor's own folding, so the
result is directly comparable with the symbolic execution of the kernel.
"""

from __future__ import annotations

from ..ir.intexpr import evaluate_int
from ..ir.term import ARG_REDUCTIONS, PICK_OF, PICKS, REDUCTIONS, FOLD_OF, Op, Sort, Term, access, integer, walk
from ..symexec import fold
from .intcanon import canon_int
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
    if t.sort is Sort.INT and not _data_dependent(t):
        return integer(_int(t, env))
    key = _key(t, env) if t.op in REDUCTIONS or t.args else (t,)
    hit = memo.get(key)
    if hit is not None:
        return hit
    result = _build(t, env, memo)
    memo[key] = result
    return result


_dependent: dict[Term, bool] = {}


def _data_dependent(t: Term) -> bool:
    """An integer that depends on tensor data (an argmax), not only on sizes and indices."""
    hit = _dependent.get(t)
    if hit is None:
        hit = _dependent[t] = any(n.op in ARG_REDUCTIONS or n.op is Op.ACCESS for n in walk(t))
    return hit


def _int(t: Term, env: dict[str, int]) -> int:
    if t.op in (Op.INDEX, Op.BOUND):
        return env[str(t.attr)]
    return evaluate_int(t, env) if t.op is not Op.CONST else t.value


def _build(t: Term, env: dict[str, int], memo: dict) -> Term:
    op = t.op
    if op is Op.ACCESS:  # an index read from memory (a gather) stays a term, as the executor keeps it
        indices = tuple(canon_int(_go(a, env, memo)) for a in t.args)
        return Term(Op.ACCESS, indices, t.attr, t.sort) if t.sort is Sort.INT else access(str(t.attr), indices)
    if not t.args:
        return t
    if op is Op.TOREAL and not any(v.op in (Op.INDEX, Op.BOUND) for v in walk(t)):
        return t  # a size used as a number stays symbolic, exactly as the executor keeps it
    if op in ARG_REDUCTIONS:  # the executor's argmax{k: body(k), …}
        lo, hi, body = t.args
        var = str(t.attr.attr)
        first, end = _int(lo, env), _int(hi, env)
        if end <= first:
            return integer(first)  # over an empty range: its lower end (as Triton's tie rule gives for all −∞)
        return fold.pick(PICK_OF[op], *(fold.at(k, _go(body, {**env, var: k}, memo)) for k in range(first, end)))
    if t.sort is Sort.INT and op is not Op.WHERE:  # integer arithmetic around a gathered index or an argmax
        args = [_go(a, env, memo) for a in t.args]
        if any(a.op in PICKS for a in args):  # argmax + c: shifted positions, as the executor folds it
            return fold.refold_node(t.rebuild(args))
        return canon_int(t.rebuild(args))
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
