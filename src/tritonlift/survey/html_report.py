"""`report.html`: one self-contained page (no external assets), formulas as native MathML.

Filters by status are plain JavaScript driven by the URL hash (`report.html#status=UNKNOWN`), so a
filtered view can be linked — and checked by loading that URL in a headless browser. Without
JavaScript every entry is shown.
"""

from __future__ import annotations

from html import escape

STATUS_COLOURS = {"VERIFIED": "#1a7f37", "BOUNDED": "#2f6fb0", "TESTED": "#8a6d00", "COUNTEREXAMPLE": "#c62828",
                  "UNKNOWN": "#6e6e6e"}

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;padding:1em 1.5em;color:#222}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em}
.meta{color:#555;font-size:.9em}
table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left;vertical-align:top}
td.n{text-align:right}
nav#filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ccc;z-index:1}
nav#filters a{display:inline-block;margin:.1em .2em;padding:.15em .6em;border:1px solid #bbb;border-radius:1em;text-decoration:none;color:#222}
nav#filters a.active{background:#222;color:#fff;border-color:#222}
nav#filters input{margin-left:1em;padding:.15em .4em}
.entry{border:1px solid #ddd;border-left:6px solid var(--c);border-radius:4px;margin:.7em 0;padding:.5em .8em}
.entry header{display:flex;gap:.8em;align-items:baseline;flex-wrap:wrap}
.entry .id{font-family:ui-monospace,monospace;font-weight:600}
.badge{color:#fff;background:var(--c);border-radius:3px;padding:0 .4em;font-size:.8em;font-weight:600}
.small{color:#666;font-size:.85em}
code,.launch{font-family:ui-monospace,monospace;font-size:.85em}
.launch{background:#f5f5f5;padding:.2em .4em;border-radius:3px;display:block;white-space:pre-wrap;word-break:break-all}
.formula{overflow-x:auto;overflow-y:hidden;margin:.3em 0;padding:.2em 0}
math{font-family:'STIX Two Math','Latin Modern Math','Cambria Math',math}
.formula math{font-size:1.15em;display:inline math;math-style:normal}  /* left-aligned, limits still above and below */
.textbook{border-left:3px solid #ddd;padding-left:.6em}
.why{color:#7a1f1f}
ul.assume{margin:.2em 0;padding-left:1.2em;font-size:.9em;color:#444}
details summary{cursor:pointer;color:#555;font-size:.85em}
"""

_JS = """
(function(){
  var entries=[].slice.call(document.querySelectorAll('.entry'));
  var links=[].slice.call(document.querySelectorAll('nav#filters a'));
  var search=document.getElementById('search');
  function wanted(){var m=/status=([A-Z]+)/.exec(location.hash);return m?m[1]:'ALL';}
  function apply(){
    var s=wanted(),q=(search.value||'').toLowerCase(),shown=0;
    entries.forEach(function(e){
      var ok=(s==='ALL'||e.dataset.status===s)&&(!q||e.dataset.id.toLowerCase().indexOf(q)>=0);
      e.hidden=!ok;if(ok)shown++;});
    links.forEach(function(a){a.classList.toggle('active',a.dataset.status===s);});
    document.getElementById('shown').textContent=shown;
    document.body.dataset.filter=s;
  }
  window.addEventListener('hashchange',apply);search.addEventListener('input',apply);apply();
})();
"""


def render_html(report: dict) -> str:
    from .reports import summary_lines

    src = report["source"]
    title = f"tritonlift survey: {src['label']}" + (f" {src['version']}" if src.get("version") else "")
    summary = [line for line in summary_lines(report)[2:3]]
    totals = report["totals"]
    links = [f'<a href="#status=ALL" data-status="ALL">all ({len(report["entries"])})</a>'] + [
        f'<a href="#status={s}" data-status="{s}" style="--c:{STATUS_COLOURS[s]}">{s} ({n})</a>'
        for s, n in totals.items()]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(summary[0] if summary else "")}</p>',
        _totals_table(totals),
        _reasons("Why not lifted (UNKNOWN), by cause — each count is how many kernels supporting it would unlock",
                 report["unknown_reasons"]),
        _reasons("What keeps the others from VERIFIED", report["other_reasons"]),
        _problems(report),
        f'<nav id="filters">{"".join(links)}<input id="search" type="search" placeholder="filter by name">'
        f' <span class="small">showing <span id="shown">{len(report["entries"])}</span></span></nav>',
        '<main id="entries">', *(_entry(n, e) for n, e in enumerate(report["entries"])), "</main>",
        f"<script>{_JS}</script></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _totals_table(totals: dict) -> str:
    head = "".join(f'<th style="color:{STATUS_COLOURS[s]}">{s}</th>' for s in totals)
    row = "".join(f'<td class="n" data-total="{s}">{n}</td>' for s, n in totals.items())
    return f"<table id=\"totals\"><tr>{head}<th>total</th></tr><tr>{row}<td class=\"n\">{sum(totals.values())}</td></tr></table>"


def _reasons(title: str, rows: list[dict]) -> str:
    if not rows:
        return ""
    body = "".join(f'<tr><td class="n">{r["count"]}</td><td class="n">{r.get("entries", r["count"])}</td>'
                   f'<td>{escape(r["group"])}</td></tr>' for r in rows)
    return (f"<h2>{escape(title)}</h2><table class=\"reasons\"><tr><th>kernels</th><th>entries</th><th>reason</th></tr>"
            f"{body}</table>")


def _problems(report: dict) -> str:
    items = [f"<li><code>{escape(p['file'])}</code>: {escape(p['message'])}</li>" for p in report["problems"]]
    items += [f"<li>launch for <code>{escape(k)}</code>: names no discovered kernel</li>"
              for k in report["unmatched_launches"]]
    return f"<h2>Problems</h2><ul>{''.join(items)}</ul>" if items else ""


def _formula(f: dict) -> str:
    if f.get("mathml"):
        return f'<div class="formula">{f["mathml"]}</div>'
    return f'<div class="formula"><code>{escape(f["text"])}</code></div>'


def _entry(n: int, e: dict) -> str:
    colour = STATUS_COLOURS.get(e["status"], "#666")
    out = [f'<section class="entry" id="e{n}" data-status="{e["status"]}" data-id="{escape(e["id"])}" '
           f'style="--c:{colour}"><header><span class="id">{escape(e["id"])}</span>'
           f'<span class="badge">{e["status"]}</span>'
           f'<span class="small">line {e["line"]} · {e["seconds"]:.2f} s'
           f'{" · cached" if e.get("cached") else ""}'
           f'{" · launch from " + escape(e["launch_source"]) if e.get("launch_source") else ""}</span></header>']
    if e.get("launch"):
        out.append(f'<code class="launch">{escape(e["launch"])}</code>')
    for i, f in enumerate(e["formulas"]):
        out.append(_formula(f))
        book = e["textbook"][i] if i < len(e["textbook"]) else None
        if book:
            how = "equal for all sizes" if book.get("proven") else "rewrites checked on random inputs, not proven"
            out.append(f'<div class="textbook"><span class="small">textbook form ({how})</span>{_formula(book)}</div>')
    if e.get("scope"):
        out.append(f'<div class="small">guarantee: {e["status"]} — {escape(e["scope"])}</div>')
    cex = e.get("counterexample")
    if cex:
        sizes = ", ".join(f"{k}={v}" for k, v in cex["sizes"].items())
        out.append(f'<div class="why">counterexample ({escape(sizes)}): {escape(cex["what"])}'
                   f'{"<br><span class=small>confirmed by: " + escape(cex["replayed"]) + "</span>" if cex.get("replayed") else ""}</div>')
    elif e.get("reason"):
        out.append(f'<div class="why">reason: {escape(e["reason"])}</div>')
    if e.get("assumptions"):
        out.append('<ul class="assume">' + "".join(f"<li>{escape(a)}</li>" for a in e["assumptions"]) + "</ul>")
    for note in e.get("notes", []):
        out.append(f'<div class="small">note: {escape(note)}</div>')
    if e.get("timings"):
        times = ", ".join(f"{k} {v:.2f} s" for k, v in e["timings"].items())
        out.append(f'<div class="small">times: {escape(times)}</div>')
    if e["formulas"]:
        text = "\n".join(f["text"] for f in e["formulas"])
        out.append(f"<details><summary>as text</summary><pre>{escape(text)}</pre></details>")
    if e.get("traceback"):
        out.append(f"<details><summary>traceback</summary><pre>{escape(e['traceback'])}</pre></details>")
    out.append("</section>")
    return "".join(out)
