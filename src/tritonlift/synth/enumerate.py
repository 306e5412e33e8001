"""Bottom-up enumeration of small integer expressions, smallest first, one per behaviour.

The holes that anti-unification leaves (an index, a reduction bound) and the conditions that
separate the cases of a piecewise formula are integer expressions over the output indices and the
launch sizes. We build them from the leaves up — `M`, `i`, `M − i·T`, `i mod S` — and keep only
the smallest expression for each vector of values on the samples (observational equivalence): two
expressions that agree on every sample cannot be told apart by the specification, so the larger
one is never needed. Nothing here knows which kernel produced the samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ir.term import Op, Term, apply, integer

MAX_SIZE = 5  # nodes per expression: `M − i·T` (5) is the largest bound term seen in tiled kernels
MAX_POOL = 20_000  # expressions kept; without pruning the pool hits this quickly (the ablation shows it)
CONSTANTS = (0, 1, 2)  # small literals; larger offsets are found by the affine fit, not here
_COMMUTATIVE = (Op.ADD, Op.MUL, Op.MIN, Op.MAX)
_OPS = (Op.ADD, Op.SUB, Op.MUL, Op.FLOORDIV, Op.MOD, Op.MIN, Op.MAX)


@dataclass
class Pool:
    """Enumerated expressions by size: `terms[n]`, `values[n]` (one row per expression)."""

    leaves: list[tuple[Term, np.ndarray]]
    prune: bool = True
    terms: list[Term] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    seen: dict[bytes, int] = field(default_factory=dict)
    built: int = 0  # expressions considered, kept or not (reported by the ablation)
    max_built: int = 0

    def __post_init__(self) -> None:
        n = len(self.leaves[0][1]) if self.leaves else 0
        for t, v in self.leaves:
            self._add(t, 1, v.astype(np.int64))
        for c in CONSTANTS:
            self._add(integer(c), 1, np.full(n, c, dtype=np.int64))
        self.max_built = 1

    def _add(self, t: Term, size: int, v: np.ndarray) -> bool:
        self.built += 1
        key = v.tobytes()
        if self.prune and key in self.seen:
            return False
        self.seen.setdefault(key, len(self.terms))
        self.terms.append(t)
        self.sizes.append(size)
        self.rows.append(v)
        return True

    def grow(self, size: int) -> None:
        """Add every expression of exactly `size` nodes (binary ops over smaller ones)."""
        while self.max_built < size:
            self.max_built += 1
            s = self.max_built
            by_size: dict[int, list[int]] = {}
            for n, sz in enumerate(self.sizes):
                by_size.setdefault(sz, []).append(n)
            for left in range(1, s - 1):
                right = s - 1 - left
                for a in by_size.get(left, ()):
                    for b in by_size.get(right, ()):
                        for op in _OPS:
                            if op in _COMMUTATIVE and (left, a) > (right, b):
                                continue
                            if len(self.terms) >= MAX_POOL:
                                return
                            self._combine(op, a, b, s)

    def _combine(self, op: Op, a: int, b: int, size: int) -> None:
        x, y = self.rows[a], self.rows[b]
        if op in (Op.FLOORDIV, Op.MOD):
            divisor = self.terms[b]
            if self.sizes[b] != 1 or divisor.op is Op.INDEX or np.any(y <= 0) or \
                    divisor.op is Op.CONST and divisor.value == 1:
                return  # divide by a size or a literal only: positive at every size, not just these
            v = x // y if op is Op.FLOORDIV else x % y
        elif op is Op.ADD:
            v = x + y
        elif op is Op.SUB:
            v = x - y
        elif op is Op.MUL:
            v = x * y
        elif op is Op.MIN:
            v = np.minimum(x, y)
        else:
            v = np.maximum(x, y)
        self._add(apply(op, self.terms[a], self.terms[b]), size, v)

    def matrix(self) -> np.ndarray:
        return np.array(self.rows, dtype=np.int64).reshape(len(self.rows), -1)


def find(pool: Pool, target: np.ndarray, max_size: int = MAX_SIZE) -> Term | None:
    """The smallest expression equal to `target` at every sample."""
    for size in range(1, max_size + 1):
        pool.grow(size)
        for n, sz in enumerate(pool.sizes):
            if sz == size and np.array_equal(pool.rows[n], target):
                return pool.terms[n]
    return None


def find_at_least(pool: Pool, target: np.ndarray, loose: np.ndarray, max_size: int = MAX_SIZE) -> Term | None:
    """The smallest expression equal to `target` where `loose` is False and ≥ it where True."""
    for size in range(1, max_size + 1):
        pool.grow(size)
        for n, sz in enumerate(pool.sizes):
            v = pool.rows[n]
            if sz == size and np.all(np.where(loose, v >= target, v == target)):
                return pool.terms[n]
    return None


def find_min_max(pool: Pool, target: np.ndarray, max_size: int = MAX_SIZE) -> Term | None:
    """`min(a, b)` (or `max`) of two enumerated expressions equal to `target`: each bounds it from
    one side and the two together meet it at every sample (a partial last tile: min(T, M − i·T))."""
    pool.grow(max_size)
    m = pool.matrix()
    best: tuple[int, Term] | None = None
    for op, side in ((Op.MIN, m >= target), (Op.MAX, m <= target)):
        ok = np.all(side, axis=1)
        hits: dict[int, int] = {}  # mask of samples met -> smallest expression meeting exactly them
        for n in np.flatnonzero(ok):
            mask = int.from_bytes(np.packbits(m[n] == target).tobytes(), "big")
            if mask not in hits or pool.sizes[n] < pool.sizes[hits[mask]]:
                hits[mask] = int(n)
        full = int.from_bytes(np.packbits(np.ones(len(target), dtype=bool)).tobytes(), "big")
        items = sorted(hits.items(), key=lambda kv: pool.sizes[kv[1]])
        for pos, (ma, a) in enumerate(items):
            for mb, b in items[pos + 1:]:
                if ma | mb == full:
                    cost = pool.sizes[a] + pool.sizes[b] + 1
                    if best is None or cost < best[0]:
                        best = (cost, apply(op, pool.terms[a], pool.terms[b]))
    return None if best is None else best[1]


def _mentions_index(*terms: Term) -> bool:
    """Case conditions must involve an output index (`c < D2`, `j mod 2 = 0`): one on the sizes only
    (`N = M · M`) separates the training sizes from each other and says nothing about the others."""
    from ..ir.term import walk

    return any(v.op is Op.INDEX for t in terms for v in walk(t))


def separate(pool: Pool, labels: np.ndarray, max_size: int = 4) -> tuple[Term, bool] | None:
    """The smallest comparison `a = b` or `a < b` of enumerated expressions that is true exactly on
    the samples labelled True (or exactly on the others: then the flag is False). Among equally
    small ones an equality wins, and a variable is kept on the left (`j mod 2 = 0`, `j < D2`)."""
    pool.grow(max_size)
    m = pool.matrix()
    order = sorted(range(len(pool.terms)), key=lambda n: pool.sizes[n])
    order = [n for n in order if pool.sizes[n] <= max_size]
    sub = m[order]
    best: tuple[tuple[int, int], Term, bool] | None = None
    for pos, a in enumerate(order):
        if best is not None and pool.sizes[a] + 2 > best[0][0]:
            break
        for rank, (op, truth) in enumerate(((Op.EQ, sub[pos] == sub), (Op.LT, sub[pos] < sub))):
            for polarity, want in ((True, labels), (False, ~labels)):
                for h in np.flatnonzero(np.all(truth == want, axis=1)):
                    left, right = pool.terms[a], pool.terms[order[int(h)]]
                    if op is Op.EQ and left.op is Op.CONST:
                        left, right = right, left
                    if not _mentions_index(left, right):
                        continue  # a split on sizes alone fits the training sizes, not the kernel
                    key = (pool.sizes[a] + pool.sizes[order[int(h)]] + 1, rank + 2 * (left.op is Op.CONST))
                    if best is None or key < best[0]:
                        best = (key, apply(op, left, right), polarity)
    return None if best is None else (best[1], best[2])
