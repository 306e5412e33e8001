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
from ..launch.model import FloatArg, IntArg, LiteralArg, NoneArg, TensorArg
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
        from ..oracle import DtypeValue, KernelJob, OracleError, TensorSpec, run_kernels
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
        args, named, params = [], {}, {}
        for p in kernel.params:
            if p.is_constexpr:
                args.append(concrete.constexprs.get(p.name))
                continue
            arg = dict(bound.args)[p.name]
            if isinstance(arg, TensorArg):
                shape = concrete.shapes[arg.name]
                data = rng.standard_normal(shape).astype(np.float32).astype(np.float64)
                named[arg.name] = data
                args.append(TensorSpec(arg.name, data, concrete.strides[arg.name] if arg.strides else None,
                                       arg.dtype))
            elif isinstance(arg, IntArg):
                args.append(int(evaluate_int(arg.expr, sizes)))
            elif isinstance(arg, FloatArg):
                value = float(np.float32(rng.uniform(0.05, 1.0))) if arg.name else float(arg.value)
                if arg.name:
                    params[arg.name] = value
                args.append(value)
            elif isinstance(arg, LiteralArg):
                args.append(DtypeValue(arg.value) if arg.value in _DTYPE_NAMES else arg.value)
            elif isinstance(arg, NoneArg):
                args.append(None)
        args = [DtypeValue(a) if isinstance(a, str) and a in _DTYPE_NAMES and p.is_constexpr else a
                for a, p in zip(args, kernel.params)]
        jobs.append(KernelJob(kernel.file, kernel.name, concrete.grid, args))
        inputs = {n: torch.from_numpy(v) for n, v in named.items()}
        expectations.append((sizes, reference(**inputs, **params)))
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
