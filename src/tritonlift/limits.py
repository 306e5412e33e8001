"""Run a function in a child process under a wall-clock and an address-space limit.

    outcome = run_limited(fn, args, timeout=60, memory_mb=2048)
    outcome.kind   # "ok" | "error" | "timeout" | "memory" | "crash"

The child is forked from a forkserver that has tritonlift imported already (a child starts in
milliseconds, not the ~0.5 s of a fresh interpreter) and leads a process group of its own, so a
timeout also kills what it started (Triton's interpreter runs in a subprocess). `RLIMIT_AS` bounds
the child's virtual memory; allocations beyond it fail in the child, never on the machine. Whatever
happens in the child — an exception, a hang, a segfault, memory exhaustion — the caller gets an
`Outcome`, never an exception; `fn` and its result must be picklable (a module-level function).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
import time
import traceback
from dataclasses import dataclass

# Modules the forkserver imports once, so every child starts with them loaded. Not egglog
# (tritonlift.simplify): what it starts at import does not survive a fork, and children hang.
PRELOAD = ["tritonlift.pipeline", "tritonlift.verify.unbounded"]

_context = None
_context_lock = threading.Lock()
_live: set[int] = set()  # process groups of running children, killed if the caller is interrupted


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "error" (fn raised), "timeout", "memory", "crash" (the child died)
    value: object = None  # fn's return value when kind == "ok"
    detail: str = ""  # the error's text and traceback, or what killed the child
    seconds: float = 0.0


def _get_context():
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def _child(conn, fn, args, memory_mb):
    os.setpgrp()  # our own group: a timeout kills the child and everything it spawned
    if memory_mb:
        limit = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = ("ok", fn(*args), "")
    except MemoryError:
        result = ("memory", None, "MemoryError")
    except BaseException as error:  # noqa: BLE001 - everything is reported to the parent
        text = "".join(traceback.format_exception(error))
        kind = "memory" if memory_mb and _out_of_memory(text) else "error"
        result = (kind, None, text)
    try:
        conn.send(result)
    except Exception as error:  # an unpicklable result: report it rather than die silently
        conn.send(("error", None, f"result could not be sent back: {error!r}"))
    conn.close()


# How exhausted address space shows when it is not a MemoryError: C++ allocators, a shared library
# that cannot be mapped at import, mmap's ENOMEM.
_OOM_SIGNS = ("bad_alloc", "out of memory", "failed to map segment", "cannot allocate memory")


def _out_of_memory(text: str) -> bool:
    last = text.strip().splitlines()[-1].lower() if text.strip() else ""
    return any(sign in last for sign in _OOM_SIGNS)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_limited(fn, args: tuple = (), timeout: float | None = None, memory_mb: int | None = None) -> Outcome:
    """Call `fn(*args)` in a child process; `timeout` in seconds, `memory_mb` of address space."""
    ctx = _get_context()
    receive, send = ctx.Pipe(duplex=False)
    start = time.perf_counter()
    process = ctx.Process(target=_child, args=(send, fn, args, memory_mb), daemon=True)
    try:
        process.start()
    except Exception as error:  # noqa: BLE001 - could not fork (out of processes or memory)
        return Outcome("crash", detail=f"could not start a worker process: {error}")
    send.close()
    _live.add(process.pid)
    try:
        if receive.poll(timeout):
            try:
                kind, value, detail = receive.recv()
            except (EOFError, OSError):  # the child died before it could answer
                process.join(5)
                kind, value, detail = _death(process.exitcode, memory_mb)
        else:
            kind, value, detail = "timeout", None, f"timeout after {timeout:g} s"
    finally:
        _kill_group(process.pid)  # also any grandchild left behind
        _live.discard(process.pid)
        process.join(5)
        receive.close()
    return Outcome(kind, value, detail, time.perf_counter() - start)


def _death(exitcode: int | None, memory_mb: int | None) -> tuple[str, None, str]:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.Signals._value2member_map_ else str(-exitcode)
        hint = f" (possibly the memory limit of {memory_mb} MB)" if memory_mb else ""
        return "crash", None, f"the worker died with signal {name}{hint}"
    return "crash", None, f"the worker exited with code {exitcode} without a result"


def kill_all() -> None:
    """Kill every running child (call when the caller is interrupted)."""
    for pid in list(_live):
        _kill_group(pid)
