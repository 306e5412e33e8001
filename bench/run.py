"""Lift every benchmark target and write the results table.

    python bench/run.py [--corpus PATH] [--jobs N] [--out bench/results] [--no-oracle] [--timeout S]
                        [--only SUBSTRING ...] [--list]

Each target (bench/kernels.py) runs in a fresh Python process of its own (this file with
`--worker`), supervised from a `ProcessPoolExecutor` of `--jobs` workers: a timeout kills the
target's whole process group, a crash or a `TritonLiftError` becomes a row with its one-line
message, and the run always goes on. Results: `<out>/<YYYY-MM-DD>-flaggems-v2.1.md` and `.json`
(`…-partial.*` when `--only` restricts the targets). `lift_all` is that loop as a function, with
`Options` switches for every target (bench/ablation.py runs it once per ablation).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from kernels import GROUPS, Target, all_targets

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "flaggems-v2.1"
STATUSES = ("VERIFIED", "BOUNDED", "TESTED", "COUNTEREXAMPLE", "UNKNOWN", "ERROR", "TIMEOUT")
STAGES = ("symbolic execution", "synthesis", "verification", "unbounded verification", "interpreter", "simplification",
          "total")
STAGE_HEADS = ("symexec", "synth", "verify", "proof", "interp", "simplify", "total")
FORMULA_CHARS = 200
REASON_CHARS = 300
PAPER = ("Zhan et al. 2024: 28 of 33 FlagGems operators lifted and verified; previous technique 13 of 33")


# ---------------------------------------------------------------- one target (in its own process)


def _kernel_ref(target: Target, corpus: Path) -> str:
    base = REPO if target.source == "example" else corpus / "src" / "flag_gems"
    return f"{base / target.file}::{target.kernel}"


def _options_text(target: Target, oracle: bool) -> str:
    parts = [f"{k}={v}" for k, v in target.options.items() if k != "sizes"]
    for name, values in target.options.get("sizes", {}).items():
        parts.append(f"{name}∈{{{','.join(map(str, values))}}}")
    if target.launch is not None:
        parts.append("oracle" if oracle else "no oracle")
    return "; ".join(parts) or "—"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def run_worker(target: Target, corpus: Path, oracle: bool, result_path: Path, switches: dict | None = None) -> int:
    """Lift one target with `Options(oracle=oracle, **switches, **target.options)` and write its row as
    JSON. Exit code 0, or 3 for an internal error (a bug)."""
    from tritonlift.errors import TritonLiftError
    from tritonlift.pipeline import Options, lift

    row: dict = {"crash": False}
    start = time.perf_counter()
    code = 0
    try:
        options = Options(oracle=oracle, **(switches or {}), **target.options)
        result = lift(_kernel_ref(target, corpus), target.launch, options)
        row.update(_result_row(result))
    except TritonLiftError as error:
        row.update(status="ERROR", reason=_one_line(error.render()), error_type=type(error).__name__)
    except RecursionError as error:  # the CLI reports these as input errors (exit code 2)
        frames = [f for f in traceback.extract_tb(error.__traceback__) if "tritonlift" in f.filename]
        where = f" in {Path(frames[-1].filename).parent.name}/{Path(frames[-1].filename).name}:{frames[-1].lineno} " \
                f"({frames[-1].name})" if frames else ""
        row.update(status="ERROR", error_type="RecursionError",
                   reason=f"RecursionError{where}: a term or the kernel is nested too deeply for tritonlift")
    except Exception as error:  # noqa: BLE001 -- a bug in tritonlift (exit code 3 in the CLI)
        message = _one_line(str(error))
        message = message if len(message) <= 300 else message[:300] + "…"
        row.update(status="ERROR", crash=True, error_type=type(error).__name__,
                   reason=f"internal error: {type(error).__name__}: {message}",
                   traceback="".join(traceback.format_tb(error.__traceback__)) + f"{type(error).__name__}: {message}")
        code = 3
    row["worker seconds"] = time.perf_counter() - start
    result_path.write_text(json.dumps(row, ensure_ascii=False, default=str))
    return code


def _result_row(result) -> dict:
    from tritonlift.report.json_report import to_json

    cex = result.counterexample
    detail = to_json(result)
    if detail.get("counterexample"):
        detail["counterexample"].pop("arrays", None)
    reason = result.reason or ""
    if cex is not None:
        reason = f"{cex.what} (sizes {', '.join(f'{k}={v}' for k, v in cex.sizes.items())})"
        if cex.replayed:
            reason += f"; confirmed by {cex.replayed}"
    elif result.status.name in ("BOUNDED", "TESTED"):  # what was checked, and why it is not VERIFIED
        reason = "; ".join([f"checked: {result.scope}"] + ([reason] if reason else []) + list(result.notes))
    elif result.status.name == "VERIFIED" and result.notes:
        reason = "; ".join(result.notes)
    return {
        "status": result.status.name,
        "formulas": [f.text() for f in result.formulas],
        "textbook": [None if f is None else f.text() for f in result.textbook],
        "scope": result.scope,
        "reason": _one_line(reason),
        "timings": dict(result.timings),
        "lift": detail,
    }


# ---------------------------------------------------------------- supervising (pool workers)


def _target_from_json(text: str) -> Target:
    """The supervisor's Target back from JSON (explicit sizes become tuples again)."""
    fields = json.loads(text)
    options = dict(fields.pop("options"))
    if "sizes" in options:
        options["sizes"] = {name: tuple(values) for name, values in options["sizes"].items()}
    return Target(**fields, options=options)


def supervise(target: Target, corpus: str, oracle: bool, timeout: float, switches: dict | None = None) -> dict:
    """Run one target in a fresh process group; kill the group at the timeout."""
    row = {"id": target.id, "group": target.group, "kernel": target.kernel, "file": target.file,
           "source": target.source, "launch": target.launch, "options": _options_text(target, oracle),
           "options_raw": {k: v for k, v in target.options.items()}, "note": target.note}
    fd, result_file = tempfile.mkstemp(prefix="tritonlift-bench-", suffix=".json")
    os.close(fd)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", target.id, "--target", json.dumps(asdict(target)),
           "--corpus", corpus,
           "--result", result_file] + ([] if oracle else ["--no-oracle"]) + \
        (["--switches", json.dumps(switches)] if switches else [])
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=str(REPO))
    try:
        _, stderr = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        timed_out = True
    wall = time.perf_counter() - start
    row["wall seconds"] = wall
    row["exit code"] = proc.returncode
    try:
        text = Path(result_file).read_text()
        worker = json.loads(text) if text.strip() else None
    finally:
        os.unlink(result_file)
    if timed_out:
        row.update(status="TIMEOUT", crash=False, reason=f"no result after {timeout:g} s (process group killed)",
                   timings={"total": wall})
    elif worker is None:
        last = [line for line in (stderr or "").splitlines() if line.strip()]
        row.update(status="ERROR", crash=True, timings={"total": wall},
                   reason=_one_line(f"worker died with exit code {proc.returncode}: "
                                    f"{last[-1] if last else 'no message'}"),
                   traceback=stderr[-4000:])
    else:
        row.update(worker)
        row.setdefault("timings", {"total": worker.get("worker seconds", wall)})
    return row


# ---------------------------------------------------------------- report


def _versions() -> dict[str, str]:
    out = {}
    for name, dist in (("tritonlift", "tritonlift"), ("torch", "torch"), ("triton", "triton"),
                       ("z3", "z3-solver"), ("numpy", "numpy")):
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True,
                               text=True, timeout=10, check=False).stdout.strip()
        return f"{head}{' + uncommitted changes in src/' if dirty else ''}" if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "python": platform.python_version()}


def _cell(text: str, limit: int) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def _formula_cell(formulas: list[str]) -> str:
    if not formulas:
        return ""
    joined = "<br>".join(_cell(f, FORMULA_CHARS) for f in formulas)
    return joined


def _seconds(timings: dict, stage: str) -> str:
    v = timings.get(stage)
    return "" if v is None else f"{v:.2f}"


def reason_key(row: dict) -> str:
    """A short class for a reason, so that rows blocked by the same missing feature group together."""
    reason = row.get("reason") or ""
    if row["status"] == "TIMEOUT":
        return "timeout"
    if row.get("crash"):
        return f"internal error ({row.get('error_type', 'crash')})"
    m = re.search(r"unsupported: (.*?)(?:\s+hint:|$)", reason)
    if m:
        key = re.sub(r"\s+\([^()]*\)$", "", m.group(1).strip())  # drop a trailing "(not modelled yet)"
        return "unsupported: " + key[:120]
    m = re.search(r"\(([^()]*not synthesised yet[^()]*)\)", reason)
    if m:
        return "no formula: " + m.group(1)
    m = re.search(r"no formula found: (.*)", reason)
    if m:
        text = m.group(1)
        text = re.sub(r"\S*\[[^\]]*\]", "·", text)  # drop element names: keep the kind of failure
        text = re.sub(r"\{[^}]*\}", "{…}", text)
        return "no formula: " + text[:120]
    if "interpreter" in reason and row["status"] == "UNKNOWN":
        return "Triton's interpreter disagrees: " + reason[:100]
    m = re.match(r".*?error: (.*)", reason)
    if m:
        return m.group(1)[:120]
    return reason[:120]


def bounded_key(row: dict) -> str:
    """Why a BOUNDED / TESTED row is not VERIFIED, with names and places taken out."""
    reason = row.get("reason") or ""
    m = re.search(r"not proven for all sizes: (.*)", reason)
    if not m:
        return "(no reason given)"
    text = re.sub(r"\S+\.py:\d+: ", "", m.group(1))
    text = re.sub(r"^error: ", "", text)
    text = re.sub(r"constexpr [A-Za-z_0-9, ]+ computed", "constexpr computed", text)
    text = re.sub(r"'[A-Za-z_0-9]+'", "'…'", text)
    text = re.sub(r"value: \w+ store at \S+ equals the formula: refuted", "value obligation refuted", text)
    text = re.sub(r"\s*\(give it in the launch[^)]*\)", "", text)
    return text[:160]


def render_markdown(meta: dict, rows: list[dict]) -> str:
    lines = [f"# tritonlift benchmark: FlagGems v2.1 Tier 1 and the project's examples — {meta['date']}", ""]
    m, v = meta["machine"], meta["versions"]
    lines += [
        (f"- **date**: {meta['date']} (run started {meta['started']}, wall time {meta['wall seconds'] / 60:.1f} min "
        f"with {meta['jobs']} job{'s' if meta['jobs'] != 1 else ''})"),
        (f"- **machine**: {m['platform']}, {m['processor']}, os.cpu_count() = {m['cpu_count']}, "
        f"Python {m['python']}"),
        (f"- **versions**: tritonlift {v['tritonlift']} (git {meta['git']}), torch {v['torch']}, "
        f"triton {v['triton']}, z3 {v['z3']}, numpy {v['numpy']}"),
        f"- **corpus**: `{meta['corpus']}`",
        f"- **command**: `{meta['command']}`",
        (f"- **defaults**: Triton-interpreter cross-check {'on' if meta['oracle'] else 'off'} "
        f"(`Options(oracle={meta['oracle']})`), per-target timeout {meta['timeout']:g} s; "
        f"seconds per stage from `LiftResult.timings` (symexec = symbolic execution, verify = bounded "
        f"checks, proof = the unbounded proof, interp = Triton's interpreter, simplify = the textbook form)"),
        "",
    ]
    for group in GROUPS:
        members = [r for r in rows if r["group"] == group]
        if not members:
            continue
        lines += [f"## {group}", "",
                  "| target | status | formula | options | " + " | ".join(STAGE_HEADS) + " | reason / counterexample |",
                  "|---|---|---|---|" + "--:|" * len(STAGE_HEADS) + "---|"]
        for r in members:
            target = f"`{r['id']}`" + (f"<br><sub>{_cell(r['note'], 200)}</sub>" if r.get("note") else "")
            status = r["status"] + (" (crash)" if r.get("crash") else "")
            secs = " | ".join(_seconds(r.get("timings", {}), s) for s in STAGES)
            lines.append(f"| {target} | {status} | {_formula_cell(r.get('formulas', []))} | "
                         f"{_cell(r['options'], 120)} | {secs} | {_cell(r.get('reason', ''), REASON_CHARS)} |")
        lines.append("")
    lines += render_totals(rows)
    return "\n".join(lines) + "\n"


def _count_table(rows: list[dict], label_rows: list[tuple[str, list[dict]]]) -> list[str]:
    out = ["| | targets | " + " | ".join(STATUSES) + " | median total s | worst total s |",
           "|---|--:|" + "--:|" * len(STATUSES) + "--:|---|"]
    for label, members in label_rows:
        if not members:
            continue
        counts = [sum(1 for r in members if r["status"] == s) for s in STATUSES]
        totals = [r.get("timings", {}).get("total", r.get("wall seconds", 0.0)) for r in members]
        worst = max(members, key=lambda r: r.get("timings", {}).get("total", r.get("wall seconds", 0.0)))
        out.append(f"| {label} | {len(members)} | " + " | ".join(map(str, counts))
                   + f" | {statistics.median(totals):.2f} | {max(totals):.2f} (`{worst['id']}`) |")
    return out


def render_totals(rows: list[dict]) -> list[str]:
    gems = [r for r in rows if r["source"] == "flaggems"]
    lines = ["## Totals", ""]
    lines += _count_table(rows, [(g, [r for r in rows if r["group"] == g]) for g in GROUPS]
                          + [("**FlagGems v2.1 (all groups but examples)**", gems), ("**all targets**", rows)])
    lift_ok = sum(1 for r in gems if r["status"] in ("VERIFIED", "BOUNDED", "TESTED"))
    verified = sum(1 for r in gems if r["status"] == "VERIFIED")
    lines += [
        "",
        (f"FlagGems v2.1 kernels with a formula that holds at some guarantee level: **{lift_ok} of {len(gems)}** "
        f"(VERIFIED, i.e. proven for all sizes: {verified})."),
        "",
        (f"For comparison — {PAPER}. The counts are not directly comparable: our counting unit is the *kernel* "
        "(an operator such as `sum` contributes several kernels, and each `@pointwise_dynamic` scalar function "
        "counts as one kernel although only the scalar function — not the generated template — is analysed), "
        "the paper's is the *operator*; and our BOUNDED is a bounded check (every size combination up to the "
        "printed bounds), not a proof for all sizes — only VERIFIED is."),
        "",
    ]
    blockers: dict[str, list[str]] = {}
    for r in rows:
        if r["status"] in ("UNKNOWN", "ERROR", "TIMEOUT"):
            blockers.setdefault(reason_key(r), []).append(r["id"])
    if blockers:
        lines += ["## What blocks the UNKNOWN / ERROR / TIMEOUT rows", "",
                  "| reason (grouped) | targets | which |", "|---|--:|---|"]
        for key, ids in sorted(blockers.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"| {_cell(key, 200)} | {len(ids)} | {', '.join(f'`{i}`' for i in ids)} |")
        lines.append("")
    partial = {}
    for r in rows:
        if r["status"] in ("BOUNDED", "TESTED"):
            partial.setdefault(bounded_key(r), []).append(r["id"])
    if partial:
        lines += ["## What keeps the BOUNDED / TESTED rows from VERIFIED", "",
                  "| reason (grouped) | targets | which |", "|---|--:|---|"]
        for key, ids in sorted(partial.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"| {_cell(key, 200)} | {len(ids)} | {', '.join(f'`{i}`' for i in ids)} |")
        lines.append("")
    lines += render_proof_times(rows)
    lines += render_simplification(rows)
    crashes = [r for r in rows if r.get("crash")]
    if crashes:
        lines += ["## Internal errors (bugs in tritonlift)", ""]
        for r in crashes:
            lines.append(f"- `{r['id']}`: {_cell(r.get('reason', ''), 400)} (traceback in the JSON file)")
        lines.append("")
    return lines


PROOF_KINDS = ("frame", "value", "coverage", "bounds", "race", "undefined", "integer division",
               "symbolic execution over sizes")


def render_proof_times(rows: list[dict]) -> list[str]:
    """How long the all-sizes proofs take: per target (the whole proof, every configuration and
    case) and per obligation (one z3 query or identity check), median and worst."""
    proofs = [(r["timings"]["unbounded verification"], r["id"], r["status"]) for r in rows
              if "unbounded verification" in r.get("timings", {})]
    obligations = []
    for r in rows:
        for c in (r.get("lift") or {}).get("obligations", []):
            name = re.sub(r"^case [^:]*: ", "", c["name"])
            if name.startswith(PROOF_KINDS):
                obligations.append((c["seconds"], name.split(":")[0].split(" at ")[0], r["id"]))
    if not proofs:
        return []
    out = ["## Proof times (the all-sizes proof)", "",
           "| | count | median s | 95th percentile s | worst s |", "|---|--:|--:|--:|---|"]
    for label, items in (("whole proof per target (every configuration and case)", proofs),
                         ("... of VERIFIED targets", [p for p in proofs if p[2] == "VERIFIED"]),
                         ("one obligation", obligations)):
        if not items:
            continue
        secs = sorted(x[0] for x in items)
        worst = max(items, key=lambda x: x[0])
        p95 = secs[min(len(secs) - 1, int(0.95 * len(secs)))]
        where = f"`{worst[2]}`, {worst[1]}" if label == "one obligation" else f"`{worst[1]}`"
        out.append(f"| {label} | {len(items)} | {statistics.median(secs):.3f} | {p95:.3f} | {worst[0]:.2f} ({where}) |")
    by_kind: dict[str, list[float]] = {}
    for secs, kind, _ in obligations:
        by_kind.setdefault(kind, []).append(secs)
    if by_kind:
        out += ["", "| obligation kind | count | median s | worst s |", "|---|--:|--:|--:|"]
        for kind, secs in sorted(by_kind.items()):
            out.append(f"| {kind} | {len(secs)} | {statistics.median(secs):.4f} | {max(secs):.3f} |")
    slow = [p for p in proofs if p[0] > 60]
    out += ["", f"Proofs above 60 s: {len(slow)}" + (f" ({', '.join(f'`{p[1]}` {p[0]:.0f} s' for p in slow)})"
                                                      if slow else "") + ".", ""]
    return out


def render_simplification(rows: list[dict]) -> list[str]:
    """The textbook forms (issue 6) and what they cost: this run, and the ablation without them."""
    timed = [r for r in rows if "total" in r.get("timings", {})]
    if not timed:
        return []
    simpl = [r["timings"].get("simplification", 0.0) for r in timed]
    shown = sum(1 for r in timed if any(t is not None for t in r.get("textbook") or []))
    total = sum(r["timings"]["total"] for r in timed)
    worst = max(timed, key=lambda r: r["timings"].get("simplification", 0.0))
    return ["## Simplification (textbook forms)", "",
            "| | targets | with a textbook form | median simplify s | worst simplify s | Σ total s |",
            "|---|--:|--:|--:|--:|--:|",
            (f"| this run | {len(timed)} | {shown} | {statistics.median(simpl):.3f} | "
             f"{max(simpl):.2f} (`{worst['id']}`) | {total:.1f} |"),
            (f"| ablation `--no-simplify` (this run less the simplify stage) | {len(timed)} | 0 | 0 | 0 | "
             f"{total - sum(simpl):.1f} |"), "",
            ("The simplify stage runs after every check, so statuses and formulas do not depend on it; "
             "`python bench/run.py --no-simplify` measures the ablation directly."), ""]


# ---------------------------------------------------------------- running every target


def lift_all(targets: list[Target], corpus: Path, oracle: bool, timeout: float, jobs: int,
             switches: dict | None = None, label: str = "") -> tuple[list[dict], float]:
    """Every target in its own supervised process, `jobs` at a time, with `Options` `switches`:
    the rows in target order (one per target, whatever happened) and the wall time."""
    os.environ["TRITON_INTERPRET"] = "1"  # inherited by every worker and by tritonlift's oracle subprocess
    t0 = time.perf_counter()
    rows: dict[str, dict] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(supervise, t, str(corpus), oracle, timeout, switches): t for t in targets}
        for n, future in enumerate(as_completed(futures), 1):
            target = futures[future]
            try:
                row = future.result()
            except Exception as error:  # noqa: BLE001 -- the supervisor failed: still a row, never a stop
                row = {"id": target.id, "group": target.group, "kernel": target.kernel, "file": target.file,
                       "source": target.source, "launch": target.launch,
                       "options": _options_text(target, oracle), "note": target.note, "status": "ERROR",
                       "crash": False, "reason": _one_line(f"benchmark supervisor failed: {error!r}"),
                       "timings": {}}
            rows[target.id] = row
            total = row.get("timings", {}).get("total", row.get("wall seconds", 0.0))
            print(f"{label}[{n:3}/{len(targets)}] {target.id:34} {row['status']:14} {total:7.2f} s  "
                  f"{_cell(row.get('reason', ''), 100)}", file=sys.stderr, flush=True)
    return [rows[t.id] for t in targets], time.perf_counter() - t0


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS),
                        help="FlagGems v2.1 checkout (default: <repo>/../shared/corpus/flaggems-v2.1)")
    parser.add_argument("--jobs", type=int, default=2, help="targets lifted at once (default 2)")
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder (default bench/results)")
    parser.add_argument("--no-oracle", action="store_true", help="skip the Triton-interpreter cross-check")
    parser.add_argument("--safety-only", action="store_true",
                        help="prove bounds, race freedom and defined values only (issue 10's survey)")
    parser.add_argument("--no-simplify", action="store_true", help="ablation: no textbook forms (e-graph off)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per target (default 300)")
    parser.add_argument("--only", nargs="*", default=None, help="run only targets whose id contains one of these")
    parser.add_argument("--list", action="store_true", help="print the targets and exit")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)  # the Target as JSON (targets not in kernels.py)
    parser.add_argument("--switches", help=argparse.SUPPRESS)  # Options overrides as JSON, for --worker
    args = parser.parse_args(argv)

    corpus = Path(args.corpus).resolve()
    targets = all_targets(REPO)
    if args.worker:
        target = _target_from_json(args.target) if args.target else next(t for t in targets if t.id == args.worker)
        return run_worker(target, corpus, not args.no_oracle, Path(args.result),
                          json.loads(args.switches) if args.switches else None)

    if args.only is not None:
        targets = [t for t in targets if any(s in t.id for s in args.only)]
    if args.list:
        for t in targets:
            print(f"{t.group:14} {t.id:34} {t.launch or '(scalar function)'}")
        return 0
    if not (corpus / "src" / "flag_gems").is_dir():
        print(f"error: FlagGems v2.1 sources not found at {corpus} (give --corpus PATH)", file=sys.stderr)
        return 2
    if not targets:
        print("error: no target matches --only", file=sys.stderr)
        return 2

    oracle = not args.no_oracle
    started = _dt.datetime.now()
    switches = {"safety_only": args.safety_only, "simplify": not args.no_simplify}
    ordered, wall = lift_all(targets, corpus, oracle, args.timeout, args.jobs, switches)

    meta = {"date": started.strftime("%Y-%m-%d"), "started": started.strftime("%Y-%m-%d %H:%M:%S"),
            "wall seconds": wall, "jobs": args.jobs, "oracle": oracle, "timeout": args.timeout,
            "safety only": args.safety_only, "no simplify": args.no_simplify,
            "machine": _machine(), "versions": _versions(), "git": _git(), "corpus": str(corpus),
            "command": " ".join(["python bench/run.py", *(sys.argv[1:] if argv is None else argv)]),
            "targets": len(ordered)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{meta['date']}-{'safety-' if args.safety_only else ''}flaggems-v2.1" + \
        ("-no-simplify" if args.no_simplify else "") + ("-partial" if args.only is not None else "")
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": ordered}, indent=1, ensure_ascii=False,
                                                 default=str) + "\n")
    (out / f"{stem}.md").write_text(render_markdown(meta, ordered))
    counts = {s: sum(1 for r in ordered if r["status"] == s) for s in STATUSES}
    print(f"{len(ordered)} targets in {wall / 60:.1f} min: "
          + ", ".join(f"{s} {c}" for s, c in counts.items() if c), file=sys.stderr)
    print(f"wrote {out / stem}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
