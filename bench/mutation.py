"""Mutation campaign: broken kernels must never come out with the original's formula.

    python bench/mutation.py [--corpus PATH] [--jobs N] [--timeout S] [--out bench/results]

For every kernel the last benchmark VERIFIED (examples and FlagGems v2.1 hand-written kernels), each
mutant from tests/soundness/mutate.py (comparison and mask off-by-one, `other=` changed, constants
and addends dropped, operators swapped, axis, loop bounds, strides) is lifted like the original.
A mutant is *killed* when the lift errors, ends COUNTEREXAMPLE/UNKNOWN, or finds another formula.
A *survivor* has the original's formula at TESTED or better: each survivor is run in Triton's
interpreter beside the original kernel at sizes beyond the checked grid, on random inputs — if the
two agree the mutant is *equivalent* (the change does not matter), otherwise it is a *miss*, which
is a soundness bug when the survivor is VERIFIED. Writes `<date>-mutants.{md,json}`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "soundness"))
os.environ.setdefault("TRITON_INTERPRET", "1")

from kernels import all_targets  # noqa: E402
from mutate import mutants  # noqa: E402

LARGE = {"M": 3, "N": 37, "K": 21, "n": 53, "S": 37, "B": 2}  # beyond every grid the plan checks
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "flaggems-v2.1"


def _lift(ref: str, launch, options: dict) -> dict:
    from tritonlift.errors import TritonLiftError
    from tritonlift.pipeline import Options, lift

    try:
        result = lift(ref, launch, Options(**{"oracle": False, **options}))
    except TritonLiftError as err:
        return {"status": "ERROR", "formulas": [], "detail": err.render()[:200]}
    except Exception as err:  # noqa: BLE001 - a crash is reported, never hidden
        return {"status": "CRASH", "formulas": [], "detail": f"{type(err).__name__}: {err}"[:200]}
    return {"status": result.status.name, "formulas": [f.text() for f in result.formulas], "detail": result.reason}


def _differs_from_original(original: str, mutant: str, launch: str, options: dict) -> str:
    """Run both kernels in Triton's interpreter at sizes beyond the grid on the same random inputs."""
    import numpy as np

    from tritonlift.frontend import load_kernel
    from tritonlift.ir.intexpr import evaluate_int
    from tritonlift.launch.bind import bind, instantiate
    from tritonlift.launch.parse import parse_launch
    from tritonlift.oracle import OracleError, run_kernels
    from tritonlift.verify.oracle_check import build_job

    kernel_o, kernel_m = load_kernel(original), load_kernel(mutant)
    bound_o, bound_m = bind(kernel_o, parse_launch(launch)), bind(kernel_m, parse_launch(launch))
    sizes = {n: LARGE.get(n, 5) for n in bound_o.sizes}
    rng = np.random.default_rng(1)
    tensors = {t.name: rng.standard_normal(tuple(evaluate_int(d, sizes) for d in t.shape)) for t in bound_o.tensors}
    params = {n: 0.5 for n in bound_o.float_params}
    config = options.get("config", 0)
    try:
        instantiate(bound_o, sizes, config)
        results = run_kernels([build_job(kernel_o, bound_o, sizes, config, tensors, params),
                               build_job(kernel_m, bound_m, sizes, config, tensors, params)])
    except (OracleError, Exception) as err:  # noqa: BLE001
        return f"not compared: {type(err).__name__}: {str(err)[:120]}"
    if any(isinstance(r, OracleError) for r in results):
        return "not compared: " + "; ".join(r.message[:120] for r in results if isinstance(r, OracleError))
    a, b = results
    for name, values in a.outputs.items():
        if not np.allclose(values, b.outputs[name], rtol=1e-4, atol=1e-5, equal_nan=True):
            return f"differs: {name} at {sizes}"
    return "equivalent" if not (a.oob or b.oob) else f"differs: out-of-bounds access {(b.oob or a.oob)[0][:80]}"


def _lift_mutant(ref_path: str, source: str, kernel: str, launch: str, options: dict) -> dict:
    """Worker: write the mutant beside its module (relative imports keep working), lift, clean up."""
    path = Path(ref_path)
    path.write_text(source)
    try:
        return _lift(f"{path}::{kernel}", launch, options)
    finally:
        path.unlink(missing_ok=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--results", default=None, help="benchmark JSON whose VERIFIED targets to mutate")
    parser.add_argument("--only", nargs="*", default=None, help="only targets whose id contains one of these")
    args = parser.parse_args(argv)
    latest = args.results or max((REPO / "bench" / "results").glob("*-flaggems-v2.1.json"))
    verified = {r["id"] for r in json.loads(Path(latest).read_text())["rows"] if r.get("status") == "VERIFIED"}
    targets = [t for t in all_targets(REPO) if t.id in verified and t.launch is not None
               and (not args.only or any(o in t.id for o in args.only))]
    start = dt.datetime.now()
    with tempfile.TemporaryDirectory(prefix="tritonlift-mutants-") as work:
        shutil.copytree(Path(args.corpus) / "src", Path(work) / "src")
        shutil.copytree(REPO / "examples", Path(work) / "examples")
        jobs, originals = [], {}
        for t in targets:
            base = Path(work) / ("examples" if t.source == "example" else "src/flag_gems")
            path = base / (Path(t.file).name if t.source == "example" else t.file)
            originals[t.id] = (f"{path}::{t.kernel}", _lift(f"{path}::{t.kernel}", t.launch, t.options))
            for n, m in enumerate(mutants(path.read_text(), t.kernel)):
                jobs.append((t, m, str(path.with_name(f"_mutant{n}_{path.name}"))))
        print(f"{len(targets)} kernels, {len(jobs)} mutants", flush=True)
        outcomes = []
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(_lift_mutant, p, m.source, t.kernel, t.launch, t.options) for t, m, p in jobs]
            for (t, m, p), fut in zip(jobs, futures):
                try:
                    outcomes.append(fut.result(timeout=args.timeout))
                except FutureTimeout:
                    outcomes.append({"status": "TIMEOUT", "formulas": [], "detail": "no result in time"})
        reports: dict[str, dict] = {t.id: {"target": t.id, "original": originals[t.id][1]["status"], "rows": []}
                                    for t in targets}
        for (t, m, p), outcome in zip(jobs, outcomes):
            original_ref, original = originals[t.id]
            same = outcome["formulas"] == original["formulas"] and \
                outcome["status"] in ("TESTED", "BOUNDED", "VERIFIED")
            verdict, judged = "killed", ""
            if same:
                Path(p).write_text(m.source)
                judged = _differs_from_original(original_ref, f"{p}::{t.kernel}", t.launch, t.options)
                Path(p).unlink(missing_ok=True)
                verdict = "equivalent" if judged == "equivalent" else "MISSED" if judged.startswith("differs") \
                    else "survived (not compared)"
            reports[t.id]["rows"].append({"mutant": m.id, "status": outcome["status"], "verdict": verdict,
                                          "judged": judged, "detail": (outcome.get("detail") or "")[:160]})
    write(list(reports.values()), Path(args.out), start)
    return 0


def write(reports: list[dict], out: Path, start) -> None:
    import torch
    import triton
    import z3

    import tritonlift

    rows = [r for rep in reports for r in rep["rows"]]
    count = {v: sum(r["verdict"] == v for r in rows) for v in ("killed", "equivalent", "MISSED", "survived (not compared)")}
    missed_verified = [(rep["target"], r) for rep in reports for r in rep["rows"]
                       if r["verdict"] == "MISSED" and r["status"] == "VERIFIED"]
    judged = len(rows) - count["equivalent"]
    lines = [f"# Mutation campaign — {start:%Y-%m-%d}", "",
             f"- machine: {platform.platform()}, os.cpu_count() = {os.cpu_count()}, Python {platform.python_version()}",
             f"- versions: tritonlift {tritonlift.__version__}, torch {torch.__version__}, triton {triton.__version__}, "
             f"z3 {z3.get_version_string()}",
             f"- wall time: {(dt.datetime.now() - start).total_seconds() / 60:.1f} min; command: `python bench/mutation.py`",
             "", "| | mutants |", "|---|--:|", f"| generated | {len(rows)} |"]
    for v, n in count.items():
        lines.append(f"| {v} | {n} |")
    rate = count["killed"] / judged if judged else 1.0
    lines += ["", f"**Kill rate** (killed / non-equivalent): {count['killed']} / {judged} = {rate:.1%}. "
              f"**VERIFIED with the original formula but behaving differently: {len(missed_verified)}.**", "",
              "| target | original | mutants | killed | equivalent | missed | not compared |", "|---|---|--:|--:|--:|--:|--:|"]
    for rep in reports:
        rs = rep["rows"]
        lines.append(f"| `{rep['target']}` | {rep['original']} | {len(rs)} | "
                     f"{sum(r['verdict'] == 'killed' for r in rs)} | {sum(r['verdict'] == 'equivalent' for r in rs)} | "
                     f"{sum(r['verdict'] == 'MISSED' for r in rs)} | "
                     f"{sum(r['verdict'] == 'survived (not compared)' for r in rs)} |")
    survivors = [(rep["target"], r) for rep in reports for r in rep["rows"] if r["verdict"] != "killed"]
    if survivors:
        lines += ["", "## Survivors", "", "| target | mutant | status | verdict | interpreter comparison |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{t}` | `{r['mutant']}` | {r['status']} | {r['verdict']} | {r['judged']} |" for t, r in survivors]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{start:%Y-%m-%d}-mutants.md").write_text("\n".join(lines) + "\n")
    (out / f"{start:%Y-%m-%d}-mutants.json").write_text(json.dumps(reports, indent=1))
    print("\n".join(lines[:16]))


if __name__ == "__main__":
    sys.exit(main())
