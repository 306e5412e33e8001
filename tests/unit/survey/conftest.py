"""A small kernel library written for these tests (never third-party code), built in a temp dir."""

import json
import textwrap
from pathlib import Path

import pytest

HEADER = "import triton\nimport triton.language as tl\n\n"

SCALAR = HEADER + textwrap.dedent('''
    @triton.jit
    def gelu_like(x):
        return 0.5 * x * (1 + tl.erf(x * 0.7071067811865476))


    @triton.jit
    def clamp_like(x, lo, hi):
        return tl.where(x < lo, lo, tl.where(x > hi, hi, x))
''')

ROWS = HEADER + textwrap.dedent('''
    @triton.jit
    def row_sum(x_ptr, y_ptr, N, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        offs = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * N + offs, mask=offs < N, other=0.0)
        tl.store(y_ptr + row, tl.sum(x, axis=0))


    @triton.jit
    def copy_no_launch(x_ptr, y_ptr, N, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < N), mask=offs < N)


    @triton.autotune(configs=[triton.Config({"BLOCK": 4}), triton.Config({"BLOCK": 8})], key=["N"])
    @triton.jit
    def total_atomic(x_ptr, y_ptr, N, BLOCK: tl.constexpr):
        offs = tl.arange(0, BLOCK)
        tl.atomic_add(y_ptr, tl.sum(tl.load(x_ptr + offs, mask=offs < N, other=0.0), axis=0))


    @triton.jit
    def unmasked_store(x_ptr, y_ptr, N, BLOCK: tl.constexpr):
        offs = tl.arange(0, BLOCK)
        tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < N, other=0.0))
''')

NESTED = HEADER + textwrap.dedent('''
    class Holder:
        @triton.jit
        def inner(x):
            return x + 1
''')

SPIN = HEADER + textwrap.dedent('''
    @triton.jit
    def spins(x_ptr, N):
        acc = 0.0
        for i in range(50000):  # 2.5e9 iterations: each loop is under the interpreter's bound
            for j in range(50000):
                acc += 1.0
        tl.store(x_ptr, acc)


    @triton.jit
    def twice(x):
        return x + x
''')

LAUNCHES = {
    "mylib/ops/rows.py::row_sum": ["row_sum[(M,)](x[M, N], y[M], N, BLOCK=next_power_of_2(N))"],
    "ops.rows::total_atomic": ["total_atomic[(1,)](x[N], y[1], N)"],
    "ops/rows.py::unmasked_store": [{"launch": "unmasked_store[(1,)](x[N], y[N], N, BLOCK=next_power_of_2(N))",
                                     "options": {"sizes": {"N": [1, 2, 3]}}}],
    "ops/missing.py::nothing": ["nothing[(1,)]()"],
}


def write_library(root: Path) -> Path:
    pkg = root / "mylib"
    (pkg / "ops").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ops" / "__init__.py").write_text("")
    (pkg / "ops" / "scalar.py").write_text(SCALAR)
    (pkg / "ops" / "rows.py").write_text(ROWS)
    (pkg / "ops" / "nested.py").write_text(NESTED)
    (pkg / "ops" / "broken.py").write_text("import triton\n@triton.jit\ndef k(:\n")
    (pkg / "host.py").write_text("def helper():\n    return 1\n")  # no kernel at all
    return pkg


@pytest.fixture
def library(tmp_path):
    pkg = write_library(tmp_path / "src")
    launches = tmp_path / "launches.json"
    launches.write_text(json.dumps(LAUNCHES))
    return pkg, launches
