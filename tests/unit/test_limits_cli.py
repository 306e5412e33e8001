"""`tritonlift lift --timeout/--memory`: a lift that runs away ends UNKNOWN with the limit named."""

import io
import time

from tritonlift.cli import EXIT_INPUT, EXIT_NOT_PROVEN, EXIT_OK, run_lift_limited

from ..conftest import EXAMPLES

SOFTMAX = (f"{EXAMPLES}/softmax.py::softmax_kernel",
           "softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK_SIZE=next_power_of_2(N))")
LAYER_NORM = (f"{EXAMPLES}/layer_norm.py::layer_norm_kernel",  # seconds at the default sizes
              "layer_norm_kernel[(M,)](y[M, N], mean[M], rstd[M], x[M, N], w[N], b[N], N, eps, BLOCK=4)")


def _run(timeout=None, memory=None, kernel=SOFTMAX, sizes="N=1..3, M=1..2"):
    out, err = io.StringIO(), io.StringIO()
    arguments = (kernel[0], kernel[1], False, None, sizes, None, True, False)
    switches = dict(unbounded=True, simplify=False, names=False, safety_only=False)
    start = time.perf_counter()
    code = run_lift_limited(arguments, switches, timeout, memory, out, err)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def test_a_lift_past_its_time_limit_is_unknown_and_stopped():
    code, out, _, seconds = _run(timeout=0.5, kernel=LAYER_NORM, sizes=None)
    assert code == EXIT_NOT_PROVEN, out
    assert "UNKNOWN" in out and "timeout after 0.5 s" in out
    assert seconds < 10  # killed, not waited for


def test_a_lift_past_its_memory_limit_is_unknown():
    code, out, _, _ = _run(memory=64)
    assert code == EXIT_NOT_PROVEN
    assert "UNKNOWN" in out and ("memory limit of 64 MiB" in out or "stopped" in out)


def test_a_lift_within_its_limits_prints_what_the_plain_lift_prints():
    code, out, err, _ = _run(timeout=300, memory=8192)
    assert code == EXIT_OK, err
    assert "VERIFIED" in out and "y[i, j] = exp(x[i, j] − max_{k<N} x[i, k])" in out


def test_nonpositive_limits_are_input_errors():
    code, _, err, _ = _run(timeout=0)
    assert code == EXIT_INPUT and "--timeout" in err
