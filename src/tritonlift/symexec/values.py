"""Values inside the executor: blocks (tiles) of concrete integers/booleans, of terms, or pointers.

Index arithmetic, masks and pointer offsets are concrete at the chosen sizes (numpy int64/bool
arrays); floating-point data are terms (numpy object arrays). A scalar is a block of shape ().
A scalar integer that came from the launch keeps its symbolic meaning in `sym` (the size `N`),
so that `x / N` becomes a division by the size N rather than by the number 5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import KernelRuntimeError
from ..ir.term import Sort, Term, const, real
from . import fold

INT, BOOL, TERM, PTR = "int", "bool", "term", "ptr"

FLOAT_DTYPES = {"fp32", "fp16", "bf16", "fp64", "fp8e4nv", "fp8e5"}
INT_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


@dataclass(frozen=True)
class DType:
    name: str  # fp32, int32, bool, ...

    @property
    def is_float(self) -> bool:
        return self.name in FLOAT_DTYPES

    @property
    def element_ty(self) -> "DType":
        return self


@dataclass(frozen=True)
class PointerType:
    element_ty: DType


class Block:
    """A tile. `kind` is INT, BOOL (concrete), TERM (object array of Terms) or PTR (offsets)."""

    __slots__ = ("data", "kind", "dtype", "tensor", "sym", "gather")

    def __init__(self, data: np.ndarray, kind: str, dtype: DType, tensor: str | None = None,
                 sym: Term | None = None, gather: np.ndarray | None = None):
        self.data = data
        self.kind = kind
        self.dtype = dtype
        self.tensor = tensor  # for PTR: the tensor the offsets point into
        self.sym = sym  # for a scalar INT from the launch: its meaning as a size expression
        # for PTR: a part of each offset computed from loaded values (a gather), INT terms of `data`'s shape
        self.gather = gather

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    def with_data(self, data: np.ndarray, sym: Term | None = None) -> "Block":
        if self.gather is not None:  # its terms would have to be reshaped alike: not modelled
            from ..errors import UnsupportedFeature

            raise UnsupportedFeature("a pointer computed from loaded values (a gather) that is reshaped, "
                                     "broadcast or indexed before its load")
        return Block(data, self.kind, self.dtype, self.tensor, sym)

    def __repr__(self) -> str:
        dtype = getattr(self.dtype, "name", "pointer")  # a PointerType has no name of its own
        return f"Block({self.kind}, {dtype}, shape={self.shape}, tensor={self.tensor})"


def int_block(value, dtype: str = "int32", sym: Term | None = None) -> Block:
    return Block(np.asarray(value, dtype=np.int64), INT, DType(dtype), sym=sym)


def bool_block(value) -> Block:
    return Block(np.asarray(value, dtype=bool), BOOL, DType("bool"))


def term_block(terms, dtype: str = "fp32") -> Block:
    arr = np.empty(np.shape(terms), dtype=object)
    if arr.shape == ():
        arr[()] = terms
    else:
        arr[...] = terms
    return Block(arr, TERM, DType(dtype))


_to_term_int = np.frompyfunc(lambda v: real(float(v)), 1, 1)
_to_term_bool = np.frompyfunc(lambda v: const(bool(v)), 1, 1)
_to_real = np.frompyfunc(fold.to_real, 1, 1)


def as_terms(block: Block) -> np.ndarray:
    """The block's values as an object array of REAL (or BOOL) terms."""
    if block.kind == TERM:
        return block.data
    if block.kind == INT:
        if block.sym is not None and block.data.shape == ():
            out = np.empty((), dtype=object)
            out[()] = fold.to_real(block.sym)
            return out
        return _objects(_to_term_int(block.data)) if block.data.size else np.empty(block.data.shape, dtype=object)
    if block.kind == BOOL:
        return _objects(_to_term_bool(block.data)) if block.data.size else np.empty(block.data.shape, dtype=object)
    raise KernelRuntimeError("a pointer is used as a value (a tl.load missing?)")  # the interpreter adds the line


def _objects(x) -> np.ndarray:
    """np.frompyfunc gives a bare object for a 0-d input: keep it a 0-d array like every block."""
    if isinstance(x, np.ndarray):
        return x
    out = np.empty((), dtype=object)
    out[()] = x
    return out


_bool_to_real = np.frompyfunc(lambda t: fold.where(t, real(1.0), real(0.0)) if t.sort is Sort.BOOL else t, 1, 1)


def as_real_terms(block: Block) -> np.ndarray:
    """Terms for arithmetic: a boolean counts as 1 or 0, as Triton promotes it."""
    terms = as_terms(block)
    if block.kind == BOOL or (block.kind == TERM and block.dtype.name == "bool"):
        return _objects(_bool_to_real(terms)) if terms.size else terms
    return terms


def is_concrete_bool(terms: np.ndarray) -> bool:
    return all(isinstance(t, Term) and t.sort is Sort.BOOL and t.op.name == "CONST" for t in terms.flat)
