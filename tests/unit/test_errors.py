"""Bad input always ends in one clear message and exit code 2, never a traceback.

Every case goes through `cli.run_lift` (what `tritonlift lift` runs) with string streams; one goes
through a real `python -m tritonlift` process to check the process exit code.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from tritonlift.cli import EXIT_INPUT, EXIT_OK, run_lift

KERNELS = textwrap.dedent('''\
    import triton
    import triton.language as tl


    def helper(x):
        return x + 1


    @triton.jit
    def copy_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + offs, mask=offs < n)
        tl.store(y_ptr + offs, x, mask=offs < n)


    @triton.jit
    def atomic_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
        offs = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + offs, mask=offs < n, other=0.0)
        tl.atomic_add(y_ptr, tl.sum(x, axis=0))


    @triton.jit
    def while_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
        x = tl.load(x_ptr)
        while x < 10.0:
            x = x * 2.0
        tl.store(y_ptr, x)


    @triton.jit
    def block_ptr_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
        xp = tl.make_block_ptr(x_ptr, shape=(n,), strides=(1,), offsets=(0,), block_shape=(BLOCK,), order=(0,))
        x = tl.load(xp, boundary_check=(0,))
        tl.store(y_ptr + tl.arange(0, BLOCK), x, mask=tl.arange(0, BLOCK) < n)
    ''')
LINE = {name: n for n, text in enumerate(KERNELS.splitlines(), 1) for name in
        ("helper", "copy_kernel", "atomic_add", "while x", "make_block_ptr") if name in text and
        (name != "copy_kernel" or text.startswith("def "))}
COPY_LAUNCH = "copy_kernel[(cdiv(n, 4),)](y[n], x[n], n, BLOCK=4)"

SYNTAX_ERROR = textwrap.dedent('''\
    import triton
    import triton.language as tl


    @triton.jit
    def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
        offs = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + offs, mask=offs < n
        tl.store(y_ptr + offs, x, mask=offs < n)
    ''')


@pytest.fixture
def kernels(tmp_path) -> Path:
    path = tmp_path / "kernels.py"
    path.write_text(KERNELS)
    return path


def lift_cli(kernel, launch=None, *, as_json=False, emit=None, sizes=None, config=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_lift(str(kernel), launch, as_json, emit, sizes, config, True, False, out, err)
    return code, out.getvalue(), err.getvalue()


def bad_input(kernel, launch=None, **kw) -> str:
    """Run, assert exit code 2, one error, no traceback; return the error text."""
    code, out, err = lift_cli(kernel, launch, **kw)
    assert code == EXIT_INPUT, (code, out, err)
    assert "error:" in err
    assert "Traceback" not in err and "Traceback" not in out
    assert "internal error" not in err
    assert out == ""
    return err


def test_a_good_kernel_passes(kernels):
    """The file used below is fine: the errors come from what each test changes."""
    code, out, err = lift_cli(f"{kernels}::copy_kernel", COPY_LAUNCH)
    assert code == EXIT_OK, err
    assert "y[i] = x[i]" in out


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text(SYNTAX_ERROR)
    err = bad_input(f"{path}::k", "k[(1,)](y[n], x[n], n, BLOCK=4)")
    assert f"{path}:8:" in err  # the line of the unclosed parenthesis
    assert "syntax error" in err


def test_missing_file(tmp_path):
    err = bad_input(f"{tmp_path}/nope.py::copy_kernel", COPY_LAUNCH)
    assert "no such file" in err and "nope.py" in err


def test_directory_instead_of_file(tmp_path):
    err = bad_input(f"{tmp_path}::copy_kernel", COPY_LAUNCH)
    assert "directory" in err and str(tmp_path) in err


def test_missing_function_lists_the_jit_functions(kernels):
    err = bad_input(f"{kernels}::nope", COPY_LAUNCH)
    assert "no function 'nope'" in err and str(kernels) in err
    assert "copy_kernel" in err  # the hint lists what is there


def test_non_jit_function(kernels):
    err = bad_input(f"{kernels}::helper", "helper[(1,)](x[n])")
    assert f"{kernels}:{LINE['helper']}:" in err
    assert "not a @triton.jit function" in err


@pytest.mark.parametrize("ref, message", [
    ("foo", "expected path/to/file.py::kernel_name or package.module:kernel_name, got 'foo'"),
    ("foo.py", "got 'foo.py'"),
    ("no_such_package.module:kernel", "cannot find module 'no_such_package.module'"),
])
def test_malformed_reference(ref, message):
    err = bad_input(ref, COPY_LAUNCH)
    assert message in err


def test_empty_function_name(kernels):
    err = bad_input(f"{kernels}::", COPY_LAUNCH)
    assert "not a function name" in err


def test_launch_names_the_wrong_kernel(kernels):
    err = bad_input(f"{kernels}::copy_kernel", "other_kernel[(1,)](y[n], x[n], n, BLOCK=4)")
    assert "other_kernel" in err and "copy_kernel" in err
    assert f"{kernels}:{LINE['copy_kernel']}:" in err


def test_launch_with_too_many_arguments(kernels):
    err = bad_input(f"{kernels}::copy_kernel", "copy_kernel[(1,)](y[n], x[n], n, 4, 5)")
    assert "takes 4 parameters" in err and "passes 5" in err


def test_launch_missing_a_constexpr(kernels):
    err = bad_input(f"{kernels}::copy_kernel", "copy_kernel[(cdiv(n, 4),)](y[n], x[n], n)")
    assert "BLOCK" in err and "has no value" in err


def test_launch_with_unknown_keyword(kernels):
    err = bad_input(f"{kernels}::copy_kernel", "copy_kernel[(cdiv(n, 4),)](y[n], x[n], n, BLOCK=4, FOO=3)")
    assert "no parameter 'FOO'" in err


def test_tensor_for_a_constexpr(kernels):
    err = bad_input(f"{kernels}::copy_kernel", "copy_kernel[(cdiv(n, 4),)](y[n], x[n], n, BLOCK=z[n])")
    assert "constexpr 'BLOCK'" in err


@pytest.mark.parametrize("launch", ["copy_kernel[(1,](", "))((", ""])
def test_malformed_launch(kernels, launch):
    err = bad_input(f"{kernels}::copy_kernel", launch)
    assert "launch description" in err


def test_kernel_without_launch(kernels):
    err = bad_input(f"{kernels}::copy_kernel", None)
    assert "--launch" in err


def test_empty_grid(kernels):
    err = bad_input(f"{kernels}::copy_kernel", "copy_kernel[(0,)](y[n], x[n], n, BLOCK=4)")
    assert "empty axis" in err


@pytest.mark.parametrize("kernel, launch, construct", [
    ("atomic_kernel", "atomic_kernel[(1,)](y[1], x[n], n, BLOCK=4)", "atomic_add"),
    ("while_kernel", "while_kernel[(1,)](y[1], x[1], n, BLOCK=4)", "while x"),
    ("block_ptr_kernel", "block_ptr_kernel[(1,)](y[n], x[n], n, BLOCK=4)", "make_block_ptr"),
])
def test_unsupported_construct_names_file_line_and_construct(kernels, kernel, launch, construct):
    err = bad_input(f"{kernels}::{kernel}", launch)
    assert f"{kernels}:{LINE[construct]}:" in err
    assert "unsupported" in err
    assert construct.split()[0] in err  # atomic_add, while, make_block_ptr


def test_empty_file(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("")
    err = bad_input(f"{path}::copy_kernel", COPY_LAUNCH)
    assert "no function 'copy_kernel'" in err and str(path) in err


@pytest.mark.parametrize("content", [
    bytes(range(256)) * 2,  # with NUL bytes
    b"\x89PNG\r\n\x1a\n\xff\xfe\x1f\x8b garbage \xc3\x28",  # without: invalid UTF-8 and control characters
], ids=["nul-bytes", "binary"])
def test_file_that_is_not_python(tmp_path, content):
    path = tmp_path / "garbage.py"
    path.write_bytes(content)
    err = bad_input(f"{path}::copy_kernel", COPY_LAUNCH)
    assert str(path) in err and ("syntax error" in err or "not UTF-8 Python text" in err)
    assert ":0:" not in err and all(ch.isprintable() or ch == "\n" for ch in err)


@pytest.mark.parametrize("sizes, message", [
    ("n=abc", "'abc' is not an integer"),
    ("1..3", "expected NAME=values"),
    ("n=1..3..5", "is not an integer or a range"),
    ("n=", "is not an integer"),
    ("n=0..3", "at least 1"),
    ("M=1..3", "does not use"),
])
def test_malformed_sizes(kernels, sizes, message):
    err = bad_input(f"{kernels}::copy_kernel", COPY_LAUNCH, sizes=sizes)
    assert "--sizes" in err and message in err


def test_sizes_with_an_empty_range(kernels, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where an internal error saves its traceback
    err = bad_input(f"{kernels}::copy_kernel", COPY_LAUNCH, sizes="n=5..1")
    assert "--sizes" in err


def test_config_out_of_range(kernels, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where an internal error saves its traceback
    err = bad_input(f"{kernels}::copy_kernel", COPY_LAUNCH, config=5)
    assert "config" in err


def test_negative_config(kernels):
    bad_input(f"{kernels}::copy_kernel", COPY_LAUNCH, config=-1)


def test_emit_latex_is_rejected(kernels):
    err = bad_input(f"{kernels}::copy_kernel", COPY_LAUNCH, emit="latex")
    assert "--emit latex" in err and "torch" in err


def test_real_process_exit_code(tmp_path):
    """Through `python -m tritonlift`: exit code 2, the message on stderr, nothing on stdout."""
    path = tmp_path / "broken.py"
    path.write_text(SYNTAX_ERROR)
    env = dict(os.environ, TRITON_INTERPRET="1")
    proc = subprocess.run([sys.executable, "-m", "tritonlift", "lift", f"{path}::k", "--launch",
                           "k[(1,)](y[n], x[n], n, BLOCK=4)", "--no-oracle"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == EXIT_INPUT, (proc.returncode, proc.stdout, proc.stderr)
    assert f"{path}:8:" in proc.stderr and "syntax error" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


SHAPES = '''
import triton
import triton.language as tl


@triton.jit
def k(y_ptr, x_ptr, BLOCK: tl.constexpr):
    rows = tl.arange(0, BLOCK)[:, None]
    x = tl.load(x_ptr + rows * BLOCK + tl.arange(0, BLOCK)[None, :])
    total = tl.sum(x, axis=0)[:, None]
    tl.store(y_ptr + tl.arange(0, 2)[:, None], total)
'''


def test_blocks_whose_shapes_do_not_broadcast_are_the_kernels_error(tmp_path):
    """A reduction over the wrong axis stored through pointers of another shape (a mutant that Triton
    rejects when compiling): exit 2 with the line, not an internal error."""
    path = tmp_path / "shapes.py"
    path.write_text(SHAPES)
    err = bad_input(f"{path}::k", "k[(1,)](y[2], x[16], BLOCK=4)")
    assert f"{path}:11:" in err and "do not broadcast" in err
