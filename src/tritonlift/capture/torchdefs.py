"""PyTorch operators as formulas over symbolic sizes: the reference side of `check`.

`torch.softmax(x, dim=-1)` is read with `ast` and evaluated in a symbolic domain where a tensor is
its shape (INT terms) and a function from index terms to its element (a REAL term). Each entry of
the library is the *definition* of a torch operator (the textbook formula from PyTorch's docs),
keyed by the torch name; nothing here knows any kernel.
"""

from __future__ import annotations

import ast
import itertools
import math
from dataclasses import dataclass
from typing import Callable

from ..errors import TritonLiftError
from ..ir.term import Op, Term, apply, bound, integer, param, real, reduce_, size
from ..ir.term import access as _access

_counter = itertools.count()


@dataclass(frozen=True)
class Sym:
    """A symbolic tensor: `shape` and `at(indices) -> element`."""

    shape: tuple[Term, ...]
    at: Callable[[tuple[Term, ...]], Term]


def _var() -> Term:
    return bound(f"κ{next(_counter)}")


def _scalar(v) -> Sym:
    term = v if isinstance(v, Term) else real(float(v))
    return Sym((), lambda idx: term)


def _as_sym(v) -> Sym:
    return v if isinstance(v, Sym) else _scalar(v)


def _same(a: Term, b: Term) -> bool:
    return a is b


def _broadcast(*xs: Sym) -> tuple[Term, ...]:
    rank = max(len(x.shape) for x in xs)
    shape = []
    for d in range(rank):
        dims = [x.shape[d - rank + len(x.shape)] for x in xs if d - rank + len(x.shape) >= 0]
        dims = [s for s in dims if s is not integer(1)] or [integer(1)]
        if any(not _same(s, dims[0]) for s in dims):
            raise TritonLiftError(f"--against: shapes do not broadcast ({', '.join(_shape_text(x) for x in xs)})")
        shape.append(dims[0])
    return tuple(shape)


def _shape_text(x: Sym) -> str:
    from ..ir.printer import to_text

    return "[" + ", ".join(to_text(s) for s in x.shape) + "]"


def _project(x: Sym, idx: tuple[Term, ...]) -> Term:
    """x's element at the broadcast index (trailing alignment, size-1 dims read at 0)."""
    own = idx[len(idx) - len(x.shape):] if x.shape else ()
    return x.at(tuple(integer(0) if s is integer(1) else i for s, i in zip(x.shape, own)))


def elementwise(fn, *xs) -> Sym:
    syms = [_as_sym(x) for x in xs]
    shape = _broadcast(*syms)
    return Sym(shape, lambda idx: fn(*(_project(s, idx) for s in syms)))


def _dims(x: Sym, dim) -> list[int]:
    rank = len(x.shape)
    if dim is None:
        return list(range(rank))
    dims = list(dim) if isinstance(dim, (list, tuple)) else [dim]
    return sorted(d % rank for d in dims)


def reduce(x: Sym, op: Op, dim=None, keepdim=False, body=None) -> Sym:
    """⊕ over `dims` of body(x-element, full index); the reduced axes become bound variables."""
    dims = _dims(x, dim)
    kept = [d for d in range(len(x.shape)) if d not in dims]
    shape = tuple(integer(1) if d in dims else x.shape[d] for d in range(len(x.shape))) if keepdim \
        else tuple(x.shape[d] for d in kept)

    def at(idx):
        full: list[Term | None] = [None] * len(x.shape)
        outer = [i for d, i in zip(range(len(x.shape)), idx) if d not in dims] if keepdim else list(idx)
        for d, i in zip(kept, outer):
            full[d] = i
        variables = {d: _var() for d in dims}
        for d, v in variables.items():
            full[d] = v
        term = x.at(tuple(full)) if body is None else body(tuple(full))
        for d in reversed(dims):
            term = reduce_(op, variables[d], integer(0), x.shape[d], term)
        return term

    return Sym(shape, at)


def _count(x: Sym, dim) -> Term:
    n = None
    for d in _dims(x, dim):
        n = x.shape[d] if n is None else apply(Op.MUL, n, x.shape[d])
    return apply(Op.TOREAL, n if n is not None else integer(1))


def sum_(x, dim=None, keepdim=False, dtype=None):
    return reduce(x, Op.SUM, dim, keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    s = reduce(x, Op.SUM, dim, keepdim)
    n = _count(x, dim)
    return Sym(s.shape, lambda idx: apply(Op.DIV, s.at(idx), n))


def amax(x, dim=None, keepdim=False):
    return reduce(x, Op.RMAX, dim if dim not in ((), []) else None, keepdim)


def amin(x, dim=None, keepdim=False):
    return reduce(x, Op.RMIN, dim if dim not in ((), []) else None, keepdim)


def prod(x, dim=None, keepdim=False, dtype=None):
    return reduce(x, Op.PROD, dim, keepdim)


def var(x, dim=None, correction=1, keepdim=False, unbiased=None):
    if unbiased is not None:
        correction = 1 if unbiased else 0
    m = mean(x, dim, keepdim=True)
    sq = elementwise(lambda a, b: apply(Op.POW, apply(Op.SUB, a, b), real(2.0)), x, m)
    s = reduce(sq, Op.SUM, dim, keepdim)
    n = apply(Op.SUB, _count(x, dim), real(float(correction))) if correction else _count(x, dim)
    return Sym(s.shape, lambda idx: apply(Op.DIV, s.at(idx), n))


def var_mean(x, dim=None, correction=1, keepdim=False, unbiased=None):
    return (var(x, dim, correction, keepdim, unbiased), mean(x, dim, keepdim))


def softmax(x, dim, dtype=None, _stacklevel=None):
    e = elementwise(lambda a: apply(Op.EXP, a), x)
    return elementwise(lambda a, b: apply(Op.DIV, a, b), e, sum_(e, dim, keepdim=True))


def log_softmax(x, dim, dtype=None, _stacklevel=None):
    e = elementwise(lambda a: apply(Op.EXP, a), x)
    return elementwise(lambda a, b: apply(Op.SUB, a, apply(Op.LOG, b)), x, sum_(e, dim, keepdim=True))


def _norm_dims(x: Sym, normalized_shape) -> list[int]:
    n = len(normalized_shape) if isinstance(normalized_shape, (list, tuple)) else 1
    return list(range(len(x.shape) - n, len(x.shape)))


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    dims = _norm_dims(x, normalized_shape)
    m = mean(x, dims, keepdim=True)
    v = var(x, dims, correction=0, keepdim=True)
    y = elementwise(lambda a, b, c: apply(Op.DIV, apply(Op.SUB, a, b), apply(Op.SQRT, apply(Op.ADD, c, _real(eps)))),
                    x, m, v)
    if weight is not None:
        y = elementwise(lambda a, w: apply(Op.MUL, a, w), y, weight)
    if bias is not None:
        y = elementwise(lambda a, b: apply(Op.ADD, a, b), y, bias)
    return y


def rms_norm(x, normalized_shape, weight=None, eps=None):
    dims = _norm_dims(x, normalized_shape)
    ms = mean(elementwise(lambda a: apply(Op.POW, a, real(2.0)), x), dims, keepdim=True)
    y = elementwise(lambda a, s: apply(Op.DIV, a, apply(Op.SQRT, apply(Op.ADD, s, _real(eps if eps is not None
                                                                                           else 1.1920928955078125e-07)))), x, ms)
    return y if weight is None else elementwise(lambda a, w: apply(Op.MUL, a, w), y, weight)


def _real(v) -> Term:
    return v if isinstance(v, Term) else real(float(v))


def gelu(x, approximate="none"):
    if approximate == "tanh":
        c = math.sqrt(2.0 / math.pi)
        return elementwise(lambda a: apply(Op.MUL, real(0.5), a, apply(Op.ADD, real(1.0), apply(
            Op.TANH, apply(Op.MUL, real(c), apply(Op.ADD, a, apply(Op.MUL, real(0.044715), apply(
                Op.POW, a, real(3.0)))))))), x)
    return elementwise(lambda a: apply(Op.MUL, real(0.5), a, apply(Op.ADD, real(1.0), apply(
        Op.ERF, apply(Op.DIV, a, apply(Op.SQRT, real(2.0)))))), x)


def _sigmoid(a: Term) -> Term:
    return apply(Op.DIV, real(1.0), apply(Op.ADD, real(1.0), apply(Op.EXP, apply(Op.NEG, a))))


def mm(a, b):
    if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] is not b.shape[0]:
        raise TritonLiftError(f"--against: mm of {_shape_text(a)} and {_shape_text(b)}")

    def at(idx):
        k = _var()
        return reduce_(Op.SUM, k, integer(0), a.shape[1], apply(Op.MUL, a.at((idx[0], k)), b.at((k, idx[1]))))

    return Sym((a.shape[0], b.shape[1]), at)


def mv(a, v):
    if len(a.shape) != 2 or len(v.shape) != 1 or a.shape[1] is not v.shape[0]:
        raise TritonLiftError(f"--against: mv of {_shape_text(a)} and {_shape_text(v)}")

    def at(idx):
        k = _var()
        return reduce_(Op.SUM, k, integer(0), a.shape[1], apply(Op.MUL, a.at((idx[0], k)), v.at((k,))))

    return Sym((a.shape[0],), at)


def bmm(a, b):
    if len(a.shape) != 3 or len(b.shape) != 3 or a.shape[2] is not b.shape[1]:
        raise TritonLiftError(f"--against: bmm of {_shape_text(a)} and {_shape_text(b)}")

    def at(idx):
        k = _var()
        return reduce_(Op.SUM, k, integer(0), a.shape[2],
                       apply(Op.MUL, a.at((idx[0], idx[1], k)), b.at((idx[0], k, idx[2]))))

    return Sym((a.shape[0], a.shape[1], b.shape[2]), at)


def addmm(c, a, b, beta=1, alpha=1):
    p = mm(a, b)
    return elementwise(lambda x, y: apply(Op.ADD, apply(Op.MUL, _real(beta), x), apply(Op.MUL, _real(alpha), y)), c, p)


def transpose(x, d0=0, d1=1):
    rank = len(x.shape)
    d0, d1 = d0 % rank, d1 % rank
    perm = list(range(rank))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return Sym(tuple(x.shape[p] for p in perm), lambda idx: x.at(tuple(idx[perm.index(d)] for d in range(rank))))


def argmax(x, dim=None, keepdim=False):
    """The first index of the maximum: min_k (x[k] = max_l x[l] ? k : n), over a flattened
    tensor when dim is None (torch's definition)."""
    if dim is None:
        if len(x.shape) != 1:
            raise TritonLiftError("--against: argmax without dim is defined here for 1-D tensors only")
        dim = 0
    top = amax(x, dim, keepdim=True)
    d = dim % len(x.shape)

    def body(full):
        hit = apply(Op.EQ, x.at(full), _project(top, full))
        return apply(Op.WHERE, hit, apply(Op.TOREAL, full[d]), apply(Op.TOREAL, x.shape[d]))

    return reduce(x, Op.RMIN, dim, keepdim, body=body)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction="mean", label_smoothing=0.0):
    """F.cross_entropy over classes on dim 1 of an [M, C] input: class indices (ignore_index
    excluded, class weights) or class probabilities (a target of the input's shape)."""
    if len(input.shape) != 2 or label_smoothing not in (0, 0.0) or reduction not in ("mean", "sum", "none"):
        raise TritonLiftError("--against: cross_entropy is defined here for [M, C] inputs, without "
                              "label_smoothing, with reduction 'mean', 'sum' or 'none'")
    logp = log_softmax(input, 1)
    if len(target.shape) == 2:  # probabilities
        loss = sum_(elementwise(lambda p, t: apply(Op.NEG, apply(Op.MUL, t, p)), logp, target), 1)
        count = Sym((input.shape[0],), lambda idx: real(1.0))
    else:
        def picked(tensor, i):  # Σ_c (t[i] = c ? tensor[i, c] : 0), the one-hot form of a gather
            c = _var()
            hit = apply(Op.EQ, target.at((i,)), apply(Op.TOREAL, c))
            return reduce_(Op.SUM, c, integer(0), input.shape[1], apply(Op.WHERE, hit, tensor(i, c), real(0.0)))

        def wt(i):
            keep = apply(Op.NE, target.at((i,)), real(float(ignore_index)))
            w = real(1.0) if weight is None else picked(lambda _, c: weight.at((c,)), i)
            return apply(Op.WHERE, keep, w, real(0.0))

        loss = Sym((input.shape[0],), lambda idx: apply(Op.MUL, wt(idx[0]), apply(
            Op.NEG, picked(lambda i, c: logp.at((i, c)), idx[0]))))
        count = Sym((input.shape[0],), lambda idx: wt(idx[0]))
    if reduction == "none":
        return loss
    total = sum_(loss)
    if reduction == "sum":
        return total
    n = sum_(count)
    return Sym((), lambda idx: apply(Op.DIV, total.at(()), n.at(())))


def _unary(op: Op):
    return lambda x: elementwise(lambda a: apply(op, a), x)


FUNCTIONS: dict[str, Callable] = {
    "softmax": softmax, "log_softmax": log_softmax, "sum": sum_, "mean": mean, "amax": amax, "amin": amin,
    "prod": prod, "var": var, "var_mean": var_mean, "layer_norm": layer_norm, "rms_norm": rms_norm,
    "gelu": gelu, "mm": mm, "matmul": mm, "addmm": addmm, "transpose": transpose,
    "argmax": argmax, "cross_entropy": cross_entropy, "mv": mv, "bmm": bmm,
    "t": lambda x: transpose(x, 0, 1),
    "silu": lambda x: elementwise(lambda a: apply(Op.MUL, a, _sigmoid(a)), x),
    "sigmoid": lambda x: elementwise(_sigmoid, x),
    "relu": lambda x: elementwise(lambda a: apply(Op.MAX, a, real(0.0)), x),
    "exp": _unary(Op.EXP), "log": _unary(Op.LOG), "sqrt": _unary(Op.SQRT), "rsqrt": _unary(Op.RSQRT),
    "abs": _unary(Op.ABS), "erf": _unary(Op.ERF), "tanh": _unary(Op.TANH), "sin": _unary(Op.SIN),
    "cos": _unary(Op.COS), "neg": _unary(Op.NEG),
    "reciprocal": lambda x: elementwise(lambda a: apply(Op.DIV, real(1.0), a), x),
    "add": lambda x, y, alpha=1: elementwise(lambda a, b: apply(Op.ADD, a, apply(Op.MUL, _real(alpha), b)), x, y),
    "sub": lambda x, y, alpha=1: elementwise(lambda a, b: apply(Op.SUB, a, apply(Op.MUL, _real(alpha), b)), x, y),
    "mul": lambda x, y: elementwise(lambda a, b: apply(Op.MUL, a, b), x, y),
    "div": lambda x, y: elementwise(lambda a, b: apply(Op.DIV, a, b), x, y),
    "pow": lambda x, y: elementwise(lambda a, b: apply(Op.POW, a, b), x, y),
    "maximum": lambda x, y: elementwise(lambda a, b: apply(Op.MAX, a, b), x, y),
    "minimum": lambda x, y: elementwise(lambda a, b: apply(Op.MIN, a, b), x, y),
    "clamp": lambda x, min=None, max=None: elementwise(
        lambda a: _clamp(a, min, max), x),
    "where": lambda c, x, y: elementwise(lambda p, a, b: apply(Op.WHERE, apply(Op.NE, p, real(0.0)), a, b), c, x, y),
}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


def _clamp(a: Term, lo, hi) -> Term:
    if lo is not None:
        a = apply(Op.MAX, a, _real(lo))
    if hi is not None:
        a = apply(Op.MIN, a, _real(hi))
    return a


def reference(expr: str, inputs: dict[str, tuple[Term, ...]], args: dict[str, object], sizes: tuple[str, ...]):
    """Evaluate a PyTorch expression symbolically: a Sym, or a tuple of them."""
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as err:
        raise TritonLiftError(f"--against: {err.msg}: {expr}") from None
    env: dict[str, object] = {name: Sym(shape, lambda idx, n=name: _access(n, idx)) for name, shape in inputs.items()}
    for name, value in args.items():
        env.setdefault(name, param(name) if isinstance(value, float) else value)
    for s in sizes:
        env.setdefault(s, size(s))
    return _eval(tree, env, expr)


def _eval(node: ast.AST, env: dict, text: str):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise TritonLiftError(f"--against: unknown name '{node.id}' (inputs: "
                                  f"{', '.join(k for k, v in env.items() if isinstance(v, Sym))})")
        return env[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, env, text) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _eval(node.operand, env, text)
        return FUNCTIONS["neg"](v) if isinstance(v, Sym) else -v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _eval(node.left, env, text), _eval(node.right, env, text)
        return FUNCTIONS[_BINOPS[type(node.op)]](a, b)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return mm(_eval(node.left, env, text), _eval(node.right, env, text))
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return transpose(_eval(node.value, env, text), -2, -1)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):  # var_mean(...)[0]
        return _eval(node.value, env, text)[node.slice.value]
    if isinstance(node, ast.Call):
        name, receiver = _callee(node.func, env, text)
        if name not in FUNCTIONS:
            raise TritonLiftError(f"--against: no definition of torch operator '{name}' "
                                  f"(known: {', '.join(sorted(FUNCTIONS))})")
        args = [_eval(a, env, text) for a in node.args]
        kwargs = {k.arg: _eval(k.value, env, text) for k in node.keywords}
        return FUNCTIONS[name](*([receiver] if receiver is not None else []), *args, **kwargs)
    raise TritonLiftError(f"--against: cannot read '{ast.unparse(node)}'")


def _callee(func: ast.AST, env: dict, text: str):
    """`torch.softmax`, `F.softmax`, `torch.nn.functional.softmax` -> ("softmax", None);
    `x.softmax` -> ("softmax", x)."""
    if isinstance(func, ast.Attribute):
        base = func.value
        dotted = []
        while isinstance(base, ast.Attribute):
            dotted.insert(0, base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id in ("torch", "F", "nn", "math") and base.id not in env:
            return func.attr, None
        return func.attr, _eval(func.value, env, text)
    if isinstance(func, ast.Name):
        return func.id, None
    raise TritonLiftError(f"--against: cannot call '{ast.unparse(func)}'")
