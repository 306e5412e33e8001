"""Human-readable rendering of a lift result (returns text; only cli.py prints)."""

from __future__ import annotations

from ..result import LiftResult, Status

MARK = {Status.VERIFIED: "✔", Status.BOUNDED: "✔", Status.TESTED: "~", Status.UNKNOWN: "?",
        Status.COUNTEREXAMPLE: "✘"}


def render_text(result: LiftResult, verbose: bool = False) -> str:
    lines = [f"{result.kernel}  {MARK[result.status]} {result.status.name}  ({result.scope})"
             f"  {result.timings.get('total', 0.0):.2f} s"]
    for n, f in enumerate(result.formulas):
        lines.append(f"  {f.text()}")
        simpler = result.textbook[n] if n < len(result.textbook) else None
        if simpler is not None:
            proven = n < len(result.textbook_proven) and result.textbook_proven[n]
            how = "equal for all sizes" if proven else "rewrites checked on random inputs, not proven"
            lines.append(f"    = {simpler.text().split(' = ', 1)[1]}   (textbook form, {how})")
    cex = result.counterexample
    if result.reason and cex is None:
        lines.append(f"  reason: {result.reason}")
    if cex is not None:
        lines.append(f"  counterexample ({', '.join(f'{k}={v}' for k, v in cex.sizes.items())}): {cex.what}")
        if cex.inputs:
            shown = ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}"
                              for k, v in list(cex.inputs.items())[:8])
            lines.append(f"    inputs: {shown}{' …' if len(cex.inputs) > 8 else ''}")
        if cex.replayed:
            lines.append(f"    confirmed by: {cex.replayed}")
    if result.assumptions:
        lines.append(f"  assumes: {'; '.join(result.assumptions)}")
    proved = sum(1 for c in result.checks if c.result == "proved")
    by_z3 = sum(1 for c in result.checks if c.result == "proved" and c.detail.startswith("z3"))
    oracle = next((c for c in result.checks if c.name == "Triton interpreter"), None)
    if result.checks:
        summary = f"  checked: {proved} obligation{'s' if proved != 1 else ''} proved ({by_z3} by z3)"
        if oracle is not None:
            summary += f"; Triton interpreter: {oracle.result}" + (f" ({oracle.detail})" if verbose or
                                                                   oracle.result != "passed" else "")
        lines.append(summary)
    for note in result.notes:
        lines.append(f"  note: {note}")
    if verbose:
        for name, secs in result.timings.items():
            lines.append(f"  time {name}: {secs:.3f} s")
        for c in result.checks:
            lines.append(f"  [{c.result}] {c.name} ({c.seconds * 1000:.1f} ms) {c.detail}")
    return "\n".join(lines)
