"""Checking a simplified term against the term it came from, before it is shown.

egglog trusts every rule and returns no certificate, so the result is checked independently:
identical exp-normal forms are a proof for all sizes (synth/expnorm.py); in any case both terms are
instantiated at several concrete sizes and output indices and evaluated on random inputs in
float64. A disagreement anywhere means the simplification is discarded.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..ir.term import Op, Sort, Term, access, canonical_binders, free_vars, substitute, walk
from ..synth.expnorm import normal_form
from ..synth.generalize import Formula
from ..verify import numeric
from ..verify.instantiate import instantiate

SIZE_VALUES = (1, 2, 3, 5)  # small, including the degenerate 1 and a non-power of two
MAX_SIZE_COMBOS = 8  # sizes tried per check: enough to catch a wrong count or bound, still fast
INDEX_SAMPLES = 2  # output indices tried per size
TRIALS = 64  # random inputs per (size, index): a wrong rule disagrees on almost all of them
SEED = 20240606  # fixed, so the check (and its text) is the same on every run


def proven_equal(before: Term, after: Term) -> bool:
    nb = normal_form(canonical_binders(before))
    return nb is not None and nb is normal_form(canonical_binders(after))


def opaque_gathers(*terms: Term) -> list[Term]:
    """Each gather x[i, t[i]] (an element read at an index loaded from a tensor) replaced, in all the
    terms alike, by the element of a fresh tensor over its free variables: the rules treat a gather as
    an opaque value, so the check gives both sides the same random value for it."""
    gathers = sorted({t for term in terms for t in walk(term) if t.op is Op.ACCESS and t.sort is Sort.REAL
                      and any(x.op is Op.ACCESS for a in t.args for x in walk(a))}, key=str)
    mapping = {}
    for n, g in enumerate(gathers):
        variables = sorted((v for v in free_vars(g) if v.sort is Sort.INT), key=lambda v: (v.op.value, str(v.attr)))
        mapping[g] = access(f"{g.attr}⟨gather {n}⟩", variables)
    return [substitute(t, mapping) if mapping else t for t in terms]


def numeric_check(before: Term, after: Term) -> tuple[bool, str]:
    """Agreement on random inputs at concrete sizes; (ok, a sentence saying what was compared)."""
    before, after = opaque_gathers(before, after)
    rng = np.random.default_rng(SEED)
    nodes = list(walk(before)) + list(walk(after))
    sizes = sorted({str(t.attr) for t in nodes if t.op is Op.SIZE})
    indices = sorted({t for t in nodes if t.op is Op.INDEX}, key=lambda t: str(t.attr))
    params = sorted({str(t.attr) for t in nodes if t.op is Op.PARAM})
    combos = list(itertools.product(SIZE_VALUES, repeat=len(sizes)))
    if len(combos) > MAX_SIZE_COMBOS:
        picks = sorted(rng.choice(len(combos), MAX_SIZE_COMBOS, replace=False))
        combos = [combos[int(k)] for k in picks]
    compared = finite = 0
    for combo in combos:
        env = dict(zip(sizes, combo))
        for _ in range(INDEX_SAMPLES if indices else 1):
            point = tuple(int(v) for v in rng.integers(0, 3, len(indices)))
            ok, n_finite = _compare(before, after, env, indices, point, params, rng)
            if not ok:
                shown = ", ".join(f"{k}={v}" for k, v in env.items()) or "no sizes"
                return False, f"differs numerically at {shown}, index {point}"
            compared += TRIALS
            finite += n_finite
    if finite == 0:
        return False, "inconclusive: no finite value at any of the random inputs"
    return True, (f"agrees on {compared} random inputs at {len(combos)} size combination(s) "
                  f"({finite} finite values; float64, relative tolerance 1e-7)")


def _compare(before, after, env, indices, point, params, rng) -> tuple[bool, int]:
    terms = []
    for body in (before, after):
        formula = Formula("out", tuple(indices), (), body)
        terms.append(instantiate(formula, env, point))
    shapes: dict[str, list[int]] = {}
    for term in terms:
        for t in walk(term):
            if t.op is Op.ACCESS:
                dims = shapes.setdefault(str(t.attr), [1] * len(t.args))
                for d, a in enumerate(t.args):
                    dims[d] = max(dims[d], abs(a.value) + 1)
    inputs = {name: rng.standard_normal((TRIALS, *dims)) * 1.5 for name, dims in sorted(shapes.items())}
    values = {name: rng.uniform(0.05, 2.0, TRIALS) for name in params}
    a, b = numeric.evaluate(terms, inputs, values, env, TRIALS)
    return bool(numeric.close(a, b).all()), int(np.isfinite(a).sum())


def recheck(before: Term, after: Term) -> tuple[bool, str]:
    """(agree, how it was checked)."""
    try:
        ok, detail = numeric_check(before, after)
    except Exception as exc:  # noqa: BLE001 — anything the evaluator cannot instantiate: fail closed
        return False, f"could not be checked numerically ({type(exc).__name__}: {exc})"
    if not ok:
        return False, detail
    if proven_equal(before, after):
        return True, f"proven equal for all sizes (identical exp-normal forms); also {detail}"
    return True, f"tested, not proven (the exp-normal forms differ): {detail}"
