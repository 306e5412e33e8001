"""Text rendering of operator lifts and checks (returns text; only cli.py prints)."""

from __future__ import annotations

from ..report.text import MARK
from ..result import Status
from .check import CheckResult
from .lifting import OperatorResult


def _header(name: str, status, scope: str, seconds: float) -> str:
    return f"{name}  {MARK[status]} {status.name}  ({scope})  {seconds:.2f} s"


def render_operator(result: OperatorResult, verbose: bool = False) -> str:
    seconds = sum(result.timings.values())
    lines = [_header(result.name, result.status, f"{len(result.cases)} case{'s' if len(result.cases) != 1 else ''}, "
                     f"host code run at {result.samples} size assignments", seconds)]
    for n, c in enumerate(result.cases, 1):
        lines.append(f" case {n}: {MARK[c.status]} {c.status.name}  (observed for {c.case.describe()}; "
                     f"{c.case.samples} size assignment{'s' if c.case.samples != 1 else ''})")
        for plan, lifted in zip(c.case.launches, c.launches):
            lines.append(f"  launch: {plan.text}   {MARK[lifted.status]} {lifted.status.name}")
            if verbose:
                lines.extend(f"    {f.text()}" for f in lifted.formulas)
        for f in c.formulas:
            if f is not None:
                lines.append(f"  {f.text()}")
        if c.reason:
            lines.append(f"  reason: {c.reason}")
        lines.append(f"  assumes: {'; '.join(_assumptions(c))}")
    return "\n".join(lines)


def _assumptions(c) -> list[str]:
    out: list[str] = []
    for lifted in c.launches:
        out.extend(a for a in lifted.assumptions if a not in out)
    views = {v.name: v for p in c.case.launches for v in p.views}
    out.extend(f"{v.name} is {v.base} reshaped to [{', '.join(v.shape)}] (one storage)" for v in views.values())
    out.append(f"the host code launches as described for all sizes of the case (checked at "
               f"{c.case.samples} size assignment{'s' if c.case.samples != 1 else ''})")
    return out


def render_check(result: CheckResult, verbose: bool = False) -> str:
    lines = [_header(f"{result.lifted.name} == {result.against}", result.status,
                     f"{len(result.cases)} case{'s' if len(result.cases) != 1 else ''}", result.seconds)]
    for n, (c, lifted) in enumerate(zip(result.cases, result.lifted.cases), 1):
        lines.append(f" case {n}: {MARK[c.status]} {c.status.name}  (observed for {c.case_text})")
        for plan, lk in zip(lifted.case.launches, lifted.launches):
            lines.append(f"  launch: {plan.text}   {MARK[lk.status]} {lk.status.name}")
        for f, o in zip(lifted.formulas, c.outputs):
            if f is not None:
                lines.append(f"  {f.text()}")
            if o.reference is not None:
                lines.append(f"  reference: {o.reference.text()}")
            lines.append(f"  {MARK[o.status]} {o.status.name}: {o.how}")
        if c.counterexample:
            lines.append(f"  counterexample {c.counterexample}" if c.status is Status.COUNTEREXAMPLE
                         else f"  note: {c.counterexample}")
        elif lifted.formulas and all(f is not None for f in lifted.formulas):
            lines.append(f"  assumes: {'; '.join(_assumptions(lifted))}")
    return "\n".join(lines)


def operator_json(result: OperatorResult) -> dict:
    """`tritonlift lift OP --inputs … --json`: every case, launch (with its full lift report),
    composed formula and assumption."""
    from .. import __version__
    from ..report.json_report import to_json

    cases = []
    for c in result.cases:
        cases.append({
            "status": c.status.name,
            "observed": [{"size": n, "min": lo, "max": hi} for n, lo, hi in c.case.ranges],
            "samples": c.case.samples,
            "launches": [{"launch": p.text, "kernel": p.kernel, "ref": p.ref, "result": to_json(r)}
                         for p, r in zip(c.case.launches, c.launches)],
            "views": [{"name": v.name, "of": v.base, "shape": list(v.shape)} for p in c.case.launches
                      for v in p.views],
            "formulas": [None if f is None else {"output": f.output, "formula": f.text()} for f in c.formulas],
            "reason": c.reason or None,
            "assumptions": _assumptions(c),
        })
    return {"tritonlift": __version__, "operator": result.spec.to_json(), "status": result.status.name,
            "samples": result.samples, "cases": cases,
            "timings": {k: round(v, 6) for k, v in result.timings.items()}}


def check_json(result: CheckResult) -> dict:
    """`tritonlift check … --json`: the operator's report plus each output's comparison."""
    out = operator_json(result.lifted)
    out.update({"against": result.against, "status": result.status.name, "seconds": round(result.seconds, 6)})
    for case_json, c in zip(out["cases"], result.cases):
        case_json["check"] = {"status": c.status.name, "counterexample": c.counterexample or None,
                              "outputs": [{"output": o.output, "status": o.status.name, "how": o.how,
                                           "reference": None if o.reference is None else o.reference.text()}
                                          for o in c.outputs]}
    return out
