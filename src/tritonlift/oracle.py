"""The concrete oracle: run a Triton kernel in Triton's CPU interpreter (TRITON_INTERPRET=1).

The kernel's module is never imported here (kernel libraries query the GPU at import time, and the
interpreter must be switched on before anything is decorated). Instead a *synthetic module* is
built from the source file's AST: the kernel, the module-level jit functions it calls (also across
relative imports), the constants and imports it reads, each function at its original line number so
that errors point at the user's file. A worker process (`_oracle_worker.py`) imports it with the
interpreter on, patches the interpreter's known pitfalls (`and`/`or`/`not` on tensors, libdevice
externs, bf16 arithmetic on bit patterns, no bounds checking: `_oracle_patches.py`) and runs the
launches. A crash, a hang or heap corruption in the worker costs only the job that caused it: the
next jobs run in a fresh worker.

Bounds guard, best effort: a masked-in load, store or atomic lane whose address lies outside the
logical extent of every tensor argument is dropped (loads give NaN, or 0 for integers) and reported
in `OracleResult.oob`; each tensor also sits in NaN padding (1024 elements or its own size on each
side), and a changed padding is reported too. Not caught: an access that lands inside *another*
tensor argument's extent, or in the gaps of a strided view (those hold NaN, reads show up as NaN).

    result = run_kernel("examples/add.py", "add_kernel", (3,), [out, x, y, 2.0, 9, 4])
    result.outputs["out"]    # float64 array, the final values of `out`
"""

from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import TritonLiftError
from .frontend.module import ImportedName, SourceModule, is_jit_decorator, load_module

# The worker imports torch and triton before the first job (1.5-3 s); allow for a loaded machine.
STARTUP_TIMEOUT_S = 120.0
# How often the parent looks for the worker's next result file.
POLL_INTERVAL_S = 0.01
# How much of the worker's stderr an OracleError quotes.
STDERR_TAIL_CHARS = 2000
WORKER = Path(__file__).with_name("_oracle_worker.py")


@dataclass(frozen=True)
class TensorSpec:
    """One tensor argument: its logical values (the shape is `data.shape`) and how it is laid out."""

    name: str
    data: np.ndarray  # float64, int64 or bool
    strides: tuple[int, ...] | None = None  # element strides of the view; None = contiguous
    dtype: str = "fp32"  # fp16, bf16, fp32, fp64, int8, int16, int32, int64, uint8, bool


@dataclass(frozen=True)
class DtypeValue:
    """A triton dtype passed as a constexpr (`OUT_DTYPE=tl.float16`): `DtypeValue("fp16")`."""

    name: str


Arg = TensorSpec | DtypeValue | int | float | bool | str | None


@dataclass(frozen=True)
class KernelJob:
    """One launch: `function_name[grid](*args)` from `source_file`, constexprs passed positionally."""

    source_file: str
    function_name: str
    grid: tuple[int, ...]
    args: tuple[Arg, ...] | list[Arg]


@dataclass(frozen=True)
class OracleResult:
    outputs: dict[str, np.ndarray]  # final logical values of every tensor argument, by name
    oob: tuple[str, ...] = ()  # out-of-bounds accesses that the guard caught (and dropped)


class OracleError(TritonLiftError):
    """The kernel could not be run: compile or interpret error, timeout, crash of the worker."""


def run_kernel(source_file: str, function_name: str, grid: tuple[int, ...], args: list[Arg],
               timeout_s: float = 60.0) -> OracleResult:
    """Run one launch in the interpreter; raises OracleError when it cannot be run."""
    (result,) = run_kernels([KernelJob(source_file, function_name, grid, args)], timeout_s)
    if isinstance(result, OracleError):
        raise result
    return result


def run_kernels(jobs: list[KernelJob], timeout_s: float = 60.0) -> list[OracleResult | OracleError]:
    """Run several launches in one worker process (one interpreter start-up for all of them).
    Each job gets its result or its own OracleError; `timeout_s` applies to each job."""
    results: list[OracleResult | OracleError | None] = [None] * len(jobs)
    with tempfile.TemporaryDirectory(prefix="tritonlift-oracle-") as tmp:
        synth = _Synthesizer(Path(tmp))
        wire: list[dict | None] = []
        for i, job in enumerate(jobs):
            try:
                module_name, func = synth.require(job.source_file, job.function_name)
                _check_arity(job, func)
                wire.append(_encode_job(job, module_name))
            except OracleError as err:
                results[i], _ = err, wire.append(None)
            except TritonLiftError as err:  # the source does not load
                results[i], _ = OracleError(err.message, err.site, err.hint), wire.append(None)
        paths = synth.write()
        runnable = [i for i, w in enumerate(wire) if w is not None]
        batch = {"module_dir": tmp, "paths": paths, "jobs": [wire[i] for i in runnable]}
        for position, outcome in _Worker(Path(tmp), batch, timeout_s).run():
            results[runnable[position]] = outcome
    return [r if r is not None else OracleError("the worker produced no result") for r in results]


# ---------------------------------------------------------------------------- the worker process


class _Worker:
    """Runs a batch in worker processes; restarts after a crash or timeout with the next job."""

    def __init__(self, tmp: Path, batch: dict, timeout_s: float):
        self.tmp, self.batch, self.timeout_s = tmp, batch, timeout_s

    def run(self):
        start, attempt = 0, 0
        while start < len(self.batch["jobs"]):
            attempt += 1
            outdir = self.tmp / f"out{attempt}"
            outdir.mkdir()
            jobs_file = self.tmp / f"jobs{attempt}.pkl"
            jobs_file.write_bytes(pickle.dumps({**self.batch, "start": start}))
            log = self.tmp / f"log{attempt}.txt"
            env = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONHASHSEED": "0"}
            with open(log, "wb") as log_fh:
                proc = subprocess.Popen([sys.executable, str(WORKER), str(jobs_file), str(outdir)],
                                        stdin=subprocess.DEVNULL, stdout=log_fh, stderr=subprocess.STDOUT,
                                        env=env, cwd=str(self.tmp))
                try:
                    failure = yield from self._collect(proc, outdir, start)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                    proc.wait()
            if failure is None:
                return
            index, reason = failure
            tail = log.read_text(errors="replace")[-STDERR_TAIL_CHARS:].strip()
            message = reason + (f"\nworker output (tail):\n{tail}" if tail else "")
            if index < 0:  # start-up failed: every remaining job fails the same way
                for i in range(start, len(self.batch["jobs"])):
                    yield i, OracleError(message)
                return
            yield index, OracleError(message)
            start = index + 1

    def _collect(self, proc, outdir: Path, start: int):
        """Yields (index, outcome) as results appear; returns (index, reason) on a failure."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not (outdir / "ready").exists():
            if proc.poll() is not None:
                return -1, f"the oracle worker exited with status {proc.returncode} during start-up"
            if time.monotonic() > deadline:
                return -1, f"the oracle worker did not start within {STARTUP_TIMEOUT_S:.0f} s"
            time.sleep(POLL_INTERVAL_S)
        for index in range(start, len(self.batch["jobs"])):
            job = self.batch["jobs"][index]
            deadline = time.monotonic() + self.timeout_s
            result_file = outdir / f"result_{index}.pkl"
            while not result_file.exists():
                if proc.poll() is not None:
                    if result_file.exists():
                        break
                    return index, (f"{job['label']}: the worker died (status {proc.returncode}) while "
                                   "running the kernel (heap corruption or a crash in the interpreter)")
                if time.monotonic() > deadline:
                    return index, f"{job['label']}: timed out after {self.timeout_s:g} s"
                time.sleep(POLL_INTERVAL_S)
            payload = pickle.loads(result_file.read_bytes())
            if "error" in payload:
                yield index, OracleError(f"{job['label']} failed in the interpreter: {payload['error']}",
                                         hint=_hint(payload["error"]))
            else:
                yield index, OracleResult(payload["outputs"], tuple(payload["oob"]))
        return None


def _hint(error: str) -> str | None:
    if "NameError" in error:
        return ("a module-level name the kernel reads was not carried into the oracle's module "
                "(only jit functions, imports and simple constants are)")
    return None


def _check_arity(job: KernelJob, func: ast.FunctionDef) -> None:
    params = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
    required = len(params) - len(func.args.defaults)
    if not required <= len(job.args) <= len(params):
        raise OracleError(f"{func.name} takes {len(params)} arguments ({', '.join(params)}), "
                          f"{len(job.args)} given", hint="pass constexprs positionally too, as values")


def _encode_job(job: KernelJob, module_name: str) -> dict:
    grid = job.grid if isinstance(job.grid, tuple) else tuple(job.grid)
    if not 1 <= len(grid) <= 3 or not all(isinstance(g, (int, np.integer)) and g >= 0 for g in grid):
        raise OracleError(f"grid must be a tuple of 1 to 3 non-negative ints, got {job.grid!r}")
    label = f"{Path(job.source_file).name}::{job.function_name}[{', '.join(map(str, grid))}]"
    return {"module": module_name, "function": job.function_name, "grid": tuple(int(g) for g in grid),
            "args": [_encode_arg(a) for a in job.args], "label": label}


def _encode_arg(arg: Arg):
    if isinstance(arg, TensorSpec):
        data = np.asarray(arg.data)
        strides = None if arg.strides is None else tuple(int(s) for s in arg.strides)
        return ("tensor", {"name": arg.name, "data": data, "strides": strides, "dtype": arg.dtype})
    if isinstance(arg, DtypeValue):
        return ("dtype", arg.name)
    if isinstance(arg, (bool, np.bool_)):
        return ("value", bool(arg))
    if isinstance(arg, (int, np.integer)):
        return ("value", int(arg))  # the interpreter rejects numpy scalars
    if isinstance(arg, (float, np.floating)):
        return ("value", float(arg))
    if arg is None or isinstance(arg, str):
        return ("value", arg)
    raise OracleError(f"unsupported kernel argument {arg!r} of type {type(arg).__name__}")


# ---------------------------------------------------------------------------- synthetic modules


_SIMPLE_CALLS = {"constexpr", "float", "int", "bool"}  # calls allowed in a carried constant


@dataclass
class _Synthetic:
    """The synthetic counterpart of one source file."""

    name: str
    source: SourceModule
    functions: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)  # bound name -> statement
    constants: dict[str, str] = field(default_factory=dict)  # in dependency order
    tail: list[str] = field(default_factory=list)  # cross-module imports, bound after the defs


class _Synthesizer:
    def __init__(self, directory: Path):
        self.directory = directory
        self.modules: dict[Path, _Synthetic] = {}

    def require(self, source_file: str, function_name: str) -> tuple[str, ast.FunctionDef]:
        """Adds a kernel to its file's synthetic module; returns that module's name and the def."""
        module = self._module(Path(source_file))
        func = module.source.functions.get(function_name)
        if func is None:
            raise OracleError(f"no function named {function_name} in {module.source.path}")
        self._add_function(module, function_name)
        return module.name, func

    def write(self) -> dict[str, str]:
        """Writes every synthetic module; returns {synthetic path: original path}."""
        paths = {}
        for module in self.modules.values():
            path = self.directory / f"{module.name}.py"
            path.write_text(self._render(module), encoding="utf-8")
            paths[str(path)] = str(module.source.path)
        return paths

    def _module(self, path: Path) -> _Synthetic:
        source = load_module(path)
        if source.path not in self.modules:
            name = f"_tritonlift_kernels_{len(self.modules)}_{source.path.stem}"
            self.modules[source.path] = _Synthetic(name, source)
        return self.modules[source.path]

    def _add_function(self, module: _Synthetic, name: str) -> None:
        if name in module.functions:
            return
        module.functions.add(name)
        func = module.source.functions[name]
        for free in _free_names(func):
            self._resolve(module, free)

    def _resolve(self, module: _Synthetic, name: str) -> None:
        """Carries a module-level name the kernel reads into the synthetic module."""
        src = module.source
        if name in module.functions or name in module.imports or name in module.constants:
            return
        func = src.functions.get(name)
        if func is not None:
            if any(is_jit_decorator(d) for d in func.decorator_list):
                self._add_function(module, name)
            return
        if name in src.imports:
            self._resolve_import(module, name, src.imports[name])
            return
        value = src.assignments.get(name)
        if value is not None and _is_simple(value):
            for dep in sorted({n.id for n in ast.walk(value) if isinstance(n, ast.Name)}):
                self._resolve(module, dep)
            module.constants[name] = f"{name} = {ast.unparse(value)}"

    def _resolve_import(self, module: _Synthetic, name: str, imported: ImportedName) -> None:
        if imported.level == 0:
            target = repr(imported.module) + ("" if imported.name is None else f", {imported.name!r}")
            module.imports[name] = f"{name} = _tritonlift_import({target})"
            return
        path = module.source.resolve_relative(imported)  # `from .helpers import fn`: carry fn over
        if path is None or imported.name is None:
            return
        other = self._module(path)
        func = other.source.functions.get(imported.name)
        if func is not None and any(is_jit_decorator(d) for d in func.decorator_list):
            self._add_function(other, imported.name)
            module.tail.append(f"from {other.name} import {imported.name} as {name}")

    def _render(self, module: _Synthetic) -> str:
        """The source file with every line blanked except the carried functions (each at its own
        line, without decorators); line 1 binds the names they read, the tail jit-wraps them."""
        lines = module.source.path.read_text(encoding="utf-8", errors="replace").splitlines()
        keep = [""] * len(lines)
        for name in module.functions:
            func = module.source.functions[name]
            indent = func.col_offset  # a def under `if`/`try` at module level moves to column 0
            for i in range(func.lineno - 1, func.end_lineno or func.lineno):
                keep[i] = lines[i][indent:] if not lines[i][:indent].strip() else lines[i]
        imports = dict(module.imports)
        if not any("'triton.language'" in s or "'triton.language.core'" in s for s in imports.values()):
            # the interpreter patches only the triton.language modules a kernel's globals hold
            imports["_tritonlift_tl"] = "_tritonlift_tl = _tritonlift_import('triton.language')"
        header = ["import triton as _tritonlift_triton",
                  "from _tritonlift_oracle_rt import import_or_missing as _tritonlift_import",
                  *imports.values(), *module.constants.values()]
        if keep[0]:
            raise OracleError(f"{module.source.path}: a carried function starts on line 1, where the "
                              "oracle binds the names the kernel reads; add a line above it")
        keep[0] = "; ".join(header)
        tail = [*module.tail, *(f"{f} = _tritonlift_triton.jit({f})" for f in sorted(module.functions))]
        return "\n".join(keep + ["", *tail, ""])


def _free_names(func: ast.FunctionDef) -> list[str]:
    """Names a function reads that are neither its parameters nor its locals (builtins included:
    a module-level `pow` imported from libdevice shadows the builtin)."""
    bound = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
    if func.args.vararg:
        bound.add(func.args.vararg.arg)
    if func.args.kwarg:
        bound.add(func.args.kwarg.arg)
    parts: list[ast.AST] = [*func.body, *func.args.defaults, *func.args.kw_defaults]
    parts += [a.annotation for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)
              if a.annotation is not None]
    loads: set[str] = set()
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.Name):
                (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
    return sorted(loads - bound)


def _is_simple(value: ast.expr) -> bool:
    """A constant worth carrying: literals, names, arithmetic, `tl.constexpr(...)`, `math.pi`."""
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in _SIMPLE_CALLS:
                return False
        elif not isinstance(node, (ast.Constant, ast.Name, ast.Attribute, ast.BinOp, ast.UnaryOp,
                                   ast.Tuple, ast.operator, ast.unaryop, ast.expr_context)):
            return False
    return True
