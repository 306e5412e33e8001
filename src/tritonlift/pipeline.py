"""The one orchestrator: kernel + launch -> specs -> formula -> verdict.

    frontend.load_kernel -> launch.bind -> symexec.execute (every size of the plan, every config)
    -> synth.generalize (training sizes) -> verify.check_spec (every size) -> oracle (interpreter)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .errors import TritonLiftError, UnsupportedFeature
from .frontend import Kernel, load_kernel
from .ir.term import Op, access, index, param, walk
from .launch.bind import BoundLaunch, bind, instantiate
from .launch.model import Launch, TensorArg
from .launch.parse import parse_launch
from .result import Check, Counterexample, LiftResult, Status
from .symexec.execute import Spec, execute, execute_scalar_function
from .synth.constants import assumptions as literal_assumptions
from .synth.expnorm import normal_form
from .synth.tidy import textbook, tidy
from .synth.generalize import Formula, GeneralizeFailure, Sample, Switches, derived_sizes, generalize
from .verify import plan as size_plan
from .verify.spec_check import SAFETY_EVENTS, check_spec, describe_sizes, undefined_output


CEGIS_ROUNDS = 2  # sizes a counterexample adds to the training set before it is reported


@dataclass(frozen=True)
class Options:
    """Budgets and switches; every number has a reason (see verify/plan.py)."""

    max_sizes: int = size_plan.MAX_COMBINATIONS
    sizes: dict[str, tuple[int, ...]] | None = None  # explicit values per size (--sizes)
    config: int | None = None  # check one autotune configuration only
    oracle: bool = True  # run the kernel in Triton's interpreter as an independent check
    unbounded: bool = True  # try to prove the formula for all sizes (VERIFIED)
    simplify: bool = True  # show the textbook form (e-graph simplification, issue 6)
    names: bool = False  # recognise named operators (sigmoid) in the textbook form
    safety_only: bool = False  # prove bounds, race freedom and defined values without lifting values
    topdown: bool = True  # synthesis may split a specification into cases (ablation: --no-topdown)
    pruning: bool = True  # enumeration keeps one expression per behaviour (ablation: --no-pruning)
    invariant_patterns: bool = True  # loops over sizes get invariants (ablation: --no-invariant-patterns)
    z3_timeout_ms: int = 10_000
    extra: dict = field(default_factory=dict)


def lift(kernel: object, launch: str | Launch | None = None, options: Options | None = None) -> LiftResult:
    """Lift `kernel` (a reference string or a jit object) under `launch`; raises TritonLiftError
    only for bad input (unreadable kernel, malformed launch, unsupported construct)."""
    options = options or Options()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    k = kernel if isinstance(kernel, Kernel) else load_kernel(kernel)
    if launch is None:
        if k.is_scalar_function and options.safety_only:
            return LiftResult(k.name, k.file, "", Status.VERIFIED, (), (), (),
                              "safety only: a scalar function performs no loads or stores",
                              timings=_done({}, start))
        if k.is_scalar_function:
            return _lift_scalar(k, start, options)
        raise TritonLiftError(f"'{k.name}' is a kernel: give its launch description (--launch)", k.site,
                              hint=f"e.g. --launch \"{k.name}[(M,)]({', '.join(p.name + ('[N]' if 'ptr' in p.name.lower() else '') for p in k.params if not p.is_constexpr)})\"")
    parsed = parse_launch(launch) if isinstance(launch, str) else launch
    bound = bind(k, parsed)
    if options.config is not None and not 0 <= options.config < len(bound.configs):
        raise TritonLiftError(f"--config {options.config}: '{k.name}' has {len(bound.configs)} autotune "
                              f"configuration{'s' if len(bound.configs) != 1 else ''} (0 to {len(bound.configs) - 1})",
                              k.site)
    timings["load"] = time.perf_counter() - start

    t0 = time.perf_counter()
    plan = size_plan.make_plan(bound, options)
    configs = range(len(bound.configs)) if options.config is None else [options.config]
    specs: list[Spec] = []
    try:
        for sizes in plan.grid:
            for cfg in configs:
                specs.append(execute(k, bound, instantiate(bound, sizes, cfg), cfg))
    except UnsupportedFeature as err:
        if not options.safety_only:
            raise
        specs = [err]  # e.g. addresses computed from loaded indices: only the symbolic run models them
    timings["symbolic execution"] = time.perf_counter() - t0
    if options.safety_only:
        return _lift_safety(k, bound, parsed, plan, list(configs), specs, options, timings, start)

    outputs = _outputs(bound, specs)
    first_cfg = next(iter(configs))
    training = [s for s in specs if s.config == first_cfg and tuple(s.sizes.values()) in plan.training_keys]
    synth_args = (bound.sizes, derived_sizes(bound), Switches(options.topdown, options.pruning))
    assumptions: list[str] = []
    scope = plan.describe(len(list(configs)))
    refined: list[str] = []
    for attempt in range(CEGIS_ROUNDS + 1):
        t0 = time.perf_counter()
        formulas, notes_synth, failure = _synthesize(outputs, training, synth_args)
        timings["synthesis"] = timings.get("synthesis", 0.0) + time.perf_counter() - t0
        assumptions = _assumptions(bound, formulas, len(list(configs)))
        if attempt == 0:
            unsafe = _first_violation(specs, bound, options)
            if unsafe is not None:  # an out-of-bounds access, a race or an undefined value refutes the kernel
                cex, config, checks = unsafe
                status, reason = Status.COUNTEREXAMPLE, cex.what
                if options.oracle:
                    status, reason, cex = _confirm(k, bound, cex, config, timings)
                return LiftResult(k.name, k.file, parsed.text, status, tuple(formulas), (), tuple(assumptions),
                                  scope, reason, cex, checks, _done(timings, start))
        if failure is not None:
            return LiftResult(k.name, k.file, parsed.text, Status.UNKNOWN, tuple(formulas), (), tuple(assumptions),
                              scope, reason=f"no formula found: {failure}", timings=_done(timings, start),
                              notes=tuple(refined))

        t0 = time.perf_counter()
        checks: list[Check] = []
        status, counterexample, reason = Status.BOUNDED, None, ""
        for spec in specs:
            outcome = check_spec(spec, formulas, bound, options.z3_timeout_ms, use_solver=status > Status.TESTED)
            checks.extend(outcome.checks)
            if outcome.counterexample is not None:
                status, counterexample = Status.COUNTEREXAMPLE, outcome.counterexample
                reason = outcome.counterexample.what
                break
            if outcome.status < status:
                status, reason = outcome.status, outcome.reason
        timings["verification"] = timings.get("verification", 0.0) + time.perf_counter() - t0
        # CEGIS, where the training sizes could not have told: an output of one element along some
        # dimension at every training size (one tile of 1024 at small N) says nothing of how the
        # formula depends on that index, so a counterexample at the first size with more elements
        # there is learnt from. Any other counterexample is the kernel's: a fixed tile that drops
        # columns from N = 17 on is reported, never fitted.
        learn = next((s for s in specs if counterexample is not None and counterexample.formula_value is not None
                      and s.config == first_cfg and s.sizes == counterexample.sizes and s not in training), None)
        if learn is None or attempt == CEGIS_ROUNDS or not _first_to_vary(bound, training, learn,
                                                                           counterexample.output):
            break
        training = training + [learn]
        refined.append(f"the training sizes showed one element of {counterexample.output} along a dimension; "
                       f"synthesised again with {describe_sizes(learn.sizes)}, the first size with more")

    verified_forms = formulas  # as synthesised: structurally closest to the kernel, for the unbounded proof
    formulas = [replace(f, body=tidy(f.body)) for f in formulas]  # proven equal for all sizes
    simpler, proven, simplify_assumptions = _textbooks(formulas, options)
    timings["simplification"] = simplify_assumptions.pop("seconds", 0.0)
    assumptions.extend(a for a in simplify_assumptions.get("assumptions", ()) if a not in assumptions)
    notes: list[str] = refined + list(notes_synth)
    if counterexample is not None and options.oracle:
        status, reason, counterexample = _confirm(k, bound, counterexample, first_cfg, timings)
    if status is Status.BOUNDED and options.unbounded:
        from .verify.unbounded import verify_unbounded

        t0 = time.perf_counter()
        outcomes = [verify_unbounded(k, bound, verified_forms, cfg, options.invariant_patterns) for cfg in configs]
        timings["unbounded verification"] = time.perf_counter() - t0
        for outcome in outcomes:
            checks.extend(outcome.checks)
        failed = next((o for o in outcomes if not o.proved), None)
        violation = _replay_violation(k, bound, outcomes, list(configs), verified_forms, options) \
            if failed is not None else None
        if violation is not None:  # a safety obligation failed beyond the grid, and it shows at concrete sizes
            counterexample, config_at = violation
            status, reason = Status.COUNTEREXAMPLE, counterexample.what
            if options.oracle:
                status, reason, counterexample = _confirm(k, bound, counterexample, config_at, timings)
        elif failed is None:
            status = Status.VERIFIED
            scope = "all sizes ≥ 1, every program id" + (f", each of {len(outcomes)} autotune configurations"
                                                         if len(outcomes) > 1 else "") + \
                f"; also checked exhaustively for {plan.describe(len(outcomes)).split(' (')[0]}"
            assumptions.append("index arithmetic does not overflow")
        else:
            notes.append(failed.reason)
    gathered = sorted({name for spec in specs for name in spec.gathered})
    if gathered and status is not Status.VERIFIED:  # a concrete run cannot bound an index it does not know
        assumptions.append(f"reads of {', '.join(gathered)} at indices loaded from memory stay inside "
                           f"{'it' if len(gathered) == 1 else 'them'} (not checked at these sizes; "
                           "--safety-only proves it for all sizes when it holds)")
    if options.oracle and status not in (Status.COUNTEREXAMPLE, Status.UNKNOWN):
        from .verify.oracle_check import compare_with_interpreter

        t0 = time.perf_counter()
        oracle = compare_with_interpreter(k, bound, formulas, plan, first_cfg)
        timings["interpreter"] = time.perf_counter() - t0
        checks.append(oracle.check)
        if oracle.counterexample is not None:
            status, counterexample, reason = Status.COUNTEREXAMPLE, oracle.counterexample, oracle.counterexample.what
        elif oracle.check.result == "failed":
            status, reason = Status.UNKNOWN, oracle.check.detail
        elif oracle.check.result != "passed":
            notes.append(f"interpreter check not run: {oracle.check.detail}")
    return LiftResult(k.name, k.file, parsed.text, status, tuple(formulas), simpler, tuple(assumptions), scope,
                      reason, counterexample, tuple(checks), _done(timings, start), tuple(notes), proven)


def _lift_safety(k: Kernel, bound: BoundLaunch, parsed: Launch, plan, configs: list[int], specs: list[Spec],
                 options: Options, timings: dict, start: float) -> LiftResult:
    """--safety-only: every access in bounds, no conflicting writes, no undefined value stored —
    at every size of the grid (concrete runs), then for all sizes (symbolic run); no formula."""
    assumptions = [a for a in _assumptions(bound, [], len(configs)) if not a.startswith("real arithmetic")]
    scope = plan.describe(len(configs))
    if specs and isinstance(specs[0], UnsupportedFeature):
        found, scope = None, "no concrete runs"
        checks = [Check("safety at every size of the grid", "skipped", timings["symbolic execution"],
                        f"the concrete executor does not model it: {specs[0].render()}")]
    else:
        found = _first_violation(specs, bound, options)
        checks = [Check(f"safety at every size of the grid ({len(specs)} runs)", "refuted" if found else "proved",
                        timings["symbolic execution"])]
    if found is None and options.unbounded:
        from .verify.unbounded import verify_safety

        t0 = time.perf_counter()
        outcomes = [verify_safety(k, bound, cfg, options.invariant_patterns) for cfg in configs]
        timings["unbounded verification"] = time.perf_counter() - t0
        for outcome in outcomes:
            checks.extend(outcome.checks)
        failed = next((o for o in outcomes if not o.proved), None)
        if failed is None:
            concrete = "" if scope == "no concrete runs" else \
                f"; also run exhaustively for {plan.describe(len(outcomes)).split(' (')[0]}"
            scope = "safety only (bounds, races, undefined values), all sizes ≥ 1, every program id" + \
                (f", each of {len(outcomes)} autotune configurations" if len(outcomes) > 1 else "") + concrete
            return LiftResult(k.name, k.file, parsed.text, Status.VERIFIED, (), (), tuple(
                assumptions + ["index arithmetic does not overflow"]), scope, checks=tuple(checks),
                timings=_done(timings, start))
        found = _replay_violation(k, bound, outcomes, configs, [], options)
        if found is None:  # BOUNDED only if the grid was run; with no concrete run nothing was checked
            status = Status.UNKNOWN if scope == "no concrete runs" else Status.BOUNDED
            return LiftResult(k.name, k.file, parsed.text, status, (), (), tuple(assumptions),
                              f"safety only, {scope}", reason=failed.reason if status is Status.UNKNOWN else "",
                              checks=tuple(checks), timings=_done(timings, start),
                              notes=(failed.reason,) if status is Status.BOUNDED else ())
    if found is None:
        if scope == "no concrete runs":  # and no symbolic one either (--bounded-only): nothing was checked
            return LiftResult(k.name, k.file, parsed.text, Status.UNKNOWN, (), (), tuple(assumptions),
                              f"safety only, {scope}", reason=checks[0].detail, checks=tuple(checks),
                              timings=_done(timings, start))
        return LiftResult(k.name, k.file, parsed.text, Status.BOUNDED, (), (), tuple(assumptions),
                          f"safety only, {scope}", checks=tuple(checks), timings=_done(timings, start))
    cex, config = found[0], found[1]
    status, reason = Status.COUNTEREXAMPLE, cex.what
    if options.oracle:
        status, reason, cex = _confirm(k, bound, cex, config, timings)
    return LiftResult(k.name, k.file, parsed.text, status, (), (), tuple(assumptions), f"safety only, {scope}",
                      reason, cex, tuple(checks), _done(timings, start))


def _replay_violation(k: Kernel, bound: BoundLaunch, outcomes, configs: list[int], formulas: list[Formula],
                      options: Options):
    """Run the concrete executor at the sizes where an all-sizes obligation was refuted by z3: the
    bad access or the wrong element it exhibits there is the counterexample (None when nothing
    shows: z3's model may rely on values no real input has, e.g. reductions taken as atoms)."""
    for outcome, cfg in zip(outcomes, configs):
        if outcome.violation_sizes is None:
            continue
        sizes = {n: max(1, v) for n, v in outcome.violation_sizes.items()}
        try:
            spec = execute(k, bound, instantiate(bound, sizes, cfg), cfg)
        except TritonLiftError:
            if outcome.witness is not None:  # e.g. a gather: z3's model is the access itself
                return _witness_counterexample(bound, outcome.witness), cfg
            continue
        found = _first_violation([spec], bound, options)
        if found is None and outcome.witness is not None:  # a gather: the concrete run cannot bound it
            return _witness_counterexample(bound, outcome.witness), cfg
        if found is None:
            wrong = check_spec(spec, formulas, bound, options.z3_timeout_ms).counterexample
            found = (wrong, cfg, ()) if wrong is not None else None
        if found is not None:
            cex, config, _ = found
            return replace(cex, replayed=f"{cex.replayed}, at sizes found by z3"), config
    return None


def _witness_counterexample(bound: BoundLaunch, w) -> Counterexample:
    """A bad access found in z3's model, with index tensors holding the values the model chose
    (elsewhere the first value the launch allows), ready for the interpreter's replay."""
    import numpy as np

    from .ir.intexpr import evaluate_int

    concrete = instantiate(bound, w.sizes, 0)
    arrays, shown = {}, []
    for t in bound.tensors:
        if t.name in w.index_values:
            fill = evaluate_int(t.values[0][0], w.sizes) if t.values else 0
            flat = np.full(int(np.prod(concrete.shapes[t.name])), fill, dtype=np.int64)
            for offset, value in sorted(w.index_values[t.name].items()):
                flat[offset] = value
                shown.append(f"{t.name} at offset {offset} = {value}")
            arrays[t.name] = flat.reshape(concrete.shapes[t.name]).tolist()
            if not t.values:
                shown.append(f"the launch states no range for {t.name}: write e.g. {t.name}[…]:i64 in 0..C-1")
    lane = f"lane {list(w.lane)}: " if w.lane else ""
    where = "past the end of" if w.offset >= w.extent else "before"
    what = (f"out-of-bounds {w.kind} at {w.site} by program {w.program[:len(bound.launch.grid)]}: {lane}{w.tensor}: "
            f"offset {w.offset} is {where} its storage of {w.extent} elements ({', '.join(shown)})")
    return Counterexample(w.sizes, what, inputs=dict(s.split(" = ") for s in shown if " = " in s),
                          replayed="z3 model of the symbolic run", arrays=arrays)


def _first_to_vary(bound: BoundLaunch, training: list[Spec], spec: Spec, output: str) -> bool:
    """Whether `spec` is the first to show more than one element of `output` along a dimension."""
    seen = [instantiate(bound, s.sizes, s.config).shapes[output] for s in training]
    shape = instantiate(bound, spec.sizes, spec.config).shapes[output]
    return any(n > 1 and all(old[d] <= 1 for old in seen) for d, n in enumerate(shape))


def _synthesize(outputs, training: list[Spec], synth_args) -> tuple[list[Formula], list[str], str | None]:
    """One formula per output from the training specs, or the reason none was found.

    Simplest explanation first: one structure for every element, as the kernel computes it, then in
    exp-normal form (loop-carried rescaling — online softmax — differs in shape from size to size; its
    normal form does not); only then a case split, which could otherwise fit size-specific pieces to
    what one formula in normal form explains."""
    single = replace(synth_args[2], topdown=False)
    attempts = [(False, single), (True, single)] + ([(False, synth_args[2]), (True, synth_args[2])]
                                                    if synth_args[2].topdown else [])
    formulas: list[Formula] = []
    notes: list[str] = []
    failure = None
    for out in outputs:
        samples = [Sample(s.sizes, idx, term) for s in training if out.name in s.outputs
                   for idx, term in sorted(s.outputs[out.name].values.items())]
        normalized = None
        found = None
        for in_normal_form, switches in attempts:
            if in_normal_form:
                if normalized is None:
                    normalized = [Sample(s.sizes, s.index, normal_form(s.term)) for s in samples]
                if any(s.term is None for s in normalized):
                    continue
            try:
                found = generalize(out.name, out.shape, normalized if in_normal_form else samples,
                                   synth_args[0], synth_args[1], switches)
            except GeneralizeFailure as err:
                failure = failure if in_normal_form and failure else str(err)
                continue
            if in_normal_form:
                notes.append(f"{out.name}: formula found in exp-normal form (the kernel's own "
                             "rescaled form differs from size to size)")
            break
        if found is None:
            return formulas, notes, failure
        formulas.append(found)
        failure = None
    return formulas, notes, None


def _first_violation(specs: list[Spec], bound: BoundLaunch, options: Options):
    """The first safety violation at a concrete size: (counterexample, config, checks), or None."""
    for spec in specs:
        if any(e.kind in SAFETY_EVENTS for e in spec.events):
            outcome = check_spec(spec, [], bound, options.z3_timeout_ms)
            return outcome.counterexample, spec.config, outcome.checks
    for spec in specs:
        cex = undefined_output(spec)
        if cex is not None:
            return cex, spec.config, (Check(f"undefined values at {describe_sizes(spec.sizes)}", "refuted", 0.0,
                                            cex.what),)
    return None


def _textbooks(formulas: list[Formula], options: Options):
    """The textbook form of each formula: the e-graph simplifier (issue 6) when it finds a cheaper
    equal form, else the exp-normal form when that is smaller. Returns the forms, whether each is
    proven equal for all sizes (or only tested), and what the simplifier assumed."""
    forms, proven, extra = [], [], {"assumptions": [], "seconds": 0.0}
    for f in formulas:
        body, is_proven = None, False
        t0 = time.perf_counter()
        if options.simplify:
            from .simplify import simplify

            candidate, report = simplify(f.body, names=options.names)
            if report.changed:
                body, is_proven = candidate, report.rechecked.startswith("proven")
                extra["assumptions"].extend(report.assumptions)
        if body is None and options.simplify:
            body, is_proven = textbook(f.body), True
        form = None if body is None else replace(f, body=body)
        if options.names:  # named operators, shown only where proven equal to their definitions
            from .simplify.named import name_formula

            named = name_formula(form or f)
            if named is not None:
                form, is_proven = named, (form is None or is_proven) and named.by_normal_forms
                extra["assumptions"].extend([named.assumes] if named.assumes else [])
        extra["seconds"] += time.perf_counter() - t0
        forms.append(form)
        proven.append(is_proven)
    return tuple(forms), tuple(proven), extra


def _confirm(k: Kernel, bound: BoundLaunch, cex: Counterexample, config: int, timings: dict):
    """Replay a counterexample in Triton's interpreter; one that does not reproduce is our bug."""
    from .verify.oracle_check import replay_counterexample

    t0 = time.perf_counter()
    replay = replay_counterexample(k, bound, cex, config)
    timings["interpreter"] = timings.get("interpreter", 0.0) + time.perf_counter() - t0
    if replay is None:
        return Status.UNKNOWN, (f"tritonlift claimed a counterexample ({cex.what}) that Triton's interpreter "
                                "does not reproduce: this is a bug in tritonlift, please report it"), None
    return Status.COUNTEREXAMPLE, cex.what, replace(cex, replayed=f"{cex.replayed}; {replay}")


def _done(timings: dict[str, float], start: float) -> dict[str, float]:
    timings = dict(timings)
    timings["total"] = time.perf_counter() - start
    return timings


@dataclass(frozen=True)
class _Output:
    name: str
    shape: tuple


def _outputs(bound: BoundLaunch, specs: list[Spec]) -> list[_Output]:
    """Outputs are the tensors the kernel stores to, in parameter order."""
    written = {name for s in specs for name in s.outputs}
    return [_Output(t.name, t.shape) for t in bound.tensors if t.name in written]


def _assumptions(bound: BoundLaunch, formulas: list[Formula], n_configs: int) -> list[str]:
    from .ir.printer import to_text

    out = ["real arithmetic (no rounding, no overflow; casts are the identity)"]
    if any(t.op is Op.DIV for f in formulas for t in walk(f.body)):
        out.append("denominators are nonzero")
    grid = ", ".join(to_text(g) for g in bound.launch.grid)
    out.append(f"grid = ({grid}{',' if len(bound.launch.grid) == 1 else ''})")
    for name, arg in bound.constexprs:
        from .launch.model import IntArg

        if isinstance(arg, IntArg):
            out.append(f"{name} = {to_text(arg.expr)}")
    if n_configs > 1:
        out.append(f"each of {n_configs} autotune configurations")
    elif bound.configs[0]:
        out.append(bound.describe_config(0))
    for name, _ in bound.heuristics:
        out.append(f"{name} from the kernel's heuristic")
    for t in bound.tensors:
        if t.strides:
            out.append(f"{t.name} strides ({', '.join(to_text(s) for s in t.strides)}), at sizes where the view "
                       "does not overlap itself")
    contiguous = [t.name for t in bound.tensors if not t.strides]
    if contiguous:
        out.append(f"{', '.join(contiguous)} contiguous")
    out.extend(t.describe_values() for t in bound.tensors if t.values)  # index tensors: what a gather may read
    out.extend(dict.fromkeys(a for f in formulas for a in literal_assumptions(f.body)))  # 1/√2 for 0.70710678…
    return out


def _lift_scalar(k: Kernel, start: float, options: Options) -> LiftResult:
    """A jit scalar function (e.g. under pointwise_dynamic): f applied to one element of each input.
    Straight-line code over arbitrary reals, so the executed term *is* the formula, for all inputs."""
    flags = k.pointwise.is_tensor if k.pointwise else tuple(True for _ in k.params)
    element = index("i⃗")
    inputs = [access(p.name, (element,)) if is_tensor else param(p.name) for p, is_tensor in zip(k.params, flags)]
    t0 = time.perf_counter()
    body = execute_scalar_function(k, inputs)
    timings = {"symbolic execution": time.perf_counter() - t0}
    formula = Formula("out", (element,), (), body)
    tensors = [p.name for p, is_tensor in zip(k.params, flags) if is_tensor]
    assumptions = ["real arithmetic (no rounding, no overflow; casts are the identity)",
                   f"applied to every element of the broadcast inputs ({', '.join(tensors)})"
                   + (" by pointwise_dynamic's generated kernel, which is not analysed here" if k.pointwise else "")]
    if any(t.op is Op.DIV for t in walk(body)):
        assumptions.insert(1, "denominators are nonzero")
    assumptions.extend(literal_assumptions(body))
    simpler, proven, extra = _textbooks([formula], options)
    timings["simplification"] = extra["seconds"]
    assumptions.extend(a for a in extra["assumptions"] if a not in assumptions)
    return LiftResult(k.name, k.file, "", Status.VERIFIED, (formula,), simpler, tuple(assumptions),
                      "all real inputs (a straight-line scalar function, executed symbolically)",
                      checks=(Check("symbolic execution of the scalar function", "proved",
                                    timings["symbolic execution"]),),
                      timings=_done(timings, start), textbook_proven=proven)


__all__ = ["lift", "Options", "TensorArg"]
