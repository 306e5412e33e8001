"""`check`: is the operator equal to a PyTorch expression, for all sizes?

The operator is lifted (lifting.py), the expression is translated by the torch definitions
(torchdefs.py), and each output's two formulas are compared with the project's equality
machinery, strongest first: identical canonical terms, identical exp-normal forms, e-graph
textbook forms with identical normal forms. Failing a proof, both are evaluated on random inputs at
concrete sizes; a disagreement is replayed by running the operator itself in Triton's interpreter
against PyTorch, and only a reproduced one is reported as a counterexample.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from ..ir.intexpr import evaluate_int
from ..ir.printer import to_text
from ..ir.term import Op, Term, canonical_binders, integer, size, walk
from ..pipeline import Options
from ..result import Status
from ..synth.expnorm import normal_form
from ..synth.generalize import Formula
from ..synth.tidy import tidy
from ..verify import numeric
from ..verify.instantiate import instantiate
from ..verify.intcanon import canon_int
from .lifting import OperatorResult, lift_spec
from .run import replay
from .spec import OperatorSpec, parse_operator
from .torchdefs import Sym, reference

TRIALS = 32
SEED = 7


@dataclass(frozen=True)
class OutputCheck:
    output: str
    status: Status
    how: str  # how equality was established, or why not
    reference: Formula | None = None


@dataclass(frozen=True)
class CaseCheck:
    case_text: str
    status: Status
    outputs: tuple[OutputCheck, ...]
    counterexample: str = ""


@dataclass(frozen=True)
class CheckResult:
    lifted: OperatorResult
    against: str
    cases: tuple[CaseCheck, ...]
    seconds: float

    @property
    def status(self) -> Status:
        return min(c.status for c in self.cases)


def check_operator(ref: str, inputs: str, against: str, args: str | None = None, *,
                   options: Options | None = None) -> CheckResult:
    """`check_operator("examples/ops.py::softmax", "x=f32[M, N].t()", "torch.softmax(x, dim=-1)")`."""
    spec = parse_operator(ref, inputs, args)
    return check_spec(spec, against, options or Options())


def check_spec(spec: OperatorSpec, against: str, options: Options) -> CheckResult:
    t0 = time.perf_counter()
    shapes = {i.name: tuple(size(d) if isinstance(d, str) else integer(d) for d in i.logical_dims())
              for i in spec.inputs}
    args = {k: _decode(v) for k, v in spec.args}
    early = {**_float_defaults(spec), **args}
    reference(against, shapes, early, spec.sizes)  # a bad expression is reported before the long part
    lifted = lift_spec(spec, options)
    args = {**{k: v for k, v in lifted.floats.items()}, **args}
    refs = reference(against, shapes, args, spec.sizes)
    refs = tuple(refs) if isinstance(refs, (tuple, list)) else (refs,)
    cases = []
    for case in lifted.cases:
        cases.append(_check_case(spec, against, case, refs))
    return CheckResult(lifted, against, tuple(cases), time.perf_counter() - t0)


def _float_defaults(spec: OperatorSpec) -> dict[str, float]:
    """Float parameter defaults of the host function (`eps=1e-5`), read from its source."""
    import ast

    try:
        tree = ast.parse(open(spec.file, encoding="utf-8").read())
    except (OSError, SyntaxError, ValueError):
        return {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == spec.function:
            a = node.args
            pairs = list(zip(a.args[len(a.args) - len(a.defaults):], a.defaults)) + \
                [(k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
            return {p.arg: d.value for p, d in pairs if isinstance(d, ast.Constant) and isinstance(d.value, float)}
    return {}


def _decode(v):
    if isinstance(v, dict) and "size" in v:
        return size(v["size"])
    if isinstance(v, dict) and ("list" in v or "tuple" in v):
        return [_decode(x) for x in v.get("list", v.get("tuple"))]
    return v


def _check_case(spec: OperatorSpec, against: str, case, refs: tuple[Sym, ...]) -> CaseCheck:
    text = case.case.describe()
    if len(refs) != len(case.formulas):
        return CaseCheck(text, Status.COUNTEREXAMPLE, (), f"the operator returns {len(case.formulas)} output(s), "
                                                         f"the expression {len(refs)}")
    if any(f is None for f in case.formulas):
        return _concrete(spec, against, case, text, f"no formula ({case.reason})")
    outputs = []
    for f, r in zip(case.formulas, refs):
        outputs.append(_compare(f, r, case.case))
    status = min([case.status] + [o.status for o in outputs])
    if any(o.status is Status.COUNTEREXAMPLE for o in outputs):
        return _concrete(spec, against, case, text, "; ".join(o.how for o in outputs), outputs)
    return CaseCheck(text, status, tuple(outputs))


def _compare(f: Formula, r: Sym, case) -> OutputCheck:
    if len(f.shape) != len(r.shape) or any(canon_int(a) is not canon_int(b) for a, b in zip(f.shape, r.shape)):
        return OutputCheck(f.output, Status.COUNTEREXAMPLE,
                           f"shape [{', '.join(to_text(s) for s in f.shape)}] is not the reference's "
                           f"[{', '.join(to_text(s) for s in r.shape)}]")
    body = r.at(f.indices)
    ref = Formula(f.output, f.indices, f.shape, body)
    a, b = canonical_binders(tidy(f.body)), canonical_binders(tidy(body))
    if a is b:
        return OutputCheck(f.output, Status.VERIFIED, "identical canonical terms", ref)
    na, nb = normal_form(a), normal_form(b)
    if na is not None and na is nb:
        return OutputCheck(f.output, Status.VERIFIED, "identical exp-normal forms", ref)
    proof = _via_textbook(a, b)
    if proof:
        return OutputCheck(f.output, Status.VERIFIED, proof, ref)
    bad = _numeric(f, ref, case)
    if bad is not None:
        return OutputCheck(f.output, Status.COUNTEREXAMPLE, bad, ref)
    return OutputCheck(f.output, Status.TESTED, "agrees on random inputs at several sizes (not proven)", ref)


def _via_textbook(a: Term, b: Term) -> str:
    """The e-graph simplifier's forms, when it proves them equal to what it started from."""
    from ..simplify import simplify

    forms = []
    for t in (a, b):
        s, report = simplify(t)
        forms.append([t] + ([s] if report.changed and report.rechecked.startswith("proven") else []))
    for x, y in itertools.product(*forms):
        nx, ny = normal_form(canonical_binders(x)), normal_form(canonical_binders(y))
        if nx is not None and nx is ny:
            return "identical exp-normal forms after e-graph simplification (each step proven)"
    return ""


def _numeric(f: Formula, ref: Formula, case) -> str | None:
    """Sizes and an index where the two formulas differ on random inputs, or None."""
    rng = np.random.default_rng(SEED)
    names = [n for n, _, _ in case.ranges]
    values = {n: [v for v in range(lo, min(hi, lo + 4) + 1)] for n, lo, hi in case.ranges}
    params = sorted({str(t.attr) for body in (f.body, ref.body) for t in walk(body) if t.op is Op.PARAM})
    for combo in itertools.product(*(values[n] for n in names)):
        env = dict(zip(names, combo))
        dims = [evaluate_int(s, env) for s in f.shape]
        for point in itertools.islice(itertools.product(*(range(d) for d in dims)), 6):
            terms = [instantiate(f, env, point), instantiate(ref, env, point)]
            shapes: dict[str, list[int]] = {}
            for term in terms:
                for t in walk(term):
                    if t.op is Op.ACCESS:
                        d = shapes.setdefault(str(t.attr), [1] * len(t.args))
                        for k, x in enumerate(t.args):
                            d[k] = max(d[k], abs(x.value) + 1)
            inputs = {n: rng.standard_normal((TRIALS, *d)) for n, d in sorted(shapes.items())}
            ps = {n: rng.uniform(0.05, 1.0, TRIALS) for n in params}
            x, y = numeric.evaluate(terms, inputs, ps, env, TRIALS)
            if not numeric.close(x, y).all():
                return f"differs from the reference at {_sizes(env)}, {f.output}{list(point)}"
    return None


def _sizes(env: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in env.items())


def _concrete(spec, against, case, text, why, outputs=()) -> CaseCheck:
    """Run the operator in Triton's interpreter against PyTorch at small sizes of the case."""
    grid = [[v for v in range(lo, min(hi, lo + 5) + 1)] for _, lo, hi in case.case.ranges]
    names = [n for n, _, _ in case.case.ranges]
    sizes = [dict(zip(names, c)) for c in itertools.product(*grid)][:24]
    out = replay(spec, against, sizes)
    bad = out.get("mismatch")
    if bad is None:
        return CaseCheck(text, Status.UNKNOWN, tuple(outputs),
                         f"{why}; Triton's interpreter agrees with PyTorch at {len(sizes)} sizes (not a proof)")
    if "what" in bad:
        detail = bad["what"]
    else:
        names = [f.output for f in case.formulas if f is not None] or ["out"]
        label = names[bad["output"]] if bad["output"] < len(names) else f"output {bad['output']}"
        detail = (f"{label}{bad['index']}: operator {bad['got']:.6g}, reference {bad['expected']:.6g} "
                  f"({bad['mismatches']} of {bad['total']} elements differ)")
    return CaseCheck(text, Status.COUNTEREXAMPLE, tuple(outputs),
                     f"at {_sizes(bad['sizes'])}: {detail}; reproduced by running {spec.function} in Triton's "
                     f"interpreter against PyTorch ({why if len(why) < 160 else why[:157] + '…'})")
