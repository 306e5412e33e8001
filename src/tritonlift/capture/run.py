"""Running the capture worker in a subprocess: the user's imports and our torch.cuda stubs must not
touch the tritonlift process."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import tempfile

from ..errors import Site, TritonLiftError
from .record import CallRecord, decode
from .spec import OperatorSpec

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker.py")
# Values per size: small ones for the exhaustive checks, powers of two and their neighbours for
# next_power_of_2 and cdiv fits, and a few large ones so that host dispatch thresholds show.
SIZE_VALUES = (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 100, 128, 257, 1000, 1024, 4097)
MAX_ELEMENTS = 1 << 21  # per input tensor, to keep each call cheap
MAX_SAMPLES = 160


def sample_sizes(spec: OperatorSpec, values: tuple[int, ...] = SIZE_VALUES, *, max_samples: int = MAX_SAMPLES,
                 max_elements: int = MAX_ELEMENTS) -> list[dict[str, int]]:
    """A deterministic spread of size assignments; small ones first, every value of every size."""
    names = spec.sizes
    combos = []
    for combo in itertools.product(values, repeat=len(names)):
        sizes = dict(zip(names, combo))
        if all(_numel(i.shape, sizes) <= max_elements for i in spec.inputs):
            combos.append(sizes)
    if len(combos) <= max_samples:
        return combos
    # every value of every size at least once (paired with small others), the rest at random
    chosen = []
    for name in names:
        for v in values:
            c = {n: (v if n == name else 3) for n in names}
            if c in combos and c not in chosen:
                chosen.append(c)
    rest = [c for c in combos if c not in chosen]
    chosen += random.Random(0).sample(rest, max(0, min(len(rest), max_samples - len(chosen))))
    return sorted(chosen, key=lambda c: tuple(c.values()))


def _numel(shape, sizes) -> int:
    n = 1
    for d in shape:
        n *= sizes[d] if isinstance(d, str) else d
    return n


def run_worker(job: dict, timeout: float = 300.0) -> dict:
    with tempfile.TemporaryDirectory(prefix="tritonlift-capture-") as tmp:
        job_file, out_file = os.path.join(tmp, "job.json"), os.path.join(tmp, "out.json")
        with open(job_file, "w") as f:
            json.dump(job, f)
        env = dict(os.environ)
        env.pop("TRITON_INTERPRET", None)
        try:
            proc = subprocess.run([sys.executable, "-O", WORKER, job_file, out_file], capture_output=True, text=True,
                                  timeout=timeout, env=env, cwd=os.path.dirname(job["file"]))
        except subprocess.TimeoutExpired:
            raise TritonLiftError(f"running {job['function']} took more than {timeout:.0f} s",
                                  Site(job["file"], 1)) from None
        if not os.path.exists(out_file):
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
            raise TritonLiftError(f"the host function's process died (exit {proc.returncode}): {' '.join(tail)}",
                                  Site(job["file"], 1))
        with open(out_file) as f:
            out = json.load(f)
    if "internal" in out:
        raise RuntimeError("capture worker failed:\n" + out["internal"])
    if "error" in out:
        where = out.get("where")
        site = Site(where["file"], where["line"]) if where else Site(job["file"], 1)
        at = f" at sizes {_sizes_text(out['sizes'])}" if out.get("sizes") else ""
        raise TritonLiftError(f"{job['function']}{at} raised {out['error']}"
                              + (f"\n    {where['code']}" if where and where.get("code") else ""), site)
    return out


def _sizes_text(sizes: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items())


def capture(spec: OperatorSpec, sizes: list[dict[str, int]] | None = None,
            num_sms: int = 132) -> tuple[tuple[CallRecord, ...], dict[str, float]]:
    """Run the host function at every size assignment, recording its launches. Also returns the
    function's float parameter defaults (eps=1e-5), which name float kernel arguments."""
    job = {**spec.to_json(), "mode": "record", "sizes": sizes or sample_sizes(spec), "num_sms": num_sms}
    out = run_worker(job)
    records = tuple(decode(s) for s in out["samples"])
    if not any(r.sites for r in records):
        raise TritonLiftError(f"{spec.function} launched no Triton kernel (looked for kernel[grid](…) calls at "
                              f"{len(records)} size assignments)", Site(spec.file, _def_line(spec)))
    return records, dict(out.get("defaults", {}))


def replay(spec: OperatorSpec, against: str, sizes: list[dict[str, int]]) -> dict:
    """Run the operator in Triton's interpreter at `sizes`; compare with the PyTorch expression."""
    job = {**spec.to_json(), "mode": "replay", "sizes": sizes, "against": against}
    return run_worker(job)


def _def_line(spec: OperatorSpec) -> int:
    try:
        with open(spec.file) as f:
            for n, line in enumerate(f, 1):
                if line.lstrip().startswith(f"def {spec.function}("):
                    return n
    except OSError:
        pass
    return 1
