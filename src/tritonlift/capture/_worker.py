"""Capture worker: runs a user's host function with every Triton launch intercepted.

Run as `python _worker.py JOB.json RESULT.json` (never imported by tritonlift: the user's imports
and the torch.cuda stubs are process-global). The protocol is JSON of plain values.

Modes:
  record  every `kernel[grid](...)` is recorded (KernelInterface.__getitem__), nothing runs
  replay  the same interception, but each resolved launch also runs in Triton's interpreter
          (first autotune configuration), and the result is compared with a PyTorch expression

Tensors are identified by their storage pointer; every tensor seen is kept alive until the end
of the call, so a pointer can never be reused for another tensor within one call.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import json
import math
import os
import sys
import tempfile
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0]) == HERE:  # our folder must not shadow user modules
    sys.path.pop(0)
os.environ.pop("TRITON_INTERPRET", None)  # kernels stay JITFunctions; we resolve them ourselves
os.environ.setdefault("FLAGGEMS_CACHE_DIR", os.path.join(tempfile.gettempdir(), "tritonlift-capture-cache"))

import torch  # noqa: E402
import triton  # noqa: E402
from triton.runtime import autotuner as _autotuner  # noqa: E402
from triton.runtime.jit import JITFunction, KernelInterface  # noqa: E402

OPTIONS = {"num_warps", "num_stages", "num_ctas", "maxnreg", "num_buffers_warp_spec", "num_consumer_groups",
           "reg_dec_producer", "reg_inc_consumer", "enable_fp_fusion", "launch_cooperative_grid"}
DTYPES = {"f32": torch.float32, "fp32": torch.float32, "float32": torch.float32, "f16": torch.float16,
          "fp16": torch.float16, "bf16": torch.bfloat16, "f64": torch.float64, "fp64": torch.float64,
          "i32": torch.int32, "int32": torch.int32, "i64": torch.int64, "int64": torch.int64, "bool": torch.bool}


# ---------------------------------------------------------------- CPU stubs (see notes/flaggems-on-cpu.md)


class _NullDevice:
    """`with torch.cuda.device(x.device):` on a CPU tensor: a no-op context."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def install_stubs(num_sms: int) -> None:
    torch.cuda.current_device = lambda: 0
    torch.cuda.device_count = lambda: 1
    torch.cuda.get_device_properties = lambda *a, **k: types.SimpleNamespace(
        multi_processor_count=num_sms, name="tritonlift-cpu", total_memory=1 << 34)
    torch.cuda.device = _NullDevice
    torch.cuda.set_device = lambda *a, **k: None
    torch.cuda.synchronize = lambda *a, **k: None


@contextlib.contextmanager
def pretend_cuda():
    """Host asserts such as `assert x.is_cuda` hold during the call only."""
    saved = torch.Tensor.is_cuda
    torch.Tensor.is_cuda = property(lambda self: True)
    try:
        yield
    finally:
        torch.Tensor.is_cuda = saved


# ---------------------------------------------------------------- importing the user's module


def import_user_module(path: str):
    """A file inside packages keeps its dotted name (generated code imports it by that name); the
    packages' __init__ files do not run (they may touch the GPU)."""
    path = os.path.abspath(path)
    folder, parts = os.path.dirname(path), [os.path.splitext(os.path.basename(path))[0]]
    while os.path.exists(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    if len(parts) == 1:
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(parts[0], path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[parts[0]] = module
        spec.loader.exec_module(module)
        return module
    sys.path.insert(0, folder)
    for n in range(1, len(parts)):
        name = ".".join(parts[:n])
        if name not in sys.modules:
            stub = types.ModuleType(name)
            stub.__path__ = [os.path.join(folder, *parts[:n])]
            sys.modules[name] = stub
    return importlib.import_module(".".join(parts))


# ---------------------------------------------------------------- interception


def _raw_function(obj):
    """LibEntry / Autotuner / Heuristics / JITFunction all wrap `.fn`; the innermost is Python."""
    layers = []
    while not inspect.isfunction(obj):
        layers.append(obj)
        obj = obj.fn
    return layers, obj


def resolve(obj, grid, args, kwargs):
    """Every variant the layers above the jit function would launch: one per autotune config,
    heuristics evaluated on each (as Heuristics.run does). Returns (layers, fn, [variant dicts])."""
    layers, fn = _raw_function(obj)
    params = list(inspect.signature(fn).parameters)
    variants = [(dict(kwargs), {}, None)]  # (kwargs, options, config index)
    for layer in layers:
        if isinstance(layer, _autotuner.Autotuner):
            out = []
            for kw, opts, _ in variants:
                for c, config in enumerate(layer.configs):
                    merged = dict(kw)
                    for k, v in config.all_kwargs().items():
                        (opts if k in OPTIONS else merged).__setitem__(k, v)
                    out.append((merged, dict(opts), c))
            variants = out
        elif isinstance(layer, _autotuner.Heuristics):
            for kw, _, _ in variants:
                for name, heur in layer.values.items():
                    kw[name] = heur({**dict(zip(params, args)), **kw})
    result = []
    for kw, opts, config in variants:
        for k in [k for k in kw if k in OPTIONS]:
            opts[k] = kw.pop(k)
        bound = inspect.signature(fn).bind(*args, **kw)
        bound.apply_defaults()
        values = dict(bound.arguments)
        g = grid(values) if callable(grid) else grid
        g = tuple(int(v) for v in (g if isinstance(g, (tuple, list)) else (g,)))
        result.append({"values": values, "grid": g, "config": config, "options": opts})
    return layers, fn, result


def runtime_bindings(fn) -> dict:
    """Module-level names of the kernel's module that host code bound to a jit function defined
    elsewhere (generated code: `inlined_f = f._scalar_fn`): name -> [dotted module, function]. The
    reader cannot evaluate such assignments; it reads these names as imports instead. Values:
    [dotted module, function name, source file]."""
    out = {}
    for name, value in fn.__globals__.items():
        if isinstance(value, JITFunction) and inspect.isfunction(value.fn) and \
                (value.fn.__name__ != name or value.fn.__module__ != fn.__module__):
            out[name] = [value.fn.__module__, value.fn.__name__, inspect.getsourcefile(value.fn)]
    return out


def _is_constexpr(param) -> bool:
    ann = param.annotation
    return ann is not inspect.Parameter.empty and ("constexpr" in str(ann) or getattr(ann, "__name__", "") == "constexpr")


class Recorder:
    """The patched `KernelInterface.__getitem__`: records each launch, optionally runs it."""

    def __init__(self, replay: bool):
        self.replay = replay
        self.launches: list = []
        self.keep: list = []  # every tensor seen, kept alive
        self._interpreted: dict = {}
        self.guard = None  # the oracle's bounds guard (replay mode)
        self.oob: list[str] = []

    def install(self) -> None:
        recorder = self

        def getitem(kernel, grid):
            return lambda *args, **kwargs: recorder.launch(kernel, grid, args, kwargs)

        KernelInterface.__getitem__ = getitem
        if self.replay:
            self._route_helpers()

    def _route_helpers(self) -> None:
        """Nested @triton.jit helpers called from an interpreted kernel run interpreted too."""
        from triton.runtime.interpreter import InterpretedFunction

        cache = self._interpreted

        def call(jit, *args, **kwargs):
            key = id(jit)  # not hash(jit): JITFunction hashes its cache key, which may not exist here
            if key not in cache:
                cache[key] = (jit, InterpretedFunction(jit.fn))
            return cache[key][1](*args, **kwargs)

        JITFunction.__call__ = call

    def launch(self, kernel, grid, args, kwargs):
        layers, fn, variants = resolve(kernel, grid, args, kwargs)
        sig = inspect.signature(fn)
        site = {"file": inspect.getsourcefile(fn), "name": fn.__name__, "line": fn.__code__.co_firstlineno,
                "layers": [type(layer).__name__ for layer in layers],
                "constexprs": [p.name for p in sig.parameters.values() if _is_constexpr(p)],
                "autotuned": sorted({k for layer in layers if isinstance(layer, _autotuner.Autotuner)
                                     for c in layer.configs for k in c.kwargs}),
                "heuristic": sorted({k for layer in layers if isinstance(layer, _autotuner.Heuristics)
                                     for k in layer.values}),
                "bindings": runtime_bindings(fn),
                "variants": []}
        for v in variants:
            site["variants"].append({"grid": list(v["grid"]), "config": v["config"],
                                     "args": [[name, self.encode(value)] for name, value in v["values"].items()]})
        self.launches.append(site)
        if self.replay:
            self.run_interpreted(fn, variants[0])

    def run_interpreted(self, fn, variant) -> None:
        from triton.runtime.interpreter import InterpretedFunction

        key = id(fn)
        if key not in self._interpreted:
            self._interpreted[key] = (fn, InterpretedFunction(fn))
        tensors = [(name, v.untyped_storage().data_ptr(), v.untyped_storage().data_ptr() + v.untyped_storage().nbytes(),
                    v.untyped_storage().data_ptr(), v.untyped_storage().data_ptr() + v.untyped_storage().nbytes(),
                    v.element_size()) for name, v in variant["values"].items() if isinstance(v, torch.Tensor)]
        self.guard.reset(tensors)
        try:
            self._interpreted[key][1].run(grid=variant["grid"], warmup=False, **variant["values"])
        finally:
            self.oob.extend(f"{fn.__name__}: {d}" for d in self.guard.descriptions())
            self.guard.reset([])

    def encode(self, value):
        if isinstance(value, torch.Tensor):
            self.keep.append(value)
            return {"kind": "tensor", "storage": value.untyped_storage().data_ptr(), "offset": value.storage_offset(),
                    "shape": list(value.shape), "strides": list(value.stride()), "dtype": str(value.dtype),
                    "id": len(self.keep) - 1}
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return {"kind": "literal", "value": value}
        if isinstance(value, int):
            return {"kind": "int", "value": value}
        if isinstance(value, float):
            return {"kind": "float", "value": value if math.isfinite(value) else repr(value)}
        if hasattr(value, "value") and isinstance(value.value, (int, float, bool, str)):  # tl.constexpr
            return self.encode(value.value)
        return {"kind": "other", "value": str(value)}


# ---------------------------------------------------------------- running the host function


def make_input(spec, sizes, generator):
    """`f32[M, N].t()`: a tensor of the base shape, then the view ops (torch semantics)."""
    shape = [sizes[d] if isinstance(d, str) else d for d in spec["shape"]]
    dtype = DTYPES[spec["dtype"]]
    if dtype.is_floating_point:
        base = torch.randn(shape, generator=generator, dtype=torch.float32).to(dtype)
    elif dtype is torch.bool:
        base = torch.rand(shape, generator=generator) > 0.5
    else:
        base = torch.randint(0, 4, shape, generator=generator, dtype=dtype)
    for op, op_args in spec.get("views", []):
        base = getattr(base, op)(*op_args)
    return base


def evaluate_arg(value, sizes):
    """`--args` values may mention sizes (`normalized_shape=[N]`); they arrive as tagged JSON."""
    if isinstance(value, dict) and "size" in value:
        return sizes[value["size"]]
    if isinstance(value, dict) and "list" in value:
        return [evaluate_arg(v, sizes) for v in value["list"]]
    if isinstance(value, dict) and "tuple" in value:
        return tuple(evaluate_arg(v, sizes) for v in value["tuple"])
    if isinstance(value, dict) and "dtype" in value:
        return DTYPES[value["dtype"]]
    return value


def _user_frame(exc, user_file):
    """The innermost traceback frame in the user's file, or the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(user_file)]
    f = (mine or frames or [None])[-1]
    return None if f is None else {"file": f.filename, "line": f.lineno, "code": f.line}


def call_once(fn, job, sizes, recorder, seed):
    generator = torch.Generator().manual_seed(seed)
    params = inspect.signature(fn).parameters
    positional, keywords, inputs = [], {}, {}
    for spec in job["inputs"]:
        t = make_input(spec, sizes, generator)
        inputs[spec["name"]] = t
        (keywords.__setitem__(spec["name"], t) if spec["name"] in params else positional.append(t))
    for name, value in job["args"].items():
        keywords[name] = evaluate_arg(value, sizes)
    recorder.launches, recorder.keep = [], []
    with pretend_cuda():
        result = fn(*positional, **keywords)
    return inputs, result


def describe_call(inputs, result, recorder):
    """Roles of every storage seen: operator inputs, outputs, or intermediate buffers."""
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    outs = []
    for n, t in enumerate(outputs):
        if isinstance(t, torch.Tensor):
            outs.append({"position": n, "storage": t.untyped_storage().data_ptr(), "offset": t.storage_offset(),
                         "shape": list(t.shape), "strides": list(t.stride()), "dtype": str(t.dtype)})
        else:
            outs.append({"position": n, "value": repr(t)})
    ins = {name: {"storage": t.untyped_storage().data_ptr(), "offset": t.storage_offset(), "shape": list(t.shape),
                  "strides": list(t.stride())} for name, t in inputs.items()}
    copies = {}  # a host-made tensor whose contents equal an input's (x.contiguous(), clone): that input
    for site in recorder.launches:
        for _, value in site["variants"][0]["args"]:
            if value["kind"] != "tensor" or value["storage"] in {i["storage"] for i in ins.values()}:
                continue
            t = recorder.keep[value["id"]]
            for name, x in inputs.items():
                if t.shape == x.shape and t.dtype == x.dtype and x.numel() > 1 and torch.equal(t, x) \
                        and t.untyped_storage().data_ptr() not in copies:
                    copies[t.untyped_storage().data_ptr()] = name
    return {"inputs": ins, "outputs": outs, "copies": {str(k): v for k, v in copies.items()},
            "tuple": isinstance(result, (tuple, list))}


def record(job, fn):
    recorder = Recorder(replay=False)
    recorder.install()
    samples = []
    for n, sizes in enumerate(job["sizes"]):
        try:
            inputs, result = call_once(fn, job, sizes, recorder, seed=n)
        except Exception as exc:  # the user's host code raised: say where, stop
            return {"error": f"{type(exc).__name__}: {exc}", "where": _user_frame(exc, job["file"]), "sizes": sizes}
        samples.append({"sizes": sizes, "launches": recorder.launches, **describe_call(inputs, result, recorder)})
    defaults = {name: p.default for name, p in inspect.signature(fn).parameters.items()
                if isinstance(p.default, float) and math.isfinite(p.default)}
    return {"samples": samples, "defaults": defaults}


def replay(job, fn):
    """Run the operator in Triton's interpreter and compare with the PyTorch expression."""
    sys.path.insert(0, os.path.dirname(HERE))
    patches = _load_oracle_patches()
    patches.install()
    recorder = Recorder(replay=True)
    recorder.guard = patches.GUARD
    recorder.install()
    reports = []
    for n, sizes in enumerate(job["sizes"]):
        try:
            inputs, result = call_once(fn, job, sizes, recorder, seed=1000 + n)
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}", "where": _user_frame(exc, job["file"]), "sizes": sizes}
        defaults = {name: p.default for name, p in inspect.signature(fn).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        namespace = {"torch": torch, "F": torch.nn.functional, "math": math, **defaults, **inputs,
                     **{k: evaluate_arg(v, sizes) for k, v in job["args"].items()}, **sizes}
        try:
            expected = eval(job["against"], namespace)  # noqa: S307 - the user's own reference expression
        except Exception as exc:
            return {"error": f"--against: evaluating it in PyTorch raised {type(exc).__name__}: {exc}",
                    "where": None, "sizes": sizes}
        got = result if isinstance(result, (tuple, list)) else (result,)
        want = expected if isinstance(expected, (tuple, list)) else (expected,)
        for k, (g, w) in enumerate(zip(got, want)):
            g64, w64 = g.detach().double(), torch.as_tensor(w).double()
            if g64.shape != w64.shape:
                reports.append({"sizes": sizes, "output": k, "what": f"shape {list(g64.shape)} != {list(w64.shape)}"})
                break
            bad = ~torch.isclose(g64, w64, rtol=1e-4, atol=1e-5, equal_nan=True)
            if bad.any():
                where = tuple(int(i) for i in bad.nonzero()[0])
                reports.append({"sizes": sizes, "output": k, "index": list(where), "got": float(g64[where]),
                                "expected": float(w64[where]), "mismatches": int(bad.sum()), "total": bad.numel()})
                break
        if recorder.oob and not reports:
            reports.append({"sizes": sizes, "what": "out-of-bounds access: " + "; ".join(recorder.oob[:3])})
        if reports:
            break
    return {"mismatch": reports[0] if reports else None, "sizes_run": len(job["sizes"])}


def _load_oracle_patches():
    spec = importlib.util.spec_from_file_location("_tritonlift_oracle_patches",
                                                  os.path.join(os.path.dirname(HERE), "_oracle_patches.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(job_file: str, result_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    install_stubs(job.get("num_sms", 132))
    try:
        module = import_user_module(job["file"])
    except Exception as exc:
        out = {"error": f"importing {job['file']} failed: {type(exc).__name__}: {exc}",
               "where": _user_frame(exc, job["file"])}
    else:
        fn = getattr(module, job["function"], None)
        if fn is None or not callable(fn):
            out = {"error": f"{job['file']} has no function '{job['function']}'", "where": None}
        else:
            try:
                out = replay(job, fn) if job["mode"] == "replay" else record(job, fn)
            except Exception as exc:  # ours, not the user's: full traceback
                out = {"internal": traceback.format_exc()}
    with open(result_file, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
