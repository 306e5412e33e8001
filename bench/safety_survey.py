"""Safety survey of flag-gems 5.0.2 with the launch descriptions written for FlagGems v2.1.

    python bench/safety_survey.py [--jobs 2] [--timeout 300]

flag-gems 5.0.2 ships no launch descriptions and its host code needs the operator capture, so the
kernels it shares with v2.1 (same file, same name) are surveyed with bench/kernels.py's launches,
each with `--safety-only` (bounds, races, undefined values for all sizes). A kernel whose signature
changed since v2.1 is reported as such by the launch binding. Writes
`bench/results/<date>-safety-flaggems-5.0.2.{md,json}`; the survey's own reports go to
`bench/.survey/safety-flaggems-5.0.2/` (not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def launches_file(path: Path) -> None:
    """v2.1's launches, keyed by the package path (`flag_gems/ops/sum.py::…`), asking for safety only."""
    raw = path.with_suffix(".v21.json")
    subprocess.run([sys.executable, str(HERE / "kernels.py"), "--export-launches", str(raw)], check=True)
    out = {}
    for key, launches in json.loads(raw.read_text()).items():
        items = []
        for item in launches:
            item = {"launch": item} if isinstance(item, str) else dict(item)
            item["options"] = {**item.get("options", {}), "safety_only": True}
            items.append(item)
        out[f"flag_gems/{key}"] = items
    path.write_text(json.dumps(out, indent=1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    out_dir = REPO / "bench" / ".survey" / "safety-flaggems-5.0.2"
    with tempfile.TemporaryDirectory() as tmp:
        launches = Path(tmp) / "launches.json"
        launches_file(launches)
        command = [sys.executable, "-m", "tritonlift", "survey", "flag-gems==5.0.2", "-o", str(out_dir),
                   "--launches", str(launches), "-j", str(args.jobs), "--timeout", str(args.timeout)]
        subprocess.run(command, check=True)
    report = json.loads((out_dir / "report.json").read_text())
    rows = [e for e in report["entries"] if e["launch_source"] == "launches file"]
    date = dt.date.today().isoformat()
    counts = Counter(r["status"] for r in rows)
    lines = [f"# Safety survey of flag-gems 5.0.2 — {date}", "",
             f"- command: `python bench/safety_survey.py --jobs {args.jobs} --timeout {args.timeout:g}`",
             f"- machine: {platform.platform()}, {platform.machine()}, Python {platform.python_version()}",
             f"- tritonlift {report['tritonlift']}; survey wall time {report['wall_seconds'] / 60:.1f} min",
             f"- kernels of flag-gems 5.0.2 with a v2.1 launch description (same file and name): {len(rows)}; "
             f"launches that matched no 5.0.2 kernel: {len(report.get('unmatched_launches') or [])}", "",
             "| status | kernels |", "|---|--:|"]
    lines += [f"| {s} | {counts[s]} |" for s in ("VERIFIED", "BOUNDED", "COUNTEREXAMPLE", "UNKNOWN") if counts[s]]
    lines += ["", "VERIFIED here means safe for all sizes (bounds of every access, no race, no undefined value "
              "stored); no formula is lifted.", "", "| kernel | status | finding or reason |", "|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["status"] != "COUNTEREXAMPLE", r["status"], r["id"])):
        cex = r.get("counterexample") or {}
        text = cex.get("what") if isinstance(cex, dict) and cex else (r.get("reason") or "")
        if isinstance(cex, dict) and cex.get("replayed"):
            text += f" — replayed: {cex['replayed']}"
        text = re.sub(r"\S*/sources/flag_gems-[^/]*/", "", " ".join(str(text).split())).replace("|", "\\|")[:400]
        lines.append(f"| `{r['id'].removeprefix('flag_gems/')}` | {r['status']} | {text} |")
    results = REPO / "bench" / "results"
    (results / f"{date}-safety-flaggems-5.0.2.md").write_text("\n".join(lines) + "\n")
    (results / f"{date}-safety-flaggems-5.0.2.json").write_text(json.dumps(
        {"date": date, "counts": counts, "unmatched": report.get("unmatched_launches"),
         "rows": [{k: r.get(k) for k in ("id", "status", "reason", "counterexample", "scope", "launch")}
                  for r in rows]}, indent=1, ensure_ascii=False))
    print(f"wrote bench/results/{date}-safety-flaggems-5.0.2.md: {dict(counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
