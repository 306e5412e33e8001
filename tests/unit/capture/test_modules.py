"""Launch descriptions for a whole module from its own host code (the survey's capture seam)."""

import textwrap

import pytest

from tritonlift.capture import capture_modules, launches_for_module
from tritonlift.capture.forms import Param, call_forms, kind_of
from tritonlift.capture.modules import CaptureError
from tritonlift.survey import SurveyOptions, survey

HEADER = "import torch\nimport triton\nimport triton.language as tl\n"

OPS = HEADER + textwrap.dedent('''
    @triton.jit
    def scale_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        tl.store(out_ptr + offs, 2.0 * tl.load(x_ptr + offs, mask=offs < n), mask=offs < n)


    @triton.autotune(configs=[triton.Config({"BLOCK": 4}), triton.Config({"BLOCK": 8})], key=["N"])
    @triton.jit
    def row_sum_kernel(x_ptr, y_ptr, N, BLOCK: tl.constexpr):
        row = tl.program_id(0)
        acc = tl.zeros([BLOCK], tl.float32)
        for start in range(0, N, BLOCK):
            offs = start + tl.arange(0, BLOCK)
            acc += tl.load(x_ptr + row * N + offs, mask=offs < N, other=0.0)
        tl.store(y_ptr + row, tl.sum(acc, axis=0))


    @triton.jit
    def never_launched(x_ptr, n):
        tl.store(x_ptr, n)


    def scale(x):
        out = torch.empty_like(x)
        n = x.numel()
        scale_kernel[(triton.cdiv(n, 128),)](x, out, n, BLOCK=128)
        return out


    def row_sum(x, dim=-1):
        M, N = x.shape  # 2-D only: the 1-D and 3-D forms raise here and are dropped
        y = torch.empty(M, dtype=x.dtype)
        row_sum_kernel[(M,)](x.contiguous(), y, N)
        return y


    def needs_gpu(x):
        raise RuntimeError("this operator only runs on a GPU")
''')

# A hang the worker's call timer cannot end (as in C code that ignores signals): only the parent's
# limit ends it.
HANGS = HEADER + textwrap.dedent('''
    import signal, time


    @triton.jit
    def stuck_kernel(x_ptr):
        tl.store(x_ptr, 1.0)


    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        time.sleep(1)
''')

# A hang the call timer ends: reported as the module's problem, the worker serves on.
SLOW_IMPORT = "import time\ntime.sleep(3600)\n"


@pytest.fixture()
def ops(tmp_path):
    (tmp_path / "ops.py").write_text(OPS)
    (tmp_path / "hangs.py").write_text(HANGS)
    return tmp_path


def test_host_functions_give_launches_for_plain_and_autotuned_kernels(ops):
    launches = launches_for_module(ops / "ops.py", timeout=60)
    assert launches == {
        # the 2-D and 3-D forms are this one flattened (M * N for N): only the 1-D form is kept
        "scale_kernel": ["scale_kernel[(cdiv(N, 128),)](x[N], out[N], N, 128)"],
        # BLOCK is left to the autotune configurations, as the host code leaves it
        "row_sum_kernel": ["row_sum_kernel[(M,)](x[M, N], out[M], N)"],
    }  # needs_gpu raised at every form: nothing from it; never_launched: none


def test_a_module_that_hangs_is_limited_and_reported_and_the_next_one_runs(ops):
    with pytest.raises(CaptureError, match="timed out after 8 s"):
        launches_for_module(ops / "hangs.py", timeout=8)
    hang, good = capture_modules([str(ops / "hangs.py"), str(ops / "ops.py")], jobs=1, timeout=8)
    assert hang.outcome == "timeout" and hang.launches == {} and "timed out" in hang.problem
    assert good.outcome == "ok" and "row_sum_kernel" in good.launches  # a fresh worker took over


def test_a_slow_import_is_cut_by_the_call_timer(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW_IMPORT)
    (result,) = capture_modules([str(tmp_path / "slow.py")], timeout=8)
    assert result.outcome == "ok" and result.problem == "importing the module failed: CallTimeout: it took more than 6 s"


def test_a_module_that_does_not_import_is_reported(tmp_path):
    (tmp_path / "bad.py").write_text("import a_module_that_does_not_exist\n")
    (result,) = capture_modules([str(tmp_path / "bad.py")], timeout=60)
    assert result.outcome == "ok" and result.launches == {}
    assert result.problem == "importing the module failed: ModuleNotFoundError: No module named " \
                             "'a_module_that_does_not_exist'"
    with pytest.raises(CaptureError, match="importing the module failed"):
        launches_for_module(tmp_path / "bad.py", timeout=60)


def test_the_survey_lifts_captured_launches_and_says_why_others_have_none(ops, tmp_path):
    report = survey(str(ops), tmp_path / "out", SurveyOptions(jobs=1, timeout=20, oracle=False, progress=False))
    entries = {e["id"]: e for e in report["entries"]}
    assert entries["ops.py::row_sum_kernel"]["launch_source"] == "capture"
    assert entries["ops.py::row_sum_kernel"]["status"] == "VERIFIED"
    assert entries["ops.py::row_sum_kernel"]["formulas"][0]["text"] == "out[i] = Σ_{k<N} x[i, k]"
    assert entries["ops.py::scale_kernel"]["formulas"][0]["text"] == "out[i] = x[i] · 2"
    assert entries["ops.py::never_launched"]["reason"] == ("no launch description (host-code capture: the module's "
                                                           "host functions did not launch it with generic inputs)")
    assert report["capture"].endswith("failed: 1 timeout")  # hangs.py, limited to the survey's --timeout
    assert entries["hangs.py::stuck_kernel"]["reason"] == ("no launch description (host-code capture: timed out after "
                                                           "20 s (importing the module or running its host code))")
    again = survey(str(ops), tmp_path / "out", SurveyOptions(jobs=1, timeout=20, oracle=False, progress=False))
    assert "(2 from the cache" in again["capture"] and again["lifted_now"] == 0  # keyed on each module's source
    groups = {r["group"]: (r["count"], r["entries"]) for r in report["unknown_reasons"]}
    assert groups["no launch description (host-code capture: the module's host functions did not launch it with "
                  "generic inputs)"] == (1, 1)


def test_parameters_are_read_from_annotations_then_names():
    assert kind_of(Param("x", False, True)) == "tensor"
    assert kind_of(Param("dim", False, True)) == "dim"
    assert kind_of(Param("eps", False, False)) == "float"
    assert kind_of(Param("normalized_shape", False, True)) == "shape"
    assert kind_of(Param("indices", False, True)) == "index"
    assert kind_of(Param("mode", False, False)) == "default"  # a string's default is the plausible value
    assert kind_of(Param("n", False, True, "int")) == "int"
    assert kind_of(Param("w", False, False, "Optional[torch.Tensor]", True)) == "tensor"
    assert kind_of(Param("reduction", False, True, "str")) == "unknown"


def test_forms_try_layouts_and_optional_arguments():
    params = (Param("x", False, True), Param("weight", False, False, "", True), Param("dim", False, False))
    labels = [f.label for f in call_forms("f.py", "op", params)]
    assert labels[:4] == ["x=f32[M, N]", "x=f32[M, N], dim=-1", "x=f32[M, N], weight=f32[M, N]",
                          "x=f32[M, N], weight=f32[M, N], dim=-1"]
    assert "x=f32[M, N], weight=f32[N]" in labels and "x=f32[M, K], weight=f32[K, N]" in labels
    assert call_forms("f.py", "op", (Param("reduction", False, True, "str"),)) == []  # cannot be guessed
