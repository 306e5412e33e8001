"""Tiles as functions of lane indices: the value domain for verification at symbolic sizes.

A tile is one term over lane variables λ0, λ1, … (axis d uses λd) and a shape of INT terms, so
`tl.arange(0, BLOCK)` is `λ0` over `BLOCK` lanes whatever BLOCK is. Program ids and sizes are
symbols; a reduction over an axis becomes a reduction term over a bound variable. Stores are
recorded with their offset, value and mask as terms. Anything that needs a concrete value here
(a loop over a symbolic range, a branch on a size) raises UnsupportedFeature, which the caller
reports as "not proven for all sizes".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import KernelRuntimeError, UnsupportedFeature
from ..ir.term import (NEG_INF, POS_INF, Op, Sort, Term, access, apply, bound, canonical_binders, const,
                       index, integer, real, reduce_, substitute, undef)
from . import fold, ops
from .values import INT_DTYPES, DType, PointerType

LANES = tuple(index(f"λ{d}") for d in range(6))
_TMP = tuple(index(f"λtmp{d}") for d in range(6))
INT, BOOL, REAL, PTR = "int", "bool", "real", "ptr"


class LBlock:
    __slots__ = ("term", "shape", "kind", "dtype", "tensor")

    def __init__(self, term: Term, shape: tuple[Term, ...], kind: str, dtype: DType, tensor: str | None = None):
        self.term, self.shape, self.kind, self.dtype, self.tensor = term, shape, kind, dtype, tensor

    def __repr__(self) -> str:
        return f"LBlock({self.kind}, {self.term!r}, shape={self.shape})"


BLOCK_TYPE = LBlock
Builtin = ops.Builtin
static_range, tl_range, is_python_scalar, bound_method = ops.static_range, ops.tl_range, ops.is_python_scalar, \
    ops.bound_method
dtype_attribute = ops.dtype_attribute


@dataclass(frozen=True)
class LStore:
    tensor: str
    offset: Term
    value: Term
    mask: Term
    shape: tuple[Term, ...]
    site: str
    hyps: tuple[Term, ...] = ()  # ranges of the loop iteration variables the store sits in


@dataclass(frozen=True)
class LLoad:
    """A load the kernel performs: its address must lie inside the tensor wherever the mask holds."""

    tensor: str
    offset: Term
    mask: Term
    shape: tuple[Term, ...]
    site: str
    hyps: tuple[Term, ...] = ()
    has_other: bool = True


@dataclass(frozen=True)
class LDivision:
    """An integer division or remainder in the kernel: its operands must be nonnegative/positive."""

    dividend: Term
    divisor: Term
    site: str
    shape: tuple[Term, ...] = ()  # the lanes it is taken over, and the loop ranges it sits in
    hyps: tuple[Term, ...] = ()


def _rename(term: Term, mapping: dict[int, int]) -> Term:
    if not mapping or all(a == b for a, b in mapping.items()):
        return term
    first = substitute(term, {LANES[a]: _TMP[a] for a in mapping})
    return substitute(first, {_TMP[a]: LANES[b] for a, b in mapping.items()})


def to_lblock(v, like_float: bool = False) -> LBlock:
    if isinstance(v, LBlock):
        return v
    if isinstance(v, bool):
        return LBlock(const(v), (), BOOL, DType("bool"))
    if isinstance(v, int) and not like_float:
        return LBlock(integer(v), (), INT, DType("int32"))
    if isinstance(v, (int, float)):
        return LBlock(real(float(v)), (), REAL, DType("fp32"))
    if isinstance(v, Term):
        return LBlock(v, (), REAL if v.sort is Sort.REAL else INT if v.sort is Sort.INT else BOOL, DType("fp32"))
    raise TypeError(f"not a lane value: {v!r}")


to_block = to_lblock


def _is_one(t: Term) -> bool:
    return t.op is Op.CONST and t.value == 1


def broadcast(interp, *blocks: LBlock) -> tuple[list[Term], tuple[Term, ...]]:
    rank = max(len(b.shape) for b in blocks)
    shape: list[Term] = [integer(1)] * rank
    for b in blocks:
        for d, dim in enumerate(b.shape):
            axis = d + rank - len(b.shape)
            if _is_one(dim):
                continue
            if _is_one(shape[axis]):
                shape[axis] = dim
            elif shape[axis] is not dim:
                raise UnsupportedFeature(f"broadcasting blocks of shapes {list(shape)} and {list(b.shape)}",
                                         interp.site)
    terms = []
    for b in blocks:
        shift = rank - len(b.shape)
        t = _rename(b.term, {d: d + shift for d in range(len(b.shape))})
        for d, dim in enumerate(b.shape):  # a size-1 axis has lane 0 only
            if _is_one(dim) and not _is_one(shape[d + shift]):
                t = substitute(t, {LANES[d + shift]: integer(0)})
        terms.append(t)
    return terms, tuple(shape)


def _dtype(*blocks: LBlock) -> DType:
    return DType("fp32") if any(b.kind == REAL for b in blocks) else DType("int32")


_INT_OPS = {"Add": Op.ADD, "Sub": Op.SUB, "Mult": Op.MUL}
_REAL_OPS = {"Add": fold.add, "Sub": fold.sub, "Mult": fold.mul, "Div": fold.div, "Pow": fold.power}
_CMP = {"Lt": Op.LT, "LtE": Op.LE, "Gt": Op.GT, "GtE": Op.GE, "Eq": Op.EQ, "NotEq": Op.NE}


def block_binop(interp, name: str, a, b) -> LBlock:
    float_context = isinstance(a, float) or isinstance(b, float)
    a, b = to_lblock(a, float_context), to_lblock(b, float_context)
    (x, y), shape = broadcast(interp, a, b)
    if PTR in (a.kind, b.kind):
        if a.kind == PTR and b.kind in (INT, BOOL) and name in ("Add", "Sub"):
            return LBlock(apply(_INT_OPS[name], x, y), shape, PTR, a.dtype, a.tensor)
        if b.kind == PTR and a.kind in (INT, BOOL) and name == "Add":
            return LBlock(apply(Op.ADD, x, y), shape, PTR, b.dtype, b.tensor)
        raise UnsupportedFeature(f"pointer arithmetic '{name}'", interp.site)
    if a.kind in (INT, BOOL) and b.kind in (INT, BOOL):
        if name in _INT_OPS:
            return LBlock(_fold_int(apply(_INT_OPS[name], x, y)), shape, INT, _dtype(a, b))
        if name in ("FloorDiv", "Mod"):
            interp.divisions.append(LDivision(x, y, str(interp.site), tuple(shape)))
            return LBlock(apply(Op.FLOORDIV if name == "FloorDiv" else Op.MOD, x, y), shape, INT, _dtype(a, b))
        if name in ("BitAnd", "BitOr") and a.kind == BOOL and b.kind == BOOL:
            return LBlock(fold.logical(Op.AND if name == "BitAnd" else Op.OR, x, y), shape, BOOL, DType("bool"))
        if name != "Div":
            raise UnsupportedFeature(f"integer operator '{name}' at symbolic sizes", interp.site)
    if name in ("BitAnd", "BitOr"):
        return LBlock(fold.logical(Op.AND if name == "BitAnd" else Op.OR, x, y), shape, BOOL, DType("bool"))
    fn = _REAL_OPS.get(name)
    if fn is None:
        raise UnsupportedFeature(f"operator '{name}' on floating-point blocks", interp.site)
    return LBlock(fn(fold.to_real(x), fold.to_real(y)), shape, REAL, _dtype(a, b))


def _fold_int(t: Term) -> Term:
    if all(a.op is Op.CONST for a in t.args):
        v = {Op.ADD: lambda p, q: p + q, Op.SUB: lambda p, q: p - q, Op.MUL: lambda p, q: p * q}[t.op]
        return integer(v(*(a.value for a in t.args)))
    return t


def block_compare(interp, name: str, a, b) -> LBlock:
    a, b = to_lblock(a), to_lblock(b)
    (x, y), shape = broadcast(interp, a, b)
    if a.kind == REAL or b.kind == REAL:
        x, y = fold.to_real(x), fold.to_real(y)
    return LBlock(fold.compare(_CMP[name], x, y), shape, BOOL, DType("bool"))


def block_unaryop(interp, name: str, a) -> LBlock:
    a = to_lblock(a)
    if name == "USub":
        return LBlock(fold.neg(a.term) if a.kind == REAL else apply(Op.NEG, a.term), a.shape, a.kind, a.dtype)
    if name == "UAdd":
        return a
    if name in ("Not", "Invert") and a.kind == BOOL:
        return LBlock(fold.logical(Op.NOT, a.term), a.shape, BOOL, a.dtype)
    raise UnsupportedFeature(f"unary '{name}' at symbolic sizes", interp.site)


def to_bool_block(v) -> LBlock:
    return to_lblock(v)


def subscript(interp, block: LBlock, key: tuple) -> LBlock:
    """`x[:, None]`, `x[None, :]`: insert size-1 axes, moving lane variables to their new axes."""
    if Ellipsis in key:
        raise UnsupportedFeature("'...' in block indexing at symbolic sizes", interp.site)
    mapping, shape, source = {}, [], 0
    for target, k in enumerate(key):
        if k is None:
            shape.append(integer(1))
        else:
            mapping[source] = target
            shape.append(block.shape[source])
            source += 1
    if source != len(block.shape):
        raise UnsupportedFeature("block indexing that drops axes", interp.site)
    return LBlock(_rename(block.term, mapping), tuple(shape), block.kind, block.dtype, block.tensor)


def block_truth(interp, value: LBlock, what: str) -> bool:
    if value.shape == () and value.term.op is Op.CONST:
        return bool(value.term.value)
    raise UnsupportedFeature(f"{what} that depends on the sizes, program ids or data (at symbolic sizes)",
                             interp.site)


def block_int(interp, value: LBlock, what: str) -> int:
    if value.shape == () and value.term.op is Op.CONST and value.kind in (INT, BOOL):
        return int(value.term.value)
    raise UnsupportedFeature(f"{what} that depends on the sizes or program ids (a loop or constexpr at "
                             "symbolic sizes)", interp.site)


def block_attribute(interp, block: LBlock, attr: str):
    if attr == "to":
        def cast(i, a, k, n):
            target = a[0] if a else k.get("dtype")
            name = target.name if isinstance(target, DType) else str(target)
            if block.kind == PTR:
                raise UnsupportedFeature("casting a pointer", interp.site)
            if name in ("fp32", "fp16", "bf16", "fp64"):
                term = fold.to_real(block.term) if block.kind != BOOL else block.term
                return LBlock(term, block.shape, REAL if block.kind != BOOL else BOOL, DType(name))
            if block.kind in (INT, BOOL):
                return LBlock(block.term, block.shape, block.kind, DType(name))
            raise UnsupportedFeature(f"casting floating-point data to {name}", interp.site)
        return Builtin("to", cast)
    if attr == "dtype":
        if block.kind == PTR and not isinstance(block.dtype, PointerType):
            return PointerType(block.dtype)
        return block.dtype
    if attr == "shape":
        return tuple(block_int(interp, LBlock(s, (), INT, DType("int32")), "a block dimension") for s in block.shape)
    if attr == "T" and len(block.shape) == 2:
        return LBlock(_rename(block.term, {0: 1, 1: 0}), block.shape[::-1], block.kind, block.dtype, block.tensor)
    raise UnsupportedFeature(f"block attribute '.{attr}' at symbolic sizes", interp.site)


# ---------------------------------------------------------------- tl functions over lanes

_arg = ops._arg


def _arange(interp, args, kwargs, node):
    start, end = (to_lblock(_arg(args, kwargs, p, n)).term for p, n in ((0, "start"), (1, "end")))
    width = _fold_int(apply(Op.SUB, end, start))
    if width.op is Op.CONST and (width.value <= 0 or width.value & (width.value - 1)):
        raise KernelRuntimeError(f"tl.arange range {width.value} is not a positive power of 2", interp.site)
    term = LANES[0] if start.op is Op.CONST and start.value == 0 else apply(Op.ADD, LANES[0], start)
    return LBlock(term, (width,), INT, DType("int32"))


def _shape(interp, value) -> tuple[Term, ...]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    return tuple(to_lblock(v).term for v in items)


def _full(interp, shape, value, dtype) -> LBlock:
    dt = dtype if isinstance(dtype, DType) else DType(str(dtype)) if dtype else DType("fp32")
    if dt.is_float:
        term = to_lblock(value, True).term
        return LBlock(fold.to_real(term), _shape(interp, shape), REAL, dt)
    if dt.name == "bool":
        return LBlock(const(bool(value)), _shape(interp, shape), BOOL, dt)
    return LBlock(to_lblock(value).term, _shape(interp, shape), INT, dt)


def _mask_and_other(interp, pointer: LBlock, mask, other, what: str):
    blocks = [pointer] + ([to_lblock(mask)] if mask is not None else []) + \
        ([to_lblock(other, True)] if other is not None else [])
    terms, shape = broadcast(interp, *blocks)
    off = terms[0]
    m = terms[1] if mask is not None else const(True)
    o = terms[-1] if other is not None else None
    return off, m, o, shape


def _load(interp, args, kwargs, node):
    pointer = to_lblock(_arg(args, kwargs, 0, "pointer"))
    if pointer.kind != PTR:
        raise UnsupportedFeature("tl.load of something that is not a pointer block", interp.site)
    off, mask, other, shape = _mask_and_other(interp, pointer, _arg(args, kwargs, 1, "mask"),
                                              _arg(args, kwargs, 2, "other"), "tl.load")
    interp.loaded.add(pointer.tensor)
    if getattr(interp, "loads", None) is not None:
        interp.loads.append(LLoad(pointer.tensor, off, mask, shape, str(interp.site), (), other is not None))
    dtype = pointer.dtype.element_ty if isinstance(pointer.dtype, PointerType) else pointer.dtype
    if dtype.name in INT_DTYPES:  # an index tensor: its elements may address other tensors (gathers)
        value = Term(Op.ACCESS, (off,), f"{pointer.tensor}@", Sort.INT)
        if mask is not const(True):  # a masked-off lane without other= is any integer at all
            unknown = Term(Op.ACCESS, (off,), f"{pointer.tensor}@undefined", Sort.INT)
            value = fold.where(mask, value, _as_int(other, interp) if other is not None else unknown)
        return LBlock(value, shape, INT, dtype)
    value = access(f"{pointer.tensor}@", (off,))
    if mask is not const(True):
        value = fold.where(mask, value, fold.to_real(other) if other is not None else
                           undef(f"masked-off lane of {pointer.tensor} loaded without other= at {interp.site}"))
    dtype = pointer.dtype.element_ty if isinstance(pointer.dtype, PointerType) else pointer.dtype
    return LBlock(value, shape, REAL, dtype)


def _as_int(t: Term, interp) -> Term:
    if t.sort is Sort.INT:
        return t
    if t.op is Op.CONST and float(t.value).is_integer():
        return integer(int(t.value))
    raise UnsupportedFeature("tl.load of an integer tensor with a non-integer other=", interp.site)


def _store(interp, args, kwargs, node):
    pointer = to_lblock(_arg(args, kwargs, 0, "pointer"))
    value = to_lblock(_arg(args, kwargs, 1, "value"), True)
    mask = _arg(args, kwargs, 2, "mask")
    blocks = [pointer, value] + ([to_lblock(mask)] if mask is not None else [])
    terms, shape = broadcast(interp, *blocks)
    interp.stores.append(LStore(pointer.tensor, terms[0], fold.to_real(terms[1]),
                                terms[2] if mask is not None else const(True), shape, str(interp.site)))


def _where(interp, args, kwargs, node):
    c, a, b = (_arg(args, kwargs, p, n) for p, n in ((0, "condition"), (1, "x"), (2, "y")))
    floaty = any(isinstance(v, float) or (isinstance(v, LBlock) and v.kind == REAL) for v in (a, b))
    blocks = [to_lblock(c), to_lblock(a, floaty), to_lblock(b, floaty)]
    (ct, at, bt), shape = broadcast(interp, *blocks)
    if floaty:
        at, bt = fold.to_real(at), fold.to_real(bt)
    kind = REAL if floaty else blocks[1].kind
    return LBlock(fold.where(ct, at, bt), shape, kind, _dtype(*blocks[1:]))


def _unary(op: Op):
    return Builtin(op.value, lambda i, a, k, n: LBlock(fold.unary(op, fold.to_real(to_lblock(a[0], True).term)),
                                                         to_lblock(a[0], True).shape, REAL, DType("fp32")))


def _binary(fn, name: str):
    def impl(interp, args, kwargs, node):
        integral = all(isinstance(v, int) or (isinstance(v, LBlock) and v.kind == INT) for v in args[:2])
        x, y = to_lblock(args[0], not integral), to_lblock(args[1], not integral)
        (p, q), shape = broadcast(interp, x, y)
        if x.kind == INT and y.kind == INT and fn in (fold.maximum, fold.minimum):
            return LBlock(apply(Op.MAX if fn is fold.maximum else Op.MIN, p, q), shape, INT, DType("int32"))
        return LBlock(fn(fold.to_real(p), fold.to_real(q)), shape, REAL, DType("fp32"))

    return Builtin(name, impl)


_REDUCE = {"sum": (Op.SUM, real(0.0)), "max": (Op.RMAX, NEG_INF), "min": (Op.RMIN, POS_INF)}


def _reduction(name: str):
    op, _ = _REDUCE[name]

    def impl(interp, args, kwargs, node):
        x = to_lblock(_arg(args, kwargs, 0, "input"), True)
        axis = _arg(args, kwargs, 1, "axis")
        keep = bool(kwargs.get("keep_dims", False))
        opaque_ok = getattr(interp, "opaque_values", False)
        if name != "sum" and _arg(args, kwargs, 2, "return_indices", False) and x.kind == REAL and \
                _arg(args, kwargs, 3, "return_indices_tie_break_left", True):
            values = impl(interp, [x, axis], {"keep_dims": keep}, node)
            return values, _arg_reduce(interp, x, axis, keep, name, node)
        if name != "sum" and _arg(args, kwargs, 2, "return_indices", False):
            if opaque_ok:
                shape = _without_axis(interp, args, kwargs)
                index_value = opaque(interp, shape, INT, f"tl.{name} index")
                _index_range(interp, index_value, args, kwargs)
                return opaque(interp, shape, REAL, f"tl.{name}"), index_value
            raise UnsupportedFeature(f"tl.{name}(..., return_indices=True)", interp.site)
        if x.kind != REAL:
            if opaque_ok:
                return opaque(interp, _without_axis(interp, args, kwargs), x.kind, f"tl.{name} of integers")
            raise UnsupportedFeature(f"tl.{name} of integers at symbolic sizes", interp.site)
        axes = list(range(len(x.shape))) if axis is None else [ops._axis(interp, axis, len(x.shape))]
        term, shape = x.term, list(x.shape)
        for a in sorted(axes, reverse=True):
            k = bound(f"κ{len(interp.stores)}_{a}_{id(node)}")
            body = substitute(term, {LANES[a]: k})
            term = canonical_binders(reduce_(op, k, integer(0), shape[a], body))
            mapping = {d: d - 1 for d in range(a + 1, len(shape))}
            term = _rename(term, mapping)
            shape[a] = None
        if keep:
            raise UnsupportedFeature(f"tl.{name}(keep_dims=True) at symbolic sizes", interp.site)
        return LBlock(term, tuple(s for s in shape if s is not None), REAL, x.dtype)

    return Builtin(name, impl)


def _arg_reduce(interp, x: LBlock, axis, keep: bool, name: str, node) -> LBlock:
    """argmax_{κ<B} tile(κ) along one axis: the smallest lane of the largest value (the tie rule of
    `return_indices_tie_break_left=True`, Triton's default)."""
    if keep:
        raise UnsupportedFeature(f"tl.arg{name}(keep_dims=True) at symbolic sizes", interp.site)
    a = ops._axis(interp, axis, len(x.shape)) if axis is not None else 0
    if axis is None and len(x.shape) != 1:
        raise UnsupportedFeature(f"tl.arg{name} over every axis of a {len(x.shape)}-D tile", interp.site)
    k = bound(f"κ{len(interp.stores)}_{a}_{id(node)}_arg")
    body = substitute(x.term, {LANES[a]: k})
    op = Op.ARGMAX if name == "max" else Op.ARGMIN
    term = _rename(canonical_binders(reduce_(op, k, integer(0), x.shape[a], body)),
                   {d: d - 1 for d in range(a + 1, len(x.shape))})
    return LBlock(term, tuple(s for i, s in enumerate(x.shape) if i != a), INT, DType("int32"))


def _arg_reduction(name: str):
    def impl(interp, args, kwargs, node):
        x = to_lblock(_arg(args, kwargs, 0, "input"), True)
        if x.kind != REAL or not _arg(args, kwargs, 2, "tie_break_left", True):
            return _unsupported("arg" + name).impl(interp, args, kwargs, node)
        return _arg_reduce(interp, x, _arg(args, kwargs, 1, "axis"), bool(_arg(args, kwargs, 3, "keep_dims", False)),
                           name, node)

    return Builtin("arg" + name, impl)


def _dot(interp, args, kwargs, node):
    """tl.dot(a, b)[m, n] = Σ_{κ<K} a[m, κ] · b[κ, n] over 2-D tiles (plus `acc` when given)."""
    a, b = to_lblock(args[0], True), to_lblock(args[1], True)
    acc = _arg(args, kwargs, 2, "acc")
    if len(a.shape) != 2 or len(b.shape) != 2 or a.shape[1] is not b.shape[0]:
        raise UnsupportedFeature("tl.dot of tiles that are not [M, K] x [K, N] at symbolic sizes", interp.site)
    k = bound(f"κ{id(node)}")
    left = substitute(fold.to_real(a.term), {LANES[1]: k})
    right = substitute(fold.to_real(b.term), {LANES[0]: k})
    product = canonical_binders(reduce_(Op.SUM, k, integer(0), a.shape[1], fold.mul(left, right)))
    result = LBlock(product, (a.shape[0], b.shape[1]), REAL, DType("fp32"))
    return block_binop(interp, "Add", to_lblock(acc, True), result) if acc is not None else result


def _program_id(interp, args, kwargs, node):
    return LBlock(interp.pid[interp.as_int(_arg(args, kwargs, 0, "axis"), "axis")], (), INT, DType("int32"))


def _num_programs(interp, args, kwargs, node):
    return LBlock(interp.grid[interp.as_int(_arg(args, kwargs, 0, "axis"), "axis")], (), INT, DType("int32"))


def _cdiv(interp, args, kwargs, node):
    a, b = to_lblock(args[0]), to_lblock(args[1])
    if a.term.op is Op.CONST and b.term.op is Op.CONST:
        return -(-a.term.value // b.term.value)
    return LBlock(apply(Op.CDIV, a.term, b.term), (), INT, DType("int32"))


def opaque(interp, shape: tuple, kind: str, what: str) -> LBlock:
    """A value nothing is known about, one per lane (--safety-only: values do not matter there, only
    addresses and masks, so a construct whose value is not modelled still lets the proof go on)."""
    interp.opaque_count = getattr(interp, "opaque_count", 0) + 1
    lanes = tuple(LANES[d] for d in range(len(shape)))
    term = Term(Op.ACCESS, lanes, f"opaque⟨{what} at {interp.site}⟩#{interp.opaque_count}",
                Sort.INT if kind == INT else Sort.REAL)
    return LBlock(term, tuple(shape), kind, DType("int32") if kind == INT else DType("fp32"))


def _index_range(interp, value: LBlock, args, kwargs) -> None:
    x = _arg(args, kwargs, 0, "input")
    x = to_lblock(x[0] if isinstance(x, tuple) else x, True)
    axis = _arg(args, kwargs, 1, "axis")
    length = x.shape[ops._axis(interp, axis, len(x.shape))] if axis is not None else None
    if length is not None:
        interp.opaque_ranges = getattr(interp, "opaque_ranges", {})
        interp.opaque_ranges[str(value.term.attr)] = ((integer(0), apply(Op.SUB, length, integer(1))),)


def _without_axis(interp, args, kwargs) -> tuple:
    x = _arg(args, kwargs, 0, "input")
    x = to_lblock(x[0] if isinstance(x, tuple) else x, True)  # tl.reduce of a tuple: all of one shape
    axis = _arg(args, kwargs, 1, "axis")
    if axis is None:
        return ()
    a = ops._axis(interp, axis, len(x.shape))
    return tuple(d for i, d in enumerate(x.shape) if i != a)


_OPAQUE_SHAPES = {  # what a construct returns, for opaque values (--safety-only)
    "reduce": _without_axis, "argmax": _without_axis, "argmin": _without_axis, "xor_sum": _without_axis,
    "cumsum": lambda i, a, k: to_lblock(a[0], True).shape, "cumprod": lambda i, a, k: to_lblock(a[0], True).shape,
}


def _unsupported(name: str):
    def impl(interp, args, kwargs, node):
        if getattr(interp, "opaque_values", False):
            if name in ("device_assert", "assume"):
                return None  # no memory effect
            if name in _OPAQUE_SHAPES:
                kind = INT if name in ("argmax", "argmin") else REAL
                shape = _OPAQUE_SHAPES[name](interp, args, kwargs)
                if name == "reduce" and isinstance(args[0], tuple):
                    return tuple(opaque(interp, shape, REAL, f"tl.{name}") for _ in args[0])
                value = opaque(interp, shape, kind, f"tl.{name}")
                if kind == INT:  # an index along the reduced axis: 0 ≤ v < its length
                    _index_range(interp, value, args, kwargs)
                return value
        raise UnsupportedFeature(f"tl.{name} at symbolic sizes (bounded checking only)", interp.site)

    return Builtin(name, impl)


TL: dict[str, object] = {}
for _name, _value in ops.TL.items():
    TL[_name] = _value if isinstance(_value, DType) else _unsupported(_name)
for _name, _op in (("exp", Op.EXP), ("exp2", Op.EXP2), ("log", Op.LOG), ("log2", Op.LOG2), ("sqrt", Op.SQRT),
                   ("sqrt_rn", Op.SQRT), ("rsqrt", Op.RSQRT), ("abs", Op.ABS), ("fabs", Op.ABS), ("erf", Op.ERF),
                   ("tanh", Op.TANH), ("sin", Op.SIN), ("cos", Op.COS), ("sigmoid", Op.SIGMOID)):
    TL[_name] = _unary(_op)
TL.update({
    "fdiv": _binary(fold.div, "fdiv"), "div_rn": _binary(fold.div, "div_rn"), "pow": _binary(fold.power, "pow"),
    "maximum": _binary(fold.maximum, "maximum"), "minimum": _binary(fold.minimum, "minimum"),
    "program_id": Builtin("program_id", _program_id), "num_programs": Builtin("num_programs", _num_programs),
    "arange": Builtin("arange", _arange), "load": Builtin("load", _load), "store": Builtin("store", _store),
    "where": Builtin("where", _where),
    "zeros": Builtin("zeros", lambda i, a, k, n: _full(i, _arg(a, k, 0, "shape"), 0, _arg(a, k, 1, "dtype"))),
    "full": Builtin("full", lambda i, a, k, n: _full(i, _arg(a, k, 0, "shape"), _arg(a, k, 1, "value"),
                                                     _arg(a, k, 2, "dtype"))),
    "sum": _reduction("sum"), "max": _reduction("max"), "min": _reduction("min"),
    "argmax": _arg_reduction("max"), "argmin": _arg_reduction("min"),
    "cdiv": Builtin("cdiv", _cdiv), "dot": Builtin("dot", _dot),
    "multiple_of": Builtin("multiple_of", ops._noop), "max_contiguous": Builtin("max_contiguous", ops._noop),
    "max_constancy": Builtin("max_constancy", ops._noop), "debug_barrier": ops.TL["debug_barrier"],
    "static_print": ops.TL["static_print"], "device_print": ops.TL["device_print"],
    "static_assert": ops.TL["static_assert"], "constexpr": ops.TL["constexpr"],
    "static_range": static_range, "range": tl_range,
    "cast": Builtin("cast", lambda i, a, k, n: block_attribute(i, to_lblock(a[0]), "to").impl(i, a[1:], k, n)),
})


def _namespaces():
    math_table = {k: TL[k] for k in ops.MATH if k in TL}
    math_ns = ops.Namespace("tl.math", math_table)
    libdevice = ops.Namespace("libdevice", math_table)
    cuda = ops.Namespace("tl.extra.cuda", {"libdevice": libdevice})
    extra = ops.Namespace("tl.extra", {"cuda": cuda, "libdevice": libdevice})
    tl_ns = ops.Namespace("tl", {**TL, "math": math_ns, "extra": extra, "libdevice": libdevice})
    tl_ns.table["core"] = tl_ns
    triton_ns = ops.Namespace("triton", {"language": tl_ns, "cdiv": TL["cdiv"],
                                         "next_power_of_2": ops.TRITON_NS.table["next_power_of_2"],
                                         "jit": ops.TRITON_NS.table["jit"]})
    return {"triton": triton_ns, "triton.language": tl_ns, "triton.language.math": math_ns,
            "triton.language.extra.cuda.libdevice": libdevice, "triton.language.extra.libdevice": libdevice,
            "triton.language.libdevice": libdevice, "triton.language.core": tl_ns}


_MODULES = _namespaces()


def resolve_qualified(qual: str):
    if qual in _MODULES:
        return _MODULES[qual]
    module, _, name = qual.rpartition(".")
    if module in _MODULES:
        return _MODULES[module].table.get(name)
    return None


BUILTINS = dict(ops.BUILTINS)
BUILTINS["min"] = Builtin("min", lambda i, a, k, n: min(a) if all(is_python_scalar(x) for x in a)
                          else _binary(fold.minimum, "min").impl(i, a, k, n))
BUILTINS["max"] = Builtin("max", lambda i, a, k, n: max(a) if all(is_python_scalar(x) for x in a)
                          else _binary(fold.maximum, "max").impl(i, a, k, n))


# loops over symbolic ranges live in loops.py (invariant patterns); the interpreter finds them here
from .loops import symbolic_bounds, symbolic_loop  # noqa: E402,F401
