"""The Python API: kernel objects and module references, and the interpreter cross-check."""

import ast
import importlib.util
import sys

import pytest

import tritonlift
from tritonlift.result import Status

from ..conftest import EXAMPLES


def launch_of(path):
    tree = ast.parse(path.read_text())
    return next(n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "LAUNCH")


def test_lift_accepts_a_jit_object():
    spec = importlib.util.spec_from_file_location("ex_row_sum", EXAMPLES / "row_sum.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = tritonlift.lift(module.row_sum_kernel, module.LAUNCH, oracle=False)
    assert result.status is Status.VERIFIED  # the accumulator pattern proves the tile loop for all sizes
    assert result.formulas[0].text() == "out[i] = Σ_{k<N} x[i, k]"


def test_lift_accepts_package_module_reference(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES.parent))
    result = tritonlift.lift("examples.add:add_kernel", launch_of(EXAMPLES / "add.py"), oracle=False)
    assert result.status is Status.VERIFIED
    assert result.formulas[0].text() == "out[i] = x[i] + y[i] · alpha"


@pytest.mark.parametrize("name", ["softmax", "online_softmax", "row_sum", "gelu"])
def test_interpreter_agrees_with_the_lifted_formula(name):
    """The formula's torch code vs the kernel run in Triton's interpreter on random inputs."""
    path = EXAMPLES / f"{name}.py"
    launch = launch_of(path)
    kernel = launch.split("[", 1)[0]
    result = tritonlift.lift(f"{path}::{kernel}", launch)
    oracle = next(c for c in result.checks if c.name == "Triton interpreter")
    assert oracle.result == "passed", oracle.detail
    assert result.status >= Status.BOUNDED


def test_a_scalar_function_returning_a_truth_value_lifts(tmp_path):
    """A comparison has no exp-normal form (it crashed the textbook step: 130 survey entries)."""
    path = tmp_path / "cmp.py"
    path.write_text("import triton\n\n\n@triton.jit\ndef both(a, b):\n    return (a > 0) & (b > 0)\n")
    result = tritonlift.lift(f"{path}::both")
    assert result.status.name == "VERIFIED"
    assert result.formulas[0].text() == "out[i⃗] = a[i⃗] > 0 ∧ b[i⃗] > 0"


def test_a_helper_module_imported_as_a_name(tmp_path, monkeypatch):
    """`from pkg import ext as tle; tle.program_id(0)` and `from . import ext; ext.SCALE`: the helper
    module is read from source like the kernel's own (kernel libraries wrap tl this way)."""
    pkg = tmp_path / "helperlib"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "ext.py").write_text("import triton\nimport triton.language as tl\n\n\n@triton.jit\n"
                                "def program_id(axis):\n    return tl.program_id(axis)\n\n\nSCALE = 2.0\n")
    (pkg / "k.py").write_text(
        "import triton\nimport triton.language as tl\n\nfrom helperlib import ext as tle\nfrom . import ext\n\n\n"
        "@triton.jit\ndef k(y_ptr, x_ptr, N, BLOCK: tl.constexpr):\n"
        "    offs = tle.program_id(0) * BLOCK + tl.arange(0, BLOCK)\n"
        "    x = tl.load(x_ptr + offs, mask=offs < N, other=0.0)\n"
        "    tl.store(y_ptr + offs, ext.SCALE * x, mask=offs < N)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = tritonlift.lift(f"{pkg / 'k.py'}::k", "k[(cdiv(N, BLOCK),)](y[N], x[N], N, BLOCK=4)", oracle=False)
    assert result.status.name == "VERIFIED"
    assert result.formulas[0].text() == "y[i] = x[i] · 2"
