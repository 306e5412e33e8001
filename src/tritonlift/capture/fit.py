"""Fitting an integer seen at many size assignments as an expression over the size names.

A small enumerative search, simplest shape first: a constant, an affine combination of sizes and
their products, then `next_power_of_2`, `ceil_sqrt`, `cdiv`, `//`, `min`/`max` with constants over
those, one or two levels deep, and `cdiv(a, b)` / `next_power_of_2(cdiv(a, b))` with a block `b`
such as `next_power_of_2(ceil_sqrt(M * N))` (the two stages of a full reduction). A candidate is accepted only if it reproduces *every* recorded value exactly; the
result is launch-language text (`cdiv(M, BLOCK_M)`, `min(512, next_power_of_2(N))`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..ir.intexpr import ceil_sqrt

POWERS = tuple(1 << k for k in range(1, 17))


@dataclass(frozen=True)
class Row:
    env: dict[str, int]  # sizes and the variant's integer constexprs
    value: int | None  # None: any value would do (a stride of a dimension of extent 1)


def _npow2(a: np.ndarray) -> np.ndarray:
    out = np.ones_like(a)
    pos = a > 1
    out[pos] = 1 << np.ceil(np.log2(a[pos].astype(np.float64))).astype(np.int64)
    # floating log2 is exact for powers of two; fix any off-by-one from rounding
    too_small = out < a
    out[too_small] *= 2
    return out


def _cdiv(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    return -(-a // b)


def _ceil_sqrt(a: np.ndarray) -> np.ndarray:
    return np.array([ceil_sqrt(int(v)) for v in a], dtype=np.int64)


def fit_int(rows: list[Row], sizes: tuple[str, ...], extra: tuple[str, ...] = ()) -> str | None:
    known = [r for r in rows if r.value is not None]
    if not known:
        return "1"
    values = np.array([r.value for r in known], dtype=np.int64)
    if (values == values[0]).all():
        return str(int(values[0]))
    env = {n: np.array([r.env[n] for r in known], dtype=np.int64) for n in sizes + extra}
    atoms: list[tuple[str, np.ndarray]] = [(n, env[n]) for n in sizes]
    for a, b in itertools.combinations(sizes, 2):
        atoms.append((f"{a} * {b}", env[a] * env[b]))
    if len(sizes) > 2:
        atoms.append((" * ".join(sizes), np.prod([env[n] for n in sizes], axis=0)))
    for text, arr in atoms:
        if np.array_equal(arr, values):
            return text
    found = _affine(atoms, values)
    if found is not None:
        return found
    consts = sorted(set(POWERS) | {int(v) for v in np.unique(values)[:24] if v > 1})
    level1: list[tuple[str, np.ndarray]] = []
    for text, arr in atoms:
        level1.append((f"next_power_of_2({text})", _npow2(arr)))
        if (arr >= 0).all():
            level1.append((f"ceil_sqrt({text})", _ceil_sqrt(arr)))
        for c in consts:
            level1.append((f"cdiv({text}, {c})", _cdiv(arr, c)))
            level1.append((f"{_paren(text)} // {c}", arr // c))
        for k in extra:
            level1.append((f"cdiv({text}, {k})", _cdiv(arr, np.maximum(env[k], 1))))
    for text, arr in level1:
        if np.array_equal(arr, values):
            return text
    bases = atoms + level1
    for text, arr in bases:
        for c in consts:
            if np.array_equal(np.minimum(arr, c), values):
                return f"min({c}, {text})"
            if np.array_equal(np.maximum(arr, c), values):
                return f"max({c}, {text})"
    blocks = []
    for text, arr in level1:  # next_power_of_2(cdiv(N, 4)), next_power_of_2(ceil_sqrt(N))
        if np.array_equal(_npow2(arr), values):
            return f"next_power_of_2({text})"
        if text.startswith(("next_power_of_2(", "ceil_sqrt(")):
            blocks.append((text, np.maximum(arr, 1)))
            if text.startswith("ceil_sqrt("):
                blocks.append((f"next_power_of_2({text})", _npow2(arr)))
    for text, arr in atoms:  # cdiv(M * N, next_power_of_2(ceil_sqrt(M * N))) and its next power of 2
        for b_text, b in blocks:
            c = _cdiv(arr, b)
            if np.array_equal(c, values):
                return f"cdiv({text}, {b_text})"
            if np.array_equal(_npow2(c), values):
                return f"next_power_of_2(cdiv({text}, {b_text}))"
    return None


def _paren(text: str) -> str:
    return text if text.isidentifier() else f"({text})"


def _affine(atoms: list[tuple[str, np.ndarray]], values: np.ndarray) -> str | None:
    """The sparsest c0 + Σ c_i·atom_i with integer coefficients (at most 3 atoms)."""
    for k in (1, 2, 3):
        for combo in itertools.combinations(atoms, k):
            a = np.column_stack([np.ones_like(values)] + [arr for _, arr in combo]).astype(np.float64)
            coef, *_ = np.linalg.lstsq(a, values.astype(np.float64), rcond=None)
            ints = np.round(coef).astype(np.int64)
            if np.any(ints[1:] == 0):
                continue
            if np.array_equal(a.astype(np.int64) @ ints, values):
                return _affine_text(ints[0], [(c, t) for c, (t, _) in zip(ints[1:], combo)])
    return None


def _affine_text(constant: int, parts: list[tuple[int, str]]) -> str:
    out = ""
    for c, t in parts:
        term = t if c == 1 else f"{c} * {_paren(t)}" if c > 0 else f"-{_paren(t)}" if c == -1 else f"{c} * {_paren(t)}"
        out = term if not out else (f"{out} - {term[1:]}" if term.startswith("-") else f"{out} + {term}")
    if constant:
        out = f"{out} + {constant}" if constant > 0 else f"{out} - {-constant}"
    return out
