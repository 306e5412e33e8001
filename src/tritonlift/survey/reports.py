"""The survey's reports: `report.json` (everything), `report.md` (tables), `report.html` (see html_report)."""

from __future__ import annotations

import json
from pathlib import Path

from .html_report import render_html

FORMULA_CHARS = 160


def write_reports(report: dict, out_dir: Path) -> None:
    (out_dir / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")


def _cell(text: str, limit: int = FORMULA_CHARS) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_lines(report: dict) -> list[str]:
    src = report["source"]
    totals = report["totals"]
    return [
        f"# tritonlift survey: {src['label']}" + (f" {src['version']}" if src.get("version") else ""),
        "",
        f"{report['kernels']} jit functions in {src['files']} files, {len(report['entries'])} entries "
        f"(one per kernel and launch); {report['wall_seconds']:.0f} s wall with {report['settings']['jobs']} "
        f"job(s) on {report['settings']['backend']}; {report['lifted_now']} lifted now, {report['from_cache']} "
        f"from the cache. tritonlift {report['tritonlift']}, {report['created']}, {report['machine']['platform']}, "
        f"Python {report['machine']['python']}, {report['machine']['cpus']} CPUs. Limits per entry: "
        f"{report['settings']['timeout']:g} s, {report['settings']['memory_mb']} MB.",
        "",
        "| " + " | ".join(totals) + " | total |",
        "|" + "--:|" * (len(totals) + 1),
        "| " + " | ".join(str(n) for n in totals.values()) + f" | {sum(totals.values())} |",
        "",
        "Launches from: " + ", ".join(f"{k} {v}" for k, v in sorted(report["launch_sources"].items())) + ".",
        f" {report['capture']}." if report.get("capture") else "",
    ]


def render_markdown(report: dict) -> str:
    lines = summary_lines(report)
    lines += ["", "## Why not lifted (UNKNOWN), by cause", "",
              "Each row is a missing feature or a failure, ordered by how many kernels supporting it would "
              "unlock (a kernel may have several entries, one per launch).", "",
              "| kernels | entries | reason |", "|--:|--:|---|"]
    lines += [f"| {r['count']} | {r.get('entries', r['count'])} | {_cell(r['group'], 200)} |"
              for r in report["unknown_reasons"]]
    if report["other_reasons"]:
        lines += ["", "## What keeps the others from VERIFIED", "", "| count | statuses | reason |", "|--:|---|---|"]
        lines += [f"| {r['count']} | {', '.join(f'{s} {n}' for s, n in r['statuses'].items())} | {_cell(r['group'], 200)} |"
                  for r in report["other_reasons"]]
    if report["problems"]:
        lines += ["", "## Files that could not be read", ""]
        lines += [f"- `{p['file']}`: {_cell(p['message'], 200)}" for p in report["problems"]]
    if report["unmatched_launches"]:
        lines += ["", "## Launches that name no discovered kernel", ""]
        lines += [f"- `{k}`" for k in report["unmatched_launches"]]
    lines += ["", "## Entries", "", "| entry | status | formula | seconds | reason / counterexample |", "|---|---|---|--:|---|"]
    for e in report["entries"]:
        formulas = "<br>".join(_cell(f["text"]) for f in e["formulas"])
        why = e["counterexample"]["what"] if e.get("counterexample") else e.get("reason", "")
        lines.append(f"| `{e['id']}` | {e['status']} | {formulas} | {e['seconds']:.1f} | {_cell(why, 200)} |")
    return "\n".join(lines) + "\n"


__all__ = ["write_reports", "render_markdown", "summary_lines"]
