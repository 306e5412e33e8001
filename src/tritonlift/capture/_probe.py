"""Survey capture worker: a module's host functions run on generic inputs, launches generalised.

Run as `python _probe.py MEMORY_MB` by `modules.py` (never imported by tritonlift: the user's
modules and the torch.cuda stubs are process-global). It serves one module after another, so torch,
triton and the library's shared helpers are imported once: a request is a JSON line on stdin,
`{"file": path, "budget": seconds, "root": folder of the top package}`, and the answer one JSON line on the protocol pipe —

    {"file": ..., "kernels": {name: [launch, ...]}, "functions": n, "calls": [...], "problem": "..."}

For each function defined in the module (not a kernel), the call forms of `forms.py` are tried once
at small sizes; the forms that launch a kernel of this module without raising are recorded at a
spread of sizes (`run.sample_sizes`) and generalised (`generalize.py`) into launch descriptions.
Not under `python -O`: the host code's own shape asserts must reject a form that does not fit
(`torch.Tensor.is_cuda` is patched during calls instead). Each call runs under an interval timer; the parent enforces the module's wall-clock limit by
killing this process (and starting another).
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0]) == HERE:  # our folder (record.py, spec.py …) must not shadow user modules
    sys.path.pop(0)
# FlagGems picks its backend by probing vendor tools at import; on a CPU machine none answers.
os.environ.setdefault("GEMS_VENDOR", "nvidia")

import importlib.util  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402

PROBE_SIZES = {"B": 3, "M": 5, "K": 6, "N": 7}
CALL_SECONDS = 3.0  # one call of a host function
GENERALISE_SECONDS = 8.0  # one host path's launches: a fit that does not exist is searched for long
FORMS_PER_FUNCTION = 3  # forms kept per function (those that launch something new)
MIN_SAMPLES = 6  # a launch generalised from fewer size assignments is not worth reporting
SAMPLE_VALUES = (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 100, 128, 257, 1000, 1024, 4097)
MAX_SAMPLES = 24
MAX_ELEMENTS = 1 << 18


class CallTimeout(BaseException):
    """Not an Exception: host code that catches every Exception must not swallow it."""


def _alarm(signum, frame):
    raise CallTimeout()


def _load_worker():
    spec = importlib.util.spec_from_file_location("_tritonlift_capture_worker", os.path.join(HERE, "_worker.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _annotation(p: inspect.Parameter) -> str:
    ann = p.annotation
    if ann is inspect.Parameter.empty:
        return ""
    return ann if isinstance(ann, str) else getattr(ann, "__name__", None) or str(ann).replace("typing.", "")


def params_of(fn, forms):
    out = []
    signature = inspect.signature(fn).parameters.values()
    for p in signature:
        if p.kind is p.VAR_POSITIONAL and not any(q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)
                                                  for q in signature):
            out.append(forms.Param("input", False, True))  # f(*args): its first argument, passed by position
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out.append(forms.Param(p.name, p.kind is p.KEYWORD_ONLY, p.default is p.empty, _annotation(p),
                               p.default is None))
    return tuple(out)


class Prober:
    def __init__(self, worker, memory_mb: int):
        self.w = worker
        from tritonlift.capture import forms, generalize, record, run

        self.forms, self.generalize, self.record, self.run = forms, generalize, record, run
        self.recorder = worker.Recorder(replay=False)
        self.recorder.install()
        signal.signal(signal.SIGALRM, _alarm)

    # ------------------------------------------------------------ one module

    def module(self, path: str, budget: float, root: str = "") -> dict:
        deadline = time.monotonic() + budget
        signal.signal(signal.SIGALRM, _alarm)  # again: the last module may have replaced it
        try:
            module = self._call(lambda: import_module(path, root), budget)  # a hang here is cut short
        except BaseException as exc:  # noqa: BLE001 - the module's own failure, reported
            return {"file": path, "kernels": {}, "functions": 0, "calls": [],
                    "problem": f"importing the module failed: {_short(exc)}"}
        own = os.path.realpath(path)
        kernels = {name for name, obj in vars(module).items() if self._kernel_file(obj) == own}
        functions = [(name, fn) for name, fn in vars(module).items()
                     if inspect.isfunction(fn) and getattr(fn, "__module__", None) == module.__name__
                     and not self._kernel_file(fn)]
        functions.sort(key=lambda item: (item[0].startswith("_"), _line(item[1])))  # public first, in file order
        launches: dict[str, list[str]] = {}
        calls, problems = [], []
        for name, fn in functions:
            if time.monotonic() > deadline:
                problems.append("the module's time budget ran out")
                break
            try:
                params = params_of(fn, self.forms)
            except (TypeError, ValueError):
                continue
            for form in self._working_forms(fn, path, name, params, own, deadline):
                texts, note = self._generalised(fn, form, own, deadline)
                calls.append({"function": name, "form": form.label, "launches": len(texts), "note": note})
                for kernel, text in texts:
                    if text not in launches.setdefault(kernel, []):
                        launches[kernel].append(text)
        launches = {kernel: _distinct(texts) for kernel, texts in launches.items()}
        if not kernels:
            problems.append("no module-level kernel found when imported")
        elif not functions:
            problems.append("the module defines no host function")
        elif not calls:
            problems.append(f"no host function launched a kernel of the module with generic inputs "
                            f"({len(functions)} functions tried)")
        return {"file": path, "kernels": launches, "functions": len(functions), "calls": calls,
                "problem": "; ".join(problems)}

    def _kernel_file(self, obj) -> str | None:
        """The source file of a jit function (under any autotune/heuristics/libentry layers), else None."""
        from triton.runtime.jit import KernelInterface

        if not isinstance(obj, KernelInterface):
            return None
        try:
            _, fn = self.w._raw_function(obj)
            return os.path.realpath(inspect.getsourcefile(fn))
        except (AttributeError, TypeError):
            return None

    # ------------------------------------------------------------ forms that work

    def _working_forms(self, fn, path, name, params, own, deadline):
        seen: set = set()
        kept = []
        for form in self.forms.call_forms(path, name, params):
            if len(kept) >= FORMS_PER_FUNCTION or time.monotonic() > deadline:
                break
            sizes = {n: PROBE_SIZES[n] for n in form.spec.sizes}
            try:
                self._call(lambda: self.w.call_once(fn, self._job(form), sizes, self.recorder, seed=0),
                           min(CALL_SECONDS, deadline - time.monotonic()))
            except CallTimeout:  # not a matter of the form: the function is too slow at any
                break
            except BaseException:  # noqa: BLE001 - this form does not fit the function
                continue
            sites = [s for s in self.recorder.launches if os.path.realpath(s["file"]) == own]
            key = frozenset((s["name"], _literals(s), form.spec.sizes) for s in sites)  # new kernels or ranks
            if sites and not key <= seen:
                seen |= key
                kept.append(form)
        return kept

    def _job(self, form) -> dict:
        return {**form.spec.to_json(), "mode": "record"}

    # ------------------------------------------------------------ record at many sizes, generalise

    def _generalised(self, fn, form, own, deadline) -> tuple[list[tuple[str, str]], str]:
        job = self._job(form)
        samples = self.run.sample_sizes(form.spec, SAMPLE_VALUES, max_samples=MAX_SAMPLES, max_elements=MAX_ELEMENTS)
        records = []
        for n, sizes in enumerate(samples):
            if time.monotonic() > deadline:
                break
            try:
                inputs, result = self._call(lambda: self.w.call_once(fn, job, sizes, self.recorder, seed=n),
                                            min(CALL_SECONDS, deadline - time.monotonic()))
            except BaseException:  # noqa: BLE001 - a size the host code rejects; the others still count
                continue
            self.recorder.launches = [s for s in self.recorder.launches if os.path.realpath(s["file"]) == own]
            if not self.recorder.launches:
                continue
            sample = {"sizes": sizes, "launches": self.recorder.launches,
                      **self.w.describe_call(inputs, result, self.recorder)}
            records.append(self.record.decode(json.loads(json.dumps(sample, default=str))))
        self.recorder.launches, self.recorder.keep = [], []
        if len(records) < MIN_SAMPLES:
            return [], f"launched a kernel at only {len(records)} of {len(samples)} size assignments"
        floats = {p.name: p.default for p in inspect.signature(fn).parameters.values()
                  if isinstance(p.default, float) and math.isfinite(p.default)}
        floats.update({k: float(v) for k, v in form.spec.args if isinstance(v, float)})
        shapes = tuple((i.name, tuple(str(d) for d in i.logical_dims())) for i in form.spec.inputs)
        groups: dict = {}
        for r in records:  # one host path each; a path that does not generalise leaves the others
            groups.setdefault(self.generalize._signature(r), []).append(r)
        texts, failures = [], []
        for group in groups.values():
            try:
                cases = self._call(lambda: self.generalize.generalise(tuple(group), form.spec.sizes, floats, shapes),
                                   min(GENERALISE_SECONDS, deadline - time.monotonic()))
            except (Exception, CallTimeout) as exc:  # noqa: BLE001 - TritonLiftError, a fit that broke, too slow
                failures.append(_short(exc))
                continue
            # a case seen at one value of a size is a concrete launch, not a description over sizes
            texts.extend((plan.kernel, plan.text) for case in cases if all(lo < hi for _, lo, hi in case.ranges)
                         for plan in case.launches)
        return texts, "; ".join(failures)

    def _call(self, thunk, seconds: float):
        seconds = max(0.05, seconds)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return thunk()
        except CallTimeout:
            raise CallTimeout(f"it took more than {seconds:.3g} s") from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def import_module(path: str, root: str = ""):
    """Import a module by its dotted name, as `_worker.import_user_module` does, but for a worker that
    serves many modules: the top package's `__init__` never runs (it may touch the GPU and import
    everything), inner packages are imported for real (modules need what their `__init__` defines,
    such as FlagGems' `runtime.torch_device_fn`) and stubbed only when that fails; `root`, the
    folder holding the surveyed top package, is searched too (a module outside any package may
    still import it absolutely)."""
    path = os.path.abspath(path)
    folder, parts = os.path.dirname(path), [os.path.splitext(os.path.basename(path))[0]]
    while os.path.exists(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    inside = root and os.path.commonpath([path, os.path.abspath(root)]) == os.path.abspath(root)
    if inside and len(parts) > 1 and folder != os.path.abspath(root):
        # a folder without __init__.py inside the package (a namespace package): name it from the root,
        # so that its relative imports reach the package above it
        folder = os.path.abspath(root)
        parts = os.path.relpath(os.path.splitext(path)[0], folder).split(os.sep)
    for entry in (folder, root):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)
    name = ".".join(parts)
    if len(parts) == 1:  # a plain file: a fresh module under its own name (another file may have had it)
        sys.modules.pop(name, None)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    for n in range(1, len(parts)):
        package = ".".join(parts[:n])
        if package in sys.modules:
            continue
        if n > 1:
            try:
                importlib.import_module(package)
                continue
            except Exception:  # noqa: BLE001 - its __init__ needs what a CPU lacks: stub it
                pass
        stub = types.ModuleType(package)
        stub.__path__ = [os.path.join(folder, *parts[:n])]
        sys.modules[package] = stub
    return importlib.import_module(name)


# A higher-rank form that a kernel only sees flattened adds nothing: `k[(cdiv(M * N, 4),)](x[M, N], M * N)`
# is `k[(cdiv(N, 4),)](x[N], N)` with N renamed, only with a product the proofs find harder.
_FLATTENED = ((re.compile(r"\bB \* M \* N\b"), "N"), (re.compile(r"\bM \* N\b"), "N"),
              (re.compile(r"\[B, M, N([;\]])"), r"[N\1"), (re.compile(r"\[M, N([;\]])"), r"[N\1"))


def _distinct(texts: list[str]) -> list[str]:
    """The launches of one kernel, less those that are another one's flattened form."""
    def flat(text: str) -> str:
        for pattern, replacement in _FLATTENED:
            text = pattern.sub(replacement, text)
        return text

    return [t for t in texts if flat(t) == t or flat(t) not in texts]


def _literals(site: dict) -> tuple:
    """The constexpr-like literal arguments (flags, strings): a different host path, worth keeping."""
    return tuple((n, str(v.get("value"))) for n, v in site["variants"][0]["args"] if v["kind"] in ("literal", "other"))


def _line(fn) -> int:
    code = getattr(fn, "__code__", None)
    return code.co_firstlineno if code else 0


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def main() -> None:
    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # the protocol keeps the real stdin/stdout; what user code prints goes to stderr
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    worker = _load_worker()
    worker.install_stubs(132)
    import torch

    torch.set_num_threads(1)
    prober = Prober(worker, memory_mb)
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in requests:
        request = json.loads(line)
        try:
            answer = prober.module(request["file"], float(request.get("budget", 30)), request.get("root", ""))
        except MemoryError:
            answer = {"file": request["file"], "internal": "MemoryError"}
        except BaseException:  # noqa: BLE001 - a bug of ours: the parent reports it, we serve on
            answer = {"file": request["file"], "internal": traceback.format_exc()[-2000:]}
        answers.write(json.dumps(answer, default=str) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
