"""Tensors at concrete sizes: layout, the element behind each offset, and the writes performed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Site
from ..ir.term import Term, access, integer, undef


@dataclass(frozen=True)
class Event:
    """Something a run did that a verdict must account for (out-of-bounds access, race, ...)."""

    kind: str  # "oob-load", "oob-store", "race", "cross-program-read"
    site: Site
    pid: tuple[int, ...]
    detail: str


@dataclass(frozen=True)
class Write:
    value: Term
    site: Site
    pid: tuple[int, ...]


@dataclass
class TensorState:
    name: str
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str
    writes: dict[int, list[Write]] = field(default_factory=dict)  # offset -> writes in order
    reads: int = 0
    gathered: bool = False  # read at an index loaded from memory (its bounds: the all-sizes proof's)
    index_read_at: Site | None = None  # where its elements first became an address (it holds indices)

    def __post_init__(self) -> None:
        self.extent = 1 + sum((d - 1) * s for d, s in zip(self.shape, self.strides)) if all(self.shape) else 0
        self._index: dict[int, tuple[int, ...]] | None = None

    def index_of(self, offset: int) -> tuple[int, ...] | None:
        """The logical index whose element lives at `offset`, or None outside the tensor."""
        if self._index is None:
            import itertools

            self._index = {}
            for idx in itertools.product(*(range(d) for d in self.shape)):
                self._index.setdefault(sum(i * s for i, s in zip(idx, self.strides)), idx)
        return self._index.get(offset)

    def _outside(self, offset: int, lane: tuple[int, ...]) -> str:
        at = f"lane {list(lane)}: " if lane else ""
        where = "past the end of" if offset >= self.extent else "before" if offset < 0 else "between the elements of"
        return (f"{at}{self.name}: offset {offset} is not an element of the tensor ({where} its storage of "
                f"{self.extent} element{'s' if self.extent != 1 else ''}; shape {list(self.shape)}, "
                f"strides {list(self.strides)})")

    def gather(self, base: int, extra: Term, pid: tuple[int, ...], site: Site, events: list[Event], lane=()) -> Term:
        """The element at offset `base + extra`, `extra` computed from loaded values: each monomial of
        `extra` moves along the dimension whose stride divides its coefficient (the largest such), from
        the element at `base`. Whether the index stays inside its dimension depends on data: that is
        the all-sizes safety proof's obligation (with the launch's value ranges), noted in `gathered`."""
        from ..errors import UnsupportedFeature
        from ..verify.intcanon import canon_int, from_poly, poly

        p = dict(poly(extra))
        base += p.pop((), 0)
        start = self.index_of(base)
        if start is None:
            raise UnsupportedFeature(f"a gather from {self.name} whose fixed part (offset {base}) is outside it", site)
        moves: list[dict] = [{} for _ in self.shape]
        for mono, coef in p.items():
            dims = [d for d, s in enumerate(self.strides) if s > 0 and coef % s == 0]
            if not dims:
                raise UnsupportedFeature(f"a gather from {self.name} at an offset not along one of its dimensions", site)
            # equal strides come from a dimension of 1, where an index can only be 0: the outer one
            d = max(dims, key=lambda d: (self.strides[d], -d))
            moves[d][mono] = moves[d].get(mono, 0) + coef // self.strides[d]
        self.gathered = True
        self.reads += 1
        return access(self.name, (canon_int(from_poly({**m, (): m.get((), 0) + i})) for i, m in zip(start, moves)))

    def current(self, offset: int) -> Term:
        """What the element at `offset` holds now: the last write, or its content before the launch."""
        written = self.writes.get(offset)
        return written[-1].value if written else access(self.name, (integer(i) for i in self.index_of(offset)))

    def load(self, offset: int, pid: tuple[int, ...], site: Site, events: list[Event], lane=()) -> Term:
        idx = self.index_of(offset)
        if idx is None:
            events.append(Event("oob-load", site, pid, self._outside(offset, lane)))
            return undef(f"{self.name} at offset {offset}")
        self.reads += 1
        written = self.writes.get(offset)
        if written:
            last = written[-1]
            if last.pid != pid:
                events.append(Event("cross-program-read", site, pid,
                                    f"{self.name}{list(idx)} was written by program {last.pid}"))
            return last.value
        return access(self.name, (integer(i) for i in idx))

    def store(self, offset: int, value: Term, pid: tuple[int, ...], site: Site, events: list[Event],
              lane=()) -> None:
        idx = self.index_of(offset)
        if idx is None:
            events.append(Event("oob-store", site, pid, self._outside(offset, lane)))
            return
        earlier = self.writes.setdefault(offset, [])
        if earlier and earlier[-1].pid != pid and earlier[-1].value is not value:
            events.append(Event("race", site, pid, f"{'lane ' + str(list(lane)) + ': ' if lane else ''}"
                                f"{self.name}{list(idx)} is also written by program "
                                f"{earlier[-1].pid} with a different value"))
        earlier.append(Write(value, site, pid))
