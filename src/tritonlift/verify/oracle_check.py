"""The independent check: the kernel run by Triton's interpreter vs the formula's torch code.

tritonlift's executor is its own model of Triton; this compares that model's conclusion with
Triton itself on random inputs. A disagreement is never hidden: it makes the result UNKNOWN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..frontend import Kernel
from ..ir.intexpr import evaluate_int
from ..launch.bind import BoundLaunch, instantiate
from ..launch.model import FloatArg, IntArg, LiteralArg, TensorArg
from ..result import Check, Counterexample
from ..synth.generalize import Formula
from .plan import SizePlan

_DTYPE_NAMES = {"fp32", "fp16", "bf16", "fp64", "int8", "int16", "int32", "int64", "uint8", "bool"}
FP32_RTOL, FP32_ATOL = 2e-4, 2e-5  # the kernel runs in float32; the formula in float64
ORACLE_POINTS = 2  # size combinations run in the interpreter (each launch costs 0.1–1 s)


@dataclass(frozen=True)
class OracleOutcome:
    check: Check
    counterexample: Counterexample | None = None


def compare_with_interpreter(kernel: Kernel, bound: BoundLaunch, formulas: list[Formula],
                             plan: SizePlan, config: int = 0) -> OracleOutcome:
    start = time.perf_counter()
    try:
        from ..oracle import OracleError, run_kernels
        import torch

        from ..report.torch_code import load_reference, render_module
    except ImportError as err:
        return OracleOutcome(Check("Triton interpreter", "skipped", 0.0, f"unavailable: {err}"))
    points = sorted(plan.grid, key=lambda s: tuple(s.values()))
    chosen = [points[-1]] + ([points[len(points) // 2]] if len(points) > 1 else [])
    chosen = chosen[:ORACLE_POINTS]
    reference = load_reference(render_module(formulas, {t.name: t.shape for t in bound.tensors},
                                             list(bound.float_params), []))
    rng = np.random.default_rng(0)
    jobs, expectations = [], []
    for sizes in chosen:
        concrete = instantiate(bound, sizes, config)
        named = {t.name: t.sample(concrete.shapes[t.name], sizes, rng).astype(np.float32).astype(np.float64)
                 for t in bound.tensors}
        params = {n: float(np.float32(rng.uniform(0.05, 1.0))) for n in bound.float_params}
        jobs.append(build_job(kernel, bound, sizes, config, named, params))
        inputs = {n: torch.from_numpy(v) for n, v in named.items()}
        # sizes no input's shape shows (B in mid[cdiv(M, next_power_of_2(B))]) are passed by name
        expectations.append((sizes, reference(**inputs, **params, **{n: int(v) for n, v in sizes.items()
                                                                       if n not in params and n not in inputs})))
    try:
        results = run_kernels(jobs)
    except OracleError as err:
        return OracleOutcome(Check("Triton interpreter", "skipped", time.perf_counter() - start, err.message[:500]))
    for (sizes, expected), result in zip(expectations, results):
        if isinstance(result, OracleError):
            return OracleOutcome(Check("Triton interpreter", "skipped", time.perf_counter() - start,
                                       f"the kernel does not run in Triton's interpreter: {result.message[:400]}"))
        if result.oob:
            detail = f"the interpreter run at {sizes} reports {result.oob[0]}"
            return OracleOutcome(Check("Triton interpreter", "failed", time.perf_counter() - start, detail),
                                 Counterexample(sizes, detail, replayed="Triton interpreter with guard pages"))
        for f in formulas:
            got = result.outputs[f.output]
            want = expected[f.output].numpy()
            ok = np.isclose(got, want, rtol=FP32_RTOL, atol=FP32_ATOL, equal_nan=True)
            if not ok.all():
                idx = tuple(int(i) for i in np.argwhere(~ok)[0])
                detail = (f"Triton's interpreter gives {f.output}{list(idx)} = {got[idx]:.6g} at {sizes}, the formula "
                          f"{want[idx]:.6g}: tritonlift's model of this kernel disagrees with Triton")
                return OracleOutcome(Check("Triton interpreter", "failed", time.perf_counter() - start, detail))
    sizes_text = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in chosen)
    return OracleOutcome(Check("Triton interpreter", "passed", time.perf_counter() - start,
                               f"random inputs at {sizes_text} agree with the formula (float32 tolerance)"))


def build_job(kernel: Kernel, bound: BoundLaunch, sizes: dict[str, int], config: int,
              tensors: dict[str, np.ndarray], params: dict[str, float]):
    """One interpreter launch at `sizes` with the given tensor values (by launch name) and parameters."""
    from ..oracle import DtypeValue, KernelJob, TensorSpec

    concrete = instantiate(bound, sizes, config)
    args = []
    for p in kernel.params:
        if p.is_constexpr:
            value = concrete.constexprs.get(p.name)
            args.append(DtypeValue(value) if isinstance(value, str) and value in _DTYPE_NAMES else value)
            continue
        arg = dict(bound.args)[p.name]
        if isinstance(arg, TensorArg):
            args.append(TensorSpec(arg.name, tensors[arg.name], concrete.strides[arg.name] if arg.strides else None,
                                   arg.dtype))
        elif isinstance(arg, IntArg):
            args.append(int(evaluate_int(arg.expr, sizes)))
        elif isinstance(arg, FloatArg):
            args.append(params[arg.name] if arg.name else float(arg.value))
        elif isinstance(arg, LiteralArg):
            args.append(DtypeValue(arg.value) if arg.value in _DTYPE_NAMES else arg.value)
        else:
            args.append(None)
    return KernelJob(kernel.file, kernel.name, concrete.grid, args)


def replay_counterexample(kernel: Kernel, bound: BoundLaunch, cex: Counterexample, config: int = 0) -> str | None:
    """Run the counterexample's sizes and inputs in Triton's interpreter. Returns a sentence saying
    what Triton computed, or None when it does not reproduce the claim (a tritonlift bug)."""
    from ..oracle import OracleError, run_kernels

    tensors = {n: np.asarray(v, dtype=np.float64) for n, v in cex.arrays.items() if n in
               {t.name for t in bound.tensors}}
    concrete = instantiate(bound, cex.sizes, config)
    rng = np.random.default_rng(1)
    for t in bound.tensors:  # unspecified inputs: any values; outputs start as NaN to see unwritten elements
        if t.name not in tensors:
            shape = concrete.shapes[t.name]
            nan_start = t.name == cex.output and not cex.what.startswith("undefined value")
            tensors[t.name] = np.full(shape, np.nan) if nan_start else rng.standard_normal(shape)
    params = {n: float(cex.arrays.get(n, 0.5)) for n in bound.float_params}
    try:
        (result,) = run_kernels([build_job(kernel, bound, cex.sizes, config, tensors, params)])
    except OracleError as err:
        return f"not replayed: {err.message[:200]}"
    if isinstance(result, OracleError):
        return f"not replayed: {result.message[:200]}"
    if cex.output is None:  # a safety claim: the guarded interpreter must see the bad access
        races = [r for r in result.oob if r.startswith("conflicting writes")]
        if cex.what.startswith("conflicting writes"):
            return f"Triton's interpreter, logging every write, sees {races[0]}" if races else None
        if result.oob:
            return f"Triton's interpreter reports {result.oob[0]}"
        # a read between the rows of a strided view stays inside the storage, where the oracle keeps NaN:
        # with finite inputs, a NaN in an output can only come from such a read
        poisoned = [n for n, v in result.outputs.items() if np.issubdtype(np.asarray(v).dtype, np.floating)
                    and np.isnan(v).any() and n not in cex.arrays]
        if cex.what.startswith("out-of-bounds load") and poisoned:
            return f"Triton's interpreter reads memory outside the view: {poisoned[0]} receives NaN from the padding"
        return None
    got = float(result.outputs[cex.output][cex.index])
    if cex.what.startswith("undefined value"):  # the interpreter fills masked-off lanes without other= with NaN
        return (f"Triton's interpreter, with masked-off lanes loaded without other= filled with NaN, computes "
                f"{cex.output}{list(cex.index)} = {got:.6g}") if np.isnan(got) else None
    if cex.formula_value is None:  # a coverage claim: the element must still hold its NaN
        return f"Triton's interpreter leaves {cex.output}{list(cex.index)} unwritten" if np.isnan(got) else None
    if cex.formula_value is not None and np.isclose(got, cex.formula_value, rtol=FP32_RTOL, atol=FP32_ATOL):
        return None
    return f"Triton's interpreter computes {cex.output}{list(cex.index)} = {got:.6g}; the formula gives " \
           f"{cex.formula_value:.6g}"
