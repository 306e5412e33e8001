"""z3 encoding of terms at symbolic sizes: integers stay integers, reductions are opaque atoms.

Input elements are an uninterpreted function of the flat offset per tensor; `exp`, `erf`, `√`, …
are uninterpreted with the facts comparisons need. Each encoder owns its z3 context.
"""

from __future__ import annotations

import math

import z3

from ..ir.term import COMPARISONS, REDUCTIONS, Op, Sort, Term
from ..symexec.fold import is_finite

_FUNCS = (Op.EXP, Op.EXP2, Op.LOG, Op.LOG2, Op.SQRT, Op.RSQRT, Op.ERF, Op.TANH, Op.SIN, Op.COS, Op.SIGMOID,
          Op.FLOOR, Op.CEIL)


class NotEncodable(Exception):
    pass


class SymEncoder:
    def __init__(self, value_ranges: dict | None = None) -> None:
        # index tensor -> inclusive (lo, hi) ranges its elements lie in, as the launch states
        self.value_ranges = value_ranges or {}
        self.ctx = z3.Context()
        self.memo: dict[Term, z3.ExprRef] = {}
        self.funcs: dict[object, z3.FuncDeclRef] = {}
        self.facts: list[z3.BoolRef] = []

    def facts_now(self) -> z3.BoolRef:
        return z3.And(self.facts) if self.facts else z3.BoolVal(True, self.ctx)

    def boolean(self, t: Term) -> z3.BoolRef:
        return self.encode(t)

    def encode(self, t: Term) -> z3.ExprRef:
        hit = self.memo.get(t)
        if hit is None:
            hit = self.memo[t] = self._node(t)
        return hit

    def _func(self, key, arity: int, domain=None) -> z3.FuncDeclRef:
        if key not in self.funcs:
            sorts = domain or [z3.RealSort(self.ctx)] * arity
            self.funcs[key] = z3.Function(f"f{len(self.funcs)}_{key}", *sorts, z3.RealSort(self.ctx))
        return self.funcs[key]

    def _node(self, t: Term) -> z3.ExprRef:
        op, ctx = t.op, self.ctx
        if op is Op.CONST:
            if t.sort is Sort.BOOL:
                return z3.BoolVal(t.value, ctx)
            if t.sort is Sort.INT:
                return z3.IntVal(t.value, ctx)
            if not math.isfinite(t.value):
                raise NotEncodable(f"constant {t.value}")
            return z3.RealVal(repr(t.value), ctx)
        if op in (Op.SIZE, Op.INDEX, Op.BOUND):
            return z3.Int(f"{op.value}:{t.attr}", ctx)
        if op is Op.PARAM:
            return z3.Real(f"param:{t.attr}", ctx)
        if op in (Op.ARGMAX, Op.ARGMIN):  # an index: lo ≤ it < hi (lo itself for an empty range)
            atom = z3.Int(f"atom{len(self.memo)}", ctx)
            lo, hi = self.encode(t.args[0]), self.encode(t.args[1])
            self.facts.append(z3.If(lo < hi, z3.And(lo <= atom, atom < hi), atom == lo))
            body = t.args[2]
            neutral = float("-inf") if op is Op.ARGMAX else float("inf")
            if body.op is Op.WHERE and body.args[0].op is Op.LT and body.args[0].args[0] is t.attr \
                    and body.args[2].op is Op.CONST and body.args[2].value == neutral and is_finite(body.args[1]):
                # lanes k ≥ E hold the neutral value, which loses to any finite one: the index is below E
                limit = self.encode(body.args[0].args[1])
                self.facts.append(z3.Implies(z3.And(lo < hi, lo < limit), atom < limit))
            return atom
        if op in (Op.PICKMAX, Op.PICKMIN):  # the smallest position among the extreme values
            entries = sorted(t.args, key=lambda a: a.args[0].value)
            best_pos, best_val = z3.IntVal(entries[0].args[0].value, ctx), self.encode(entries[0].args[1])
            for e in entries[1:]:
                v = self.encode(e.args[1])
                better = v > best_val if op is Op.PICKMAX else v < best_val  # strict: ties keep the earlier
                best_pos = z3.If(better, z3.IntVal(e.args[0].value, ctx), best_pos)
                best_val = z3.If(better, v, best_val)
            return best_pos
        if op is Op.UNDEF or op in REDUCTIONS:
            return z3.Real(f"atom{len(self.memo)}", ctx)  # distinct terms, distinct values; equal terms share
        if op is Op.ACCESS and t.sort is Sort.INT:  # an element of an index tensor
            fn = self.funcs.get(("int-access", t.attr))
            if fn is None:
                fn = self.funcs[("int-access", t.attr)] = z3.Function(
                    f"f{len(self.funcs)}_{t.attr}", *([z3.IntSort(ctx)] * len(t.args)), z3.IntSort(ctx))
            value = fn(*(self.encode(a) for a in t.args))
            ranges = self.value_ranges.get(str(t.attr).removesuffix("@"))
            if ranges:
                self.facts.append(z3.Or([z3.And(self.encode(lo) <= value, value <= self.encode(hi))
                                         for lo, hi in ranges]))
            return value
        if op is Op.ACCESS:
            fn = self._func(("access", t.attr), len(t.args), [z3.IntSort(ctx)] * len(t.args))
            return fn(*(self.encode(a) for a in t.args))
        a = [self.encode(x) for x in t.args]
        if op is Op.TOREAL:
            return z3.ToReal(a[0])
        if op is Op.ADD:
            return z3.Sum(a)
        if op is Op.MUL:
            return z3.Product(a)
        if op is Op.SUB:
            return a[0] - a[1]
        if op is Op.NEG:
            return -a[0]
        if op is Op.DIV:
            self.facts.append(a[1] != 0)
            return a[0] / a[1]
        if op is Op.FLOORDIV:
            return a[0] / a[1]
        if op is Op.MOD:
            return a[0] % a[1]
        if op is Op.CDIV:
            return (a[0] + a[1] - 1) / a[1]
        if op in (Op.MAX, Op.MIN):
            out = a[0]
            for x in a[1:]:
                out = z3.If(x > out if op is Op.MAX else x < out, x, out)
            return out
        if op is Op.ABS:
            return z3.If(a[0] >= 0, a[0], -a[0])
        if op is Op.POW:
            e = t.args[1]
            if e.op is Op.CONST and float(e.value).is_integer() and 0 <= e.value <= 8:
                return z3.Product([a[0]] * int(e.value)) if e.value else z3.RealVal(1, ctx)
            return self._func("pow", 2)(a[0], a[1])
        if op in _FUNCS:
            out = self._func(op.value, 1)(a[0])
            if op in (Op.EXP, Op.EXP2):
                self.facts.append(out > 0)
            elif op in (Op.SQRT, Op.RSQRT):
                self.facts.append(out >= 0)
            return out
        if op in COMPARISONS:
            x, y = a
            return {Op.LT: x < y, Op.LE: x <= y, Op.GT: x > y, Op.GE: x >= y, Op.EQ: x == y, Op.NE: x != y}[op]
        if op is Op.AND:
            return z3.And(a)
        if op is Op.OR:
            return z3.Or(a)
        if op is Op.NOT:
            return z3.Not(a[0])
        if op is Op.WHERE:
            return z3.If(a[0], a[1], a[2])
        if op is Op.NEXTPOW2:  # only what proofs need: n ≤ p < 2n for n ≥ 1 (below 1: anything)
            p = z3.Int(f"nextpow2_{len(self.memo)}", ctx)
            self.facts.append(z3.Implies(a[0] >= 1, z3.And(p >= a[0], p < 2 * a[0])))
            return p
        raise NotEncodable(op.value)
