"""Symbolic execution of a whole launch at concrete sizes: every program id, every store.

The result is a `Spec`: for each tensor the kernel stores to, the final term of every element it
wrote, plus the events (out-of-bounds accesses, races) that a verdict must account for.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..frontend.kernel import Kernel
from ..ir.term import Term, access, integer, param, real
from ..launch.bind import BoundLaunch, ConcreteLaunch
from ..launch.model import FloatArg, IntArg, LiteralArg, NoneArg, TensorArg
from ..errors import UnsupportedFeature
from ..ir.intexpr import evaluate_int
from .interp import Interpreter, JitFunction
from .memory import Event, TensorState
from .values import PTR, Block, DType, PointerType, int_block, term_block


@dataclass(frozen=True)
class OutputSpec:
    tensor: str
    shape: tuple[int, ...]
    values: dict[tuple[int, ...], Term]  # the final value of each written element
    sites: dict[tuple[int, ...], str]  # where that value was stored (file:line)


@dataclass(frozen=True)
class Spec:
    sizes: dict[str, int]
    config: int
    grid: tuple[int, ...]
    outputs: dict[str, OutputSpec]
    events: tuple[Event, ...]
    inputs_read: tuple[str, ...]
    gathered: tuple[str, ...] = ()  # read at indices loaded from memory: bounds not checked at these sizes


def execute(kernel: Kernel, bound: BoundLaunch, concrete: ConcreteLaunch, config: int = 0) -> Spec:
    tensors = {t.name: TensorState(t.name, concrete.shapes[t.name], concrete.strides[t.name], t.dtype)
               for t in bound.tensors}
    events: list[Event] = []
    env = dict(concrete.sizes)
    for pid in itertools.product(*(range(g) for g in concrete.grid)):
        pid3 = tuple(pid) + (0,) * (3 - len(pid))
        grid3 = tuple(concrete.grid) + (1,) * (3 - len(concrete.grid))
        interp = Interpreter(tensors, pid3, grid3, events)
        interp.sizes = env  # gathers: a size in an address is a number here, like every other offset
        args = {name: _argument(arg, env) for name, arg in bound.args}
        args.update(concrete.constexprs)
        interp.call(JitFunction(kernel.module, kernel.func), [], args)
    stated = {t.name for t in bound.tensors if t.values}
    unstated = [s for n, s in tensors.items() if s.index_read_at is not None and n not in stated]
    if unstated:  # a formula over x[i, t[i]] needs t's values: random ones would read outside x
        name = unstated[0].name
        raise UnsupportedFeature(f"'{name}' holds indices that address another tensor: state the values it "
                                 f"may hold in the launch", unstated[0].index_read_at,
                                 hint=f"e.g. {name}[M]:i64 in 0..C-1 (add | -100 for a sentinel)")
    outputs = {}
    for name, state in tensors.items():
        if not state.writes:
            continue
        values, sites = {}, {}
        for offset, writes in state.writes.items():
            idx = state.index_of(offset)
            values[idx] = writes[-1].value
            sites[idx] = str(writes[-1].site)
        outputs[name] = OutputSpec(name, state.shape, values, sites)
    read = tuple(n for n, s in tensors.items() if s.reads)
    gathered = tuple(n for n, s in tensors.items() if s.gathered)
    return Spec(dict(concrete.sizes), config, concrete.grid, outputs, tuple(events), read, gathered)


def _argument(arg, env: dict[str, int]):
    if isinstance(arg, TensorArg):
        return Block(np.asarray(0, dtype=np.int64), PTR, PointerType(DType(arg.dtype)), arg.name)
    if isinstance(arg, IntArg):
        return int_block(evaluate_int(arg.expr, env), sym=arg.expr)
    if isinstance(arg, FloatArg):
        return term_block(param(arg.name) if arg.name else real(arg.value))
    if isinstance(arg, LiteralArg):
        return arg.value
    if isinstance(arg, NoneArg):
        return None
    raise TypeError(arg)


def execute_scalar_function(kernel: Kernel, inputs: list[Term]) -> Term:
    """Apply a jit scalar function (a pointwise_dynamic body) to symbolic element values."""
    interp = Interpreter({}, (0, 0, 0), (1, 1, 1), [])
    result = interp.call(JitFunction(kernel.module, kernel.func), [term_block(t) for t in inputs], {})
    from .values import as_terms
    from .ops import to_block

    block = to_block(result, like_float=True)
    return as_terms(block)[()]


def element_access(name: str, rank_indices: tuple[Term, ...]) -> Term:
    return access(name, rank_indices)


__all__ = ["Spec", "OutputSpec", "execute", "execute_scalar_function", "integer"]
