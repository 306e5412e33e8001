"""Launch descriptions for every kernel of a module, captured from the module's own host code.

    launches_for_module("ops/softmax.py")  ->  {"softmax_kernel": ["softmax_kernel[(M,)](out[M, N], …)", …]}
    capture_modules(files, jobs=2)         ->  [ModuleCapture, …]   (the survey's batch form)

The work happens in `_probe.py` worker processes (torch, triton and the stubs live there, never
here): each serves one module after another, so imports are paid once per worker. Every worker
runs under an address-space limit; a module that takes longer than its limit — a hang at import,
a host function that never returns — gets its worker killed (with its process group) and a fresh
one started, and is reported with the reason, never raised into the caller.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import Site, TritonLiftError

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_probe.py")
START_SECONDS = 120.0  # importing torch and triton in a fresh worker on a busy machine


@dataclass(frozen=True)
class ModuleCapture:
    file: str
    launches: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kernel name -> launch descriptions
    problem: str = ""  # why some or all kernels got none ("" when nothing went wrong)
    outcome: str = "ok"  # "ok", "timeout", "crash" (the worker died: memory, signal), "internal"
    functions: int = 0  # host functions tried
    calls: tuple[dict, ...] = ()  # per (function, form) that launched something: what it gave
    seconds: float = 0.0


class CaptureError(TritonLiftError):
    """Host-code capture could not run a module (it hung, crashed or does not import)."""


def launches_for_module(path, *, timeout: float = 120.0, memory_mb: int = 4096, root: str = "") -> dict[str, list[str]]:
    """The survey's seam: launch descriptions per kernel of one module. A module that cannot be
    run at all (no import, a hang, a crash) raises CaptureError; one whose functions launch
    nothing returns {}."""
    (result,) = capture_modules([str(path)], jobs=1, timeout=timeout, memory_mb=memory_mb, root=root)
    if result.outcome != "ok" or (result.problem.startswith("importing") and not result.launches):
        raise CaptureError(f"host-code capture of {path}: {result.problem}", Site(str(path), 1))
    return {name: list(texts) for name, texts in result.launches.items()}


def capture_modules(files: list[str], *, jobs: int = 1, timeout: float = 120.0, memory_mb: int = 4096,
                    root: str = "", on_done=None) -> list[ModuleCapture]:
    """Capture every module with `jobs` workers; results in the order of `files`. Each module gets
    `timeout` seconds of wall time (its probing stops early at 3/4 of it, the rest is a margin).
    `root`: the folder that holds the modules' top package (searched by absolute imports)."""
    pending: queue.Queue = queue.Queue()
    for n, file in enumerate(files):
        pending.put((n, os.path.abspath(file)))
    results: list[ModuleCapture | None] = [None] * len(files)
    workers = [_Worker(memory_mb) for _ in range(max(1, min(jobs, len(files))))]
    stop = threading.Event()

    def serve(worker: _Worker) -> None:
        while not stop.is_set():
            try:
                n, file = pending.get_nowait()
            except queue.Empty:
                return
            results[n] = worker.capture(file, timeout, root)
            if on_done is not None:
                on_done(results[n])

    pool = ThreadPoolExecutor(len(workers))
    try:
        for future in [pool.submit(serve, w) for w in workers]:
            future.result()
    finally:  # also on Ctrl-C: no module is started after it, and the workers are killed
        stop.set()
        for worker in workers:
            worker.close()
        pool.shutdown(wait=True)
    return [r for r in results if r is not None]


class _Worker:
    """One `_probe.py` process, restarted after a timeout or a death."""

    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.log = tempfile.TemporaryFile(mode="w+b")

    def _start(self) -> str | None:
        env = dict(os.environ)
        env.pop("TRITON_INTERPRET", None)  # kernels stay JITFunctions; the probe resolves them itself
        env.setdefault("FLAGGEMS_CACHE_DIR", os.path.join(tempfile.gettempdir(), "tritonlift-capture-cache"))
        self.log.seek(0)
        self.log.truncate()
        self.proc = subprocess.Popen([sys.executable, PROBE, str(self.memory_mb)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, env=env, start_new_session=True,
                                     cwd=tempfile.gettempdir(), text=True)
        self.lines = queue.Queue()
        threading.Thread(target=_pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        ready = self._answer(START_SECONDS)
        if ready is None or not ready.get("ready"):
            self._kill()
            return "the capture worker did not start: " + self._tail()
        return None

    def capture(self, file: str, timeout: float, root: str = "") -> ModuleCapture:
        start = time.perf_counter()
        if self.proc is None or self.proc.poll() is not None:
            failure = self._start()
            if failure:
                return ModuleCapture(file, problem=failure, outcome="crash")
        try:
            self.proc.stdin.write(json.dumps({"file": file, "budget": 0.75 * timeout, "root": root}) + "\n")
            self.proc.stdin.flush()
        except OSError:
            self._kill()
            return ModuleCapture(file, problem="the capture worker died: " + self._tail(), outcome="crash")
        answer = self._answer(timeout)
        seconds = time.perf_counter() - start
        if answer is None:
            died = self.proc.poll() is not None
            self._kill()
            if died:
                return ModuleCapture(file, problem=f"the capture worker died ({_exit_text(self.proc.returncode)}, "
                                                   f"possibly the memory limit of {self.memory_mb} MB): {self._tail()}",
                                     outcome="crash", seconds=seconds)
            return ModuleCapture(file, problem=f"timed out after {timeout:g} s (importing the module or running its "
                                               f"host code)", outcome="timeout", seconds=seconds)
        if "internal" in answer:
            return ModuleCapture(file, problem="internal error in the capture: " + answer["internal"].strip()
                                 .splitlines()[-1], outcome="internal", seconds=seconds)
        return ModuleCapture(file, {k: tuple(v) for k, v in answer["kernels"].items()}, answer.get("problem", ""),
                             "ok", answer.get("functions", 0), tuple(answer.get("calls", ())), seconds)

    def _answer(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:  # the worker's stdout closed: it died
                return None
            try:
                return json.loads(line)
            except ValueError:
                continue  # not ours (cannot happen: user prints go to stderr), skip

    def _tail(self) -> str:
        try:
            self.log.seek(0)
            text = self.log.read().decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):  # ValueError: closed after an interrupt
            return ""
        return " ".join(text[-2:])[-300:]

    def _kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # also whatever the user's code started
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # the worker ends at the end of its input
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()
        self.log.close()


def _pump(stream, lines: queue.Queue) -> None:
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass
    lines.put(None)


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
