"""Survey a whole kernel library and record the result under bench/results/.

    python bench/survey.py flaggems-5.0.2 [--jobs 2] [--timeout 300]     # the wheel from the registry
    python bench/survey.py flaggems-v2.1 [--corpus PATH]                  # ../shared/corpus, with bench/kernels.py launches

Runs `tritonlift survey` (its reports and cache go to `bench/.survey/<name>/`, not committed) and
writes `bench/results/<YYYY-MM-DD>-<name>-survey.md` (machine, versions, totals, the UNKNOWN
reasons ordered by how many kernels each would unlock, per-folder counts) and `.json` (the same
plus one short row per entry; the full entries with MathML are in the survey's own report.json).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STATUSES = ("VERIFIED", "BOUNDED", "TESTED", "COUNTEREXAMPLE", "UNKNOWN")
# What the preset's host code imports besides torch and triton (its own requirements): without them
# host-code capture cannot import its modules and finds no launches.
HOST_REQUIREMENTS = {"flaggems-5.0.2": ("yaml", "sqlalchemy")}
PRESETS = {
    "flaggems-5.0.2": "flag-gems==5.0.2",
    "flaggems-v2.1": None,  # the corpus folder, with launches exported from bench/kernels.py
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=sorted(PRESETS))
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "flaggems-v2.1")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--no-oracle", action="store_true", help="skip the Triton-interpreter cross-check")
    parser.add_argument("--before", type=Path, help="an earlier results .json of the same survey, to compare with")
    parser.add_argument("--record-only", action="store_true",
                        help="do not survey again: record the last survey's report (bench/.survey/NAME)")
    args = parser.parse_args()

    missing = [m for m in HOST_REQUIREMENTS.get(args.name, ()) if importlib.util.find_spec(m) is None]
    if missing and not args.record_only:
        print(f"warning: {', '.join(missing)} not installed: host-code capture will not import {args.name}'s modules "
              f"(pip install -e '.[survey]')", file=sys.stderr)
    work = HERE / ".survey" / args.name
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tritonlift", "survey", "-o", str(work), "-j", str(args.jobs),
               "--timeout", str(args.timeout)] + (["--no-oracle"] if args.no_oracle else [])
    if PRESETS[args.name]:
        target = PRESETS[args.name]
    else:
        target = str(args.corpus / "src" / "flag_gems")
        launches = work / "launches.json"
        subprocess.run([sys.executable, str(HERE / "kernels.py"), "--export-launches", str(launches)], check=True)
        command += ["--launches", str(launches)]
    if not args.record_only:
        done = subprocess.run(command[:4] + [target] + command[4:])
        if done.returncode != 0:
            return done.returncode
    report = json.loads((work / "report.json").read_text())
    regroup(report)
    report["bench"] = {"command": " ".join(["tritonlift", "survey", target] + command[4:])}
    stem = f"{report['created'][:10]}-{args.name}-survey"
    before = json.loads(args.before.read_text()) if args.before else None
    (args.out / f"{stem}.md").write_text(render(report, args.name, before), encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(compact(report), indent=1, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    print(f"wrote {args.out / stem}.md and .json")
    return 0


def regroup(report: dict) -> None:
    """Group the reasons with the current rules (a recorded report may predate them)."""
    from tritonlift.survey.reasons import group_reasons, reason_group

    for e in report["entries"]:
        e["reason_group"] = reason_group(e) if e["status"] != "VERIFIED" else ""
    report["unknown_reasons"] = group_reasons(report["entries"], ("UNKNOWN",))
    report["other_reasons"] = group_reasons(report["entries"], ("BOUNDED", "TESTED", "COUNTEREXAMPLE"))


def versions() -> dict[str, str]:
    out = {}
    for name in ("tritonlift", "triton", "z3-solver", "egglog", "torch", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        out["tritonlift commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                                  capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return out


def folder(entry: dict, depth: int = 4) -> str:
    parts = entry["file"].split("/")[:-1]
    return "/".join(parts[:depth]) or "."


def lifted_seconds(report: dict) -> list[float]:
    return sorted(e["seconds"] for e in report["entries"] if e["outcome"] not in ("no launch", "nested")
                  and not e.get("cached"))


def render(report: dict, name: str, before: dict | None = None) -> str:
    src, totals = report["source"], report["totals"]
    secs = lifted_seconds(report)
    lines = [
        f"# Survey of {src['label']}" + (f" ({src['version']})" if src.get("version") else ""),
        "",
        f"Date {report['created']}; machine: {report['machine']['platform']}, {report['machine']['cpus']} CPUs "
        f"(shared with other work while it ran), Python {report['machine']['python']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        "",
        f"Command: `{report['bench']['command']}` — wall time **{report['wall_seconds'] / 60:.1f} min** "
        f"with {report['settings']['jobs']} jobs ({report['lifted_now']} entries lifted now, "
        f"{report['from_cache']} from the cache); limits per entry {report['settings']['timeout']:g} s and "
        f"{report['settings']['memory_mb']} MB of address space.",
    ]
    if secs:
        p95 = secs[min(len(secs) - 1, int(0.95 * len(secs)))]
        lines.append(f"Per lifted entry (worker wall time): median {statistics.median(secs):.2f} s, 95th percentile "
                     f"{p95:.2f} s, max {secs[-1]:.1f} s.")
    lines += [
        "",
        f"{report['kernels']} `@triton.jit` functions in {src['files']} files → {len(report['entries'])} entries "
        "(one per kernel and launch description).",
        "",
        "| " + " | ".join(STATUSES) + " | total |",
        "|" + "--:|" * (len(STATUSES) + 1),
        "| " + " | ".join(str(totals[s]) for s in STATUSES) + f" | {sum(totals.values())} |",
        "",
        "Launch descriptions, by source (a `scalar function` entry was tried without a launch; it stays "
        "UNKNOWN \"no launch description\" if it turns out not to be one): "
        + ", ".join(f"{k}: {v}" for k, v in sorted(report["launch_sources"].items())) + f". {report['capture']}.",
        "",
    ]
    lines += captured_lines(report)
    if before is not None:
        lines += compare_lines(before, report)
    lines += [
        "## UNKNOWN, by reason — the missing features, ordered by how many kernels each would unlock",
        "",
        "A kernel may have several entries (one per launch description); `kernels` counts each once.",
        "",
        "| kernels | entries | reason |",
        "|--:|--:|---|",
    ]
    lines += [f"| {r['count']} | {r.get('entries', r['count'])} | {_cut(r['group'], 200)} |"
              for r in report["unknown_reasons"]]
    if report["other_reasons"]:
        lines += ["", "## BOUNDED / TESTED / COUNTEREXAMPLE, by reason", "", "| entries | statuses | reason |",
                  "|--:|---|---|"]
        lines += [f"| {r['count']} | {', '.join(f'{s} {n}' for s, n in r['statuses'].items())} | {r['group']} |"
                  for r in report["other_reasons"]]
    by_folder: dict[str, Counter] = defaultdict(Counter)
    for e in report["entries"]:
        by_folder[folder(e)][e["status"]] += 1
    lines += ["", "## By folder", "", "| folder | " + " | ".join(STATUSES) + " |", "|---|" + "--:|" * len(STATUSES)]
    for f, counts in sorted(by_folder.items(), key=lambda kv: -sum(kv[1].values())):
        lines.append(f"| `{f}` | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    verified = [e for e in report["entries"] if e["status"] in ("VERIFIED", "BOUNDED", "COUNTEREXAMPLE")]
    lines += ["", "## Lifted entries (VERIFIED, BOUNDED, COUNTEREXAMPLE)", "", "| entry | status | formula |",
              "|---|---|---|"]
    for e in verified:
        formula = "<br>".join(_cut(f["text"]) for f in e["formulas"])
        if e["status"] == "COUNTEREXAMPLE" and e.get("counterexample"):
            formula += "<br>✘ " + _cut(e["counterexample"]["what"])
        lines.append(f"| `{e['id']}` | {e['status']} | {formula} |")
    return "\n".join(lines) + "\n"


def captured_lines(report: dict) -> list[str]:
    """How many kernels host-code capture gave a launch, and what became of them."""
    captured = [e for e in report["entries"] if e["launch_source"] == "capture"]
    if not captured:
        return []
    best: dict[str, str] = {}
    for e in captured:  # a kernel with several launches counts once, at its best status
        kernel = e["id"].split("#")[0]
        if kernel not in best or STATUSES.index(e["status"]) < STATUSES.index(best[kernel]):
            best[kernel] = e["status"]
    by_entry, by_kernel = Counter(e["status"] for e in captured), Counter(best.values())
    return [f"Host-code capture gave launch descriptions to **{len(best)} kernels** ({len(captured)} entries). "
            "Per kernel, its best status: " + ", ".join(f"{s} {by_kernel[s]}" for s in STATUSES) + "; per entry: "
            + ", ".join(f"{s} {by_entry[s]}" for s in STATUSES) + ".",
            "",
            "A captured launch is generalised from runs of the host code on generic inputs, so a COUNTEREXAMPLE "
            "under it shows what the kernel does under *that description*: where the description is over-fitted "
            "(a size fitted as a constant, `min(3, cdiv(M * N, 3))`, shapes such as `[3, 2]`), it is not a bug "
            "of the library. Check the launch in the entry before reading one as a finding.", ""]


def _no_launch(report: dict) -> int:
    return len({e["id"].split("#")[0] for e in report["entries"] if e["outcome"] == "no launch"})


def compare_lines(before: dict, report: dict) -> list[str]:
    """Totals and kernels without a launch, before and now (`--before`)."""
    rows = [f"| {label} | " + " | ".join(str(r["totals"][s]) for s in STATUSES) + f" | {len(r['entries'])} | "
            f"{_no_launch(r)} |" for label, r in (("before (" + before["created"][:16] + ")", before),
                                                  ("now", report))]
    return ["## Versus the previous run", "",
            "| run | " + " | ".join(STATUSES) + " | entries | kernels without a launch |",
            "|---|" + "--:|" * (len(STATUSES) + 2), *rows, ""]


def _cut(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact(report: dict) -> dict:
    keep = {k: v for k, v in report.items() if k != "entries"}
    keep["versions"] = versions()
    keep["entries"] = [{"id": e["id"], "status": e["status"], "outcome": e["outcome"], "launch": e["launch"],
                        "reason_group": e.get("reason_group", ""), "reason": (e.get("reason") or "")[:300],
                        "formulas": [f["text"] for f in e["formulas"]], "seconds": e["seconds"]}
                       for e in report["entries"]]
    return keep


if __name__ == "__main__":
    sys.exit(main())
