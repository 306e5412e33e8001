"""Mutation campaign: broken kernels must never come out with the original's formula.

    python bench/mutation.py [--corpus PATH] [--jobs N] [--timeout S] [--out bench/results]
                             [--shard K/N] [--deadline S] [--skip-done PART.json ...]
    python bench/mutation.py --merge PART.json ... [--out bench/results]

For every kernel the last benchmark VERIFIED (examples and FlagGems v2.1 hand-written kernels), each
mutant from tests/soundness/mutate.py (comparison and mask off-by-one, `other=` changed, constants
and addends dropped, operators swapped, axis, loop bounds, strides) is lifted like the original.
A mutant is *killed* when the lift errors, ends COUNTEREXAMPLE/UNKNOWN, or finds another formula.
A *survivor* has the original's formula at TESTED or better: each survivor is run in Triton's
interpreter beside the original kernel at sizes beyond the checked grid, on random inputs — if the
two agree the mutant is *equivalent* (the change does not matter), otherwise it is a *miss*, which
is a soundness bug when the survivor is VERIFIED. Writes `<date>-mutants.{md,json}`.

Every lift and every comparison runs in a child process of its own (forked from a server that has
tritonlift, z3 and egglog imported), killed at `--timeout`. `--shard K/N` takes every N-th mutant
(for runs split across commands), `--deadline S` stops starting work after S seconds (what was not
started is `NOT RUN`), `--skip-done` leaves out mutants a part already judged; `--merge` renders the
parts of one campaign as one table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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
    """Write the mutant beside its module (relative imports keep working), lift, clean up."""
    path = Path(ref_path)
    path.write_text(source)
    try:
        return _lift(f"{path}::{kernel}", launch, options)
    finally:
        path.unlink(missing_ok=True)


def _judge_survivor(original_ref: str, ref_path: str, source: str, kernel: str, launch: str, options: dict) -> dict:
    path = Path(ref_path)
    path.write_text(source)
    try:
        return {"judged": _differs_from_original(original_ref, f"{path}::{kernel}", launch, options)}
    finally:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- supervised children


NOT_RUN = {"status": "NOT RUN", "formulas": [], "detail": "the original was not lifted before the deadline"}
JUDGE_TIMEOUT = 120.0  # seconds for the interpreter comparison of one survivor


class Supervisor:
    """Runs each task in a child process of its own (`tritonlift.limits`: forked from a server with
    tritonlift imported, killed with what it started when its time is up); starts nothing new after
    the deadline (survivors already lifted are still compared, their memory not limited: the
    interpreter's worker imports torch)."""

    def __init__(self, timeout: float, deadline: float | None, memory_mb: int | None):
        self.timeout, self.memory_mb = timeout, memory_mb
        self.end = None if deadline is None else time.monotonic() + deadline

    def run(self, fn, *args, judge: bool = False) -> dict:
        from tritonlift.limits import run_limited

        budget = min(self.timeout, JUDGE_TIMEOUT) if judge else self.timeout
        if self.end is not None and not judge:
            budget = min(budget, self.end - time.monotonic())
        if budget <= 0:
            return {"status": "NOT RUN", "formulas": [], "detail": "deadline reached before it started",
                    "judged": "not compared: deadline reached"}
        outcome = run_limited(fn, args, timeout=budget, memory_mb=None if judge else self.memory_mb)
        if outcome.kind == "ok":
            return outcome.value
        if outcome.kind == "timeout" and budget < self.timeout and not judge:  # cut by the deadline: run it again
            return {"status": "NOT RUN", "formulas": [], "detail": "stopped at the deadline",
                    "judged": "not compared: deadline reached"}
        status = {"timeout": "TIMEOUT", "memory": "MEMORY"}.get(outcome.kind, "CRASH")
        last = (outcome.detail.strip().splitlines() or [""])[-1]
        return {"status": status, "formulas": [], "detail": last[:200], "judged": f"not compared: {last[:120]}"}


# ---------------------------------------------------------------- the campaign


def _targets(args) -> list:
    latest = Path(args.results) if args.results else max(
        p for p in (REPO / "bench" / "results").glob("*-flaggems-v2.1.json")
        if re.fullmatch(r"\d{4}-\d\d-\d\d-flaggems-v2\.1\.json", p.name))  # not the safety survey's
    verified = {r["id"] for r in json.loads(latest.read_text())["rows"] if r.get("status") == "VERIFIED"}
    return [t for t in all_targets(REPO) if t.id in verified and t.launch is not None
            and (not args.only or any(o in t.id for o in args.only))], latest


def _done_rows(paths: list[str]) -> tuple[set[tuple[str, str]], dict[str, dict]]:
    """Mutants the parts already judged, and the originals they lifted (not lifted again)."""
    done, originals = set(), {}
    for p in paths:
        part = json.loads(Path(p).read_text())
        same_machine = part["meta"]["machine"] == environment()["machine"]  # formulas are compared as text
        for rep in part["reports"]:
            done |= {(rep["target"], r["mutant"]) for r in rep["rows"] if r["status"] != "NOT RUN"}
            if same_machine and rep["original"] not in ("NOT RUN", "TIMEOUT", "CRASH", "MEMORY"):
                originals[rep["target"]] = {"status": rep["original"], "formulas": rep["original_formulas"]}
    return done, originals


def campaign(args) -> dict:
    targets, results_file = _targets(args)
    shard, shards = (int(x) for x in args.shard.split("/"))
    skip, lifted = _done_rows(args.skip_done)
    start = dt.datetime.now()
    supervisor = Supervisor(args.timeout, args.deadline, args.memory_mb)
    with tempfile.TemporaryDirectory(prefix="tritonlift-mutants-") as work, ThreadPoolExecutor(args.jobs) as pool:
        shutil.copytree(Path(args.corpus) / "src", Path(work) / "src")
        shutil.copytree(REPO / "examples", Path(work) / "examples")
        paths, jobs = {}, []
        for t in targets:
            base = Path(work) / ("examples" if t.source == "example" else "src/flag_gems")
            paths[t.id] = path = base / (Path(t.file).name if t.source == "example" else t.file)
            for n, m in enumerate(mutants(path.read_text(), t.kernel)):
                jobs.append((t, n, m, str(path.with_name(f"_mutant{n}_{path.name}"))))
        total = len(jobs)
        jobs = [j for i, j in enumerate(jobs) if i % shards == shard - 1 and (j[0].id, j[2].id) not in skip]
        print(f"{len(targets)} kernels, {total} mutants, this run: {len(jobs)}", flush=True)
        pending = {j[0].id for j in jobs}  # a target whose mutants are all judged needs no original here
        originals = dict(zip(paths, pool.map(lambda t: lifted.get(t.id) or (supervisor.run(
            _lift, f"{paths[t.id]}::{t.kernel}", t.launch, t.options) if t.id in pending else NOT_RUN), targets)))
        outcomes = list(pool.map(lambda j: NOT_RUN if originals[j[0].id]["status"] == "NOT RUN" else supervisor.run(
            _lift_mutant, j[3], j[2].source, j[0].kernel, j[0].launch, j[0].options), jobs))
        survivors = [i for i, ((t, n, m, p), o) in enumerate(zip(jobs, outcomes))
                     if o["formulas"] == originals[t.id]["formulas"]
                     and o["status"] in ("TESTED", "BOUNDED", "VERIFIED")]
        print(f"lifted {len(jobs)} mutants in {(dt.datetime.now() - start).total_seconds():.0f} s; "
              f"{len(survivors)} survivors to compare", flush=True)
        judged = dict(zip(survivors, pool.map(
            lambda i: supervisor.run(_judge_survivor, f"{paths[jobs[i][0].id]}::{jobs[i][0].kernel}", jobs[i][3],
                                     jobs[i][2].source, jobs[i][0].kernel, jobs[i][0].launch,
                                     jobs[i][0].options, judge=True)["judged"], survivors)))
    reports = {t.id: {"target": t.id, "original": originals[t.id]["status"],
                      "original_formulas": originals[t.id]["formulas"], "rows": []} for t in targets}
    for i, ((t, n, m, p), outcome) in enumerate(zip(jobs, outcomes)):
        verdict, judgement = ("not run", "") if outcome["status"] == "NOT RUN" else ("killed", "")
        if i in judged:
            judgement = judged[i]
            verdict = "equivalent" if judgement == "equivalent" else "MISSED" if judgement.startswith("differs") \
                else "survived (not compared)"
        reports[t.id]["rows"].append({"n": n, "mutant": m.id, "description": m.description, "status": outcome["status"],
                                      "verdict": verdict, "judged": judgement,
                                      "detail": (outcome.get("detail") or "")[:160]})
    meta = {"started": f"{start:%Y-%m-%d %H:%M:%S}", "wall seconds": (dt.datetime.now() - start).total_seconds(),
            "command": "python bench/mutation.py " + " ".join(sys.argv[1:]), "jobs": args.jobs,
            "timeout": args.timeout, "shard": args.shard, "mutants in campaign": total,
            "results": results_file.name, **environment()}
    return {"meta": meta, "reports": list(reports.values())}


def environment() -> dict:
    import importlib.metadata as md

    import tritonlift

    versions = {"tritonlift": tritonlift.__version__}  # run from the source tree, maybe not installed
    for name in ("torch", "triton", "z3-solver", "egglog", "numpy"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "not installed"
    return {"machine": f"{platform.platform()}, {platform.processor() or platform.machine()}, "
                       f"os.cpu_count() = {os.cpu_count()}, Python {platform.python_version()}",
            "versions": versions, "git": _git()}


def _git() -> str:
    if os.environ.get("TRITONLIFT_GIT"):  # a copy of the tree whose .git is not the one run
        return os.environ["TRITONLIFT_GIT"]
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip() or os.environ.get("TRITONLIFT_GIT", "unknown")
    except (OSError, subprocess.SubprocessError):
        return os.environ.get("TRITONLIFT_GIT", "unknown")


def merge(parts: list[dict]) -> dict:
    """One campaign from its parts: a mutant judged in any part counts once."""
    reports: dict[str, dict] = {}
    for part in parts:
        for rep in part["reports"]:
            into = reports.setdefault(rep["target"], {**rep, "rows": []})
            if into["original"] == "NOT RUN":
                into.update(original=rep["original"], original_formulas=rep["original_formulas"])
            have = {r["mutant"]: k for k, r in enumerate(into["rows"])}
            for r in rep["rows"]:
                if r["mutant"] not in have:
                    have[r["mutant"]] = len(into["rows"])
                    into["rows"].append(r)
                elif into["rows"][have[r["mutant"]]]["status"] == "NOT RUN":
                    into["rows"][have[r["mutant"]]] = r
    for rep in reports.values():
        rep["rows"].sort(key=lambda r: r.get("n", 0))
    metas = [p["meta"] for p in parts]
    return {"meta": {**metas[0], "wall seconds": sum(m["wall seconds"] for m in metas),
                     "parts": metas}, "reports": list(reports.values())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--results", default=None, help="benchmark JSON whose VERIFIED targets to mutate")
    parser.add_argument("--only", nargs="*", default=None, help="only targets whose id contains one of these")
    parser.add_argument("--shard", default="1/1", help="K/N: every N-th mutant, starting with the K-th")
    parser.add_argument("--memory-mb", type=int, default=8192, help="address space per lift")
    parser.add_argument("--deadline", type=float, default=None, help="seconds after which nothing new starts")
    parser.add_argument("--skip-done", nargs="*", default=[], help="part JSONs whose judged mutants to skip")
    parser.add_argument("--part", default=None, help="write only this part JSON (no table)")
    parser.add_argument("--merge", nargs="*", default=None, help="part JSONs to render as one campaign")
    args = parser.parse_args(argv)
    if args.merge:
        result = merge([json.loads(Path(p).read_text()) for p in args.merge])
    else:
        result = campaign(args)
        if args.part:
            Path(args.part).write_text(json.dumps(result, indent=1))
            print(render(result)[:2000])
            return 0
    write(result, Path(args.out))
    return 0


VERDICTS = ("killed", "equivalent", "MISSED", "survived (not compared)", "not run")


def render(result: dict) -> str:
    meta, reports = result["meta"], result["reports"]
    rows = [r for rep in reports for r in rep["rows"]]
    count = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    missed_verified = [(rep["target"], r) for rep in reports for r in rep["rows"]
                       if r["verdict"] == "MISSED" and r["status"] == "VERIFIED"]
    judged = len(rows) - count["equivalent"] - count["not run"]
    parts = meta.get("parts", [meta])
    setups = []  # each machine and its versions once, with the runs made there
    for part in parts:
        v = part["versions"]
        setup = (f"{part['machine']}; tritonlift {v['tritonlift']} (git {part['git']}), torch {v['torch']}, triton "
                 f"{v['triton']} (interpreter, TRITON_INTERPRET=1), z3-solver {v['z3-solver']}, egglog {v['egglog']}, "
                 f"numpy {v['numpy']}")
        if setup not in [s for s, _ in setups]:
            setups.append((setup, []))
        next(runs for s, runs in setups if s == setup).append(
            f"`{part['command']}` ({part['wall seconds'] / 60:.1f} min, {part['jobs']} jobs)")
    lines = [f"# Mutation campaign — {meta['started'][:10]}", ""]
    lines += [f"- machine and versions: {s}; runs: " + "; ".join(runs) for s, runs in setups]
    lines += [f"- targets: the launch-based kernels VERIFIED in `{meta['results']}`; "
              f"{meta['mutants in campaign']} mutants from `tests/soundness/mutate.py`; each mutant is lifted and "
              "judged on one machine, against the original lifted on that machine",
              f"- wall time: {sum(p['wall seconds'] for p in parts) / 60:.1f} min in {len(parts)} run(s)",
             "", "| | mutants |", "|---|--:|", f"| generated | {len(rows)} |"]
    lines += [f"| {name} | {n} |" for name, n in count.items() if n or name != "not run"]
    rate = count["killed"] / judged if judged else 1.0
    timeouts = sum(r["verdict"] == "killed" and r["status"] == "TIMEOUT" for r in rows)
    decided = (count["killed"] - timeouts) / (judged - timeouts) if judged > timeouts else 1.0
    lines += ["", f"**Kill rate** (killed / non-equivalent): {count['killed']} / {judged} = {rate:.1%}; without the "
              f"{timeouts} time-outs (which claim nothing, but show nothing either): {count['killed'] - timeouts} / "
              f"{judged - timeouts} = {decided:.1%}. "
              f"**VERIFIED with the original formula but behaving differently: {len(missed_verified)}.**", "",
              "| target | original | mutants | killed | equivalent | missed | not compared | not run |",
              "|---|---|--:|--:|--:|--:|--:|--:|"]
    for rep in reports:
        rs = rep["rows"]
        lines.append(f"| `{rep['target']}` | {rep['original']} | {len(rs)} | "
                     + " | ".join(str(sum(r["verdict"] == v for r in rs)) for v in VERDICTS[:3])
                     + f" | {sum(r['verdict'] == 'survived (not compared)' for r in rs)} | "
                     f"{sum(r['verdict'] == 'not run' for r in rs)} |")
    by_status: dict[str, int] = {}
    for r in rows:
        if r["verdict"] == "killed":
            by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    lines += ["", "Killed mutants by the lift's outcome: " + ", ".join(
        f"{s} {n}" for s, n in sorted(by_status.items(), key=lambda kv: -kv[1])) + " (a VERIFIED/BOUNDED/TESTED "
        "mutant counted as killed has another formula than the original)."]
    survivors = [(rep["target"], r) for rep in reports for r in rep["rows"]
                 if r["verdict"] not in ("killed", "not run")]
    if survivors:
        lines += ["", "## Survivors", "", "| target | mutant | status | verdict | interpreter comparison |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{t}` | `{r['mutant']}` | {r['status']} | {r['verdict']} | {r['judged']} |" for t, r in survivors]
    return "\n".join(lines) + "\n"


def write(result: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = render(result)
    day = result["meta"]["started"][:10]
    (out / f"{day}-mutants.md").write_text(text)
    (out / f"{day}-mutants.json").write_text(json.dumps(result, indent=1))
    print(text[:3000])


if __name__ == "__main__":
    sys.exit(main())
