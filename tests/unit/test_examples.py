"""Every example lifts to the expected formula, checked semantically, at status BOUNDED or better.

Formulas are compared as terms (built here with the `ir.term` constructors; n-ary operands put in
canonical order and bound variables renamed by depth on both sides, so only the order-insensitive
structure matters), and the emitted PyTorch reference is compared numerically with PyTorch's own
operator on random float64 inputs at a few sizes. The CLI's `--json` and `--emit torch` outputs are
checked for shape.
"""

from __future__ import annotations

import ast
import functools
import io
import json
import math

import pytest
import torch
import torch.nn.functional as F

from tritonlift.cli import EXIT_OK, emit_torch, run_lift
from tritonlift.ir.term import (Op, Term, access, apply, bound, canonical_binders, index, integer, param, real,
                                reduce_, size)
from tritonlift.pipeline import Options, lift
from tritonlift.report.torch_code import load_reference
from tritonlift.result import LiftResult, Status
from tritonlift.synth.reductions import recognise

from ..conftest import EXAMPLES

NAMES = ["add", "argmax", "gelu", "layer_norm", "matmul", "online_softmax", "rms_norm", "row_sum", "softmax"]


def launch_of(name: str) -> str:
    tree = ast.parse((EXAMPLES / f"{name}.py").read_text())
    return next(ast.literal_eval(n.value) for n in tree.body
                if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "LAUNCH")


def reference_of(name: str) -> str:
    return f"{EXAMPLES / name}.py::{launch_of(name).split('[', 1)[0]}"


@functools.cache
def lifted(name: str) -> LiftResult:
    return lift(reference_of(name), launch_of(name), Options(oracle=False))


def _is_kernel_example(path) -> bool:
    """A kernel example states its LAUNCH; the others (ops.py) are host code, tested in tests/unit/capture."""
    return any(isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "LAUNCH"
               for n in ast.parse(path.read_text()).body)


def test_every_example_is_covered():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py") if _is_kernel_example(p)) == NAMES


# ---------------------------------------------------------------- expected formulas as terms

i, j = index("i"), index("j")
N, M, K, n = size("N"), size("M"), size("K"), size("n")


def x_row(k: Term) -> Term:
    return access("x", (i, k))


def row_sum_of(body) -> Term:
    k = bound("k")
    return reduce_(Op.SUM, k, integer(0), N, body(k))


def row_max() -> Term:
    k = bound("m")
    return reduce_(Op.RMAX, k, integer(0), N, x_row(k))


def canon(t: Term) -> Term:
    """Order-insensitive canonical form: binders renamed by depth, n-ary operands sorted."""
    return recognise(canonical_binders(t))


EXPECTED_TERMS = {
    # best[i] = max_{k<N} x[i, k];  idx[i] = argmax_{k<N} x[i, k] (the first of equal maxima)
    "argmax": {"best": ((i,), (M,), row_max()),
               "idx": ((i,), (M,), reduce_(Op.ARGMAX, bound("k"), integer(0), N, x_row(bound("k"))))},
    # out[i] = x[i] + alpha · y[i]
    "add": {"out": ((i,), (n,), apply(Op.ADD, access("x", (i,)), apply(Op.MUL, param("alpha"), access("y", (i,)))))},
    # y[i] = 0.5 · x[i] · (1 + erf(x[i] · 1/√2))
    "gelu": {"y": ((i,), (n,), apply(Op.MUL, real(0.5), access("x", (i,)),
                                     apply(Op.ADD, real(1.0), apply(Op.ERF, apply(Op.MUL, access("x", (i,)),
                                                                                 real(0.7071067811865476))))))},
    # out[i] = Σ_{k<N} x[i, k]
    "row_sum": {"out": ((i,), (M,), reduce_(Op.SUM, bound("k"), integer(0), size("N"), access("x", (i, bound("k")))))},
    # y[i, j] = exp(x[i, j] − max_k x[i, k]) / Σ_k exp(x[i, k] − max_l x[i, l])
    "softmax": {"y": ((i, j), (M, N), apply(Op.DIV, apply(Op.EXP, apply(Op.SUB, access("x", (i, j)), row_max())),
                                            row_sum_of(lambda k: apply(Op.EXP, apply(Op.SUB, x_row(k), row_max())))))},
    # c[i, j] = Σ_{k<K} a[i, k] · b[k, j]
    "matmul": {"c": ((i, j), (M, N), reduce_(Op.SUM, bound("k"), integer(0), K,
                                             apply(Op.MUL, access("a", (i, bound("k"))), access("b", (bound("k"), j)))))},
    # y[i, j] = exp(x[i, j]) / Σ_k exp(x[i, k])   (the online rescaling cancels in exp-normal form)
    "online_softmax": {"y": ((i, j), (M, N), apply(Op.DIV, apply(Op.EXP, access("x", (i, j))),
                                                   row_sum_of(lambda k: apply(Op.EXP, x_row(k)))))},
    # y[i, j] = w[j] · x[i, j] / √(Σ_k x[i, k]² / N + eps)
    "rms_norm": {"y": ((i, j), (M, N), apply(
        Op.MUL, access("w", (j,)),
        apply(Op.DIV, access("x", (i, j)),
              apply(Op.SQRT, apply(Op.ADD, apply(Op.DIV, row_sum_of(lambda k: apply(Op.POW, x_row(k), real(2.0))),
                                                 apply(Op.TOREAL, N)),
                                   param("eps"))))))},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_TERMS))
def test_example_formula_as_a_term(name):
    result = lifted(name)
    assert result.status >= Status.BOUNDED, (result.status, result.reason)
    expected = EXPECTED_TERMS[name]
    got = {f.output: f for f in result.formulas}
    assert set(got) == set(expected)
    for output, (indices, shape, body) in expected.items():
        f = got[output]
        assert f.indices == indices and f.shape == shape
        assert canon(f.body) is canon(body), f"{f.text()}\n  expected {body}"


def test_term_comparison_is_not_vacuous():
    """A one-character change to an expected term (exp -> exp2, + -> −) is told apart."""
    result = lifted("softmax")
    body = EXPECTED_TERMS["softmax"]["y"][2]
    assert canon(result.formulas[0].body) is canon(body)
    swapped = apply(Op.DIV, apply(Op.EXP2, body.args[0].args[0]), body.args[1])
    assert canon(result.formulas[0].body) is not canon(swapped)
    add = EXPECTED_TERMS["add"]["out"][2]
    assert canon(lifted("add").formulas[0].body) is not canon(apply(Op.SUB, *add.args))


# ---------------------------------------------------------------- emitted references vs PyTorch

SIZES = ((1, 1), (3, 5), (4, 8), (2, 13))  # (rows, columns): a single element, partial tiles, full tiles


def _inputs(name: str, rows: int, cols: int, gen: torch.Generator) -> dict:
    r = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    eps = float(torch.empty(()).uniform_(0.05, 1.0, generator=gen))
    if name in ("add",):
        return {"x": r(cols), "y": r(cols), "alpha": eps}
    if name == "gelu":
        return {"x": r(cols)}
    if name in ("row_sum", "softmax", "online_softmax", "argmax"):
        return {"x": r(rows, cols)}
    if name == "rms_norm":
        return {"x": r(rows, cols), "w": r(cols), "eps": eps}
    if name == "layer_norm":
        return {"x": r(rows, cols), "w": r(cols), "b": r(cols), "eps": eps}
    if name == "matmul":  # [rows, cols] @ [cols, rows + 2]
        return {"a": r(rows, cols), "b": r(cols, rows + 2)}
    raise AssertionError(name)


def _torch_expected(name: str, a: dict) -> dict:
    if name == "matmul":
        return {"c": a["a"] @ a["b"]}
    x = a["x"]
    if name == "add":
        return {"out": x + a["alpha"] * a["y"]}
    if name == "gelu":
        return {"y": F.gelu(x)}
    if name == "row_sum":
        return {"out": x.sum(-1)}
    if name == "argmax":
        return {"best": x.amax(-1), "idx": x.argmax(-1)}
    if name in ("softmax", "online_softmax"):
        return {"y": torch.softmax(x, -1)}
    if name == "rms_norm":
        return {"y": x / torch.sqrt((x * x).mean(-1, keepdim=True) + a["eps"]) * a["w"]}
    if name == "layer_norm":
        n = x.shape[-1]
        return {"y": F.layer_norm(x, (n,), a["w"], a["b"], a["eps"]), "mean": x.mean(-1),
                "rstd": 1 / torch.sqrt(x.var(-1, unbiased=False) + a["eps"])}
    raise AssertionError(name)


@pytest.mark.parametrize("name", NAMES)
def test_example_reference_matches_pytorch(name):
    result = lifted(name)
    assert result.status >= Status.BOUNDED, (result.status, result.reason)
    reference = load_reference(emit_torch(result, launch_of(name)))
    gen = torch.Generator().manual_seed(7)
    for rows, cols in SIZES:
        inputs = _inputs(name, rows, cols, gen)
        got = reference(**inputs)
        want = _torch_expected(name, inputs)
        assert set(got) == set(want)
        for out in want:
            assert got[out].shape == want[out].shape, (out, rows, cols)
            torch.testing.assert_close(got[out].to(want[out].dtype), want[out], rtol=1e-10, atol=1e-12)


def test_numeric_comparison_is_not_vacuous():
    """The softmax reference is not, say, the rms_norm one: a wrong PyTorch expectation fails."""
    reference = load_reference(emit_torch(lifted("softmax"), launch_of("softmax")))
    x = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = reference(x=x)["y"]
    assert not torch.allclose(y, torch.log_softmax(x, -1))
    assert math.isclose(float(y.sum()), 3.0, rel_tol=1e-12)


# ---------------------------------------------------------------- the CLI's machine-readable outputs


def _cli(name: str, **kw) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = run_lift(reference_of(name), launch_of(name), kw.get("as_json", False), kw.get("emit"), None, None,
                    True, False, out, err)
    assert code == EXIT_OK, err.getvalue()
    assert err.getvalue() == ""
    return out.getvalue()


def test_json_output():
    data = json.loads(_cli("rms_norm", as_json=True))
    assert {"status", "formulas", "assumptions", "obligations", "timings"} <= set(data)
    assert Status[data["status"]] >= Status.BOUNDED
    assert [f["output"] for f in data["formulas"]] == ["y"]
    assert data["formulas"][0]["formula"] == lifted("rms_norm").formulas[0].text()
    assert all({"name", "result"} <= set(o) for o in data["obligations"]) and data["obligations"]
    assert data["timings"]["total"] > 0
    assert any("real arithmetic" in a for a in data["assumptions"])


def test_emit_torch_output_is_python_defining_reference():
    source = _cli("layer_norm", emit="torch")
    compile(source, "<emitted>", "exec")  # valid Python
    tree = ast.parse(source)
    assert any(isinstance(n, ast.FunctionDef) and n.name == "reference" for n in tree.body)
    namespace: dict = {}
    exec(compile(source, "<emitted>", "exec"), namespace)  # noqa: S102 - tritonlift's own output
    x = torch.randn(2, 3, dtype=torch.float64)
    outputs = namespace["reference"](x=x, w=torch.ones(3, dtype=torch.float64),
                                     b=torch.zeros(3, dtype=torch.float64), eps=1e-5)
    assert set(outputs) == {"y", "mean", "rstd"}
    torch.testing.assert_close(outputs["mean"], x.mean(-1))
