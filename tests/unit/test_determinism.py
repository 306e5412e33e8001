"""The same input gives the same formula, verdict and obligations on every run: twice in one
process, and in two processes with different hash seeds (set iteration order changes with them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import tritonlift
from tritonlift.report.json_report import to_json

from ..conftest import EXAMPLES, ROOT

CASES = [  # (kernel reference, launch): a textbook form, a tile loop, a counterexample
    (f"{EXAMPLES}/softmax.py::softmax_kernel",
     "softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK_SIZE=next_power_of_2(N))"),
    (f"{EXAMPLES}/row_sum.py::row_sum_kernel", "row_sum_kernel[(M,)](out[M], x[M, N], N, BLOCK=4)"),
    (f"{EXAMPLES}/row_sum.py::row_sum_kernel", "row_sum_kernel[(M,)](out[M], x[M - 1, N], N, BLOCK=4)"),
]
EXPECTED = ["VERIFIED", "VERIFIED", "COUNTEREXAMPLE"]


def stable(report: dict) -> dict:
    """The JSON report without what may vary between runs: seconds and temporary paths."""
    keep = {k: v for k, v in report.items() if k not in ("timings", "obligations")}
    keep["obligations"] = [[o["name"], o["result"]] for o in report["obligations"]]
    return json.loads(json.dumps(keep, default=repr))  # counterexample arrays as text


def lift_json(ref: str, launch: str) -> dict:
    return stable(to_json(tritonlift.lift(ref, launch, oracle=False)))


def test_twice_in_one_process():
    for ref, launch in CASES:
        first, second = lift_json(ref, launch), lift_json(ref, launch)
        assert first == second, ref
    assert [lift_json(r, l)["status"] for r, l in CASES] == EXPECTED


def test_across_processes_with_different_hash_seeds():
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); from tests.unit.test_determinism import CASES, "
              "lift_json; print(json.dumps([lift_json(r, l) for r, l in CASES]))")
    runs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, TRITON_INTERPRET="1")
        proc = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, env=env,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
    assert [r["status"] for r in runs[0]] == EXPECTED
    assert runs[0][0]["textbook"][0]["formula"] and runs[0][2]["counterexample"]["what"]
