"""The limited runner: every way a child can end becomes an Outcome, and timeouts kill grandchildren."""

import os
import signal
import subprocess
import time

from tritonlift.limits import run_limited


def add(a, b):
    return a + b


def fail():
    raise ValueError("bad kernel")


def sleep_forever():
    time.sleep(600)


def allocate(megabytes):
    return len(bytearray(megabytes * 1024 * 1024))


def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


def spawn_then_hang(pidfile):
    child = subprocess.Popen(["sleep", "600"])
    with open(pidfile, "w") as f:
        f.write(str(child.pid))
    time.sleep(600)


def test_value_comes_back():
    outcome = run_limited(add, (2, 3), timeout=30, memory_mb=2048)
    assert outcome.kind == "ok" and outcome.value == 5 and outcome.seconds > 0


def test_exception_is_reported_with_its_traceback():
    outcome = run_limited(fail, (), timeout=30)
    assert outcome.kind == "error" and "ValueError: bad kernel" in outcome.detail


def test_timeout():
    start = time.perf_counter()
    outcome = run_limited(sleep_forever, (), timeout=1)
    assert outcome.kind == "timeout" and outcome.detail == "timeout after 1 s"
    assert time.perf_counter() - start < 10


def test_memory_limit():
    outcome = run_limited(allocate, (4096,), timeout=30, memory_mb=512)
    assert outcome.kind == "memory"
    assert run_limited(allocate, (16,), timeout=30, memory_mb=512).value == 16 * 1024 * 1024


def test_crash_is_reported():
    outcome = run_limited(segfault, (), timeout=30)
    assert outcome.kind == "crash" and "SIGSEGV" in outcome.detail


def test_timeout_kills_what_the_child_started(tmp_path):
    pidfile = tmp_path / "pid"
    assert run_limited(spawn_then_hang, (str(pidfile),), timeout=2).kind == "timeout"
    pid = int(pidfile.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # a killed child that is not yet reaped by its (dead) parent lingers as a zombie
        if open(f"/proc/{pid}/stat").read().split()[2] == "Z":
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"grandchild {pid} survived the timeout")
