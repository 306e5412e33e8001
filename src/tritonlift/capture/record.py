"""Captured launches as immutable values (decoded from the worker's JSON)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TensorValue:
    storage: int
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str


@dataclass(frozen=True)
class Scalar:
    kind: str  # "int", "float", "literal" (bool/str/None), "other" (a dtype, printed)
    value: object


@dataclass(frozen=True)
class Variant:
    """One launch as the jit function sees it: one autotune configuration, heuristics applied."""

    grid: tuple[int, ...]
    config: int | None
    args: tuple[tuple[str, TensorValue | Scalar], ...]


@dataclass(frozen=True)
class Site:
    """One `kernel[grid](...)` call of the host code."""

    file: str
    name: str
    line: int
    layers: tuple[str, ...]
    constexprs: tuple[str, ...]
    autotuned: tuple[str, ...]  # constexprs set by autotune configurations
    heuristic: tuple[str, ...]  # constexprs set by @triton.heuristics
    variants: tuple[Variant, ...]
    bindings: tuple[tuple[str, str, str, str], ...] = ()  # (name, module, function, file): _worker.runtime_bindings

    @property
    def ref(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass(frozen=True)
class CallRecord:
    """Everything one call of the host function did, at one assignment of sizes."""

    sizes: dict[str, int]
    sites: tuple[Site, ...]
    inputs: dict[str, TensorValue]
    outputs: tuple[TensorValue | None, ...]
    copies: dict[int, str]  # storage of a host-made copy -> the input it equals
    is_tuple: bool


def _value(v: dict):
    if v["kind"] == "tensor":
        return TensorValue(v["storage"], v["offset"], tuple(v["shape"]), tuple(v["strides"]), v["dtype"])
    return Scalar(v["kind"], v["value"])


def _tensor(d: dict) -> TensorValue:
    return TensorValue(d["storage"], d["offset"], tuple(d["shape"]), tuple(d["strides"]), d.get("dtype", "?"))


def decode(sample: dict) -> CallRecord:
    sites = tuple(Site(s["file"], s["name"], s["line"], tuple(s["layers"]), tuple(s["constexprs"]),
                       tuple(s["autotuned"]), tuple(s["heuristic"]),
                       tuple(Variant(tuple(v["grid"]), v["config"], tuple((n, _value(a)) for n, a in v["args"]))
                             for v in s["variants"]),
                       tuple((n, *b) for n, b in sorted(s.get("bindings", {}).items())))
                  for s in sample["launches"])
    outputs = tuple(_tensor(o) if "storage" in o else None for o in sample["outputs"])
    return CallRecord(dict(sample["sizes"]), sites, {k: _tensor(v) for k, v in sample["inputs"].items()},
                      outputs, {int(k): v for k, v in sample["copies"].items()}, sample["tuple"])
