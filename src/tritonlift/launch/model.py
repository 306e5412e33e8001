"""Launch values: how a kernel is launched, over symbolic size names.

`softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK_SIZE=next_power_of_2(N))` parses into a `Launch`;
binding it to a kernel's signature (`launch.bind`) gives a `BoundLaunch` that maps every parameter.
Integer quantities are INT terms over SIZE leaves (ir.term); nothing here runs anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ..ir.term import Term


@dataclass(frozen=True)
class TensorArg:
    """A tensor `name[d0, d1; s0, s1]:dtype`. `strides=None` means contiguous (row-major)."""

    name: str
    shape: tuple[Term, ...]
    strides: tuple[Term, ...] | None = None
    dtype: str = "fp32"
    # `t[M]:i64 in 0..C-1 | -100`: what the launch promises about an index tensor's elements, as
    # inclusive ranges (lo, hi); None: nothing is promised (any value of the dtype)
    values: tuple[tuple[Term, Term], ...] | None = None

    def sample(self, shape: tuple[int, ...], sizes: dict[str, int], rng) -> "np.ndarray":
        """Random values for this tensor: normal floats, or integers drawn from the stated ranges
        (each range as likely as the others: a sentinel such as −100 shows up as often as a class)."""
        import numpy as np

        from ..ir.intexpr import evaluate_int

        if not self.values and self.dtype.startswith(("int", "uint", "i")):  # integers, as the kernel stores them
            return rng.integers(-3, 4, size=shape).astype(np.float64)
        if not self.values:
            return rng.standard_normal(shape)
        ranges = [(evaluate_int(lo, sizes), evaluate_int(hi, sizes)) for lo, hi in self.values]
        ranges = [(lo, hi) for lo, hi in ranges if lo <= hi] or [(0, 0)]
        which = rng.integers(0, len(ranges), size=shape)
        lows = np.array([lo for lo, _ in ranges])[which]
        spans = np.array([hi - lo + 1 for lo, hi in ranges])[which]
        return (lows + np.floor(rng.random(shape) * spans)).astype(np.float64)

    def describe_values(self) -> str:
        from ..ir.printer import to_text

        parts = [to_text(lo) if lo is hi else f"{to_text(lo)}..{to_text(hi)}" for lo, hi in self.values or ()]
        return f"every element of {self.name} is in {' | '.join(parts)} (stated in the launch)"


@dataclass(frozen=True)
class IntArg:
    """An integer argument: an expression over sizes (`N`, `M * N`, `triton.cdiv(N, 4)`, `1`)."""

    expr: Term


@dataclass(frozen=True)
class FloatArg:
    """A float scalar: a named parameter (`eps`) or a literal (`1e-5`)."""

    name: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class LiteralArg:
    """A non-numeric literal for a constexpr: a bool, a string, or a dtype name such as `fp32`."""

    value: object


@dataclass(frozen=True)
class NoneArg:
    """`None` passed for an optional pointer."""


Arg = Union[TensorArg, IntArg, FloatArg, LiteralArg, NoneArg]


@dataclass(frozen=True)
class Launch:
    """A parsed launch description, before it is matched to a kernel's parameters."""

    kernel: str
    grid: tuple[Term, ...]
    args: tuple[Arg, ...]
    kwargs: tuple[tuple[str, Arg], ...]
    sizes: tuple[str, ...]  # size names in order of first appearance
    text: str = field(default="", compare=False)
