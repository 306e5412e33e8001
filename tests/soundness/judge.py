"""Judge a lifted random kernel by Triton's interpreter, at sizes far beyond those lifting used.

    lifted = lift_generated(seed, bug_rate, directory)     # what the verifier alone says (no oracle)
    batch = [plan_runs(g, lifted, directory, rng) for ...]   # interpreter jobs: the kernel, its clean twin
    verdicts = judge_batch(batch)                            # one interpreter start-up per batch

The lifted formulas are compared through the PyTorch module `--emit torch` prints (what a user
would run), never through tritonlift's own evaluator. A VERIFIED result that disagrees anywhere, or
a BOUNDED one that disagrees inside its bounds, is a soundness bug. The clean twin (the same kernel
without its injected bug) tells whether the bug changes results at all.
"""

from __future__ import annotations

import random
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .kernelgen import GenKernel, generate

RTOL = 1e-3  # the kernel runs in float32, the reference in float64; real bugs are off by far more
ATOL_SCALE = 1e-3  # absolute tolerance per unit of the output's largest magnitude (sums cancel)
INSIDE_POINTS = 2  # size combinations inside the lifted bounds
# beyond the bounds: (lo, hi) per size; rows stay few, rows long (several hundred lanes, many tiles)
BEYOND = ({"n": (9, 60), "M": (2, 5), "N": (9, 40)}, {"n": (100, 300), "M": (3, 7), "N": (100, 300)})


@dataclass
class Lifted:
    seed: int
    status: str  # a Status name, or ERROR (bad input / unsupported), CRASH (internal error), TIMEOUT
    formulas: list[str] = field(default_factory=list)
    scope: str = ""
    reason: str = ""
    reference: str | None = None  # the `--emit torch` module
    seconds: float = 0.0

    @property
    def bounds(self) -> dict[str, int]:
        return {n: int(b) for n, b in re.findall(r"(\w+) ≤ (\d+)", self.scope)}


@dataclass
class Judgement:
    seed: int
    family: str
    bug: str | None
    status: str
    formulas: list[str]
    points: list[dict] = field(default_factory=list)  # sizes, inside bounds, agreement, bug effect
    mismatches: list[str] = field(default_factory=list)  # formula vs interpreter
    unsafe: list[str] = field(default_factory=list)  # out-of-bounds accesses the interpreter's guard saw
    not_run: list[str] = field(default_factory=list)  # why a point could not be run
    bug_effective: bool | None = None  # the clean twin behaves differently somewhere (None: no bug)

    @property
    def unsound(self) -> bool:
        """VERIFIED disagreeing anywhere, BOUNDED disagreeing inside its bounds."""
        bad = [p for p in self.points if p["mismatch"] or p["unsafe"]]
        if self.status == "VERIFIED":
            return bool(bad)
        return self.status == "BOUNDED" and any(p["inside"] for p in bad)


def lift_generated(seed: int, bug_rate: float, directory: str) -> Lifted:
    """Lift generated kernel `seed` with the verifier alone (no interpreter cross-check)."""
    import time

    from tritonlift.cli import emit_torch
    from tritonlift.errors import TritonLiftError
    from tritonlift.pipeline import Options, lift
    from tritonlift.result import Status

    g = generate(seed, bug_rate)
    path = g.write(Path(directory))
    start = time.perf_counter()
    try:
        result = lift(f"{path}::{g.name}", g.launch, Options(oracle=False, simplify=False))
    except TritonLiftError as err:
        return Lifted(seed, "ERROR", reason=err.render()[:300], seconds=time.perf_counter() - start)
    except Exception:  # noqa: BLE001 - an internal error is a finding, never hidden
        return Lifted(seed, "CRASH", reason=traceback.format_exc()[-1500:], seconds=time.perf_counter() - start)
    reference = None
    if result.formulas and result.status >= Status.TESTED:
        reference = emit_torch(result, g.launch)
    return Lifted(seed, result.status.name, [f.text() for f in result.formulas], result.scope, result.reason,
                  reference, time.perf_counter() - start)


@dataclass
class _Run:
    """One size point: the inputs, and the interpreter jobs of the kernel and of its clean twin."""

    sizes: dict[str, int]
    inside: bool
    tensors: dict[str, np.ndarray]
    params: dict[str, float]
    jobs: list  # [kernel job] or [kernel job, twin job]


@dataclass
class Planned:
    g: GenKernel
    lifted: Lifted
    runs: list[_Run] = field(default_factory=list)
    problem: str = ""  # why nothing could be planned


def plan_runs(g: GenKernel, lifted: Lifted, directory: Path, rng: random.Random) -> Planned:
    """Random size points (INSIDE_POINTS inside the lifted bounds, then BEYOND) and inputs."""
    from tritonlift.frontend import load_kernel
    from tritonlift.ir.intexpr import evaluate_int
    from tritonlift.launch.bind import bind
    from tritonlift.launch.parse import parse_launch
    from tritonlift.errors import TritonLiftError
    from tritonlift.verify.oracle_check import build_job

    planned = Planned(g, lifted)
    kernels = [g] + ([generate(g.seed, bug_rate=0.0)] if g.bug else [])
    bound = []
    try:
        for k in kernels:
            loaded = load_kernel(f"{k.write(Path(directory))}::{k.name}")
            bound.append((loaded, bind(loaded, parse_launch(k.launch))))
    except TritonLiftError as err:
        planned.problem = f"does not bind: {err.message[:200]}"
        return planned
    limits = lifted.bounds or {n: 8 for n in ("n", "M", "N")}
    ranges = [{n: (1, b) for n, b in limits.items()}] * INSIDE_POINTS + list(BEYOND)
    kernel0, bound0 = bound[0]
    for r in ranges:
        sizes = g.draw_sizes(rng, r)
        inside = bool(lifted.bounds) and all(v <= lifted.bounds.get(n, 0) for n, v in sizes.items())
        tensors = {}
        for t in bound0.tensors:
            shape = tuple(evaluate_int(d, sizes) for d in t.shape)
            written = t.name in g.outputs
            tensors[t.name] = np.full(shape, np.nan) if written else \
                np.array(np.random.default_rng(rng.getrandbits(32)).standard_normal(shape), np.float32).astype(float)
        params = {n: float(np.float32(rng.uniform(0.05, 1.0))) for n in bound0.float_params}
        try:
            jobs = [build_job(k, b, sizes, 0, tensors, params) for k, b in bound]
        except TritonLiftError as err:
            planned.problem = f"no launch at {sizes}: {err.message[:200]}"
            continue
        planned.runs.append(_Run(sizes, inside, tensors, params, jobs))
    return planned


def judge_batch(batch: list[Planned], timeout_s: float = 120.0) -> list[Judgement]:
    """Run every planned job in one interpreter worker and compare."""
    from tritonlift.oracle import run_kernels

    jobs = [job for p in batch for run in p.runs for job in run.jobs]
    results = iter(run_kernels(jobs, timeout_s) if jobs else [])
    return [_compare(p, [[next(results) for _ in run.jobs] for run in p.runs]) for p in batch]


def _compare(p: Planned, outcomes: list[list]) -> Judgement:
    from tritonlift.oracle import OracleError

    g, lifted = p.g, p.lifted
    j = Judgement(g.seed, g.family, g.bug, lifted.status, lifted.formulas)
    if p.problem:
        j.not_run.append(p.problem)
    reference = _load(lifted.reference) if lifted.reference else None
    effective = False
    for run, results in zip(p.runs, outcomes):
        kernel = results[0]
        if isinstance(kernel, OracleError):
            j.not_run.append(f"{run.sizes}: {kernel.message[:200]}")
            continue
        point = {"sizes": run.sizes, "inside": run.inside, "mismatch": "", "unsafe": "", "bug_changes": None}
        if kernel.oob:
            point["unsafe"] = kernel.oob[0][:200]
            j.unsafe.append(f"{run.sizes}: {point['unsafe']}")
        if reference is not None:
            point["mismatch"] = _disagreement(reference, run, kernel.outputs, g.outputs)
            if point["mismatch"]:
                j.mismatches.append(point["mismatch"])
        if len(results) == 2 and not isinstance(results[1], OracleError):
            twin = results[1]
            point["bug_changes"] = bool(kernel.oob) != bool(twin.oob) or any(
                not np.allclose(kernel.outputs[o], twin.outputs[o], rtol=RTOL, atol=1e-6, equal_nan=True)
                for o in g.outputs)
            effective |= point["bug_changes"]
        j.points.append(point)
    j.bug_effective = effective if g.bug else None
    return j


def _load(source: str):
    from tritonlift.report.torch_code import load_reference

    return load_reference(source)


def _disagreement(reference, run: _Run, got: dict[str, np.ndarray], outputs: tuple[str, ...]) -> str:
    """'' when the reference reproduces every output the kernel wrote, else one sentence."""
    import torch

    inputs = {n: torch.from_numpy(v) for n, v in run.tensors.items() if n not in outputs}
    try:
        want = reference(**inputs, **run.params, **run.sizes)
    except Exception as err:  # noqa: BLE001 - a reference that does not run is a finding too
        return f"at {run.sizes}: the emitted reference fails: {type(err).__name__}: {str(err)[:150]}"
    for name in outputs:
        have = np.asarray(got[name], dtype=float)
        if name not in want:
            if not np.isnan(have).all():
                return f"at {run.sizes}: the kernel writes {name} but no formula describes it"
            continue
        expect = want[name].numpy()
        if expect.shape != have.shape:
            return f"at {run.sizes}: {name} has shape {have.shape}, the formula {expect.shape}"
        atol = ATOL_SCALE * max(1.0, float(np.nanmax(np.abs(expect), initial=0.0)))
        ok = np.isclose(have, expect, rtol=RTOL, atol=atol, equal_nan=True)
        if not ok.all():
            idx = tuple(int(i) for i in np.argwhere(~ok)[0])
            return (f"at {run.sizes}: {name}{list(idx)} = {have[idx]:.6g} in Triton's interpreter, "
                    f"{expect[idx]:.6g} by the formula ({int((~ok).sum())} of {ok.size} elements differ)")
    return ""
