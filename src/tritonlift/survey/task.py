"""One unit of survey work — a kernel under one launch — and the report entry it produces.

`run_task` runs in a limited child process (see `limits.py`), on any backend; `execute` wraps it:
a timeout, memory exhaustion, a crash or an internal error becomes an UNKNOWN entry with the reason,
so no kernel can stop the batch.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from ..errors import TritonLiftError
from ..limits import run_limited

FORMULA_LIMIT = 60_000  # characters of MathML per formula; beyond that the text form is shown alone


@dataclass(frozen=True)
class Task:
    id: str  # `rel/path.py::kernel`, plus `#n` for the n-th launch of a kernel
    file: str  # absolute path of the kernel's module
    rel: str
    kernel: str
    line: int
    launch: str | None
    source: str  # where the launch came from: "launches file", "capture", "scalar function"
    options: dict = field(default_factory=dict)  # per-launch Options overrides
    import_root: str = ""


@dataclass(frozen=True)
class Settings:
    """Survey-wide switches that every task sees (part of the cache key)."""

    timeout: float = 300.0
    memory_mb: int = 2048
    oracle: bool = True


def base_entry(task: Task) -> dict:
    return {"id": task.id, "file": task.rel, "line": task.line, "kernel": task.kernel, "launch": task.launch,
            "launch_source": task.source, "options": _plain(task.options), "status": "UNKNOWN", "outcome": "",
            "reason": "", "scope": "", "formulas": [], "textbook": [], "assumptions": [], "counterexample": None,
            "notes": [], "timings": {}, "obligations": 0, "seconds": 0.0, "cached": False}


def _plain(options: dict) -> dict:
    return {k: ({n: list(v) for n, v in val.items()} if k == "sizes" else val) for k, val in options.items()}


def run_task(task: Task, settings: Settings) -> dict:
    """Lift one kernel under one launch (in the child). Bad input is an entry, bugs are raised."""
    from ..frontend import load_kernel
    from ..pipeline import Options, lift

    if task.import_root and task.import_root not in sys.path:
        sys.path.append(task.import_root)  # absolute imports of helpers are found (read, not imported)
    entry = base_entry(task)
    try:
        kernel = load_kernel(f"{task.file}::{task.kernel}")
        if task.launch is None and not kernel.is_scalar_function:
            return {**entry, "outcome": "no launch", "reason": "no launch description"}
        options = {"oracle": settings.oracle, **task.options}
        result = lift(kernel, task.launch, Options(**options))
    except TritonLiftError as error:
        return {**entry, "outcome": "input error", "reason": error.render()}
    except RecursionError:
        return {**entry, "outcome": "input error",
                "reason": "recursion too deep while reading the kernel (an import cycle, or terms nested too deeply)"}
    return {**entry, **from_result(result)}


def from_result(result) -> dict:
    from ..report.mathml import formula_mathml

    def shown(formula):
        try:
            mathml = formula_mathml(formula)
        except Exception:  # noqa: BLE001 - a term the MathML writer does not know: the text form still shows
            mathml = ""
        return {"text": formula.text(), "mathml": mathml if 0 < len(mathml) <= FORMULA_LIMIT else None}

    cex = result.counterexample
    return {
        "outcome": "lifted",
        "status": result.status.name,
        "scope": result.scope,
        "reason": result.reason,
        "formulas": [shown(f) for f in result.formulas],
        "textbook": [None if f is None else {**shown(f), "proven": bool(n < len(result.textbook_proven)
                                                                         and result.textbook_proven[n])}
                     for n, f in enumerate(result.textbook)],
        "assumptions": list(result.assumptions),
        "counterexample": None if cex is None else {
            "sizes": dict(cex.sizes), "what": cex.what, "replayed": cex.replayed,
            "inputs": {k: (v if isinstance(v, (int, float, str)) else repr(v)) for k, v in list(cex.inputs.items())[:8]}},
        "notes": list(result.notes),
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
        "obligations": sum(1 for c in result.checks if c.result == "proved"),
    }


def execute(task: Task, settings: Settings) -> dict:
    """`run_task` under the time and memory limits; never raises."""
    outcome = run_limited(run_task, (task, settings), timeout=settings.timeout, memory_mb=settings.memory_mb)
    entry = outcome.value if outcome.kind == "ok" else base_entry(task)
    entry["seconds"] = round(outcome.seconds, 3)
    if outcome.kind == "timeout":
        entry.update(outcome="timeout", reason=f"timeout after {settings.timeout:g} s", limit=settings.timeout)
    elif outcome.kind == "memory":
        entry.update(outcome="memory", reason=f"memory limit of {settings.memory_mb} MB exceeded",
                     limit=settings.memory_mb, traceback=outcome.detail)
    elif outcome.kind == "crash":
        entry.update(outcome="crash", reason=outcome.detail, limit=settings.memory_mb)
    elif outcome.kind == "error":
        last = outcome.detail.strip().splitlines()[-1] if outcome.detail.strip() else "unknown error"
        entry.update(outcome="internal error", reason=f"internal error in tritonlift (a bug): {last}",
                     traceback=outcome.detail)
    return entry


__all__ = ["Task", "Settings", "run_task", "execute", "base_entry"]
