"""The catalogue of Triton operations over blocks: `tl.*`, `tl.math.*`, libdevice, operators.

One table (`TL`) maps each supported name to its implementation; `resolve_qualified` maps import
paths (`triton.language.extra.cuda.libdevice.erf`) onto it. Float data are terms built with
`fold`; integers and masks are numpy arrays.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import KernelRuntimeError, Site, TritonLiftError, UnsupportedFeature
from ..ir.term import NEG_INF, POS_INF, Op, Sort, Term, apply, const, integer, real, walk
from ..verify.intcanon import canon_int
from . import fold
from .values import (BOOL, INT, PTR, TERM, Block, DType, PointerType, as_real_terms, as_terms, bool_block, int_block,
                     term_block)


class Namespace:
    """`tl`, `tl.math`, `triton`, libdevice: attribute access looks names up in a table."""

    def __init__(self, name: str, table: dict):
        self.name, self.table = name, table

    def get(self, attr: str, site: Site):
        if attr in self.table:
            return self.table[attr]
        raise UnsupportedFeature(f"{self.name}.{attr}", site,
                                 hint="see the README's list of supported Triton constructs")


@dataclass(frozen=True)
class Builtin:
    name: str
    impl: Callable  # (interp, args, kwargs, node) -> value


def bound_method(impl: Callable, name: str) -> Builtin:
    return Builtin(name, impl)


static_range = Builtin("static_range", lambda i, a, k, n: range(*[i.as_int(x, "range bound") for x in a]))
tl_range = Builtin("range", lambda i, a, k, n: range(*[i.as_int(x, "range bound") for x in a]))


def is_python_scalar(v) -> bool:
    return isinstance(v, (bool, int, float)) and not isinstance(v, Block)


# ---------------------------------------------------------------- conversions


def _grid_axis(interp, values: tuple, axis) -> object:
    """program_id / num_programs of one axis: 0, 1 or 2, and an axis the launch's grid has."""
    a = interp.as_int(axis, "axis")
    if not 0 <= a < len(values):
        raise KernelRuntimeError(f"grid axis {a}, but the launch's grid has {len(values)} "
                                 f"ax{'is' if len(values) == 1 else 'es'}", interp.site)
    return values[a]


def to_block(v, like_float: bool = False) -> Block:
    if isinstance(v, Block):
        return v
    if isinstance(v, bool):
        return bool_block(v)
    if isinstance(v, int) and not like_float:
        return int_block(v, sym=integer(v))
    if isinstance(v, (int, float)):
        return term_block(real(float(v)))
    if isinstance(v, Term):
        return term_block(v)
    what = f"'{v.name}' (a module)" if isinstance(v, Namespace) else f"{type(v).__name__} {v!r}"[:80]
    raise KernelRuntimeError(f"{what} is not a value a kernel can compute with")  # the interpreter adds the line


def to_bool_block(v) -> Block:
    b = to_block(v)
    if b.kind == INT:
        return bool_block(b.data != 0)
    return b


def _dtype_of(*blocks: Block) -> DType:
    names = [b.dtype.name for b in blocks]
    for wanted in ("fp64", "fp32", "bf16", "fp16"):
        if wanted in names:
            return DType("fp32" if wanted in ("bf16", "fp16") and "fp32" in names else wanted)
    if any(b.kind == TERM for b in blocks):
        return DType("fp32")
    return DType("int64" if "int64" in names else "int32")


def _elementwise(fn: Callable, *arrays: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):  # −∞ − −∞ in a lane that tl.where discards is not an error
        result = np.frompyfunc(fn, len(arrays), 1)(*arrays)
    if not isinstance(result, np.ndarray):  # scalars come back unboxed
        out = np.empty((), dtype=object)
        out[()] = result
        return out
    return result


def _terms(*blocks: Block) -> list[np.ndarray]:
    return [as_terms(b) for b in blocks]


# ---------------------------------------------------------------- operators

_TERM_BINOPS = {
    "Add": fold.add, "Sub": fold.sub, "Mult": fold.mul, "Div": fold.div, "Pow": fold.power,
    "BitAnd": lambda a, b: fold.logical(Op.AND, a, b), "BitOr": lambda a, b: fold.logical(Op.OR, a, b),
}
_INT_BINOPS = {
    "Add": np.add, "Sub": np.subtract, "Mult": np.multiply, "BitAnd": np.bitwise_and, "BitOr": np.bitwise_or,
    "BitXor": np.bitwise_xor, "LShift": np.left_shift, "RShift": np.right_shift,
    # Triton's integer division and remainder truncate toward zero, as in C
    "FloorDiv": lambda a, b: np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b)),
    "Mod": lambda a, b: np.sign(a) * (np.abs(a) % np.abs(b)),
}
_SYM_OPS = {"Add": Op.ADD, "Sub": Op.SUB, "Mult": Op.MUL, "FloorDiv": Op.FLOORDIV, "Mod": Op.MOD}


def block_binop(interp, name: str, a, b):
    float_context = isinstance(a, float) or isinstance(b, float)
    a, b = to_block(a, float_context and isinstance(a, int)), to_block(b, float_context and isinstance(b, int))
    if PTR in (a.kind, b.kind):
        return _pointer_arith(interp, name, a, b)
    if a.kind in (INT, BOOL) and b.kind in (INT, BOOL) and name in _INT_BINOPS:
        if name in ("FloorDiv", "Mod") and np.any(b.data == 0):
            raise KernelRuntimeError("integer division by zero", interp.site)
        if a.kind == BOOL and b.kind == BOOL and name in ("BitAnd", "BitOr", "BitXor"):
            return bool_block(_INT_BINOPS[name](a.data, b.data))
        data = _INT_BINOPS[name](a.data.astype(np.int64), b.data.astype(np.int64))
        sym = None
        if a.sym is not None and b.sym is not None and name in _SYM_OPS:
            sym = apply(_SYM_OPS[name], a.sym, b.sym)
        return Block(np.asarray(data, dtype=np.int64), INT, _dtype_of(a, b), sym=sym)
    fn = _TERM_BINOPS.get(name)
    if fn is None:
        raise UnsupportedFeature(f"operator '{name}' on floating-point blocks", interp.site)
    if name in ("BitAnd", "BitOr"):
        return Block(_elementwise(fn, *_terms(a, b)), TERM, DType("bool"))
    return Block(_elementwise(fn, as_real_terms(a), as_real_terms(b)), TERM, _dtype_of(a, b))


def _pointer_arith(interp, name: str, a: Block, b: Block) -> Block:
    if a.kind == PTR and b.kind in (INT, BOOL) and name in ("Add", "Sub"):
        data = a.data + b.data if name == "Add" else a.data - b.data
        return Block(np.asarray(data, dtype=np.int64), PTR, a.dtype, a.tensor, gather=_spread(a.gather, data))
    if b.kind == PTR and a.kind in (INT, BOOL) and name == "Add":
        data = a.data + b.data
        return Block(np.asarray(data, dtype=np.int64), PTR, b.dtype, b.tensor, gather=_spread(b.gather, data))
    if name == "Add" and {a.kind, b.kind} == {PTR, TERM}:
        ptr, offset = (a, b) if a.kind == PTR else (b, a)
        extra = _elementwise(lambda t: _index_term(interp, t), as_terms(offset))
        shape = np.broadcast_shapes(ptr.data.shape, extra.shape)
        if ptr.gather is not None:
            extra = _elementwise(lambda p, q: canon_int(apply(Op.ADD, p, q)), ptr.gather, extra)
        return Block(np.broadcast_to(ptr.data, shape).copy(), PTR, ptr.dtype, ptr.tensor,
                     gather=np.broadcast_to(extra, shape))
    if TERM in (a.kind, b.kind):
        raise UnsupportedFeature("an address computed from loaded values (a gather or scatter) at concrete sizes",
                                 interp.site, hint="--safety-only proves its bounds for every index value the "
                                 "launch allows, e.g. t[M]:i64 in 0..C-1 | -100")
    raise UnsupportedFeature(f"pointer arithmetic '{name}' with a {a.kind} and a {b.kind} operand", interp.site)


def _spread(gather: np.ndarray | None, data) -> np.ndarray | None:
    return None if gather is None else np.broadcast_to(gather, np.shape(data))


def _index_term(interp, t: Term) -> Term:
    """A loaded value used in an address, as an integer term: elements of integer tensors, integer
    constants and +, −, · of them (`tgt * D`, an argmax index)."""
    if t.op is Op.CONST and float(t.value).is_integer():
        return integer(int(t.value))
    if not any(n.op in (Op.ACCESS, Op.PICKMAX, Op.PICKMIN) for n in walk(t)):  # sizes only: a number here
        value = _size_value(t, getattr(interp, "sizes", {}))
        if value is None or not float(value).is_integer():
            raise UnsupportedFeature(f"an address computed from a non-integer value ({t})", interp.site)
        return integer(int(value))
    if t.sort is Sort.INT:
        return t
    if t.op is Op.ACCESS and not DType(interp.tensors[str(t.attr)].dtype).is_float:
        state = interp.tensors[str(t.attr)]
        state.index_read_at = state.index_read_at or interp.site
        return Term(Op.ACCESS, t.args, t.attr, Sort.INT)
    if t.op is Op.TOREAL:
        return t.args[0]
    if t.op in (Op.ADD, Op.MUL, Op.SUB, Op.NEG):
        return canon_int(apply(t.op, *(_index_term(interp, a) for a in t.args)))
    if t.op is Op.WHERE:
        return apply(Op.WHERE, t.args[0], _index_term(interp, t.args[1]), _index_term(interp, t.args[2]))
    raise UnsupportedFeature(f"an address computed from a floating-point value ({t})", interp.site)


def _size_value(t: Term, sizes: dict[str, int]) -> float | None:
    """The number a term over sizes and constants denotes at these sizes (None: not such a term)."""
    from ..ir.intexpr import evaluate_int

    if t.sort is Sort.INT:
        try:
            return evaluate_int(t, sizes)
        except (ValueError, KeyError):
            return None
    if t.op is Op.CONST:
        return t.value
    if t.op is Op.TOREAL:
        return _size_value(t.args[0], sizes)
    parts = [_size_value(a, sizes) for a in t.args]
    if any(p is None for p in parts):
        return None
    if t.op is Op.ADD:
        return sum(parts)
    if t.op is Op.MUL:
        out = 1.0
        for p in parts:
            out *= p
        return out
    if t.op is Op.SUB:
        return parts[0] - parts[1]
    if t.op is Op.NEG:
        return -parts[0]
    return None


_CMP = {"Lt": Op.LT, "LtE": Op.LE, "Gt": Op.GT, "GtE": Op.GE, "Eq": Op.EQ, "NotEq": Op.NE}
_NP_CMP = {"Lt": np.less, "LtE": np.less_equal, "Gt": np.greater, "GtE": np.greater_equal,
           "Eq": np.equal, "NotEq": np.not_equal}


def block_compare(interp, name: str, a, b) -> Block:
    a, b = to_block(a), to_block(b)
    if name not in _CMP:
        raise UnsupportedFeature(f"comparison '{name}' on blocks", interp.site)
    if a.kind in (INT, BOOL) and b.kind in (INT, BOOL):
        return bool_block(_NP_CMP[name](a.data, b.data))
    if PTR in (a.kind, b.kind):
        raise UnsupportedFeature("comparison of pointers", interp.site)
    op = _CMP[name]
    return Block(_elementwise(lambda x, y: fold.compare(op, x, y), *_terms(a, b)), TERM, DType("bool"))


def block_unaryop(interp, name: str, a) -> Block:
    a = to_block(a)
    if name == "USub":
        if a.kind == INT:
            return Block(-a.data, INT, a.dtype, sym=None if a.sym is None else apply(Op.NEG, a.sym))
        return Block(_elementwise(fold.neg, as_terms(a)), TERM, a.dtype)
    if name == "UAdd":
        return a
    if name in ("Not", "Invert"):
        if a.kind == BOOL:
            return bool_block(~a.data)
        if a.kind == INT:
            return Block(np.logical_not(a.data) if name == "Not" else ~a.data, BOOL if name == "Not" else INT,
                         DType("bool") if name == "Not" else a.dtype)
        return Block(_elementwise(lambda t: fold.logical(Op.NOT, t), as_terms(a)), TERM, DType("bool"))
    raise UnsupportedFeature(f"unary operator '{name}' on a block", interp.site)


# ---------------------------------------------------------------- tl functions


def _arg(args, kwargs, pos: int, name: str, default=None):
    if name in kwargs:
        return kwargs[name]
    return args[pos] if len(args) > pos else default


def _shape(interp, value) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(interp.as_int(v, "shape") for v in value)
    return (interp.as_int(value, "shape"),)


def _dtype(value) -> DType:
    if isinstance(value, DType):
        return value
    if isinstance(value, PointerType):
        return value.element_ty
    if isinstance(value, str):
        return DType(value)
    return DType("fp32")


def _full(interp, shape, value, dtype) -> Block:
    shape = _shape(interp, shape)
    dtype = _dtype(dtype)
    if dtype.is_float:
        v = value if isinstance(value, Block) else real(float(value))
        term = as_terms(v)[()] if isinstance(v, Block) else v
        data = np.empty(shape, dtype=object)
        data.fill(term)
        return Block(data, TERM, dtype)
    if dtype.name == "bool":
        return bool_block(np.full(shape, bool(value)))
    return Block(np.full(shape, interp.as_int(value, "fill value"), dtype=np.int64), INT, dtype)


def _load(interp, args, kwargs, node):
    ptr = _arg(args, kwargs, 0, "pointer")
    mask = _arg(args, kwargs, 1, "mask")
    other = _arg(args, kwargs, 2, "other")
    if _arg(args, kwargs, 3, "boundary_check") not in (None, ()):
        raise UnsupportedFeature("tl.load with boundary_check (block pointers)", interp.site)
    ptr = _pointer(interp, ptr, "tl.load")
    tensor = interp.tensors[ptr.tensor]
    shape = ptr.shape
    mask_arr = _mask(interp, mask, shape)
    other_arr = None
    if other is not None:
        other_arr = np.broadcast_to(as_terms(to_block(other, like_float=True)), shape)
    out = np.empty(shape, dtype=object)
    offsets = np.broadcast_to(ptr.data, shape)
    gathered = None if ptr.gather is None else np.broadcast_to(ptr.gather, shape)
    for idx in np.ndindex(*shape) if shape else [()]:
        condition = _data_lane(mask_arr, idx)
        extra = None if gathered is None else gathered[idx]
        if condition is not None:  # (c ? x[offset] : other), read only where c holds
            out[idx] = fold.where(condition, _read(interp, tensor, int(offsets[idx]), extra, idx, guarded=True),
                                  other_arr[idx] if other_arr is not None else _masked_off(tensor, interp))
        elif mask_arr is None or mask_arr[idx]:
            out[idx] = _read(interp, tensor, int(offsets[idx]), extra, idx)
        elif other_arr is not None:
            out[idx] = other_arr[idx]
        else:
            out[idx] = _masked_off(tensor, interp)
    return Block(out, TERM, ptr.dtype.element_ty if isinstance(ptr.dtype, PointerType) else DType(tensor.dtype))


def _masked_off(tensor, interp) -> Term:
    from ..ir.term import undef

    return undef(f"masked-off lane of {tensor.name} loaded without other= at {interp.site}")


def _read(interp, tensor, offset: int, gathered: Term | None, lane, guarded: bool = False) -> Term:
    """One lane's element; `gathered`: the part of its offset loaded from memory. `guarded`: the read
    happens only where a data-dependent mask holds, so an offset outside the tensor is no error here
    (the lane may be off); its value is undefined, a formula that uses it is refused, and the all-sizes
    safety proof decides whether the mask keeps it off."""
    from ..ir.term import undef

    if gathered is not None:
        return tensor.gather(offset, gathered, interp.pid, interp.site, interp.events, lane)
    if guarded and tensor.index_of(offset) is None:
        return undef(f"{tensor.name} at offset {offset}, read where a data-dependent mask holds at {interp.site}")
    return tensor.load(offset, interp.pid, interp.site, interp.events, lane)


def _store(interp, args, kwargs, node):
    ptr = _pointer(interp, _arg(args, kwargs, 0, "pointer"), "tl.store")
    if ptr.gather is not None:
        raise UnsupportedFeature("tl.store at addresses computed from loaded values (a scatter)", interp.site)
    value = to_block(_arg(args, kwargs, 1, "value"), like_float=True)
    mask = _arg(args, kwargs, 2, "mask")
    if _arg(args, kwargs, 3, "boundary_check") not in (None, ()):
        raise UnsupportedFeature("tl.store with boundary_check (block pointers)", interp.site)
    tensor = interp.tensors[ptr.tensor]
    shape = np.broadcast_shapes(ptr.shape, value.shape)
    offsets = np.broadcast_to(ptr.data, shape)
    values = np.broadcast_to(as_terms(value), shape)
    mask_arr = _mask(interp, mask, shape)
    for idx in np.ndindex(*shape) if shape else [()]:
        condition = _data_lane(mask_arr, idx)
        if condition is not None:  # written where c holds, else the element keeps what it held
            offset = int(offsets[idx])
            if tensor.index_of(offset) is None:
                raise UnsupportedFeature(f"a store outside {tensor.name} under a mask that depends on data",
                                         interp.site)
            tensor.store(offset, fold.where(condition, values[idx], tensor.current(offset)), interp.pid,
                         interp.site, interp.events, idx)
        elif mask_arr is None or mask_arr[idx]:
            tensor.store(int(offsets[idx]), values[idx], interp.pid, interp.site, interp.events, idx)
    return None


def _pointer(interp, value, what: str) -> Block:
    if isinstance(value, Block) and value.kind == PTR:
        return value
    raise UnsupportedFeature(f"{what} of something that is not a pointer block ({value!r})", interp.site,
                             hint="block pointers (tl.make_block_ptr) and tensor descriptors are not modelled yet")


def _broadcast(a: tuple, b: tuple) -> tuple | None:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def _mask(interp, mask, shape) -> np.ndarray | None:
    if mask is None:
        return None
    m = to_bool_block(mask)
    if _broadcast(m.data.shape, shape) != tuple(shape):
        if not shape or _broadcast(m.data.shape, shape) is None:  # Triton rejects these too
            raise KernelRuntimeError(f"a mask of shape {list(m.data.shape)} for pointers of shape {list(shape)}",
                                     interp.site)
        raise UnsupportedFeature(f"a mask of shape {list(m.data.shape)} wider than its pointers of shape "
                                 f"{list(shape)} (pointers broadcast up to the mask)", interp.site)
    if m.kind == BOOL:
        return np.broadcast_to(m.data, shape)
    terms = as_terms(m)
    if all(t.op is Op.CONST for t in terms.flat):
        return np.broadcast_to(np.vectorize(lambda t: bool(t.value), otypes=[bool])(terms), shape)
    # a mask that depends on loaded data: each lane's condition as a term (True/False where decided)
    return np.broadcast_to(_elementwise(lambda t: bool(t.value) if t.op is Op.CONST else t, terms), shape)


def _data_lane(mask_arr, idx) -> Term | None:
    """The condition of a lane whose mask depends on data, or None for a decided lane."""
    if mask_arr is None or mask_arr.dtype != object:
        return None
    m = mask_arr[idx]
    return None if isinstance(m, bool) else m


def _where(interp, args, kwargs, node):
    cond, a, b = (_arg(args, kwargs, i, n) for i, n in enumerate(("condition", "x", "y")))
    cond = to_bool_block(cond)
    float_context = any(isinstance(v, Block) and v.kind == TERM for v in (a, b)) or \
        isinstance(a, float) or isinstance(b, float)
    a, b = to_block(a, float_context), to_block(b, float_context)
    if cond.kind == BOOL and a.kind == INT and b.kind == INT:
        return Block(np.where(cond.data, a.data, b.data), INT, _dtype_of(a, b))
    if cond.kind == BOOL and PTR in (a.kind, b.kind):
        if a.kind == PTR and b.kind == PTR and a.tensor == b.tensor and a.gather is None and b.gather is None:
            return Block(np.where(cond.data, a.data, b.data), PTR, a.dtype, a.tensor)
        raise UnsupportedFeature("tl.where choosing between different pointers", interp.site)
    c, x, y = as_terms(cond), as_terms(a), as_terms(b)
    return Block(_elementwise(fold.where, c, x, y), TERM, _dtype_of(a, b))


def _unary(op: Op) -> Builtin:
    def impl(interp, args, kwargs, node):
        x = to_block(args[0], like_float=True)
        return Block(_elementwise(lambda t: fold.unary(op, t), as_terms(x)), TERM, _dtype_of(x))

    return Builtin(op.value, impl)


def _binary(fn: Callable, name: str) -> Builtin:
    def impl(interp, args, kwargs, node):
        integral = all(isinstance(v, int) or (isinstance(v, Block) and v.kind == INT) for v in args[:2])
        a, b = to_block(args[0], not integral), to_block(args[1], not integral)
        if fn in (fold.maximum, fold.minimum) and a.kind == INT and b.kind == INT:
            np_fn = np.maximum if fn is fold.maximum else np.minimum
            return Block(np_fn(a.data, b.data), INT, _dtype_of(a, b))
        return Block(_elementwise(fn, as_terms(a), as_terms(b)), TERM, _dtype_of(a, b))

    return Builtin(name, impl)


def _rsqrt(t: Term) -> Term:
    return fold.unary(Op.RSQRT, t)


def _axis(interp, axis, ndim: int) -> int | None:
    """A reduction axis, checked as Triton checks it (an out-of-range axis is a kernel error)."""
    if axis is None:
        return None
    a = interp.as_int(axis, "axis")
    if not -max(ndim, 1) <= a < max(ndim, 1):
        raise KernelRuntimeError(f"axis {a} is out of range for a block of rank {ndim}", interp.site)
    return a % max(ndim, 1)


def _reduction(fold_fn: Callable, int_fn: Callable, name: str) -> Builtin:
    def impl(interp, args, kwargs, node):
        x = to_block(_arg(args, kwargs, 0, "input"))
        axis = _axis(interp, _arg(args, kwargs, 1, "axis"), x.data.ndim)
        keep = bool(_arg(args, kwargs, 4 if name != "sum" else 2, "keep_dims", False))
        if _arg(args, kwargs, 2, "return_indices", False) and name in ("max", "min"):
            values = impl(interp, [x, axis], {"keep_dims": keep}, node)
            return values, _indices(interp, x, axis, keep, name, _arg(args, kwargs, 3, "return_indices_tie_break_left", True))
        if x.kind in (INT, BOOL):
            data = int_fn(x.data.astype(np.int64), axis=axis,
                          keepdims=keep)
            return Block(np.asarray(data, dtype=np.int64), INT, x.dtype)
        return Block(reduce_terms(as_real_terms(x), axis, keep, fold_fn),
                     TERM, x.dtype if x.dtype.name != "bool" else DType("int32"))

    return Builtin(name, impl)


def _indices(interp, x: Block, axis: int | None, keep: bool, name: str, tie_break_left) -> Block:
    """The index half of tl.max/tl.min(..., return_indices=True) and of tl.argmax/tl.argmin."""
    if not tie_break_left:
        raise UnsupportedFeature(f"tl.{name} indices with tie_break_left=False (which of several equal "
                                 "extrema is returned is unspecified)", interp.site)
    if x.kind in (INT, BOOL):  # np.argmax returns the first of equal maxima, as Triton's tie rule does
        fn = np.argmax if name == "max" else np.argmin
        data = fn(x.data.astype(np.int64), axis=axis, keepdims=keep) if axis is not None else fn(x.data)
        return Block(np.asarray(data, dtype=np.int64), INT, DType("int32"))
    op = Op.PICKMAX if name == "max" else Op.PICKMIN
    picked = reduce_terms(as_real_terms(x), axis, keep,
                          lambda *row: fold.pick(op, *(fold.at(p, v) for p, v in enumerate(row))))
    return Block(picked, TERM, DType("int32"))


def _arg_reduction(name: str) -> Builtin:
    def impl(interp, args, kwargs, node):
        x = to_block(_arg(args, kwargs, 0, "input"))
        axis = _axis(interp, _arg(args, kwargs, 1, "axis"), x.data.ndim)
        keep = bool(_arg(args, kwargs, 3, "keep_dims", False))
        return _indices(interp, x, axis, keep, name, _arg(args, kwargs, 2, "tie_break_left", True))

    return Builtin("arg" + name, impl)


def reduce_terms(data: np.ndarray, axis: int | None, keep: bool, fn: Callable) -> np.ndarray:
    if axis is None:
        out = np.empty((), dtype=object)
        out[()] = fn(*data.ravel()) if data.size else fn()
        return out.reshape((1,) * data.ndim) if keep else out
    axis = axis % data.ndim
    moved = np.moveaxis(data, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = np.empty(rows.shape[0], dtype=object)
    for r in range(rows.shape[0]):
        out[r] = fn(*rows[r])
    out = out.reshape(moved.shape[:-1])
    return np.expand_dims(out, axis) if keep else out


def _tl_reduce(interp, args, kwargs, node):
    from .interp import JitFunction

    inputs = _arg(args, kwargs, 0, "input")
    axis = _arg(args, kwargs, 1, "axis")
    combine = _arg(args, kwargs, 2, "combine_fn")
    keep = bool(_arg(args, kwargs, 3, "keep_dims", False))
    if not isinstance(combine, JitFunction):
        raise UnsupportedFeature("tl.reduce with a combine_fn that is not a @triton.jit function", interp.site)
    is_tuple = isinstance(inputs, tuple)
    blocks = [to_block(b) for b in (inputs if is_tuple else (inputs,))]
    arrays = [as_terms(b) for b in blocks]
    shape = arrays[0].shape
    ax = _axis(interp, axis, len(shape))
    moved = [a.reshape(1, -1) if ax is None else np.moveaxis(a, ax, -1).reshape(-1, shape[ax]) for a in arrays]
    outs = [np.empty(moved[0].shape[0], dtype=object) for _ in arrays]
    for r in range(moved[0].shape[0]):
        acc = [term_block(m[r, 0]) for m in moved]
        for c in range(1, moved[0].shape[1]):
            result = interp.call(combine, acc + [term_block(m[r, c]) for m in moved], {})
            result = result if isinstance(result, tuple) else (result,)
            acc = [to_block(v, True) for v in result]
        for o, a in zip(outs, acc):
            o[r] = as_terms(a)[()]
    final_shape = () if ax is None else tuple(s for i, s in enumerate(shape) if i != ax)
    results = []
    for o, b in zip(outs, blocks):
        data = o.reshape(final_shape)
        if keep:
            data = np.expand_dims(data, ax if ax is not None else 0)
        results.append(Block(data, TERM, b.dtype))
    return tuple(results) if is_tuple else results[0]


def _dot(interp, args, kwargs, node):
    a, b = to_block(args[0], True), to_block(args[1], True)
    acc = _arg(args, kwargs, 2, "acc")
    x, y = as_terms(a), as_terms(b)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[0]:
        raise KernelRuntimeError(f"tl.dot of shapes {list(x.shape)} and {list(y.shape)}", interp.site)
    out = np.empty((x.shape[0], y.shape[1]), dtype=object)
    for m in range(x.shape[0]):
        for n in range(y.shape[1]):
            out[m, n] = fold.add(*(fold.mul(x[m, k], y[k, n]) for k in range(x.shape[1])))
    result = Block(out, TERM, DType("fp32"))
    if acc is not None:
        result = block_binop(interp, "Add", to_block(acc, True), result)
    return result


def _cumsum(interp, args, kwargs, node):
    x = to_block(_arg(args, kwargs, 0, "input"), True)
    axis = _axis(interp, _arg(args, kwargs, 1, "axis", 0), x.data.ndim)
    if _arg(args, kwargs, 2, "reverse", False):
        raise UnsupportedFeature("tl.cumsum(reverse=True)", interp.site)
    data = np.moveaxis(as_terms(x).copy(), axis, -1)
    for idx in np.ndindex(*data.shape[:-1]):
        for c in range(1, data.shape[-1]):
            data[idx + (c,)] = fold.add(data[idx + (c - 1,)], data[idx + (c,)])
    return Block(np.moveaxis(data, -1, axis), TERM, x.dtype)


def _cast(interp, x, dtype) -> Block:
    x = to_block(x)
    dtype = _dtype(dtype)
    if x.kind == PTR:
        raise UnsupportedFeature("casting a pointer", interp.site)
    if dtype.is_float:
        return Block(as_real_terms(x), TERM, dtype)  # a cast is the identity over the reals (true is 1)
    if dtype.name == "bool":
        return to_bool_block(x) if x.kind != TERM else Block(
            _elementwise(lambda t: fold.compare(Op.NE, t, real(0.0)), as_terms(x)), TERM, dtype)
    if x.kind in (INT, BOOL):
        return Block(x.data.astype(np.int64), INT, dtype, sym=x.sym)
    raise UnsupportedFeature(f"casting floating-point data to {dtype.name}", interp.site)


def block_attribute(interp, block: Block, attr: str):
    if attr == "to":
        return Builtin("to", lambda i, a, k, n: _cast(i, block, _arg(a, k, 0, "dtype")))
    if attr == "dtype":
        return block.dtype if block.kind != PTR else PointerType(block.dtype.element_ty
                                                                 if isinstance(block.dtype, PointerType)
                                                                 else block.dtype)
    if attr == "shape":
        return block.shape
    if attr == "T":
        return block.with_data(block.data.T)
    if attr in ("reshape", "view"):
        return Builtin(attr, lambda i, a, k, n: block.with_data(block.data.reshape(_shape(i, a[0] if len(a) == 1
                                                                                          else a))))
    raise UnsupportedFeature(f"block attribute '.{attr}'", interp.site)


def dtype_attribute(dtype, attr: str):
    if attr == "element_ty":
        return dtype.element_ty
    if attr == "is_floating":
        return Builtin("is_floating", lambda i, a, k, n: dtype.is_float)
    if attr == "primitive_bitwidth":
        return {"fp64": 64, "int64": 64, "fp32": 32, "int32": 32, "fp16": 16, "bf16": 16}.get(dtype.name, 32)
    return dtype.name


def _noop(interp, args, kwargs, node):
    return args[0] if args else None


def _static_assert(interp, args, kwargs, node):
    if not interp.truth(args[0], "tl.static_assert"):
        raise KernelRuntimeError(f"static assertion failed: {ast.unparse(node)}", interp.site)


def _unsupported(name: str, why: str) -> Builtin:
    def impl(interp, args, kwargs, node):
        raise UnsupportedFeature(f"tl.{name} ({why})", interp.site)

    return Builtin(name, impl)


def _fma(interp, args, kwargs, node):
    a, b, c = (to_block(v, True) for v in args[:3])
    return Block(_elementwise(lambda x, y, z: fold.add(fold.mul(x, y), z), *_terms(a, b, c)), TERM, _dtype_of(a, b, c))


def _clamp(interp, args, kwargs, node):
    x, lo, hi = (to_block(v, True) for v in args[:3])
    return Block(_elementwise(lambda t, l, h: fold.minimum(fold.maximum(t, l), h), *_terms(x, lo, hi)), TERM,
                 _dtype_of(x))


def _arange(interp, args, kwargs, node):
    start, end = interp.as_int(_arg(args, kwargs, 0, "start"), "arange start"), \
        interp.as_int(_arg(args, kwargs, 1, "end"), "arange end")
    width = end - start
    if width <= 0 or width & (width - 1):
        raise KernelRuntimeError(f"tl.arange({start}, {end}): the range must be a positive power of 2 "
                                 f"(Triton rejects {width})", interp.site)
    return int_block(np.arange(start, end))


_DTYPES = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "float64": "fp64", "int1": "bool",
           "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64", "uint8": "uint8",
           "uint16": "uint16", "uint32": "uint32", "uint64": "uint64", "float8e4nv": "fp8e4nv",
           "float8e5": "fp8e5"}

MATH = {
    "exp": _unary(Op.EXP), "exp2": _unary(Op.EXP2), "log": _unary(Op.LOG), "log2": _unary(Op.LOG2),
    "sqrt": _unary(Op.SQRT), "sqrt_rn": _unary(Op.SQRT), "rsqrt": _unary(Op.RSQRT), "abs": _unary(Op.ABS),
    "fabs": _unary(Op.ABS), "erf": _unary(Op.ERF), "tanh": _unary(Op.TANH), "sin": _unary(Op.SIN),
    "cos": _unary(Op.COS), "sigmoid": _unary(Op.SIGMOID), "floor": _unary(Op.FLOOR), "ceil": _unary(Op.CEIL),
    "fdiv": _binary(fold.div, "fdiv"), "div_rn": _binary(fold.div, "div_rn"), "pow": _binary(fold.power, "pow"),
    "maximum": _binary(fold.maximum, "maximum"), "minimum": _binary(fold.minimum, "minimum"),
    "fmax": _binary(fold.maximum, "fmax"), "fmin": _binary(fold.minimum, "fmin"),
    "fma": Builtin("fma", _fma),
}

TL: dict[str, object] = dict(MATH)
TL.update({
    "program_id": Builtin("program_id", lambda i, a, k, n: int_block(_grid_axis(i, i.pid, _arg(a, k, 0, "axis")))),
    "num_programs": Builtin("num_programs",
                            lambda i, a, k, n: int_block(_grid_axis(i, i.grid, _arg(a, k, 0, "axis")))),
    "arange": Builtin("arange", _arange),
    "zeros": Builtin("zeros", lambda i, a, k, n: _full(i, _arg(a, k, 0, "shape"), 0, _arg(a, k, 1, "dtype"))),
    "full": Builtin("full", lambda i, a, k, n: _full(i, _arg(a, k, 0, "shape"), _arg(a, k, 1, "value"),
                                                     _arg(a, k, 2, "dtype"))),
    "zeros_like": Builtin("zeros_like", lambda i, a, k, n: _full(i, to_block(a[0]).shape, 0, to_block(a[0]).dtype)),
    "load": Builtin("load", _load),
    "store": Builtin("store", _store),
    "where": Builtin("where", _where),
    "sum": _reduction(fold.add, np.sum, "sum"),
    "max": _reduction(fold.maximum, np.max, "max"),
    "min": _reduction(fold.minimum, np.min, "min"),
    "argmax": _arg_reduction("max"),
    "argmin": _arg_reduction("min"),
    "reduce": Builtin("reduce", _tl_reduce),
    "dot": Builtin("dot", _dot),
    "cumsum": Builtin("cumsum", _cumsum),
    "clamp": Builtin("clamp", _clamp),
    "cdiv": Builtin("cdiv", lambda i, a, k, n: _cdiv(i, a)),
    "cast": Builtin("cast", lambda i, a, k, n: _cast(i, a[0], _arg(a, k, 1, "dtype"))),
    "multiple_of": Builtin("multiple_of", _noop), "max_contiguous": Builtin("max_contiguous", _noop),
    "max_constancy": Builtin("max_constancy", _noop), "assume": Builtin("assume", lambda i, a, k, n: None),
    "debug_barrier": Builtin("debug_barrier", lambda i, a, k, n: None),
    "static_print": Builtin("static_print", lambda i, a, k, n: None),
    "device_print": Builtin("device_print", lambda i, a, k, n: None),
    "static_assert": Builtin("static_assert", _static_assert),
    "device_assert": Builtin("device_assert", lambda i, a, k, n: None),
    "constexpr": Builtin("constexpr", lambda i, a, k, n: a[0] if a else None),
    "static_range": static_range, "range": tl_range,
    "broadcast_to": Builtin("broadcast_to", lambda i, a, k, n: to_block(a[0]).with_data(
        np.broadcast_to(to_block(a[0]).data, _shape(i, a[1] if len(a) == 2 else a[1:])))),
    "reshape": Builtin("reshape", lambda i, a, k, n: to_block(a[0]).with_data(
        to_block(a[0]).data.reshape(_shape(i, a[1] if len(a) == 2 else a[1:])))),
    "view": Builtin("view", lambda i, a, k, n: to_block(a[0]).with_data(
        to_block(a[0]).data.reshape(_shape(i, a[1] if len(a) == 2 else a[1:])))),
    "expand_dims": Builtin("expand_dims", lambda i, a, k, n: to_block(a[0]).with_data(
        np.expand_dims(to_block(a[0]).data, i.as_int(_arg(a, k, 1, "axis"), "axis")))),
    "trans": Builtin("trans", lambda i, a, k, n: to_block(a[0]).with_data(to_block(a[0]).data.T)),
    "ravel": Builtin("ravel", lambda i, a, k, n: to_block(a[0]).with_data(to_block(a[0]).data.ravel())),
})
for _name in ("atomic_add", "atomic_max", "atomic_min", "atomic_cas", "atomic_xchg", "atomic_and", "atomic_or"):
    TL[_name] = _unsupported(_name, "atomics are not modelled yet")
for _name in ("rand", "randn", "randint", "randint4x", "philox"):
    TL[_name] = _unsupported(_name, "random numbers are not modelled yet")
for _name in ("make_block_ptr", "advance", "make_tensor_descriptor", "associative_scan", "sort", "histogram",
              "inline_asm_elementwise", "join", "split", "interleave", "umulhi"):
    TL.setdefault(_name, _unsupported(_name, "not modelled yet"))
for _py, _tl in _DTYPES.items():
    TL[_py] = DType(_tl)


def _cdiv(interp, args) -> object:
    a, b = args[0], args[1]
    if is_python_scalar(a) and is_python_scalar(b):
        return -(-int(a) // int(b))
    ba, bb = to_block(a), to_block(b)
    if ba.kind != INT or bb.kind != INT:
        raise UnsupportedFeature("tl.cdiv of non-integers", interp.site)
    data = -(-ba.data // bb.data)
    sym = apply(Op.CDIV, ba.sym, bb.sym) if ba.sym is not None and bb.sym is not None else None
    return Block(np.asarray(data, dtype=np.int64), INT, _dtype_of(ba, bb), sym=sym)


def _namespaces():
    math_ns = Namespace("tl.math", MATH)
    libdevice = Namespace("libdevice", MATH)
    cuda = Namespace("tl.extra.cuda", {"libdevice": libdevice})
    extra = Namespace("tl.extra", {"cuda": cuda, "libdevice": libdevice})
    tl_ns = Namespace("tl", {**TL, "math": math_ns, "extra": extra, "libdevice": libdevice,
                             "core": None})
    tl_ns.table["core"] = tl_ns
    triton_ns = Namespace("triton", {"language": tl_ns, "cdiv": TL["cdiv"],
                                     "next_power_of_2": Builtin("next_power_of_2", _next_pow2),
                                     "jit": Builtin("jit", lambda i, a, k, n: a[0] if a else None)})
    return tl_ns, math_ns, libdevice, triton_ns


def _next_pow2(interp, args, kwargs, node):
    n = interp.as_int(args[0], "next_power_of_2")
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


TL_NS, MATH_NS, LIBDEVICE_NS, TRITON_NS = _namespaces()
_MODULES = {
    "triton": TRITON_NS, "triton.language": TL_NS, "triton.language.math": MATH_NS,
    "triton.language.extra.cuda.libdevice": LIBDEVICE_NS, "triton.language.extra.libdevice": LIBDEVICE_NS,
    "triton.language.libdevice": LIBDEVICE_NS, "triton.language.core": TL_NS,
}


def resolve_qualified(qual: str):
    """An import path (`triton.language.extra.cuda.libdevice.erf`) to the value it names."""
    if qual in _MODULES:
        return _MODULES[qual]
    module, _, name = qual.rpartition(".")
    if module in _MODULES:
        ns = _MODULES[module]
        return ns.table.get(name)
    return None


BUILTINS = {
    "range": range, "min": Builtin("min", lambda i, a, k, n: _py_or_block(i, min, fold.minimum, a)),
    "max": Builtin("max", lambda i, a, k, n: _py_or_block(i, max, fold.maximum, a)),
    "float": Builtin("float", lambda i, a, k, n: float(a[0])), "int": Builtin("int", lambda i, a, k, n: int(a[0])),
    "bool": Builtin("bool", lambda i, a, k, n: bool(a[0])), "len": Builtin("len", lambda i, a, k, n: len(a[0])),
    "abs": Builtin("abs", lambda i, a, k, n: abs(a[0]) if is_python_scalar(a[0]) else MATH["abs"].impl(i, a, k, n)),
    "print": Builtin("print", lambda i, a, k, n: None), "isinstance": Builtin("isinstance", lambda i, a, k, n: False),
    "tuple": Builtin("tuple", lambda i, a, k, n: tuple(a[0]) if a else ()),
    "True": True, "False": False, "None": None,
}


def _py_or_block(interp, py_fn, term_fn, args):
    if all(is_python_scalar(a) for a in args):
        return py_fn(*args)
    result = to_block(args[0])
    for other in args[1:]:
        result = _binary(term_fn, "minmax").impl(interp, [result, other], {}, None)
    return result


__all__ = ["TL", "Builtin", "block_binop", "block_compare", "block_unaryop", "to_block", "NEG_INF", "POS_INF",
           "const"]


# ---------------------------------------------------------------- the interpreter's view of blocks

BLOCK_TYPE = Block


def subscript(interp, block: Block, key: tuple) -> Block:
    return block.with_data(block.data[key])


def block_truth(interp, value: Block, what: str) -> bool:
    if value.shape != ():
        raise UnsupportedFeature(f"{what} on a block of shape {list(value.shape)}", interp.site)
    if value.kind in (INT, BOOL):
        return bool(value.data[()])
    if value.kind == TERM:
        t = value.data[()]
        if t.op is Op.CONST:
            return bool(t.value)
        raise UnsupportedFeature(f"{what} that depends on tensor data (a data-dependent branch)", interp.site,
                                 hint="rewrite it with tl.where")
    raise UnsupportedFeature(f"{what} on a pointer", interp.site)


def block_int(interp, value: Block, what: str) -> int:
    if value.kind in (INT, BOOL) and value.shape == ():
        return int(value.data[()])
    if value.kind == TERM:
        raise UnsupportedFeature(f"{what} that depends on tensor data", interp.site)
    raise TritonLiftError(f"{what} is not an integer: {value!r}", interp.site)
