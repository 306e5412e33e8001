"""Value-mode gathers: a formula reads x[i, t[i]] where t holds indices (cross entropy's target logit,
an argmax's index used to read another tensor). Kernels are written here."""

from __future__ import annotations

import textwrap

import pytest

from tritonlift.errors import TritonLiftError
from tritonlift.ir.term import Op
from tritonlift.pipeline import Options, lift
from tritonlift.result import Status

NLL = textwrap.dedent('''
    import triton
    import triton.language as tl

    @triton.jit
    def nll(x_ptr, t_ptr, out_ptr, C, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        cols = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * C + cols, mask=cols < C, other=-float("inf"))
        m = tl.max(x, axis=0)
        s = tl.sum(tl.exp(x - m), axis=0)
        t = tl.load(t_ptr + row)
        xt = tl.load(x_ptr + row * C + t)
        tl.store(out_ptr + row, tl.log(s) + m - xt)

    @triton.jit
    def pick_by_argmax(v_ptr, w_ptr, out_ptr, S, BLOCK: tl.constexpr):
        offs = tl.arange(0, BLOCK)
        v = tl.load(v_ptr + offs, mask=offs < S, other=-float("inf"))
        tl.store(out_ptr, tl.load(w_ptr + tl.argmax(v, axis=0)))
''')
LAUNCH = "nll[(M,)](x[M, C], t[M]:i64 in 0..C-1, out[M], C, BLOCK=next_power_of_2(C))"


@pytest.fixture()
def kernels(tmp_path):
    path = tmp_path / "gather.py"
    path.write_text(NLL)
    return path


def _accesses(t):
    from tritonlift.ir.term import walk

    return [n for n in walk(t) if n.op is Op.ACCESS]


def test_cross_entropy_with_class_indices_is_verified(kernels):
    result = lift(f"{kernels}::nll", LAUNCH, Options(oracle=False))
    assert result.status is Status.VERIFIED, result.reason
    (f,) = result.formulas
    gathered = [a for a in _accesses(f.body) if a.attr == "x" and a.args[1].op is Op.ACCESS]
    assert gathered and gathered[0].args[1].attr == "t"  # x[i, t[i]]
    assert "every element of t is in 0..C − 1 (stated in the launch)" in result.assumptions
    assert result.textbook and "log(Σ_{k<C} exp(x[i, k])) − x[i, t[i]]" in result.textbook[0].text()


def test_a_range_that_reaches_past_the_row_is_a_counterexample(kernels):
    result = lift(f"{kernels}::nll", LAUNCH.replace("0..C-1", "0..C"), Options())
    assert result.status is Status.COUNTEREXAMPLE, result.reason


def test_an_index_tensor_without_stated_values_is_a_clear_error(kernels):
    with pytest.raises(TritonLiftError) as err:
        lift(f"{kernels}::nll", LAUNCH.replace(" in 0..C-1", ""), Options(oracle=False))
    assert "'t' holds indices" in err.value.render() and "gather.py:13" in err.value.render()


def test_gather_by_an_argmax_is_verified(kernels):
    result = lift(f"{kernels}::pick_by_argmax", "pick_by_argmax[(1,)](v[S], w[S], out[1], S, BLOCK=next_power_of_2(S))",
                  Options(oracle=False))
    assert result.status is Status.VERIFIED, result.reason
    (f,) = result.formulas
    (w,) = [a for a in _accesses(f.body) if a.attr == "w"]
    assert w.args[0].op is Op.ARGMAX


IGNORE = textwrap.dedent('''
    import triton
    import triton.language as tl

    @triton.jit
    def nll_ignore(x_ptr, t_ptr, out_ptr, C, ignore_index, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        cols = tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * C + cols, mask=cols < C, other=-float("inf"))
        m = tl.max(x, axis=0)
        s = tl.sum(tl.exp(x - m), axis=0)
        t = tl.load(t_ptr + row)
        keep = t != ignore_index
        xt = tl.load(x_ptr + row * C + t, mask=keep, other=0.0)
        tl.store(out_ptr + row, tl.log(s) + m - xt, mask=keep)
''')


def test_masks_that_depend_on_data_keep_unwritten_elements(tmp_path):
    """A row whose target is ignore_index is not written: the formula says so, `out[i]` keeps its value."""
    path = tmp_path / "ignore.py"
    path.write_text(IGNORE)
    result = lift(f"{path}::nll_ignore",
                  "nll_ignore[(M,)](x[M, C], t[M]:i64 in 0..C-1 | -100, out[M], C, -100, BLOCK=next_power_of_2(C))",
                  Options())
    assert result.status >= Status.BOUNDED, result.reason
    (f,) = result.formulas
    assert f.body.op is Op.WHERE and f.body.args[2].op is Op.ACCESS and f.body.args[2].attr == "out"
    assert any(a.startswith("reads of x at indices loaded from memory") for a in result.assumptions) \
        or result.status is Status.VERIFIED
