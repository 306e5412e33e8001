"""Which sizes to execute: a training set for synthesis and a complete grid for BOUNDED.

Sizes are chosen so that tile loops run at least twice with a partial last tile when a block
size is a small constant (values up to 2·BLOCK + 1), and every combination up to the bound is
checked, so BOUNDED means exactly "every size combination up to these bounds".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..errors import TritonLiftError
from ..launch.bind import BoundLaunch, instantiate

MAX_COMBINATIONS = 100  # grid points per kernel: ~10–50 ms each keeps a lift within seconds
BASE_BOUND = 8  # every size from 1 to 8 when the grid allows: covers full and partial power-of-two tiles
MAX_TILE_FOR_SIZING = 16  # a block of at most 16 lanes gets sizes up to 2·BLOCK + 1 (loops run twice)


@dataclass(frozen=True)
class SizePlan:
    names: tuple[str, ...]
    bounds: dict[str, int]
    grid: tuple[dict[str, int], ...]
    training_keys: frozenset[tuple[int, ...]]
    edges: dict[str, tuple[int, ...]] = None  # extra values around a wide tile, one size at a time

    def describe(self, n_configs: int) -> str:
        bounds = ", ".join(f"{n} ≤ {b}" for n, b in self.bounds.items()) or "the launch's fixed sizes"
        cfg = f", each of {n_configs} autotune configurations" if n_configs > 1 else ""
        extra = "".join(f", {n} ∈ {{{', '.join(map(str, v))}}}" for n, v in (self.edges or {}).items())
        return f"all {bounds}{extra} ({len(self.grid)} size combinations), every program id{cfg}"


def make_plan(bound: BoundLaunch, options) -> SizePlan:
    names = bound.sizes
    if options.sizes:
        unknown = set(options.sizes) - set(names)
        if unknown:
            raise TritonLiftError(f"--sizes names {', '.join(sorted(unknown))}, which the launch does not use "
                                  f"(its sizes: {', '.join(names)})")
    block = _fixed_block(bound, names)
    wanted = max(BASE_BOUND, 2 * block + 1 if 0 < block <= MAX_TILE_FOR_SIZING else BASE_BOUND)
    bounds = {n: wanted for n in names}
    while _count(bounds) > options.max_sizes and max(bounds.values(), default=0) > 3:
        largest = max(bounds, key=lambda n: (bounds[n], names.index(n)))  # shrink the first-largest
        bounds[largest] -= 1
    values = {n: tuple(range(1, bounds[n] + 1)) for n in names}
    if options.sizes:
        values.update({n: tuple(v) for n, v in options.sizes.items()})
        bounds.update({n: max(v) for n, v in options.sizes.items()})
    grid = [dict(zip(names, combo)) for combo in itertools.product(*(values[n] for n in names))]
    grid = [g for g in grid if not _overlapping(bound, g)]  # precondition: views do not alias themselves
    if not grid:
        raise TritonLiftError("at every size of the plan some tensor view overlaps itself (its strides map two "
                              "elements to one address)", hint="check the strides in the launch description")
    edges: dict[str, tuple[int, ...]] = {}
    if block and not options.sizes:
        # a fixed tile the grid does not reach twice over: also check each size alone around one and
        # two tiles (the other sizes small), so a last partial tile is always exercised
        for n in names:
            wanted_values = (block - 1, block, block + 1, 2 * block, 2 * block + 1)
            points = {v: _edge_point(bound, names, bounds, n, v) for v in sorted(wanted_values) if v > bounds[n]}
            grid.extend(p for p in points.values() if p)
            edges[n] = tuple(v for v, p in points.items() if p)  # only values really checked are described
        edges = {n: v for n, v in edges.items() if v}
    grid = [g for g in grid if not _overlapping(bound, g)]
    return SizePlan(names, bounds, tuple(grid), frozenset(_training(names, values)), edges)


def _edge_point(bound: BoundLaunch, names: tuple[str, ...], bounds: dict[str, int], n: str, v: int):
    """Size `n` = v with the other sizes small, or None. When that view overlaps itself because
    another size must not be smaller than `n` (a row stride), that size takes v as well."""
    small = {m: (v if m == n else min(2, bounds[m])) for m in names}
    for candidate in (small, *({**small, m: v} for m in names if m != n)):
        if not _overlapping(bound, candidate):
            return candidate
    return None


def _overlapping(bound: BoundLaunch, sizes: dict[str, int]) -> bool:
    """True when a strided tensor maps two of its elements to one address at these sizes."""
    strided = [t for t in bound.tensors if t.strides]
    if not strided:
        return False
    try:
        concrete = instantiate(bound, sizes)
    except TritonLiftError:
        return False
    for t in strided:
        shape, strides = concrete.shapes[t.name], concrete.strides[t.name]
        offsets = {sum(i * s for i, s in zip(idx, strides)) for idx in itertools.product(*(range(d) for d in shape))}
        total = 1
        for d in shape:
            total *= d
        if len(offsets) != total:
            return True
    return False


def _count(bounds: dict[str, int]) -> int:
    total = 1
    for b in bounds.values():
        total *= b
    return total


def _fixed_block(bound: BoundLaunch, names: tuple[str, ...]) -> int:
    """The largest integer constexpr that does not change with the sizes (a fixed tile width)."""
    try:
        a = instantiate(bound, {n: 3 for n in names}).constexprs
        b = instantiate(bound, {n: 7 for n in names}).constexprs
    except TritonLiftError:
        return 0
    fixed = [v for k, v in a.items() if isinstance(v, int) and not isinstance(v, bool) and b.get(k) == v]
    return max(fixed, default=0)


def _training(names: tuple[str, ...], values: dict[str, tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Sizes ≥ 2 (a size of 1 hides reductions), varied one at a time around a base point, plus the
    largest corner: enough for every index to be fitted as an affine function of independent sizes."""
    usable = {n: [v for v in values[n] if v >= 2] or list(values[n]) for n in names}
    base = {n: (3 if 3 in usable[n] else usable[n][len(usable[n]) // 2]) for n in names}
    keys = {tuple(base[n] for n in names)}
    for n in names:
        for v in usable[n]:
            point = dict(base)
            point[n] = v
            keys.add(tuple(point[m] for m in names))
    keys.add(tuple(max(usable[n]) for n in names))
    keys.add(tuple(min(usable[n]) for n in names))
    return sorted(keys)
