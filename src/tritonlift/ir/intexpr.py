"""Integer expressions over launch sizes: evaluate them at concrete sizes, build them from Python.

`int_expr_from_python` accepts exactly the integer language a launch may use (literals, size names,
`+ - * // %`, unary minus, `cdiv`, `next_power_of_2`, `ceil_sqrt`, `max`, `min`) and nothing else, so a typo
surfaces as an error naming the offending piece instead of a wrong formula.
"""

from __future__ import annotations

import ast
import math

from .term import Op, Sort, Term, apply, integer, size, walk


class IntExprError(ValueError):
    """A Python expression outside the integer language; `node` locates the offending piece."""

    def __init__(self, reason: str, node: ast.AST, hint: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.node = node
        self.hint = hint


_BINARY = {ast.Add: Op.ADD, ast.Sub: Op.SUB, ast.Mult: Op.MUL, ast.FloorDiv: Op.FLOORDIV, ast.Mod: Op.MOD}
# function name -> (op, number of arguments; None means two or more)
_CALLS = {"cdiv": (Op.CDIV, 2), "next_power_of_2": (Op.NEXTPOW2, 1), "ceil_sqrt": (Op.CEILSQRT, 1),
          "max": (Op.MAX, None), "min": (Op.MIN, None)}
# Prefixes under which the triton helpers may be called (max/min are the Python builtins).
_MODULES = ("triton", "tl", "triton.language")
_ALLOWED = "integer literals, size names, + - * // %, cdiv, next_power_of_2, ceil_sqrt, max, min"


def _dotted(node: ast.expr) -> str | None:
    """`triton.language.cdiv` -> 'triton.language.cdiv'; None for anything but a dotted name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _call_target(func: ast.expr) -> str | None:
    name = _dotted(func)
    if name is None:
        return None
    module, _, short = name.rpartition(".")
    if short not in _CALLS or (module and (module not in _MODULES or short in ("max", "min"))):
        return None
    return short


def int_expr_from_python(node: ast.expr) -> Term:
    """The INT term for an integer-valued Python expression; IntExprError for anything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise IntExprError(f"{ast.unparse(node)!r} is not an integer", node)
        return integer(node.value)
    if isinstance(node, ast.Name):
        return size(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = int_expr_from_python(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        # a negative literal is a number, not a negation to simplify later
        if operand.op is Op.CONST:
            return integer(-operand.value)
        return apply(Op.NEG, operand)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Div):
            raise IntExprError(f"'/' is true division in {ast.unparse(node)!r}", node,
                               hint="integer expressions use '//' (floor) or 'cdiv(a, b)' (ceiling)")
        op = _BINARY.get(type(node.op))
        if op is None:
            raise IntExprError(f"operator not allowed in {ast.unparse(node)!r}", node,
                               hint=f"integer expressions may use {_ALLOWED}")
        return apply(op, int_expr_from_python(node.left), int_expr_from_python(node.right))
    if isinstance(node, ast.Call):
        short = _call_target(node.func)
        if short is None:
            raise IntExprError(f"unknown function in {ast.unparse(node)!r}", node,
                               hint=f"integer expressions may use {_ALLOWED}")
        op, arity = _CALLS[short]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise IntExprError(f"only plain positional arguments are allowed in {ast.unparse(node)!r}", node)
        if (arity is None and len(node.args) < 2) or (arity is not None and len(node.args) != arity):
            expected = "at least 2 arguments" if arity is None else f"{arity} argument{'s' * (arity > 1)}"
            raise IntExprError(f"{short} takes {expected}: {ast.unparse(node)!r}", node)
        return apply(op, *(int_expr_from_python(a) for a in node.args))
    raise IntExprError(f"{ast.unparse(node)!r} is not an integer expression", node,
                       hint=f"integer expressions may use {_ALLOWED}")


def _next_power_of_2(n: int) -> int:
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def ceil_sqrt(n: int) -> int:
    """ceil(sqrt(n)) exactly (host code's `math.ceil(math.sqrt(n))` for n below 2**52)."""
    if n < 0:
        raise ValueError(f"ceil_sqrt of a negative number ({n})")
    k = math.isqrt(n)
    return k if k * k == n else k + 1


def evaluate_int(term: Term, env: dict[str, int]) -> int:
    """The value of an INT term with each SIZE leaf looked up in `env` (Python // and % semantics)."""
    values: dict[Term, int] = {}
    for node in walk(term):  # children before parents; shared subterms once
        a = [values[x] for x in node.args]
        op = node.op
        if op is Op.CONST:
            if node.sort is not Sort.INT:
                raise ValueError(f"not an integer constant: {node.value!r}")
            result = node.value
        elif op in (Op.SIZE, Op.INDEX, Op.BOUND):  # indices too: `x[i·T + k]` at a concrete element
            if node.attr not in env:
                known = ", ".join(sorted(env)) or "none"
                raise ValueError(f"size {node.attr!r} has no value (known sizes: {known})")
            result = int(env[node.attr])
        elif op is Op.ADD:
            result = sum(a)
        elif op is Op.MUL:
            result = 1
            for x in a:
                result *= x
        elif op is Op.SUB:
            result = a[0] - a[1]
        elif op is Op.NEG:
            result = -a[0]
        elif op in (Op.FLOORDIV, Op.MOD, Op.CDIV):
            if a[1] == 0:
                raise ValueError(f"division by zero evaluating {op.value}")
            result = a[0] // a[1] if op is Op.FLOORDIV else a[0] % a[1] if op is Op.MOD else -(-a[0] // a[1])
        elif op is Op.NEXTPOW2:
            result = _next_power_of_2(a[0])
        elif op is Op.CEILSQRT:
            result = ceil_sqrt(a[0])
        elif op is Op.MAX:
            result = max(a)
        elif op is Op.MIN:
            result = min(a)
        else:
            raise ValueError(f"not an integer expression: {op.value} node")
        values[node] = result
    return values[term]
