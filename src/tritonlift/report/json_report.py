"""The machine-readable result (`--json`): everything the text shows, plus every obligation."""

from __future__ import annotations

from dataclasses import asdict

from .. import __version__
from ..ir.printer import to_text
from ..result import LiftResult


def to_json(result: LiftResult) -> dict:
    cex = result.counterexample
    return {
        "tritonlift": __version__,
        "kernel": result.kernel,
        "file": result.file,
        "launch": result.launch,
        "status": result.status.name,
        "scope": result.scope,
        "formulas": [{"output": f.output, "indices": [str(i.attr) for i in f.indices],
                      "shape": [to_text(s) for s in f.shape], "formula": f.text(),
                      "rhs": to_text(f.body, {str(i.attr) for i in f.indices})} for f in result.formulas],
        "textbook": [None if f is None else {"formula": f.text(), "proven": bool(n < len(result.textbook_proven)
                                                                                  and result.textbook_proven[n])}
                     for n, f in enumerate(result.textbook)],
        "assumptions": list(result.assumptions),
        "reason": result.reason or None,
        "counterexample": None if cex is None else {**asdict(cex), "index": list(cex.index) if cex.index else None},
        "obligations": [asdict(c) for c in result.checks],
        "timings": {k: round(v, 6) for k, v in result.timings.items()},
        "notes": list(result.notes),
    }
