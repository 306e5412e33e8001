"""Worker process of the interpreter oracle (`tritonlift.oracle`): never imported by tritonlift.

Run as `python _oracle_worker.py JOBS.pkl OUTDIR`. It sets TRITON_INTERPRET=1 before importing
triton, patches Triton's interpreter (`_oracle_patches.py`), imports the synthetic kernel modules
that the parent wrote, runs each job and writes `OUTDIR/result_<i>.pkl` (atomically) per job; the
parent watches those files, so a crash or hang costs only the job that caused it. The protocol is
plain dicts, lists, tuples and numpy arrays: nothing here imports the tritonlift package.

Every tensor argument is a view into the middle of a larger buffer whose padding holds a NaN with
an unusual payload (or 0xA5 bytes for integers); besides the bounds guard of the patches, a change
of the padding after the run is reported as an out-of-bounds write.
"""

from __future__ import annotations

import os
import sys

os.environ["TRITON_INTERPRET"] = "1"  # before triton is imported, or kernels are compiled
# `python path/_oracle_worker.py` puts the tritonlift folder first on sys.path: its module names
# (errors, ir, report, ...) must not shadow anything the kernels import.
HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0]) == HERE:
    sys.path.pop(0)

import importlib
import importlib.util
import pickle
import traceback
import types
from pathlib import Path

import numpy as np
import torch
import triton.language as tl


def _load_patches():
    spec = importlib.util.spec_from_file_location("_tritonlift_oracle_patches",
                                                  os.path.join(HERE, "_oracle_patches.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


patches = _load_patches()
GUARD = patches.GUARD

TORCH_DTYPES = {
    "fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32, "fp64": torch.float64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
    "uint8": torch.uint8, "bool": torch.bool,
}
TL_DTYPES = {
    "fp16": tl.float16, "bf16": tl.bfloat16, "fp32": tl.float32, "fp64": tl.float64,
    "int8": tl.int8, "int16": tl.int16, "int32": tl.int32, "int64": tl.int64, "uint8": tl.uint8,
    "uint16": tl.uint16, "uint32": tl.uint32, "uint64": tl.uint64, "bool": tl.int1, "int1": tl.int1,
}
# Padding filled with a NaN whose payload is unusual, so that a stored NaN is still detected. Bit
# patterns per element size; integer tensors get the byte 0xA5 repeated, bool tensors the byte 2.
NAN_PATTERNS = {torch.float16: 0x7E5A, torch.bfloat16: 0x7FDA, torch.float32: 0x7FC0DEAD,
                torch.float64: 0x7FF8DEADBEEF0000}
INT_VIEW = {2: torch.int16, 4: torch.int32, 8: torch.int64}
MIN_PAD_ELEMS = 1024  # an overrun by one tile of a row kernel stays inside the padding
MAX_PAD_ELEMS = 1 << 22  # 16 MiB of fp32 on either side at most


# ---------------------------------------------------------------- tensors in and out


class Buffer:
    """A tensor argument: a strided view into the middle of a padded flat buffer."""

    def __init__(self, spec):
        self.name, self.dtype_name = spec["name"], spec["dtype"]
        if spec["dtype"] not in TORCH_DTYPES:
            raise ValueError(f"tensor {self.name}: unsupported dtype {spec['dtype']!r} "
                             f"(known: {', '.join(TORCH_DTYPES)})")
        dtype = TORCH_DTYPES[spec["dtype"]]
        data = np.asarray(spec["data"])
        shape = tuple(data.shape)
        strides = spec["strides"] or _contiguous(shape)
        if len(strides) != len(shape) or any(s < 0 for s in strides):
            raise ValueError(f"tensor {self.name}: strides {strides} do not fit shape {shape}")
        self.extent = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
        self.pad = min(max(MIN_PAD_ELEMS, self.extent), MAX_PAD_ELEMS)
        self.flat = torch.empty(self.extent + 2 * self.pad, dtype=dtype)
        _fill_sentinel(self.flat)
        self.sentinel = _raw(self.flat[:1]).clone()  # raw bits: cloning a bool byte 2 gives 1
        self.view = torch.as_strided(self.flat, shape, strides, self.pad)
        if self.extent:
            offsets = (np.indices(shape).reshape(len(shape), -1).T @ np.asarray(strides, dtype=np.int64)
                       if shape else np.zeros(1, dtype=np.int64))
            values = torch.from_numpy(np.ascontiguousarray(data.reshape(-1)))
            self.flat[torch.from_numpy(offsets + self.pad)] = values.to(dtype)

    def ranges(self):
        es = self.flat.element_size()
        base = self.view.data_ptr()
        return (self.name, base, base + self.extent * es, base - self.pad * es,
                base + (self.extent + self.pad) * es, es)

    def padding_touched(self):
        pads = (self.flat[: self.pad], self.flat[self.pad + self.extent:])
        return any(bool((_raw(p) != self.sentinel).any()) for p in pads)

    def result(self):
        if self.dtype_name == "bool":
            return self.view.numpy().copy()
        target = torch.float64 if self.view.dtype.is_floating_point else torch.int64
        return self.view.to(target).numpy().copy()


def _contiguous(shape):
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _raw(t):
    return t.view(INT_VIEW[t.element_size()]) if t.element_size() in INT_VIEW else t.view(torch.uint8)


def _fill_sentinel(flat):
    if flat.dtype in NAN_PATTERNS:
        bits = NAN_PATTERNS[flat.dtype]
        view = INT_VIEW[flat.element_size()]
        if bits >= 1 << (8 * flat.element_size() - 1):
            bits -= 1 << (8 * flat.element_size())
        flat.view(view).fill_(bits)
    elif flat.dtype == torch.bool:
        flat.view(torch.uint8).fill_(2)
    else:
        flat.view(torch.uint8).fill_(0xA5)


def _argument(arg, buffers):
    kind = arg[0]
    if kind == "tensor":
        buf = Buffer(arg[1])
        buffers.append(buf)
        return buf.view
    if kind == "dtype":
        return TL_DTYPES[arg[1]]
    return arg[1]  # int, float, bool, str, None: passed as the Python value


# ---------------------------------------------------------------- jobs


def run_job(job):
    module = importlib.import_module(job["module"])
    fn = getattr(module, job["function"])
    buffers = []
    args = [_argument(a, buffers) for a in job["args"]]
    GUARD.reset([b.ranges() for b in buffers])
    try:
        fn[tuple(job["grid"])](*args)
    finally:
        oob = GUARD.descriptions()
        GUARD.reset([])
    oob += [f"write to the padding around {b.name} (outside its storage), found after the run"
            for b in buffers if b.padding_touched()]
    return {"outputs": {b.name: b.result() for b in buffers}, "oob": tuple(oob)}


def describe_error(err, paths):
    """`file:line: in fn: Type: message` at the innermost kernel frame, plus that source line. The
    interpreter re-raises as InterpreterError(repr(e)) at each jit call: walk the chain to the
    original error, and take the kernel frame from whichever link's traceback holds one."""
    chain, seen = [err], {id(err)}
    while True:
        nxt = chain[-1].__cause__ or (None if chain[-1].__suppress_context__ else chain[-1].__context__)
        if nxt is None or id(nxt) in seen:
            break
        chain.append(nxt)
        seen.add(id(nxt))
    root = chain[-1]
    message = f"{type(root).__name__}: {root}"
    frame = None
    for link in chain:
        kernel_frames = [f for f in traceback.extract_tb(link.__traceback__) if f.filename in paths]
        frame = kernel_frames[-1] if kernel_frames else frame
    if frame is None:
        frames = traceback.extract_tb(root.__traceback__)
        return message + (f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else "")
    if frame.lineno == 1:
        return f"{paths[frame.filename]} (module-level names the kernel uses): {message}"
    line = (frame.line or "").strip()
    return f"{paths[frame.filename]}:{frame.lineno}: in {frame.name}: {message}" + (f"\n    {line}" if line else "")


def _write(outdir, name, payload):
    tmp = outdir / f".{name}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh)
    os.replace(tmp, outdir / name)


def main(jobs_file, outdir):
    outdir = Path(outdir)
    with open(jobs_file, "rb") as fh:
        batch = pickle.load(fh)
    sys.path.insert(0, batch["module_dir"])
    runtime = types.ModuleType("_tritonlift_oracle_rt")
    runtime.import_or_missing = import_or_missing
    sys.modules[runtime.__name__] = runtime
    patches.install()
    paths = batch["paths"]
    _write(outdir, "ready", True)
    for index in range(batch["start"], len(batch["jobs"])):
        job = batch["jobs"][index]
        try:
            result = run_job(job)
        except BaseException as err:  # noqa: BLE001 - every failure becomes the job's result
            result = {"error": describe_error(err, paths)}
        _write(outdir, f"result_{index}.pkl", result)


class _Missing:
    """A module-level name whose import failed: the error surfaces only if a kernel uses it."""

    def __init__(self, what, error):
        self._what, self._error = what, error

    def __getattr__(self, name):
        if name.startswith("__"):  # introspection (hasattr) must see a plain missing attribute
            raise AttributeError(name)
        raise ImportError(f"{self._what} could not be imported in the oracle: {self._error}")

    def __call__(self, *args, **kwargs):
        raise ImportError(f"{self._what} could not be imported in the oracle: {self._error}")


def import_or_missing(module, name=None):
    try:
        mod = importlib.import_module(module)
        if name is None:
            return mod
        if not hasattr(mod, name):  # `from package import submodule`
            return importlib.import_module(f"{module}.{name}")
        return getattr(mod, name)
    except Exception as err:  # noqa: BLE001 - e.g. a module that needs a GPU at import time
        return _Missing(module if name is None else f"{module}.{name}", f"{type(err).__name__}: {err}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
