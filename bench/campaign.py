"""Soundness campaign: random Triton kernels, lifted by the verifier alone, judged by Triton's interpreter.

    python bench/campaign.py --count N --seed S [--jobs J] [--bug-rate 0.3] [--timeout 120] [--out bench/results]

Kernels come from tests/soundness/kernelgen.py (seven families, ~30% with an injected bug). Each is
lifted without the interpreter cross-check (`Options(oracle=False, simplify=False)`: what the
verifier alone concludes), in worker processes that are killed at `--timeout` seconds. Then the
`--emit torch` reference of its formulas is compared with the kernel run in Triton's interpreter on
random inputs at random sizes: two inside the lifted bounds, two far beyond them (N up to 300, M up
to 7); buggy kernels also run their clean twin, to tell whether the bug changes results. A VERIFIED
result that disagrees anywhere, or a BOUNDED one that disagrees inside its bounds, is a soundness
bug. Writes `<date>-campaign.{md,json}` under `--out`.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import multiprocessing as mp
import multiprocessing.connection
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TRITON_INTERPRET", "1")

from tests.soundness.judge import Lifted, judge_batch, lift_generated, plan_runs  # noqa: E402
from tests.soundness.kernelgen import BUG_CLASSES, DEFECTS, generate  # noqa: E402

BATCH = 20  # kernels per interpreter worker start-up (2-3 s each), small enough to see progress
STATUSES = ("VERIFIED", "BOUNDED", "TESTED", "UNKNOWN", "COUNTEREXAMPLE", "ERROR", "CRASH", "TIMEOUT")


def _serve(conn, bug_rate: float, directory: str) -> None:
    """Worker process: lift the seeds it is sent until it is sent None."""
    while (seed := conn.recv()) is not None:
        conn.send(lift_generated(seed, bug_rate, directory))


def lift_all(seeds: list[int], bug_rate: float, directory: str, jobs: int, timeout: float) -> list[Lifted]:
    """Lift in `jobs` worker processes; a lift past `timeout` seconds has its worker killed (TIMEOUT)."""
    ctx = mp.get_context("spawn")
    results: dict[int, Lifted] = {}

    def start():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child, bug_rate, directory), daemon=True)
        proc.start()
        child.close()
        return parent, proc

    idle, busy, pending = [start() for _ in range(jobs)], {}, list(reversed(seeds))
    while pending or busy:
        while idle and pending:
            conn, proc = idle.pop()
            seed = pending.pop()
            conn.send(seed)
            busy[conn] = (proc, seed, time.monotonic())
        for conn in multiprocessing.connection.wait(list(busy), timeout=1.0):
            proc, seed, began = busy.pop(conn)
            try:
                results[seed] = conn.recv()
                idle.append((conn, proc))
            except EOFError:  # the worker died (killed for memory, a crash in native code)
                results[seed] = Lifted(seed, "CRASH", reason=f"the lifting process died ({proc.exitcode})",
                                       seconds=time.monotonic() - began)
                idle.append(start())
            _progress(len(results), len(seeds), results[seed])
        for conn, (proc, seed, began) in list(busy.items()):
            if time.monotonic() - began > timeout:
                proc.kill()
                proc.join()
                del busy[conn]
                results[seed] = Lifted(seed, "TIMEOUT", reason=f"no result in {timeout:g} s", seconds=timeout)
                idle.append(start())
    for conn, proc in idle:
        conn.send(None)
        proc.join(timeout=10)
    return [results[s] for s in seeds]


def _progress(done: int, total: int, lifted: Lifted) -> None:
    if done % 25 == 0 or done == total:
        print(f"  lifted {done}/{total}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--bug-rate", type=float, default=0.3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per lift")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    args = parser.parse_args(argv)
    start = dt.datetime.now()
    t0 = time.perf_counter()
    seeds = [args.seed * 1_000_000 + i for i in range(args.count)]  # kernel k<seed> is generate(seed)
    with tempfile.TemporaryDirectory(prefix="tritonlift-campaign-") as work:
        print(f"lifting {len(seeds)} generated kernels ({args.jobs} jobs)", flush=True)
        lifted = lift_all(seeds, args.bug_rate, work, args.jobs, args.timeout)
        lift_seconds = time.perf_counter() - t0
        judgements = []
        for n in range(0, len(seeds), BATCH):
            planned = [plan_runs(generate(s, args.bug_rate), lf, Path(work), random.Random(s))
                       for s, lf in zip(seeds[n:n + BATCH], lifted[n:n + BATCH])]
            judgements += judge_batch(planned)
            print(f"  judged {len(judgements)}/{len(seeds)} in Triton's interpreter", flush=True)
    summary = summarize(judgements, lifted)
    summary.update(command=" ".join(["python bench/campaign.py", *(argv if argv is not None else sys.argv[1:])]),
                   machine=_machine(), count=len(seeds), seed=args.seed, bug_rate=args.bug_rate,
                   lift_seconds=round(lift_seconds, 1), total_seconds=round(time.perf_counter() - t0, 1),
                   date=f"{start:%Y-%m-%d}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [{**asdict(j), "unsound": j.unsound, "seconds": round(lf.seconds, 2),
             "reason": lf.reason[-800:] if lf.status == "CRASH" else lf.reason[:300]}  # a traceback's end says most
            for j, lf in zip(judgements, lifted)]
    (out / f"{start:%Y-%m-%d}-campaign.json").write_text(json.dumps({"summary": summary, "kernels": rows}, indent=1))
    text = render(summary, judgements, lifted)
    (out / f"{start:%Y-%m-%d}-campaign.md").write_text(text)
    print(text[:3000])
    return 1 if summary["false_verified"] else 0


def summarize(judgements, lifted) -> dict:
    by_class: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for j in judgements:
        by_class[j.bug or "none"][j.status] += 1
    effective = collections.Counter((j.bug, j.status) for j in judgements if j.bug_effective)
    return {
        "bugs_injected": sum(j.bug is not None for j in judgements),
        "by_class": {k: dict(v) for k, v in sorted(by_class.items())},
        "effective_by_class": {b: {s: n for (bb, s), n in effective.items() if bb == b} for b in BUG_CLASSES
                               if any(bb == b for bb, _ in effective)},
        "statuses": dict(collections.Counter(j.status for j in judgements)),
        "false_verified": sum(j.unsound and j.status == "VERIFIED" for j in judgements),
        "false_bounded": sum(j.unsound and j.status == "BOUNDED" for j in judgements),
        "verified_effective_defects": sum(j.status == "VERIFIED" and j.bug in DEFECTS and bool(j.bug_effective)
                                          for j in judgements),
        "clean_counterexamples": sum(j.status == "COUNTEREXAMPLE" and j.bug is None for j in judgements),
        "tested_disagreeing": sum(j.status == "TESTED" and bool(j.mismatches) for j in judgements),
        "not_run": sum(bool(j.not_run) for j in judgements),
        "lift_seconds_median": sorted(lf.seconds for lf in lifted)[len(lifted) // 2] if lifted else 0.0,
        "lift_seconds_max": max((lf.seconds for lf in lifted), default=0.0),
    }


def _machine() -> dict:
    import torch
    import triton
    import z3

    import tritonlift

    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    return {"uname": " ".join(platform.uname()), "nproc": os.cpu_count(), "python": platform.python_version(),
            "tritonlift": tritonlift.__version__, "commit": git.strip(), "torch": torch.__version__,
            "triton": triton.__version__, "z3": z3.get_version_string()}


def render(s: dict, judgements, lifted) -> str:
    m = s["machine"]
    lines = [f"# Soundness campaign — {s['date']}", "",
             f"- command: `{s['command']}`",
             f"- machine: `{m['uname']}`, nproc = {m['nproc']}, Python {m['python']}",
             f"- versions: tritonlift {m['tritonlift']} (commit {m['commit']}), torch {m['torch']}, "
             f"triton {m['triton']}, z3 {m['z3']}",
             f"- time: {s['total_seconds'] / 60:.1f} min in all ({s['lift_seconds'] / 60:.1f} min lifting; median lift "
             f"{s['lift_seconds_median']:.2f} s, slowest {s['lift_seconds_max']:.1f} s)",
             f"- kernels: {s['count']} generated (seed {s['seed']}), {s['bugs_injected']} with an injected bug "
             f"(rate {s['bug_rate']})", "",
             f"**False VERIFIED: {s['false_verified']}** (VERIFIED, yet the emitted reference disagrees with "
             f"Triton's interpreter or the interpreter's guard sees an out-of-bounds access). "
             f"False BOUNDED (inside its bounds): {s['false_bounded']}. VERIFIED kernels with a defect that changes "
             f"results: {s['verified_effective_defects']}. COUNTEREXAMPLE on a correct kernel: "
             f"{s['clean_counterexamples']}. TESTED but disagreeing: {s['tested_disagreeing']}. "
             f"Kernels with a point the interpreter could not run: {s['not_run']}.", "",
             "## Verdicts by injected bug class", "",
             "Each cell: kernels with that verdict; in parentheses, those whose bug changes results (the clean "
             "twin differs in Triton's interpreter).", "",
             "| bug class | kind | " + " | ".join(STATUSES) + " |", "|---|---|" + "--:|" * len(STATUSES)]
    for cls, counts in s["by_class"].items():
        eff = s["effective_by_class"].get(cls, {})
        kind = "—" if cls == "none" else "defect" if cls in DEFECTS else "semantic"
        cells = [(f"{counts.get(st, 0)}" + (f" ({eff[st]})" if cls != "none" and eff.get(st) else "")) if counts.get(st)
                 else "" for st in STATUSES]
        lines.append(f"| {cls} | {kind} | " + " | ".join(cells) + " |")
    lines += ["", "`defect`: the kernel no longer computes a formula of the intended shape (unsafe access, unwritten "
              "element, wrong neutral, missing tile); `semantic`: it computes another clean formula, for which "
              "VERIFIED is right (with that formula).", ""]
    families = collections.defaultdict(collections.Counter)
    for j in judgements:
        families[j.family][j.status] += 1
    lines += ["## Verdicts by family", "", "| family | " + " | ".join(STATUSES) + " |", "|---|" + "--:|" * len(STATUSES)]
    lines += [f"| {f} | " + " | ".join(str(c.get(st, "")) for st in STATUSES) + " |" for f, c in sorted(families.items())]
    flagged = [j for j in judgements if j.unsound or (j.status == "TESTED" and j.mismatches)
               or (j.status == "COUNTEREXAMPLE" and j.bug is None) or j.status == "CRASH"]
    if flagged:
        lines += ["", "## Kernels to look at", "", "Reproduce one with `generate(seed)` from "
                  "`tests/soundness/kernelgen.py` (the JSON has every row).", "",
                  "| seed | family | bug | status | finding |", "|---|---|---|---|---|"]
        reasons = {lf.seed: lf.reason for lf in lifted}
        for j in flagged:
            last = reasons[j.seed].strip().splitlines()[-1:] if j.status == "CRASH" else [reasons[j.seed]]
            finding = (j.mismatches + j.unsafe + last)[0].replace("|", "\\|").replace("\n", " ")[:240]
            tag = "**UNSOUND** " if j.unsound else ""
            lines.append(f"| {j.seed} | {j.family} | {j.bug or ''} | {j.status} | {tag}{finding} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
