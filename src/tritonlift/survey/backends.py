"""Running survey tasks: on local worker processes, or on a Ray cluster (`--backend ray`).

Both backends run the same function, `task.execute`, which applies the time and memory limits in
a child process; a backend only decides where that happens. Ray does its own scheduling — this
module submits tasks and collects results as they finish, nothing more.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Iterable

from .task import Settings, Task, execute

BACKENDS = ("local", "ray")


def run_local(tasks: list[Task], settings: Settings, jobs: int, done: Callable[[Task, dict], None]) -> None:
    """`jobs` tasks at once, each in its own limited child process (threads only wait on them)."""
    if not tasks:
        return
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(execute, t, settings): t for t in tasks}
        try:
            for future in as_completed(futures):
                done(futures[future], future.result())
        except BaseException:
            from ..limits import kill_all

            for f in futures:
                f.cancel()
            kill_all()
            raise


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def run_ray(tasks: list[Task], settings: Settings, jobs: int, done: Callable[[Task, dict], None]) -> None:
    """Submit every task to Ray (a running cluster if `RAY_ADDRESS` is set, else a local instance of
    `jobs` CPUs) and hand results back as they complete."""
    import os

    import ray

    started = False
    if not ray.is_initialized():
        if os.environ.get("RAY_ADDRESS"):
            ray.init(log_to_driver=False)
        else:
            ray.init(num_cpus=max(1, jobs), include_dashboard=False, log_to_driver=False)
        started = True
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(execute)
        pending = {remote.remote(t, settings): t for t in tasks}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                task = pending.pop(ref)
                try:
                    entry = ray.get(ref)
                except Exception as error:  # noqa: BLE001 - a lost worker must not stop the survey
                    from .task import base_entry

                    entry = {**base_entry(task), "outcome": "crash", "reason": f"Ray task failed: {error}"}
                done(task, entry)
    finally:
        if started:
            ray.shutdown()


def run(backend: str, tasks: Iterable[Task], settings: Settings, jobs: int, done) -> None:
    runner = {"local": run_local, "ray": run_ray}[backend]
    runner(list(tasks), settings, jobs, done)
