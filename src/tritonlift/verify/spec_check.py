"""Checking a formula against one concrete specification: safety events, coverage, values.

Values are compared in three steps, cheapest first: identical canonical terms (a proof: the
canonicalisation only reorders commutative operands and folds operand families into reductions);
random numeric trials (finds counterexamples in microseconds); z3 over the reals for the rest.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from ..ir.intexpr import evaluate_int
from ..ir.term import Op, Term, walk
from ..launch.bind import BoundLaunch
from ..result import Check, Counterexample, Status
from ..symexec.execute import Spec
from ..synth.generalize import Formula
from ..synth.expnorm import normal_form
from ..synth.reductions import recognise
from . import numeric
from .instantiate import instantiate
from .z3check import prove_equal

SAFETY_EVENTS = ("oob-load", "oob-store", "race")
TRIALS = 6  # random input sets per size: a wrong formula disagrees on almost every one


@dataclass(frozen=True)
class SpecOutcome:
    status: Status
    checks: tuple[Check, ...]
    counterexample: Counterexample | None = None
    reason: str = ""


UNDEFINED_LANE = "masked-off lane"  # the label symexec gives a masked load's lane without other=


def undefined_output(spec: Spec) -> Counterexample | None:
    """An output element whose value depends on a masked-off lane loaded without other= (unspecified
    on a GPU): a safety violation whatever formula the kernel is meant to compute."""
    for name, out in spec.outputs.items():
        for idx, term in sorted(out.values.items()):
            label = next((str(t.attr) for t in walk(term) if t.op is Op.UNDEF
                          and str(t.attr).startswith(UNDEFINED_LANE)), None)
            if label is not None:
                return Counterexample(spec.sizes, f"undefined value: {name}{list(idx)} at {describe_sizes(spec.sizes)} "
                                      f"depends on a {label} (its value is unspecified on a GPU)",
                                      output=name, index=idx, replayed="tritonlift's executor")
    return None


def describe_sizes(sizes: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


def check_spec(spec: Spec, formulas: list[Formula], bound: BoundLaunch, timeout_ms: int,
               use_solver: bool = True) -> SpecOutcome:
    where = describe_sizes(spec.sizes) + (f", config {spec.config}" if len(bound.configs) > 1 else "")
    checks: list[Check] = []
    for event in spec.events:
        if event.kind in SAFETY_EVENTS:
            what = {"oob-load": "out-of-bounds load", "oob-store": "out-of-bounds store", "race": "conflicting writes"}
            return SpecOutcome(Status.COUNTEREXAMPLE, (Check(f"safety at {where}", "refuted", 0.0, event.detail),),
                               Counterexample(spec.sizes, f"{what[event.kind]} at {event.site} by program "
                                              f"{event.pid[:len(spec.grid)]}: {event.detail}",
                                              replayed="tritonlift's executor"))
    env = dict(spec.sizes)
    for f in formulas:
        start = time.perf_counter()
        out = spec.outputs.get(f.output)
        shape = tuple(evaluate_int(d, env) for d in f.shape)
        missing = [idx for idx in itertools.product(*(range(d) for d in shape))
                   if out is None or idx not in out.values]
        if missing:
            idx = missing[0]
            return SpecOutcome(Status.COUNTEREXAMPLE, tuple(checks), Counterexample(
                spec.sizes, f"{f.output}{list(idx)} is never written at {where} "
                f"({len(missing)} element{'s' if len(missing) > 1 else ''} unwritten)",
                output=f.output, index=idx, replayed="tritonlift's executor"))
        pending: list[tuple[tuple[int, ...], Term, Term]] = []
        normalized = 0
        for idx, actual in sorted(out.values.items()):
            expected = instantiate(f, env, idx)
            if expected is actual or recognise(expected) is recognise(actual):
                continue
            nf = normal_form(actual)
            if nf is not None and nf is normal_form(expected):
                normalized += 1
                continue
            pending.append((idx, actual, expected))
        if not pending:
            how = "identical in exp-normal form" if normalized else "identical after canonical ordering"
            checks.append(Check(f"{f.output} at {where}", "proved", time.perf_counter() - start, how))
            continue
        try:
            cex = _numeric_counterexample(spec, f, pending, bound)
        except numeric.OutsideShape as err:
            return SpecOutcome(Status.UNKNOWN, tuple(checks), reason=f"the formula for {f.output} is not defined "
                               f"at {where}: {err}")
        if cex is not None:
            return SpecOutcome(Status.COUNTEREXAMPLE, tuple(checks), cex)
        if not use_solver:  # the solver already gave up at another size: do not wait for it again
            checks.append(Check(f"{f.output} at {where}", "passed", time.perf_counter() - start,
                                f"{TRIALS} random trials (solver skipped after an earlier unknown)"))
            return SpecOutcome(Status.TESTED, tuple(checks), reason=f"not proven at {where}: {TRIALS} random "
                               "trials agree")
        from ..launch.bind import instantiate as concrete_launch

        outcome = prove_equal([(a, e) for _, a, e in pending], env, timeout_ms,
                              {t.name: t.values for t in bound.tensors if t.values},
                              concrete_launch(bound, spec.sizes, spec.config).shapes)
        if outcome.status == "proved":
            checks.append(Check(f"{f.output} at {where}", "proved", time.perf_counter() - start,
                                f"z3, {len(pending)} element(s)"))
            continue
        if outcome.status == "refuted":
            idx, actual, expected = pending[outcome.failing or 0]
            replay = _replay(outcome.model, actual, expected, spec)
            if replay is not None:
                kv, fv = replay
                return SpecOutcome(Status.COUNTEREXAMPLE, tuple(checks), Counterexample(
                    spec.sizes, f"{f.output}{list(idx)} differs at {where}: kernel {kv:.6g}, formula {fv:.6g}",
                    f.output, idx, kv, fv, _inputs_of(outcome.model, actual, expected),
                    replayed="solver model replayed with the real math functions (numpy)"))
            detail = "z3 found a model of the abstraction (uninterpreted functions) that real math does not reproduce"
        else:
            detail = outcome.reason
        checks.append(Check(f"{f.output} at {where}", "unknown", time.perf_counter() - start, detail))
        return SpecOutcome(Status.TESTED, tuple(checks), reason=f"not proven at {where}: {detail}; "
                           f"{TRIALS} random trials agree")
    return SpecOutcome(Status.BOUNDED, tuple(checks))


def random_inputs(spec: Spec, bound: BoundLaunch, trials: int, seed: int) -> tuple[dict, dict]:
    from ..launch.bind import instantiate as concrete_launch

    rng = np.random.default_rng(seed)
    shapes = concrete_launch(bound, spec.sizes, spec.config).shapes  # shapes may use constexprs (BLOCK_N)
    tensors = {t.name: t for t in bound.tensors}
    inputs = {n: tensors[n].sample((trials,) + s, spec.sizes, rng) for n, s in shapes.items()}
    params = {n: rng.uniform(0.05, 1.0, trials) for n in bound.float_params}
    return inputs, params


def _numeric_counterexample(spec: Spec, f: Formula, pending, bound: BoundLaunch) -> Counterexample | None:
    inputs, params = random_inputs(spec, bound, TRIALS, seed=len(pending))
    memo: dict = {}
    actual = numeric.evaluate([a for _, a, _ in pending], inputs, params, spec.sizes, TRIALS, memo)
    expected = numeric.evaluate([e for _, _, e in pending], inputs, params, spec.sizes, TRIALS, memo)
    for (idx, a_term, e_term), a, e in zip(pending, actual, expected):
        bad = np.flatnonzero(~numeric.close(a, e))
        if bad.size:
            trial = int(bad[0])
            values = {}
            for t in itertools.chain(walk(a_term), walk(e_term)):
                if t.op in (Op.ACCESS, Op.PARAM) and len(values) < 16:
                    values[_name(t)] = float(memo[t][trial]) if np.ndim(memo[t]) else float(memo[t])
            undefined = any(t.op is Op.UNDEF for t in walk(a_term))
            reason = " (the kernel's value depends on a masked-off lane loaded without other=)" if undefined else ""
            arrays = {n: v[trial].tolist() for n, v in inputs.items()}
            arrays.update({n: float(v[trial]) for n, v in params.items()})
            return Counterexample(spec.sizes, f"{f.output}{list(idx)} differs at {describe_sizes(spec.sizes)}: "
                                  f"kernel {a[trial]:.6g}, formula {e[trial]:.6g}{reason}",
                                  f.output, idx, float(a[trial]), float(e[trial]), values,
                                  replayed="random inputs, real math functions (numpy, float64)", arrays=arrays)
    return None


def _replay(model: dict[Term, float] | None, actual: Term, expected: Term, spec: Spec):
    if not model:
        return None
    inputs: dict[str, np.ndarray] = {}
    params: dict[str, np.ndarray] = {}
    memo: dict = {}
    for t, v in model.items():
        memo[t] = np.full(1, v)
    a, e = numeric.evaluate([actual, expected], inputs, params, spec.sizes, 1, memo)
    if numeric.close(a, e)[0]:
        return None
    return float(a[0]), float(e[0])


def _inputs_of(model, actual: Term, expected: Term) -> dict[str, object]:
    out = {}
    for t in itertools.chain(walk(actual), walk(expected)):
        if t.op in (Op.ACCESS, Op.PARAM) and model and t in model and len(out) < 16:
            out[_name(t)] = model[t]
    return out


def _name(t: Term) -> str:
    if t.op is Op.PARAM:
        return str(t.attr)
    from ..ir.printer import to_text

    return f"{t.attr}[{', '.join(str(a.value) if a.op is Op.CONST else to_text(a) for a in t.args)}]"
