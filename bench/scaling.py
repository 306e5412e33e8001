"""How lifting time grows with kernel size, loops, the sizes checked and autotune configurations.

    python bench/scaling.py [--benchmark FILE] [--jobs N] [--timeout S] [--repeat R] [--out bench/results]

Two parts, written to `<out>/<YYYY-MM-DD>-scaling.{md,json}`:

1. **Per target** — the launch-based rows of a bench/run.py run (`--benchmark`, default the newest
   `bench/results/<date>-flaggems-v2.1.json`; nothing is lifted again), their time without the
   interpreter cross-check, beside what each kernel is: source lines of the jit function, loops in
   it, autotune configurations verified, size combinations checked, and concrete runs (combinations
   × configurations); bucketed medians and Spearman's rank correlation of each with the time.
2. **Controlled** — the two kernel families of bench/scaling_kernels.py (a tile loop, a loop-free 2-D
   tile) lifted with 1, 2, 4, 8 autotune configurations and with tiles of 4 to 1024 lanes, through
   run.py's worker machinery (`Options(oracle=False)`), each `--repeat` times (median kept).
"""

from __future__ import annotations

import argparse
import ast
import datetime as _dt
import json
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kernels import Target, all_targets  # noqa: E402
from run import DEFAULT_CORPUS, REPO, _git, _machine, _versions, _kernel_ref, lift_all  # noqa: E402

FAMILY_FILE = "bench/scaling_kernels.py"
STAGES = (("symbolic execution", "symexec"), ("synthesis", "synth"), ("verification", "verify"),
          ("unbounded verification", "proof"), ("simplification", "simplify"), ("total", "total"))
BUCKETS = {  # measure -> (label, lower bound inclusive) in increasing order
    "lines": ((("≤ 10", 0), ("11–20", 11), ("21–40", 21), ("> 40", 41))),
    "loops": ((("0", 0), ("1", 1), ("≥ 2", 2))),
    "configs": ((("1", 1), ("2–4", 2), ("≥ 5", 5))),
    "widest constexpr": ((("≤ 16", 0), ("17–256", 17), ("> 256", 257))),
    "size combinations": ((("≤ 20", 0), ("21–60", 21), ("61–99", 61), ("≥ 100", 100))),
    "concrete runs": ((("≤ 20", 0), ("21–80", 21), ("81–200", 81), ("> 200", 201))),
}
MEASURE_TEXT = {
    "lines": "source lines of the jit function (signature to last line, blank and comment lines left out)",
    "loops": "for / while statements in the jit function's own body (helpers it calls not counted)",
    "configs": "autotune configurations verified (1 where the target fixes one with config=i)",
    "widest constexpr": "the largest integer constexpr over the configurations, all sizes = 3 (a tile's width)",
    "size combinations": "size combinations in the bounded grid (`verify/plan.py`)",
    "concrete runs": "size combinations × configurations: the concrete symbolic executions",
}


# ---------------------------------------------------------------- what a kernel is


def measures(ref: str, launch: str | None, options: dict) -> dict:
    """Lines and loops of the jit function; configurations and sizes the lift checks."""
    from tritonlift.frontend import load_kernel
    from tritonlift.launch.bind import bind, instantiate
    from tritonlift.launch.parse import parse_launch
    from tritonlift.pipeline import Options
    from tritonlift.verify.plan import make_plan

    kernel = load_kernel(ref)
    func = kernel.func
    source = kernel.module.path.read_text().splitlines()[func.lineno - 1: func.end_lineno]
    lines = sum(1 for line in source if line.strip() and not line.strip().startswith("#"))
    loops = sum(1 for node in ast.walk(func) if isinstance(node, (ast.For, ast.While)))
    out = {"lines": lines, "loops": loops, "configs": 1, "widest constexpr": 0, "size combinations": 1,
           "concrete runs": 1}
    if launch is None:
        return out
    bound = bind(kernel, parse_launch(launch))
    configs = 1 if options.get("config") is not None else len(bound.configs)
    plan = make_plan(bound, Options(**options))
    checked = range(len(bound.configs)) if options.get("config") is None else [options["config"]]
    values = [v for c in checked for v in instantiate(bound, {n: 3 for n in bound.sizes}, c).constexprs.values()
              if isinstance(v, int) and not isinstance(v, bool)]
    out["widest constexpr"] = max(values, default=0)
    out.update({"configs": configs, "size combinations": len(plan.grid), "concrete runs": len(plan.grid) * configs})
    return out


def _spearman(xs: list[float], ys: list[float]) -> float | None:
    def ranks(values):
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        i = 0
        while i < len(order):  # ties share their mean rank
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                result[order[k]] = (i + j) / 2
            i = j + 1
        return result

    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return statistics.correlation(ranks(xs), ranks(ys))


# ---------------------------------------------------------------- part 1: per target


def per_target(benchmark_file: Path, corpus: Path) -> tuple[list[dict], dict]:
    """Each launch-based target of a benchmark run with its measures; `total` is the lift's time less
    Triton's interpreter (the cross-check, orthogonal to the kernel's size)."""
    data = json.loads(benchmark_file.read_text())
    targets = {t.id: t for t in all_targets(REPO)}
    out = []
    for r in data["rows"]:
        t = targets.get(r["id"])
        if t is None or t.launch is None:
            continue
        timings = dict(r.get("timings", {}))
        timings["total"] = timings.get("total", r.get("wall seconds", 0.0)) - timings.pop("interpreter", 0.0)
        try:
            m = measures(_kernel_ref(t, corpus), t.launch, t.options)
        except Exception as error:  # noqa: BLE001 -- a target that cannot be measured is listed, not fatal
            m = {"error": f"{type(error).__name__}: {error}"}
        out.append({"id": r["id"], "status": r["status"], "measures": m, "timings": timings})
    return out, data["meta"]


def _bucket(measure: str, value: int) -> str:
    label = BUCKETS[measure][0][0]
    for name, low in BUCKETS[measure]:
        if value >= low:
            label = name
    return label


def render_per_target(rows: list[dict], source: str) -> list[str]:
    measured = [r for r in rows if "error" not in r["measures"]]
    lines = ["## 1. Per target", "",
             f"The {len(rows)} launch-based targets of `{source}` (bench/run.py; the scalar functions have no "
             "launch, sizes or loop). Time = the lift's total less Triton's interpreter cross-check; a TIMEOUT "
             "row counts with its timeout. Medians in seconds.", ""]
    lines += ["| measure | what it counts | Spearman ρ with total time |", "|---|---|--:|"]
    totals = [r["timings"].get("total", 0.0) for r in measured]
    for measure, text in MEASURE_TEXT.items():
        rho = _spearman([r["measures"][measure] for r in measured], totals)
        lines.append(f"| {measure} | {text} | {'—' if rho is None else f'{rho:+.2f}'} |")
    lines.append("")
    for measure in MEASURE_TEXT:
        lines += [f"### by {measure}", "",
                  "| " + measure + " | targets | VERIFIED | median symexec | median verify | median proof | "
                  "median total | worst total |", "|---|--:|--:|--:|--:|--:|--:|---|"]
        for label, _ in BUCKETS[measure]:
            members = [r for r in measured if _bucket(measure, r["measures"][measure]) == label]
            if not members:
                continue

            def med(stage: str, group=members) -> float:
                return statistics.median(r["timings"].get(stage, 0.0) for r in group)
            worst = max(members, key=lambda r: r["timings"].get("total", 0.0))
            lines.append(f"| {label} | {len(members)} | {sum(r['status'] == 'VERIFIED' for r in members)} | "
                         f"{med('symbolic execution'):.2f} | {med('verification'):.2f} | "
                         f"{med('unbounded verification'):.2f} | {med('total'):.2f} | "
                         f"{worst['timings'].get('total', 0.0):.1f} (`{worst['id']}`) |")
        lines.append("")
    lines += ["### every target", "",
              "| target | status | lines | loops | configs | widest constexpr | size combinations | concrete runs | "
              "symexec | synth | verify | proof | total |", "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in sorted(rows, key=lambda r: -r["timings"].get("total", 0.0)):
        m, t = r["measures"], r["timings"]
        if "error" in m:
            lines.append(f"| `{r['id']}` | {r['status']} | not measured: {m['error'][:100]} |||||||||||")
            continue
        lines.append(f"| `{r['id']}` | {r['status']} | {m['lines']} | {m['loops']} | {m['configs']} | "
                     f"{m['widest constexpr']} | "
                     f"{m['size combinations']} | {m['concrete runs']} | {t.get('symbolic execution', 0):.2f} | "
                     f"{t.get('synthesis', 0):.2f} | {t.get('verification', 0):.2f} | "
                     f"{t.get('unbounded verification', 0):.2f} | "
                     f"{t.get('total', 0):.2f} |")
    lines.append("")
    return lines


# ---------------------------------------------------------------- part 2: controlled experiment

TILE_LANES = (4, 16, 64, 256, 1024)


def controlled_targets() -> list[tuple[dict, Target]]:
    """(what varies, target) for both families: configurations 1–8, then tiles of growing size."""
    fams = {
        "tile loop (row_sum)": ("row_sum", "(cdiv(M, BLOCK_M),)", "out[M], x[M, N], M, N",
                                lambda lanes: (1, lanes)),
        "loop-free 2-D tile (scale_shift)": ("scale_shift", "(cdiv(M, BLOCK_M), cdiv(N, BLOCK_N))",
                                             "y[M, N], x[M, N], w[N], b[N], M, N",
                                             lambda lanes: (int(round(lanes ** 0.5)),) * 2),
    }
    out = []
    for family, (stem, grid, args, tile) in fams.items():
        for k in (1, 2, 4, 8):
            name = f"{stem}_c{k}"
            out.append(({"family": family, "experiment": "configurations", "configs": k, "tile": "≤ 32 lanes"},
                        Target(f"{name}", "scaling", FAMILY_FILE, name, f"{name}[{grid}]({args})",
                               source="example")))
        for lanes in TILE_LANES:
            bm, bn = tile(lanes)
            name = f"{stem}_tiles"
            out.append(({"family": family, "experiment": "tile size", "configs": 1, "tile": f"{bm}×{bn}",
                         "lanes": bm * bn},
                        Target(f"{name}/{bm}x{bn}", "scaling", FAMILY_FILE, name,
                               f"{name}[{grid}]({args}, BLOCK_M={bm}, BLOCK_N={bn})", source="example")))
    return out


def run_controlled(corpus: Path, jobs: int, timeout: float, repeat: int) -> list[dict]:
    planned = controlled_targets()
    runs = [lift_all([t for _, t in planned], corpus, False, timeout, jobs, label=f"scaling {i + 1}/{repeat} ")[0]
            for i in range(repeat)]
    out = []
    for n, (what, target) in enumerate(planned):
        rows = [run[n] for run in runs]
        timings = {stage: statistics.median(r.get("timings", {}).get(stage, 0.0) for r in rows) for stage, _ in STAGES}
        out.append({"id": target.id, **what, "launch": target.launch, "statuses": [r["status"] for r in rows],
                    "measures": measures(str(REPO / target.file) + "::" + target.kernel, target.launch, {}),
                    "timings": timings, "all timings": [r.get("timings", {}) for r in rows],
                    "reason": rows[0].get("reason", "")})
    return out


def render_controlled(rows: list[dict], repeat: int) -> list[str]:
    lines = ["## 2. Controlled experiment", "",
             f"`{FAMILY_FILE}`: the same body under 1, 2, 4, 8 autotune configurations (every tile ≤ 32 lanes, the "
             "first configuration shared, so the sizes checked stay the same), and under one fixed tile of 4 to "
             f"1024 lanes (the size plan follows the tile: sizes up to 2·BLOCK + 1 for tiles up to 16, else up to 8 "
             f"plus the sizes around one and two tiles). `Options(oracle=False)`; median of {repeat} "
             f"run{'s' if repeat > 1 else ''} per row; seconds.", ""]
    for experiment in ("configurations", "tile size"):
        lines += [f"### {experiment}", "",
                  "| family | configs | tile | size combinations | concrete runs | status | "
                  + " | ".join(h for _, h in STAGES) + " |",
                  "|---|--:|---|--:|--:|---|" + "--:|" * len(STAGES)]
        for r in rows:
            if r["experiment"] != experiment:
                continue
            m = r["measures"]
            status = "/".join(sorted(set(r["statuses"])))
            lines.append(f"| {r['family']} | {r['configs']} | {r['tile']} | {m['size combinations']} | "
                         f"{m['concrete runs']} | {status} | "
                         + " | ".join(f"{r['timings'][s]:.2f}" for s, _ in STAGES) + " |")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", default=None,
                        help="bench/run.py results JSON (default: the newest <date>-flaggems-v2.1.json in --out)")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="FlagGems v2.1 checkout")
    parser.add_argument("--jobs", type=int, default=1, help="controlled lifts at once (default 1: steadier times)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per controlled lift (default 300)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the controlled experiment (median kept)")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder (default bench/results)")
    parser.add_argument("--skip-controlled", action="store_true", help="only part 1")
    args = parser.parse_args(argv)

    os.environ["TRITON_INTERPRET"] = "1"
    corpus = Path(args.corpus).resolve()
    out = Path(args.out)
    source = Path(args.benchmark) if args.benchmark else max(out.glob("????-??-??-flaggems-v2.1.json"), default=None)
    if source is None or not source.is_file():
        print("error: no benchmark results to read (run bench/run.py first, or give --benchmark FILE)",
              file=sys.stderr)
        return 2
    started = _dt.datetime.now()
    targets, benchmark_meta = per_target(source, corpus)
    controlled = [] if args.skip_controlled else run_controlled(corpus, args.jobs, args.timeout, args.repeat)
    meta = {"date": started.strftime("%Y-%m-%d"), "started": started.strftime("%Y-%m-%d %H:%M:%S"),
            "machine": _machine(), "versions": _versions(), "git": _git(), "benchmark file": source.name,
            "benchmark git": benchmark_meta.get("git"), "jobs": args.jobs, "repeat": args.repeat,
            "command": " ".join(["python bench/scaling.py", *(sys.argv[1:] if argv is None else argv)])}
    m, v = meta["machine"], meta["versions"]
    lines = [f"# tritonlift scaling — {meta['date']}", "",
             f"- **date**: {meta['date']} (started {meta['started']})",
             f"- **machine**: {m['platform']}, {m['processor']}, os.cpu_count() = {m['cpu_count']}, "
             f"Python {m['python']} (shared with other jobs: absolute times are noisy, compare within a table)",
             f"- **versions**: tritonlift {v['tritonlift']} (git {meta['git']}; per-target times from git "
             f"{meta['benchmark git']}), torch {v['torch']}, triton {v['triton']}, z3 {v['z3']}, numpy {v['numpy']}",
             f"- **command**: `{meta['command']}`", ""]
    lines += render_per_target(targets, source.name)
    if controlled:
        lines += render_controlled(controlled, args.repeat)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{meta['date']}-scaling"
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "targets": targets, "controlled": controlled},
                                                    indent=1, ensure_ascii=False, default=str) + "\n")
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {stem}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
