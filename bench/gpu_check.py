"""GPU agreement: every VERIFIED kernel compiled for the GPU, run, and compared with its emitted reference.

    python bench/gpu_check.py [--corpus PATH] [--results BENCH_JSON] [--jobs N] [--only SUB ...] [--out DIR]

For each launch-based row the benchmark VERIFIED (`bench/results/<date>-flaggems-v2.1.json`), in a
process of its own (a crash or a hang costs only that row):

1. the kernel is lifted again with the row's options (without the interpreter cross-check), and its
   formulas are emitted as PyTorch (`tritonlift lift --emit torch`, `report/torch_code.py`);
2. the kernel itself, with its helpers, is carried into a module (tritonlift's oracle does the same
   for the interpreter: decorators dropped, constexprs passed explicitly) and compiled by Triton for
   the GPU — TRITON_INTERPRET is not set;
3. at several size points (one inside the bounded grid, the rest beyond it, up to thousands of
   elements per row) and for each autotune configuration the lift checked, the launch description
   gives the grid, shapes, strides and constexprs (`launch.bind.instantiate`); random float32 inputs
   go to the kernel, outputs start as NaN and every tensor sits in NaN padding (a changed padding is
   an out-of-bounds write); the reference runs on the GPU in float64 on the same inputs;
4. outputs are compared with `|kernel - reference| <= atol + rtol * |reference|` per dtype.

Writes `<date>-gpu-agreement.{md,json}` with the device, driver, CUDA, torch and triton versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import types
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from kernels import all_targets  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "flaggems-v2.1"
# rtol, atol per dtype: the kernel computes in its dtype (fp32 sums in another order, fast exp),
# the reference in float64
TOLERANCE = {"fp32": (1e-4, 1e-4), "fp16": (1e-2, 1e-2), "bf16": (2e-2, 2e-2), "fp64": (1e-9, 1e-9)}
# size points by name; a size not named gets the `*` value
POINTS = {
    "grid": {"*": 3},
    "beyond": {"M": 3, "N": 37, "K": 21, "n": 53, "S": 37, "B": 2, "*": 5},
    "large": {"M": 67, "N": 1031, "K": 45, "n": 100_003, "S": 1000, "B": 512, "*": 33},
    "real": {"M": 256, "N": 4096, "K": 128, "n": 1_048_579, "S": 4096, "B": 1024, "*": 64},
}
MAX_ELEMENTS = 1 << 26  # per tensor and per reference temporary (float64: 512 MiB)
MAX_CONFIGS = 4  # autotune configurations run per point (spread over the list)
PAD = 1024  # NaN elements on each side of every tensor


# ---------------------------------------------------------------- worker (one row, one process)


def _import_or_fail(module, name=None):
    import importlib

    mod = importlib.import_module(module)
    if name is None:
        return mod
    return getattr(mod, name) if hasattr(mod, name) else importlib.import_module(f"{module}.{name}")


def _compile_module(kernel_file: str, kernel_name: str, directory: Path):
    """The kernel and the jit helpers it calls as a module of their own, jit-wrapped for the GPU."""
    import importlib

    from tritonlift.oracle import _Synthesizer

    runtime = types.ModuleType("_tritonlift_oracle_rt")
    runtime.import_or_missing = _import_or_fail
    sys.modules[runtime.__name__] = runtime
    synth = _Synthesizer(directory)
    module_name, _ = synth.require(kernel_file, kernel_name)
    synth.write()
    sys.path.insert(0, str(directory))
    return getattr(importlib.import_module(module_name), kernel_name)


def _sizes_for(point: dict, names: tuple[str, ...], bound, instantiate) -> dict[str, int]:
    """The point's sizes, halving the largest until every tensor and the product fit."""
    sizes = {n: point.get(n, point["*"]) for n in names}
    while True:
        concrete = instantiate(bound, sizes, 0)
        biggest = max((_prod(s) for s in concrete.shapes.values()), default=1)
        product = _prod([v for n, v in sizes.items() if n != "B"])
        if (biggest <= MAX_ELEMENTS and product <= MAX_ELEMENTS) or max(sizes.values()) <= 1:
            return sizes
        name = max(sizes, key=sizes.get)
        sizes[name] = max(1, sizes[name] // 2)


def _prod(values) -> int:
    out = 1
    for v in values:
        out *= int(v)
    return out


def _device_tensor(spec, torch, dtypes, fill_nan: bool, device: str):
    """A strided view into the middle of a NaN-padded buffer on the GPU."""
    import numpy as np

    data = np.asarray(spec.data)
    shape = tuple(data.shape)
    strides = spec.strides or tuple(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
    extent = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    dtype = dtypes[spec.dtype]
    flat = torch.full((extent + 2 * PAD,), float("nan"), dtype=dtype, device=device) if dtype.is_floating_point \
        else torch.full((extent + 2 * PAD,), -7, dtype=dtype, device=device)
    view = torch.as_strided(flat, shape, strides, PAD)
    if not fill_nan:
        view.copy_(torch.from_numpy(np.ascontiguousarray(data)).to(dtype))
    return flat, view, extent


def _padding_touched(flat, extent, torch) -> bool:
    pads = torch.cat([flat[:PAD], flat[PAD + extent:]])
    return bool(~torch.isnan(pads).all()) if pads.dtype.is_floating_point else bool((pads != -7).any())


def run_row(target, corpus: Path, device: str, points: list[str]) -> dict:
    import numpy as np
    import torch
    import triton.language as tl

    from tritonlift.cli import emit_torch
    from tritonlift.frontend import load_kernel
    from tritonlift.launch.bind import bind, instantiate
    from tritonlift.launch.parse import parse_launch
    from tritonlift.oracle import DtypeValue, TensorSpec
    from tritonlift.pipeline import Options, lift
    from tritonlift.report.torch_code import load_reference
    from tritonlift.verify.oracle_check import build_job

    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32, "fp64": torch.float64,
              "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
              "uint8": torch.uint8, "bool": torch.bool}
    tl_dtypes = {"fp16": tl.float16, "bf16": tl.bfloat16, "fp32": tl.float32, "fp64": tl.float64, "int8": tl.int8,
                 "int16": tl.int16, "int32": tl.int32, "int64": tl.int64, "uint8": tl.uint8, "bool": tl.int1}
    ref = _kernel_ref(target, corpus)
    row: dict = {"stage": "lift"}
    start = time.perf_counter()
    result = lift(ref, target.launch, Options(**{"oracle": False, **target.options}))
    row.update(lift_status=result.status.name, lift_seconds=time.perf_counter() - start,
               formulas=[f.text() for f in result.formulas])
    if not result.formulas:
        return {**row, "status": "ERROR", "reason": f"the lift here gave no formula: {result.status.name} "
                                                     f"({result.reason})"}
    if device == "cuda":  # importing tritonlift.cli switched the interpreter on (for the CLI's oracle)
        os.environ.pop("TRITON_INTERPRET", None)
    row["stage"] = "emit"
    code = emit_torch(result, target.launch)
    row["reference"] = code
    reference = load_reference(code)
    kernel = load_kernel(ref)
    bound = bind(kernel, parse_launch(target.launch))
    configs = [target.options["config"]] if target.options.get("config") is not None else \
        sorted({round(i * (len(bound.configs) - 1) / max(MAX_CONFIGS - 1, 1)) for i in range(MAX_CONFIGS)}
               if len(bound.configs) > 1 else [0])
    row["configs"] = [bound.describe_config(c) for c in configs]
    row["stage"] = "compile"
    with tempfile.TemporaryDirectory(prefix="tritonlift-gpu-") as tmp:
        fn = _compile_module(kernel.file, kernel.name, Path(tmp))
        outputs = {f.output for f in result.formulas}
        checks, rng = [], np.random.default_rng(0)
        out_dtypes = {t.name: t.dtype for t in bound.tensors}

        def run_point(sizes, config, concrete, named, params) -> dict:
            job = build_job(kernel, bound, sizes, config, named, params)
            buffers, args = {}, []
            for a in job.args:
                if isinstance(a, TensorSpec):
                    flat, view, extent = _device_tensor(a, torch, dtypes, fill_nan=a.name in outputs, device=device)
                    buffers[a.name] = (flat, view, extent)
                    args.append(view)
                else:
                    args.append(tl_dtypes[a.name] if isinstance(a, DtypeValue) else a)
            t0 = time.perf_counter()
            fn[tuple(job.grid)](*args)
            if device == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - t0
            inputs = {n: torch.from_numpy(v).to(device) for n, v in named.items() if n not in outputs}
            extra = {n: int(v) for n, v in sizes.items() if n not in params and n not in inputs}
            with torch.device(device):  # the reference's aranges and constants on the same device
                want = reference(**inputs, **params, **extra)
            check = {"sizes": sizes, "config": config, "grid": list(job.grid),
                     "constexprs": {k: v for k, v in concrete.constexprs.items()
                                    if isinstance(v, (int, float, str, bool))},
                     "first launch seconds": seconds, "inputs": "standard normal", "outputs": {}}
            for name in sorted(outputs):
                flat, view, extent = buffers[name]
                rtol, atol = TOLERANCE.get(out_dtypes[name], (1e-4, 1e-4))
                got, exp = view.to(torch.float64), want[name].to(torch.float64)
                err = (got - exp).abs()
                bad = ~(err <= atol + rtol * exp.abs()) & ~(torch.isnan(got) & torch.isnan(exp))
                entry = {"elements": got.numel(), "bad": int(bad.sum()), "rtol": rtol, "atol": atol,
                         "reference NaN": int(torch.isnan(exp).sum()),
                         "max abs err": float(torch.nan_to_num(err, nan=float("inf")).max()) if got.numel() else 0.0,
                         "max |reference|": float(exp.abs().max()) if exp.numel() else 0.0,
                         "padding touched": _padding_touched(flat, extent, torch)}
                if entry["bad"]:
                    idx = tuple(int(i) for i in torch.nonzero(bad)[0])
                    entry["first bad"] = {"index": list(idx), "kernel": float(got[idx]), "reference": float(exp[idx])}
                check["outputs"][name] = entry
            check["agree"] = all(e["bad"] == 0 and not e["padding touched"] for e in check["outputs"].values())
            return check

        for point_name, point in ((n, POINTS[n]) for n in points):
            sizes = _sizes_for(point, bound.sizes, bound, instantiate)
            for config in configs:
                row["stage"] = f"run at {point_name} {sizes}, config {config}"
                concrete = instantiate(bound, sizes, config)
                named = {t.name: rng.standard_normal(concrete.shapes[t.name]).astype(np.float32).astype(np.float64)
                         for t in bound.tensors}
                params = {n: float(np.float32(rng.uniform(0.05, 1.0))) for n in bound.float_params}
                check = run_point(sizes, config, concrete, named, params)
                if any(e["reference NaN"] for e in check["outputs"].values()):
                    # the formula is undefined (NaN) on these signed inputs, say a √ of a sum: the same point
                    # again on their absolute values, where it may be defined; the signed run is kept
                    again = run_point(sizes, config, concrete, {n: np.abs(v) for n, v in named.items()}, params)
                    check = {**again, "inputs": "absolute values", "signed inputs": check}
                check.update(point=point_name)
                checks.append(check)
    row.pop("stage")
    row["checks"] = checks
    row["status"] = "AGREE" if all(c["agree"] for c in checks) else "DISAGREE"
    return row


def _kernel_ref(target, corpus: Path) -> str:
    base = REPO if target.source == "example" else corpus / "src" / "flag_gems"
    return f"{base / target.file}::{target.kernel}"


def worker_main(target_id: str, corpus: str, result_file: str, device: str, points: list[str]) -> int:
    target = next(t for t in all_targets(REPO) if t.id == target_id)
    try:
        row = run_row(target, Path(corpus), device, points)
    except Exception as err:  # noqa: BLE001 - every failure is the row's result, with its reason
        tb = traceback.format_exc()
        row = {"status": "ERROR", "reason": f"{type(err).__name__}: {str(err)[:600]}", "traceback": tb[-3000:]}
    Path(result_file).write_text(json.dumps(row))
    return 0


# ---------------------------------------------------------------- driver


def supervise(target, corpus: str, timeout: float, device: str, points: list[str]) -> dict:
    fd, result_file = tempfile.mkstemp(prefix="tritonlift-gpu-", suffix=".json")
    os.close(fd)
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # compile for the GPU
    if device == "cpu":  # a dry run of this script on a machine without a GPU: Triton's interpreter
        env["TRITON_INTERPRET"] = "1"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", target.id, "--corpus", corpus,
           "--result", result_file, "--device", device, "--points", *points]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env=env, cwd=str(REPO))
    try:
        log, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        log, _ = proc.communicate()
        row = {"status": "TIMEOUT", "reason": f"no result after {timeout:g} s (killed)"}
    else:
        text = Path(result_file).read_text()
        row = json.loads(text) if text.strip() else {
            "status": "ERROR", "reason": f"the worker died with exit code {proc.returncode}: {(log or '')[-300:]}"}
    os.unlink(result_file)
    row.update(id=target.id, kernel=target.kernel, file=target.file, launch=target.launch,
               options=target.options, wall_seconds=time.perf_counter() - start)
    print(f"{target.id}: {row['status']} ({row['wall_seconds']:.0f} s)"
          + (f" {row.get('reason', '')[:200]}" if row["status"] not in ("AGREE",) else ""), flush=True)
    return row


def environment() -> dict:
    import importlib.metadata as md

    import torch

    versions = {n: md.version(n) for n in ("torch", "triton", "numpy", "z3-solver")}
    try:
        driver = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        driver = "nvidia-smi not available"
    props = torch.cuda.get_device_properties(0) if torch.cuda.is_available() else None
    git = os.environ.get("TRITONLIFT_GIT", "")  # a copy of the tree whose .git is not the one run
    try:
        git = git or subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                    text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return {"device": f"{props.name}, compute capability {props.major}.{props.minor}, "
                      f"{props.multi_processor_count} SMs" if props else "no CUDA device",
            "nvidia-smi": driver, "cuda (torch)": torch.version.cuda, "versions": versions,
            "machine": f"{platform.platform()}, os.cpu_count() = {os.cpu_count()}, Python {platform.python_version()}",
            "git": git or "unknown"}


def render(result: dict) -> str:
    meta, rows = result["meta"], result["rows"]
    v = meta["versions"]
    count = {s: sum(r["status"] == s for r in rows) for s in ("AGREE", "DISAGREE", "ERROR", "TIMEOUT")}
    partly_vacuous = sum(1 for r in rows if r["status"] == "AGREE" and any(_vacuous(c) for c in r.get("checks", [])))
    lines = [f"# GPU agreement — {meta['started'][:10]}", "",
             f"- device: {meta['device']}; nvidia-smi: {meta['nvidia-smi']}; CUDA (torch) {meta['cuda (torch)']}",
             f"- versions: torch {v['torch']}, triton {v['triton']} ("
             + ("compiled for the GPU" if meta["device run"] == "cuda" else "interpreter: a dry run on the CPU")
             + f"), numpy {v['numpy']}, "
             f"z3-solver {v['z3-solver']}; tritonlift git {meta['git']}; {meta['machine']}",
             f"- rows: the {len(rows)} launch-based kernels VERIFIED in `{meta['results']}` "
             f"({meta['scalar functions skipped']} VERIFIED scalar functions of `@pointwise_dynamic` are not run: "
             "they have no launch of their own)",
             f"- wall time {meta['wall seconds'] / 60:.1f} min; command `{meta['command']}`",
             "- what runs: the kernel's jit function and the jit helpers it calls, carried from its source file into "
             "a module of their own (as tritonlift's interpreter oracle does; `@triton.autotune`, "
             "`@triton.heuristics`, `@libentry` dropped), compiled by Triton; constexprs (the autotune configuration, "
             "heuristics, launch values) from the launch description through `launch.bind.instantiate`; "
             "num_warps and num_stages are Triton's defaults; the reference is `tritonlift lift --emit torch` of a "
             "fresh lift on the same machine, run in float64 on the GPU",
             "- size points (a size not named takes `*`; the largest sizes are halved until every tensor has at most "
             f"{MAX_ELEMENTS} elements): " + "; ".join(f"{k}: " + ", ".join(f"{n}={x}" for n, x in p.items())
                                                         for k, p in meta["points"].items()),
             f"- tolerance `|kernel - reference| <= atol + rtol·|reference|`: "
             + ", ".join(f"{d} rtol={r:g} atol={a:g}" for d, (r, a) in TOLERANCE.items())
             + "; outputs start as NaN (an unwritten element fails), tensors sit in NaN padding (a changed padding "
               "is an out-of-bounds write and fails); float parameters uniform in [0.05, 1]",
             "", f"**{count['AGREE']} of {len(rows)} agree at every point**"
             + (f" ({partly_vacuous} of them with some runs vacuous: NaN on both sides)" if partly_vacuous else "")
             + "".join(f", {n} {s}" for s, n in count.items() if s != "AGREE" and n) + ".", "",
             "| target | status | lift here | points × configs | largest sizes run | max abs err | reason |",
             "|---|---|---|--:|---|--:|---|"]
    for r in rows:
        checks = r.get("checks", [])
        largest = checks[-1]["sizes"] if checks else {}
        vacuous = sum(1 for c in checks if _vacuous(c))
        absolute = sum(1 for c in checks if c.get("inputs") == "absolute values")
        err = max((e["max abs err"] for c in checks if not _vacuous(c) for e in c["outputs"].values()), default=None)
        lines_of = [x.strip() for x in r.get("reason", "").splitlines() if x.strip()]
        if len(lines_of) > 1 and r.get("traceback"):  # a compiler message: its last line says what is wrong
            lines_of.append([x for x in r["traceback"].splitlines() if x.strip()][-1].strip())
        reason = lines_of[0] + (f" … {lines_of[-1]}" if len(lines_of) > 1 else "") if lines_of else ""
        if r["status"] == "DISAGREE":
            bad = [c for c in checks if not c["agree"]]
            first = bad[0]
            name, e = next((n, e) for n, e in first["outputs"].items() if e["bad"] or e["padding touched"])
            reason = (f"{len(bad)} of {len(checks)} runs differ; first at {first['point']} {first['sizes']} config "
                      f"{first['config']}: {name} " + (f"{e['bad']} of {e['elements']} elements, e.g. "
                                                        f"{e['first bad']}" if e["bad"] else "padding written"))
        if vacuous:
            reason = (f"{vacuous} of {len(checks)} runs vacuous: the reference is NaN (on these signed random "
                      f"inputs the formula is undefined) and so is the kernel" + (f"; {reason}" if reason else ""))
        if absolute:
            reason = (f"{absolute} of {len(checks)} runs on absolute values (NaN reference on signed inputs)"
                      + (f"; {reason}" if reason else ""))
        lines.append(f"| `{r['id']}` | {r['status']} | {r.get('lift_status', '')} | {len(checks)} | "
                     f"{', '.join(f'{k}={x}' for k, x in largest.items())} | "
                     f"{'' if err is None else f'{err:.2e}'} | {reason.replace('|', '/')[:300]} |")
    return "\n".join(lines) + "\n"


def _vacuous(check: dict) -> bool:
    """Every reference element NaN: kernel and reference agree only in both being NaN."""
    def all_nan(e):
        if "reference NaN" in e:
            return e["reference NaN"] == e["elements"] > 0
        return e["elements"] == 1 and e["max |reference|"] != e["max |reference|"]  # runs before the count
    return all(all_nan(e) for e in check["outputs"].values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--results", default=str(REPO / "bench" / "results" / "2026-11-25-flaggems-v2.1.json"))
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=400.0, help="seconds per row")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--render", default=None, help="rewrite the table from this JSON")
    parser.add_argument("--device", default="cuda", help="'cpu': a dry run in Triton's interpreter (no GPU)")
    parser.add_argument("--points", nargs="*", default=list(POINTS), help=f"size points, of {', '.join(POINTS)}")
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.corpus, args.result, args.device, args.points)
    if args.render:
        result = json.loads(Path(args.render).read_text())
        Path(args.render).with_suffix(".md").write_text(render(result))
        return 0
    rows = json.loads(Path(args.results).read_text())["rows"]
    verified = {r["id"] for r in rows if r.get("status") == "VERIFIED"}
    targets = [t for t in all_targets(REPO) if t.id in verified and t.launch is not None
               and (not args.only or any(o in t.id for o in args.only))]
    start = dt.datetime.now()
    meta = {"started": f"{start:%Y-%m-%d %H:%M:%S}", "command": "python bench/gpu_check.py " + " ".join(sys.argv[1:]),
            "results": Path(args.results).name, "device run": args.device,
            "points": {n: POINTS[n] for n in args.points},
            "scalar functions skipped": sum(1 for t in all_targets(REPO) if t.id in verified and t.launch is None),
            **environment()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    done: dict[str, dict] = {}

    def save() -> dict:  # after every row, so a run stopped early keeps what it has (--render)
        rows = [done[t.id] for t in targets if t.id in done]
        result = {"meta": {**meta, "wall seconds": (dt.datetime.now() - start).total_seconds()}, "rows": rows}
        (out / f"{start:%Y-%m-%d}-gpu-agreement.json").write_text(json.dumps(result, indent=1))
        return result

    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(supervise, t, args.corpus, args.timeout, args.device, args.points): t for t in targets}
        for future in as_completed(futures):
            done[futures[future].id] = future.result()
            save()
    result = save()
    (out / f"{start:%Y-%m-%d}-gpu-agreement.md").write_text(render(result))
    print(render(result)[:4000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
