"""Fuzzed input: whatever a user hands tritonlift, the answer is a verdict (exit 0/1) or one clear
error naming the file (exit 2) — never an internal error (exit 3), a traceback or a hang.

Hand-picked hostile inputs first (recursion, huge constants, FIFOs, unreadable files, bad launches),
then seeded random mutations of a valid kernel's source text and of its launch description.
Everything goes through `cli.run_lift`, what `tritonlift lift` runs, under an alarm per case.
"""

from __future__ import annotations

import io
import os
import random
import re
import signal
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest

from tritonlift.cli import EXIT_INPUT, EXIT_INTERNAL, run_lift

CASE_TIMEOUT_S = 20  # a hang, not a slow lift: valid cases here lift in well under a second
SIZES = "n=1..5"  # small plans keep every case fast; the fuzz is about the input, not the proof

VALID = textwrap.dedent('''\
    import triton
    import triton.language as tl


    @triton.jit
    def scale_kernel(y_ptr, x_ptr, n, alpha, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        x = tl.load(x_ptr + offs, mask=mask, other=0.0)
        tl.store(y_ptr + offs, tl.exp(x) * alpha + 1.0, mask=mask)
    ''')
LAUNCH = "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=4)"


@contextmanager
def alarm(seconds: int):
    def hang(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s: a hang")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(ref: str, launch: str | None, sizes: str | None = SIZES) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with alarm(CASE_TIMEOUT_S):
        code = run_lift(ref, launch, False, None, sizes, None, True, False, out, err, unbounded=False,
                        simplify=False)
    return code, out.getvalue(), err.getvalue()


def assert_answer(code: int, out: str, err: str, path: Path | None) -> None:
    """A verdict, or exit 2 with an error naming the file; never an internal error."""
    assert code != EXIT_INTERNAL, f"internal error on fuzzed input:\n{err}\n{_saved_traceback(err)}"
    assert "Traceback" not in out + err
    if code == EXIT_INPUT:
        assert "error:" in err and out == ""
        if path is not None and "launch description" not in err and "--sizes" not in err:
            assert str(path) in err or path.name in err, err


def _saved_traceback(err: str) -> str:
    saved = err.rsplit("traceback saved to ", 1)[-1].strip()
    return Path(saved).read_text() if saved and Path(saved).is_file() else ""


def bad(ref: str, launch: str | None, path: Path | None = None, line: int | None = None) -> str:
    code, out, err = run(ref, launch)
    assert code == EXIT_INPUT, (code, out, err)
    assert_answer(code, out, err, path)
    if line is not None:
        assert f"{path}:{line}:" in err, err
    return err


def kernel_file(tmp_path: Path, body: str, name: str = "k.py") -> Path:
    path = tmp_path / name
    path.write_text("import triton\nimport triton.language as tl\n\n\n" + textwrap.dedent(body))
    return path


# ---------------------------------------------------------------------------- hand-picked


@pytest.mark.parametrize("body, line, words", [
    # a jit helper that calls itself: the executor must not recurse until Python gives up
    ('''\
     @triton.jit
     def helper(x):
         return helper(x) + 1.0


     @triton.jit
     def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
         offs = tl.arange(0, BLOCK)
         tl.store(y_ptr + offs, helper(tl.load(x_ptr + offs, mask=offs < n)), mask=offs < n)
     ''', None, ("recurs",)),
    # a tensor condition in `if`: data-dependent control flow
    ('''\
     @triton.jit
     def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
         offs = tl.arange(0, BLOCK)
         x = tl.load(x_ptr + offs, mask=offs < n)
         if tl.sum(x, axis=0) > 0:
             x = x * 2.0
         tl.store(y_ptr + offs, x, mask=offs < n)
     ''', 9, ()),
    # random numbers
    ('''\
     @triton.jit
     def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
         offs = tl.arange(0, BLOCK)
         tl.store(y_ptr + offs, tl.rand(0, offs), mask=offs < n)
     ''', 8, ("rand",)),
    # a name that is defined nowhere
    ('''\
     @triton.jit
     def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
         offs = tl.arange(0, BLOCK)
         tl.store(y_ptr + offs, undefined_name, mask=offs < n)
     ''', 8, ("undefined_name",)),
    # a static_assert that fails at the launch's constexprs
    ('''\
     @triton.jit
     def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
         tl.static_assert(BLOCK > 100)
         offs = tl.arange(0, BLOCK)
         tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < n), mask=offs < n)
     ''', 7, ()),
])
def test_unsupported_or_failing_kernels(tmp_path, body, line, words):
    path = kernel_file(tmp_path, body)
    err = bad(f"{path}::k", "k[(1,)](y[n], x[n], n, BLOCK=4)", path, line)
    for w in words:
        assert w in err, err


def test_huge_constants_are_answered(tmp_path):
    """Constants that overflow float32 or the host's integers: a verdict or a clear error."""
    path = kernel_file(tmp_path, '''\
        @triton.jit
        def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
            offs = tl.arange(0, BLOCK)
            x = tl.load(x_ptr + offs, mask=offs < n)
            tl.store(y_ptr + offs, x * 1e308 * 1e308 + 123456789012345678901234567890, mask=offs < n)
        ''')
    assert_answer(*run(f"{path}::k", "k[(1,)](y[n], x[n], n, BLOCK=8)", sizes="n=1..4"), path)


@pytest.mark.parametrize("block", ["2**40", "99999999999999999999", "3", "0", "-4"])
def test_absurd_tile_sizes(tmp_path, block):
    """A tile of 2**40 lanes must not be allocated; a non-power-of-two arange is Triton's error too;
    an empty tile makes an empty grid."""
    path = tmp_path / "valid.py"
    path.write_text(VALID)
    bad(f"{path}::scale_kernel", LAUNCH.replace("BLOCK=4", f"BLOCK={block}"))


def test_huge_loop_count_is_answered(tmp_path):
    """A loop over 10**9 constant iterations: refused or bounded, never a hang."""
    path = kernel_file(tmp_path, '''\
        @triton.jit
        def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
            acc = 0.0
            for i in range(0, 1000000000):
                acc += 1.0
            tl.store(y_ptr, acc)
        ''')
    assert_answer(*run(f"{path}::k", "k[(1,)](y[1], x[n], n, BLOCK=4)", sizes="n=1"), path)


def test_deeply_nested_expression(tmp_path):
    path = kernel_file(tmp_path, '''\
        @triton.jit
        def k(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
            offs = tl.arange(0, BLOCK)
            tl.store(y_ptr + offs, ''' + "(" * 3000 + "1.0" + ")" * 3000 + ''', mask=offs < n)
        ''')
    bad(f"{path}::k", "k[(1,)](y[n], x[n], n, BLOCK=4)", path)


@pytest.mark.parametrize("make", ["fifo", "dangling-link", "chmod-000", "directory-named-py"])
def test_files_that_cannot_be_read(tmp_path, make):
    path = tmp_path / "k.py"
    if make == "fifo":  # opening a FIFO for reading blocks until a writer comes: a hang if opened
        os.mkfifo(path)
    elif make == "dangling-link":
        path.symlink_to(tmp_path / "gone.py")
    elif make == "chmod-000":
        path.write_text(VALID)
        path.chmod(0)
        if os.access(path, os.R_OK):  # root reads anything: then the file is simply valid
            code, out, err = run(f"{path}::scale_kernel", LAUNCH)
            assert code == 0 and "y[i]" in out, (code, out, err)
            return
    else:
        path.mkdir()
    err = bad(f"{path}::scale_kernel", LAUNCH)
    assert str(path) in err or "gone.py" in err, err  # a dangling link: its target is what is missing


@pytest.mark.parametrize("launch", [
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=4",       # unclosed
    "scale_kernel[(cdiv(n, BLOCK),)](y[], x[n], n, alpha, BLOCK=4)",       # a tensor without dims
    "scale_kernel[(cdiv(n, BLOCK),)](y[n; 1, 2], x[n], n, alpha, BLOCK=4)",  # two strides for one dim
    "scale_kernel[(cdiv(n, 0),)](y[n], x[n], n, alpha, BLOCK=4)",          # division by zero
    "scale_kernel[(n // 0,)](y[n], x[n], n, alpha, BLOCK=4)",
    "scale_kernel[(n, n, n, n)](y[n], x[n], n, alpha, BLOCK=4)",           # four grid axes
    "scale_kernel[(foo(n),)](y[n], x[n], n, alpha, BLOCK=4)",              # unknown function
    "scale_kernel[(-n,)](y[n], x[n], n, alpha, BLOCK=4)",                  # negative grid
    "scale_kernel[(cdiv(n, BLOCK),)](y[n - 10], x[n], n, alpha, BLOCK=4)",  # shapes below 1
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n]:qq7, n, alpha, BLOCK=4)",  # unknown dtype
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=4, BLOCK=8)",  # repeated keyword
    "scale_kernel[(cdiv(n, BLOCK),)](1.5, x[n], n, alpha, BLOCK=4)",       # a float for a pointer
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], x[n], alpha, BLOCK=4)",   # a tensor for an integer
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=\"four\")",
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=1.5)",
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=4) extra",
    "scale_kernel[(cdiv(n, BLOCK),)](y[n], x[n], n, alpha, BLOCK=4)" + "+" * 5000,
    "scale_kernel[" + "(" * 2000 + "n" + ")" * 2000 + "](y[n], x[n], n, alpha, BLOCK=4)",
    "\x00\xff\u202e",
])
def test_wrong_launch_descriptions(tmp_path, launch):
    path = tmp_path / "valid.py"
    path.write_text(VALID)
    code, out, err = run(f"{path}::scale_kernel", launch, sizes=None)
    assert code == EXIT_INPUT, (code, out, err)
    assert_answer(code, out, err, None)


# ---------------------------------------------------------------------------- random mutations

def mutate(text: str, rng: random.Random) -> str:
    """One random edit: delete, duplicate or swap a span, or insert a character from the grammar's
    alphabet (brackets, operators, digits, quotes, a non-ASCII letter, a NUL)."""
    i, j = sorted(rng.sample(range(len(text) + 1), 2))
    j = min(j, i + rng.choice([1, 2, 5, 20]))
    choice = rng.randrange(4)
    if choice == 0:
        return text[:i] + text[j:]
    if choice == 1:
        return text[:j] + text[i:j] + text[j:]
    if choice == 2:
        k = rng.randrange(len(text))
        return (text[:i] + text[k:k + (j - i)] + text[j:]) if k > j else text[:i] + text[j:] + text[i:j]
    return text[:i] + rng.choice("()[]{}:,.=<>+-*/%&|~'\"\\#0123456789 \t\nλ\x00") + text[i:]


def swap_word(text: str, rng: random.Random) -> str:
    """Replace one word (name, keyword or number) by another word of the text: mostly still Python,
    so the frontend, the binder and the executor see it, not just the parser."""
    words = list(re.finditer(r"\w+", text))
    target, other = rng.choice(words), rng.choice(words).group()
    return text[:target.start()] + other + text[target.end():]


@pytest.mark.parametrize("edit", [mutate, swap_word])
def test_mutated_sources_are_answered(tmp_path, edit):
    rng = random.Random(20261125)
    for n in range(40):
        source = VALID
        for _ in range(rng.randint(1, 3)):
            source = edit(source, rng)
        path = tmp_path / f"mutant{n}.py"
        path.write_bytes(source.encode("utf-8", "surrogatepass"))
        code, out, err = run(f"{path}::scale_kernel", LAUNCH)
        assert code != EXIT_INTERNAL, (source, err, _saved_traceback(err))
        assert_answer(code, out, err, path)


def test_mutated_launches_are_answered(tmp_path):
    path = tmp_path / "valid.py"
    path.write_text(VALID)
    rng = random.Random(7)
    for _ in range(60):
        launch = LAUNCH
        for _ in range(rng.randint(1, 3)):
            launch = mutate(launch, rng)
        code, out, err = run(f"{path}::scale_kernel", launch, sizes=None)
        assert code != EXIT_INTERNAL, (launch, err, _saved_traceback(err))
        assert_answer(code, out, err, None)
