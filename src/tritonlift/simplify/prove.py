"""Proving two real terms equal: identical exp-normal forms, or one e-class after saturation.

Both terms are lowered with one `Lowering` (so a tensor element is the same atom in both), registered
in one e-graph, and the rule rounds of `saturate` run; they are equal when egglog puts them in the
same e-class. Every rule is sound over the reals under its side conditions (tests/property), so
meeting in an e-class is a proof under the simplifier's assumptions (denominators nonzero, sizes
≥ 1, the named literals). A cheap numeric comparison on random inputs runs first and rejects most
candidates without building an e-graph.
"""

from __future__ import annotations

from egglog import eq

from ..ir.term import Sort, Term, canonical_binders
from .egraph import Lowering, Unsupported
from .recheck import numeric_check, proven_equal


def agrees_numerically(a: Term, b: Term) -> bool:
    try:
        return numeric_check(a, b)[0]
    except Exception:  # noqa: BLE001 — a term the evaluator cannot instantiate is not a match
        return False


def equal_in_egraph(a: Term, b: Term, names: bool = True) -> bool:
    from . import saturate  # the package imports this module

    if a.sort is not Sort.REAL or b.sort is not Sort.REAL:
        return False
    lowering = Lowering()
    try:
        root_a, root_b = lowering.real(canonical_binders(a)), lowering.real(canonical_binders(b))
    except Unsupported:
        return False
    run = saturate(root_a, [*lowering.facts, root_b], names)
    try:
        run.egraph.check(eq(root_a).to(root_b))
    except Exception:  # noqa: BLE001 — egglog raises when the check fails
        return False
    return True


def proven(a: Term, b: Term) -> str | None:
    """How `a = b` was proven, or None (not equal on random inputs, or no proof found)."""
    if not agrees_numerically(a, b):
        return None
    if proven_equal(a, b):
        return "identical exp-normal forms"
    if equal_in_egraph(a, b):
        return "one e-class under the rewrite rules"
    return None
