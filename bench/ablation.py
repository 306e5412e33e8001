"""What each part of tritonlift is worth: the benchmark's targets lifted with each ablation switch.

    python bench/ablation.py [--corpus PATH] [--jobs N] [--timeout S] [--out bench/results]
                             [--only SUBSTRING ...] [--skip ID ...] [--ablations NAME ...] [--with-scalar]

Runs bench/run.py's targets (bench/kernels.py) through its worker and timeout machinery
(`run.lift_all`) once for the baseline and once per switch — `--no-topdown`, `--no-pruning`,
`--no-invariant-patterns`, `--no-simplify` — all without the interpreter cross-check
(`Options(oracle=False)`: it is orthogonal to every switch and costs ~2 s per target). The
`@pointwise_dynamic` scalar functions are left out unless `--with-scalar`: they are executed
straight-line (no synthesis, no loop, no proof), so only `--no-simplify` could touch them.
`--skip` leaves out targets by exact id (the results name them).
Writes `<out>/<YYYY-MM-DD>-ablation.{md,json}` (`…-partial.*` when `--only` or `--ablations`
restricts the run); the JSON keeps every row of every run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kernels import all_targets  # noqa: E402
from run import DEFAULT_CORPUS, REPO, _cell, _git, _machine, _versions, lift_all  # noqa: E402

# name -> Options overrides; the name is the tritonlift CLI flag that does the same
ABLATIONS = {
    "baseline": {},
    "--no-topdown": {"topdown": False},
    "--no-pruning": {"pruning": False},
    "--no-invariant-patterns": {"invariant_patterns": False},
    "--no-simplify": {"simplify": False},
}
WHAT = {
    "baseline": "everything on",
    "--no-topdown": "synthesis never splits a specification into cases (no piecewise formulas)",
    "--no-pruning": "bottom-up enumeration keeps every expression, not one per behaviour",
    "--no-invariant-patterns": "the all-sizes proof gets no loop invariants (a loop over sizes stays BOUNDED)",
    "--no-simplify": "no e-graph textbook form (runs after every check: statuses cannot change)",
}
STAGES = (("symbolic execution", "symexec"), ("synthesis", "synth"), ("verification", "verify"),
          ("unbounded verification", "proof"), ("simplification", "simplify"), ("total", "total"))
OTHER = ("TESTED", "COUNTEREXAMPLE", "UNKNOWN", "ERROR", "TIMEOUT")


def _t(row: dict, stage: str) -> float:
    timings = row.get("timings", {})
    return timings.get(stage, row.get("wall seconds", 0.0) if stage == "total" else 0.0)


def summary_row(name: str, rows: list[dict], wall: float) -> dict:
    """Counts and times of one run."""
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("VERIFIED", "BOUNDED", *OTHER)}
    synthesised = [r for r in rows if "synthesis" in r.get("timings", {})]
    return {
        "ablation": name, "targets": len(rows), "counts": counts, "wall seconds": wall,
        "total seconds": sum(_t(r, "total") for r in rows),
        "median total": statistics.median(_t(r, "total") for r in rows) if rows else 0.0,
        "stage seconds": {stage: sum(_t(r, stage) for r in rows) for stage, _ in STAGES},
        "median synthesis": statistics.median(_t(r, "synthesis") for r in synthesised) if synthesised else 0.0,
        "synthesised": len(synthesised),
    }


def _short(text: str, meta: dict) -> str:
    """Reasons name files by absolute path: shown relative to the repository or the corpus."""
    text = text.replace(str(Path(meta["corpus"]) / "src") + "/", "")
    return text.replace(meta.get("repo", str(REPO)) + "/", "")


def render(meta: dict, runs: dict[str, dict]) -> str:
    m, v = meta["machine"], meta["versions"]
    lines = [f"# tritonlift ablations — {meta['date']}", "",
             f"- **date**: {meta['date']} (started {meta['started']}, wall time {meta['wall seconds'] / 60:.1f} min, "
             f"{meta['jobs']} jobs)",
             f"- **machine**: {m['platform']}, {m['processor']}, os.cpu_count() = {m['cpu_count']}, "
             f"Python {m['python']}",
             f"- **versions**: tritonlift {v['tritonlift']} (git {meta['git']}), torch {v['torch']}, "
             f"triton {v['triton']}, z3 {v['z3']}, numpy {v['numpy']}",
             f"- **command**: `{meta['command']}`",
             f"- **targets**: {meta['targets']} — {meta['scope']}",
             "- **settings**: `Options(oracle=False)` in every run (Triton's interpreter cross-check is "
             "orthogonal to the switches and costs ~2 s per target); per-target timeout "
             f"{meta['timeout']:g} s; seconds from `LiftResult.timings` (for ERROR / TIMEOUT rows the total "
             "is the worker's time)", ""]
    lines += ["## Summary", "",
              "| run | what is off | VERIFIED | BOUNDED | other | Σ total s | median total s | Σ symexec s | "
              "Σ synth s | median synth s | Σ verify s | Σ proof s | Σ simplify s | wall min |",
              "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for name, run in runs.items():
        s = run["summary"]
        c = s["counts"]
        other = ", ".join(f"{n} {c[n]}" for n in OTHER if c[n]) or "0"
        st = s["stage seconds"]
        lines.append(f"| `{name}` | {WHAT[name]} | {c['VERIFIED']} | {c['BOUNDED']} | {other} | "
                     f"{s['total seconds']:.1f} | {s['median total']:.2f} | {st['symbolic execution']:.1f} | "
                     f"{st['synthesis']:.2f} | {s['median synthesis']:.3f} | {st['verification']:.1f} | "
                     f"{st['unbounded verification']:.1f} | {st['simplification']:.1f} | "
                     f"{s['wall seconds'] / 60:.1f} |")
    lines += ["", "No switch changes symbolic execution (the concrete runs at every size), so Σ symexec moves only "
              "with the machine's load: on a shared machine compare the other stages against it, and the runs "
              "with each other only where the difference is well beyond it.", ""]
    base = {r["id"]: r for r in runs.get("baseline", {}).get("rows", [])}
    if base:
        lines += ["## Status changes against the baseline", "",
                  "| run | target | baseline | with the switch | why (the switch's run) |", "|---|---|---|---|---|"]
        changed = 0
        for name, run in runs.items():
            for r in run["rows"]:
                b = base.get(r["id"])
                if name != "baseline" and b is not None and b["status"] != r["status"]:
                    changed += 1
                    lines.append(f"| `{name}` | `{r['id']}` | {b['status']} | {r['status']} | "
                                 f"{_cell(_short(r.get('reason', ''), meta), 220)} |")
        if not changed:
            lines.append("| — | no status differs | | | |")
        lines += ["", "Formulas that differ from the baseline's (same status or not):", ""]
        diffs = [(name, r["id"]) for name, run in runs.items() if name != "baseline" for r in run["rows"]
                 if r["id"] in base and r.get("formulas") and base[r["id"]].get("formulas")
                 and r["formulas"] != base[r["id"]]["formulas"]]
        lines += [f"- `{n}`: `{i}`" for n, i in diffs] or ["- none"]
        lines.append("")
    lines += per_kernel(runs)
    return "\n".join(lines) + "\n"


def per_kernel(runs: dict[str, dict]) -> list[str]:
    """Synthesis seconds (and the lift's total) per kernel and run; the status where it is not the
    baseline's."""
    names = list(runs)
    by_id = {name: {r["id"]: r for r in run["rows"]} for name, run in runs.items()}
    ids = [r["id"] for r in runs[names[0]]["rows"]]
    lines = ["## Synthesis time per kernel", "",
             "Each cell: synthesis seconds / the lift's total seconds; the status is shown where it differs from "
             "the first run's (— : no synthesis stage, e.g. a scalar function or an error before it).", "",
             "| target | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "--:|" * len(names)]
    for i in ids:
        cells = []
        first = by_id[names[0]].get(i, {}).get("status")
        for n in names:
            r = by_id[n].get(i)
            if r is None:
                cells.append("")
                continue
            synth = r.get("timings", {}).get("synthesis")
            cell = ("—" if synth is None else f"{synth:.3f}") + f" / {_t(r, 'total'):.2f}"
            if r["status"] != first or n == names[0]:
                cell += f" {r['status']}"
            cells.append(cell)
        lines.append(f"| `{i}` | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="FlagGems v2.1 checkout")
    parser.add_argument("--jobs", type=int, default=2, help="targets lifted at once (default 2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per target (default 120)")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder (default bench/results)")
    parser.add_argument("--only", nargs="*", default=None, help="only targets whose id contains one of these")
    parser.add_argument("--skip", nargs="*", default=[], help="leave out the targets with these exact ids")
    parser.add_argument("--ablations", nargs="*", default=None, choices=list(ABLATIONS),
                        help="only these runs (default: all five)")
    parser.add_argument("--with-scalar", action="store_true", help="also the @pointwise_dynamic scalar functions")
    args = parser.parse_args(argv)

    corpus = Path(args.corpus).resolve()
    if not (corpus / "src" / "flag_gems").is_dir():
        print(f"error: FlagGems v2.1 sources not found at {corpus} (give --corpus PATH)", file=sys.stderr)
        return 2
    targets = [t for t in all_targets(REPO) if args.with_scalar or t.launch is not None]
    if args.only is not None:
        targets = [t for t in targets if any(s in t.id for s in args.only)]
    unknown = set(args.skip) - {t.id for t in targets}
    if unknown:
        print(f"error: --skip: no target {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    targets = [t for t in targets if t.id not in args.skip]
    if not targets:
        print("error: no target matches --only", file=sys.stderr)
        return 2
    chosen = args.ablations or list(ABLATIONS)
    scope = ("every target of bench/kernels.py" if args.with_scalar else
             "the hand-written FlagGems v2.1 kernels and launch variants and the examples (bench/kernels.py); "
             "the 42 @pointwise_dynamic scalar functions are left out: they are executed straight-line, with no "
             "synthesis, loop or proof for these switches to change")
    if args.skip:
        scope += f"; also left out (--skip): {', '.join(f'`{i}`' for i in args.skip)}"
    started = _dt.datetime.now()
    meta = {"date": started.strftime("%Y-%m-%d"), "started": started.strftime("%Y-%m-%d %H:%M:%S"),
            "jobs": args.jobs, "timeout": args.timeout, "oracle": False, "machine": _machine(),
            "versions": _versions(), "git": _git(), "corpus": str(corpus), "repo": str(REPO), "targets": len(targets),
            "scope": scope,
            "command": " ".join(["python bench/ablation.py", *(sys.argv[1:] if argv is None else argv)])}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    partial = args.only is not None or args.ablations is not None
    stem = out / f"{meta['date']}-ablation{'-partial' if partial else ''}"
    runs: dict[str, dict] = {}
    for name in chosen:
        rows, wall = lift_all(targets, corpus, False, args.timeout, args.jobs, ABLATIONS[name], label=f"{name} ")
        rows = [{k: v for k, v in r.items() if k != "lift"} for r in rows]  # every obligation ×5: run.py has them
        runs[name] = {"switches": ABLATIONS[name], "summary": summary_row(name, rows, wall), "rows": rows}
        meta["wall seconds"] = sum(r["summary"]["wall seconds"] for r in runs.values())
        # written after every run, so that an interrupted benchmark keeps what it measured
        stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1, ensure_ascii=False,
                                                        default=str) + "\n")
        stem.with_suffix(".md").write_text(render(meta, runs))
        c = runs[name]["summary"]["counts"]
        print(f"{name}: {', '.join(f'{s} {n}' for s, n in c.items() if n)} in {wall / 60:.1f} min",
              file=sys.stderr, flush=True)
    print(f"wrote {stem}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
