"""Outcomes as values: the guarantee levels, counterexamples, and the result of lifting a kernel."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .synth.generalize import Formula


class Status(enum.IntEnum):
    """Ordered from worst to best, so the status of several checks is their `min`."""

    COUNTEREXAMPLE = 0
    UNKNOWN = 1
    TESTED = 2
    BOUNDED = 3
    VERIFIED = 4


@dataclass(frozen=True)
class Counterexample:
    """Concrete sizes and inputs where the kernel and the formula (or the kernel's safety) differ."""

    sizes: dict[str, int]
    what: str  # one sentence: which element, which values, or which access
    output: str | None = None
    index: tuple[int, ...] | None = None
    kernel_value: float | None = None
    formula_value: float | None = None
    inputs: dict[str, object] = field(default_factory=dict)  # element or parameter -> value
    replayed: str = ""  # how it was confirmed ("numpy, real math functions", "Triton interpreter")
    arrays: dict[str, object] = field(default_factory=dict, repr=False)  # full inputs, for the replay


@dataclass(frozen=True)
class Check:
    """One obligation and how it ended (listed in --json)."""

    name: str
    result: str  # "proved", "refuted", "unknown", "passed", "failed", "skipped"
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class LiftResult:
    kernel: str
    file: str
    launch: str
    status: Status
    formulas: tuple[Formula, ...]
    textbook: tuple[Formula | None, ...]
    assumptions: tuple[str, ...]
    scope: str  # what the status covers, e.g. "all M ≤ 5, N ≤ 9, every program id"
    reason: str = ""
    counterexample: Counterexample | None = None
    checks: tuple[Check, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    textbook_proven: tuple[bool, ...] = ()  # per textbook form: proven for all sizes, or only tested

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())
