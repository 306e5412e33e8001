"""Lifting an operator: capture its launches, generalise them, lift each kernel, compose.

Each launch of a case is lifted by the existing pipeline under its generalised launch
description. Formulas are composed in launch order through the buffers they write: where a later
kernel reads `mid[e]`, the earlier formula for `mid` is substituted at index `e`, so every
operator output ends up as one formula over the operator's inputs. A composed formula is as
strong as its weakest part.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

from ..errors import UnsupportedFeature
from ..frontend.module import ImportedName, bind_runtime_names, find_module_file
from ..ir.term import Op, Term, fresh_binders, index, integer, substitute, transform
from ..pipeline import Options, lift
from ..result import LiftResult, Status
from ..synth.generalize import INDEX_NAMES, Formula
from ..synth.tidy import tidy
from .generalize import Case, generalise
from .run import capture, sample_sizes
from .spec import OperatorSpec, parse_operator
from .views import int_term, reindex, rewrite_reads, simplify_divisions


@dataclass(frozen=True)
class CaseResult:
    case: Case
    launches: tuple[LiftResult, ...]
    formulas: tuple[Formula | None, ...]  # per operator output (None: not lifted)
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class OperatorResult:
    spec: OperatorSpec
    cases: tuple[CaseResult, ...]
    samples: int
    floats: dict[str, float] = field(default_factory=dict)  # named float arguments (eps), by value
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        return min(c.status for c in self.cases)

    @property
    def name(self) -> str:
        return self.spec.function


def lift_operator(ref: str, inputs: str, args: str | None = None, *, options: Options | None = None,
                  sizes: list[dict[str, int]] | None = None) -> OperatorResult:
    """`lift_operator("examples/ops.py::softmax", "x=f32[M, N]", "dim=-1")`: the operator's outputs
    as formulas over its inputs, with the weakest guarantee of the kernels that compute them."""
    spec = parse_operator(ref, inputs, args)
    return lift_spec(spec, options or Options(), sizes)


def _package_root(file: str) -> str:
    """The folder holding the user's top-level package: generated kernels (pointwise_dynamic)
    import the user's scalar functions by dotted name, and the frontend *reads* them from there."""
    folder = os.path.dirname(file)
    while os.path.exists(os.path.join(folder, "__init__.py")):
        folder = os.path.dirname(folder)
    return folder


def lift_spec(spec: OperatorSpec, options: Options, sizes: list[dict[str, int]] | None = None) -> OperatorResult:
    root = _package_root(spec.file)
    if root not in sys.path:
        sys.path.append(root)  # searched for source files only; nothing is imported from it
    t0 = time.perf_counter()
    records, defaults = capture(spec, sizes or sample_sizes(spec))
    floats = {**defaults, **{k: float(v) for k, v in spec.args if isinstance(v, float)}}
    shapes = tuple((i.name, tuple(str(d) for d in i.logical_dims())) for i in spec.inputs)
    cases = generalise(records, spec.sizes, floats, shapes)
    timings = {"capture": time.perf_counter() - t0}
    t0 = time.perf_counter()
    cache: dict[str, LiftResult] = {}
    results = tuple(_lift_case(case, options, cache) for case in cases)
    timings["lift"] = time.perf_counter() - t0
    return OperatorResult(spec, results, len(records), floats, timings)


def _lift_case(case: Case, options: Options, cache: dict[str, LiftResult]) -> CaseResult:
    lifted = []
    for plan in case.launches:
        key = f"{plan.ref}|{plan.text}"
        if plan.bindings:
            _bind(plan)
        if key not in cache:
            cache[key] = _lift_launch(plan, options)
        lifted.append(cache[key])
    status = min(r.status for r in lifted)
    bad = next((r for r in lifted if r.status <= Status.UNKNOWN), None)
    notes = [n for p in case.launches for n in p.notes]
    if bad is not None:
        return CaseResult(case, tuple(lifted), tuple(None for _ in case.outputs), bad.status,
                          f"{bad.kernel}: {bad.reason}")
    if notes:
        return CaseResult(case, tuple(lifted), tuple(None for _ in case.outputs), Status.UNKNOWN, "; ".join(notes))
    written: dict[str, Formula] = {}
    inputs = {name for name, _ in case.inputs}
    views = {v.name: v for p in case.launches for v in p.views}
    in_views = {n: v for n, v in views.items() if v.base in inputs}
    bases = {name: tuple(int_term(d) for d in dims) for name, dims in case.inputs}
    unmapped = []
    for result in lifted:
        for f in result.formulas:
            body = inline(f.body, {k: v for k, v in written.items() if k not in inputs})
            mapped_body = rewrite_reads(body, in_views, bases, dict(zip(f.indices, f.shape)))
            if mapped_body is None:
                unmapped.append(f.output)
            written[f.output] = Formula(f.output, f.indices, f.shape, body if mapped_body is None else mapped_body)
    if unmapped:
        return CaseResult(case, tuple(lifted), tuple(None for _ in case.outputs), Status.UNKNOWN,
                          f"{', '.join(unmapped)}: reads a reshaped view of an input whose elements are not evidently "
                          f"elements of the input (not modelled)")
    formulas, reasons = [], []
    for out in case.outputs:
        f = written.get(out.role)
        view = next((v for v in views.values() if v.base == out.role and v.name in written), None)
        if f is None and view is not None:
            f = _from_view(written[view.name], view, out)
        mapped = None if f is None else _reshape(f, out.shape)
        if mapped is None:
            reasons.append(f"{out.role}: " + ("no kernel writes it" if f is None else
                                              f"returned as a view of shape [{', '.join(out.shape)}] of "
                                              f"[{', '.join(str(s) for s in f.shape)}] (not modelled)"))
        formulas.append(mapped)
    if reasons:
        return CaseResult(case, tuple(lifted), tuple(formulas), Status.UNKNOWN, "; ".join(reasons))
    return CaseResult(case, tuple(lifted), tuple(formulas), status)


def _lift_launch(plan, options: Options) -> LiftResult:
    """A kernel using a construct tritonlift does not model (argmax, atomics) makes the operator
    UNKNOWN with that reason — not an input error: `check` can still run it in the interpreter."""
    try:
        return lift(plan.ref, plan.text, options)
    except UnsupportedFeature as err:
        where = f"{err.site}: " if err.site else ""
        return LiftResult(plan.kernel, plan.ref.rpartition("::")[0], plan.text, Status.UNKNOWN, (), (), (),
                          "not lifted", reason=f"{where}{err.message}")


def _bind(plan) -> None:
    """Names the kernel's module bound at run time to jit functions are read as imports: by dotted
    name where that finds the same file on sys.path, else relative to the kernel's folder."""
    kernel_file = plan.ref.rpartition("::")[0]
    names = {}
    for name, module, function, file in plan.bindings:
        found = find_module_file(module)
        if found is not None and os.path.samefile(found, file):
            names[name] = ImportedName(module, function, 0)
        elif os.path.dirname(os.path.abspath(file)) == os.path.dirname(os.path.abspath(kernel_file)):
            stem = os.path.splitext(os.path.basename(file))[0]
            names[name] = ImportedName("." + stem, function, 1)
    bind_runtime_names(kernel_file, names)


def inline(body: Term, written: dict[str, Formula]) -> Term:
    """Replace every read of a buffer written by an earlier kernel by that kernel's formula."""
    if not written:
        return body

    def step(n: Term) -> Term:
        f = written.get(n.attr) if n.op is Op.ACCESS else None
        if f is None:
            return n
        return substitute(fresh_binders(f.body), dict(zip(f.indices, n.args)))

    return tidy(transform(body, step))


def _from_view(f: Formula, view, out) -> Formula | None:
    """The operator's output from the formula of the view of it that the kernel wrote."""
    shape = tuple(int_term(d) for d in out.shape)
    indices = tuple(index(INDEX_NAMES[n]) for n in range(len(shape)))
    if not view.reshaped:
        return None
    renamed = {i: index(f"ι{n}") for n, i in enumerate(indices)}  # two-step rename: no clash with i, j
    at = reindex(tuple(renamed.values()), shape, f.shape, dict(zip(renamed.values(), shape)))
    if at is None:
        return None
    body = substitute(substitute(f.body, dict(zip(f.indices, at))), {v: k for k, v in renamed.items()})
    return Formula(out.role, indices, shape, tidy(simplify_divisions(body, dict(zip(indices, shape)))))


def _reshape(f: Formula, shape: tuple[str, ...]) -> Formula | None:
    """The operator returns the kernel's tensor, or a view of it without its unit dimensions."""
    from ..ir.printer import to_text

    kernel_shape = tuple(to_text(s) for s in f.shape)
    name = f.output
    if kernel_shape == shape:
        return f
    keep = [d for d, s in enumerate(kernel_shape) if s != "1"]
    if [kernel_shape[d] for d in keep] != [s for s in shape if s != "1"] or any(s == "1" for s in shape):
        return None
    indices = tuple(index(INDEX_NAMES[n]) for n in range(len(keep)))
    mapping = {f.indices[d]: (indices[keep.index(d)] if d in keep else integer(0)) for d in range(len(kernel_shape))}
    renamed = {i: index(f"ι{n}") for n, i in enumerate(indices)}  # two-step rename: no clash with i, j
    body = substitute(f.body, {k: substitute(v, renamed) for k, v in mapping.items()})
    body = substitute(body, {v: k for k, v in renamed.items()})
    return Formula(name, indices, tuple(f.shape[d] for d in keep), body)
