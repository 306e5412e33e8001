"""The survey: discover kernels, pick their launches, lift them (cached, limited, in parallel), report.

    survey("path/or/package", Path("out"), SurveyOptions(jobs=2)) -> the report as a dict

writes `out/report.json`, `out/report.md` and `out/report.html`.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import __version__
from . import backends
from .cache import Cache, task_key
from .discover import Found, discover
from .launches import (LaunchSpec, capture_available, captured_launches, launch_sources, load_launches, match,
                       parse_item)
from .reasons import group_reasons, reason_group
from .source import SurveyInputError, resolve
from .task import Settings, Task, base_entry

STATUSES = ("VERIFIED", "BOUNDED", "TESTED", "COUNTEREXAMPLE", "UNKNOWN")
_IDENTITY = ("id", "file", "line", "kernel", "launch", "launch_source", "options")


@dataclass(frozen=True)
class SurveyOptions:
    jobs: int = 1
    timeout: float = 300.0
    memory_mb: int = 2048
    launches: Path | None = None
    cache: bool = True
    cache_dir: Path | None = None  # default OUT_DIR/.cache
    backend: str = "local"
    oracle: bool = True
    progress: bool = True


def survey(spec: str, out_dir: Path, options: SurveyOptions = SurveyOptions()) -> dict:
    if options.backend not in backends.BACKENDS:
        raise SurveyInputError(f"--backend {options.backend}: expected one of {', '.join(backends.BACKENDS)}")
    if options.backend == "ray" and not backends.ray_available():
        raise SurveyInputError("--backend ray needs Ray, which is not installed",
                               hint="pip install 'tritonlift[ray]'")
    if options.jobs < 1 or options.timeout <= 0 or options.memory_mb < 64:
        raise SurveyInputError("need -j ≥ 1, --timeout > 0 and --memory ≥ 64 (MB)")
    start = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tree = resolve(spec, out_dir / ".work")
    launches = load_launches(options.launches) if options.launches else {}
    settings = Settings(options.timeout, options.memory_mb, options.oracle)

    kernels, problems = discover(tree)
    from_file, unmatched = match(launches, kernels)
    cache = Cache(None if not options.cache else (options.cache_dir or out_dir / ".cache"))
    captured, capture_note, no_launch_why = _capture(kernels, from_file, settings, options, cache, tree.import_root)
    tasks, entries = _plan(kernels, from_file, captured, tree.import_root, no_launch_why)

    todo: list[Task] = []
    for task in tasks:
        hit = cache.get(task_key(task, settings), settings)
        if hit is not None:  # the key ignores where the file sits: take the names from this survey
            identity = {k: v for k, v in base_entry(task).items() if k in _IDENTITY}
            entries.append({**hit, **identity, "cached": True})
        else:
            todo.append(task)

    with _progress(options.progress, len(tasks), len(tasks) - len(todo)) as advance:
        def done(task: Task, entry: dict) -> None:
            cache.put(task_key(task, settings), entry)
            entries.append(entry)
            advance(task, entry)

        backends.run(options.backend, todo, settings, options.jobs, done)

    for e in entries:  # grouped now, not cached: the grouping may change without the results changing
        e["reason_group"] = reason_group(e) if e["status"] != "VERIFIED" else ""
    entries.sort(key=lambda e: (e["file"], e["line"], e["id"]))
    report = _report(tree, options, entries, problems, unmatched, capture_note, len(todo),
                     time.perf_counter() - start)
    from .reports import write_reports

    write_reports(report, out_dir)
    return report


CAPTURE_MEMORY_MB = 3072  # a capture worker holds torch, triton and the library's host modules
CAPTURE_SECONDS = 30.0  # per module: importing it and running its host functions (at most --timeout)
CAPTURED_PER_KERNEL = 1  # launch descriptions lifted per kernel (public functions' and the most general first)


def _capture(kernels: list[Found], from_file: dict, settings: Settings, options: SurveyOptions, cache: Cache,
             import_root: Path) -> tuple[dict[str, list[LaunchSpec]], str, dict[str, str]]:
    """Launches from the host-code capture seam, for modules with kernels the launches file misses.
    Also returns, per file, why its kernels may have got none (for their UNKNOWN reason)."""
    if not capture_available():
        return {}, "host-code capture not available (tritonlift.capture.launches_for_module is not provided)", {}
    files = sorted({str(k.file) for k in kernels if k.id not in from_file and not k.nested})
    start = time.perf_counter()
    results, cached = _captured_modules(files, settings, options, cache, str(import_root))
    out: dict[str, list[LaunchSpec]] = {}
    why: dict[str, str] = {}
    for k in kernels:
        result = results.get(str(k.file))
        if result is None or k.id in from_file or k.nested:
            continue
        texts = result["launches"].get(k.name, [])[:CAPTURED_PER_KERNEL]
        if texts:
            out[k.id] = [parse_item(t, "capture", f"capture of {k.id}") for t in texts]
        why[str(k.file)] = result["problem"] or "the module's host functions did not launch it with generic inputs"
    kinds = Counter(r["outcome"] for r in results.values())
    failed = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()) if kind != "ok")
    with_launches = sum(1 for r in results.values() if r["launches"])
    return out, (f"host-code capture ran on {len(files)} modules in {time.perf_counter() - start:.0f} s "
                 f"({cached} from the cache, taken {sum(r.get('seconds', 0) for r in results.values()):.0f} worker-s "
                 f"when run): "
                 f"{with_launches} gave launches for {len(out)} kernels" + (f"; failed: {failed}" if failed else "")), why


def _captured_modules(files: list[str], settings: Settings, options: SurveyOptions, cache: Cache,
                      import_root: str) -> tuple[dict[str, dict], int]:
    """file -> {"launches": {kernel: [text]}, "problem": str, "outcome": str}, cached per module source."""
    from .. import capture
    from .cache import capture_key

    timeout = min(settings.timeout, CAPTURE_SECONDS)
    results: dict[str, dict] = {}
    keys = {f: capture_key(f, import_root) for f in files}
    for f in files:
        hit = cache.get(keys[f], Settings(timeout, settings.memory_mb, settings.oracle))
        if hit is not None:
            results[f] = hit
    todo = [f for f in files if f not in results]
    cached = len(results)
    if not todo:
        return results, cached
    if not hasattr(capture, "capture_modules"):  # a seam with the per-module function only
        from ..limits import run_limited

        for f in todo:
            outcome = run_limited(captured_launches, (f,), timeout=timeout, memory_mb=settings.memory_mb)
            launches = {k: [s.launch for s in v] for k, v in (outcome.value or {}).items()}
            results[f] = {"launches": launches, "outcome": outcome.kind,
                          "problem": "" if outcome.kind == "ok" else outcome.detail.strip().splitlines()[-1][:300]}
        return results, cached
    memory_mb = max(settings.memory_mb, CAPTURE_MEMORY_MB)

    def done(result) -> None:  # called from the capture's threads, one module at a time each
        entry = {"launches": {k: list(v) for k, v in result.launches.items()}, "problem": result.problem,
                 "outcome": result.outcome, "limit": timeout if result.outcome == "timeout" else memory_mb,
                 "seconds": round(result.seconds, 2)}
        results[result.file] = entry
        cache.put(keys[result.file], entry)  # now: an interrupted survey keeps what was captured
        if options.progress and (len(results) % 50 == 0 or len(results) == len(files)):
            print(f"capture: {len(results)}/{len(files)} modules", file=sys.stderr, flush=True)

    capture.capture_modules(todo, jobs=options.jobs, timeout=timeout, memory_mb=memory_mb, root=import_root,
                            on_done=done)
    return results, cached


def _plan(kernels: list[Found], from_file: dict, captured: dict, import_root: Path,
          no_launch_why: dict[str, str] | None = None) -> tuple[list[Task], list[dict]]:
    """One task per (kernel, launch); entries right away for kernels that cannot be lifted."""
    tasks, entries = [], []
    seen: Counter = Counter()
    for k in kernels:
        seen[k.id] += 1
        kid = k.id if seen[k.id] == 1 else f"{k.id}@{k.line}"  # one name defined twice in a module
        specs = launch_sources(k, from_file.get(k.id, []), captured.get(k.id, []))
        for n, spec in enumerate(specs):
            tid = kid if len(specs) == 1 else f"{kid}#{n + 1}"
            tasks.append(Task(tid, str(k.file), k.rel, k.name, k.line, spec.launch, spec.source, spec.options,
                              str(import_root)))
        if not specs:
            entry = base_entry(Task(kid, str(k.file), k.rel, k.name, k.line, None, ""))
            if k.nested:
                entry.update(outcome="nested", reason="jit function defined inside a class or function "
                                                      "(only module-level kernels are read)")
            else:
                why = (no_launch_why or {}).get(str(k.file))
                entry.update(outcome="no launch", reason="no launch description" +
                             (f" (host-code capture: {why})" if why else ""))
            entries.append(entry)
    return tasks, entries


class _progress:
    """A rich progress bar on stderr (plain lines when stderr is not a terminal), or nothing."""

    def __init__(self, enabled: bool, total: int, cached: int):
        self.enabled, self.total, self.cached = enabled, total, cached

    def __enter__(self):
        if not self.enabled:
            return lambda task, entry: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.counts: Counter = Counter()
        self.bar = Progress(TextColumn("[bold]survey"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=console, transient=False,
                            disable=not console.is_terminal)
        self.bar.start()
        self.id = self.bar.add_task("", total=self.total, completed=self.cached)
        self.plain = not console.is_terminal
        self.console = console
        self.done = self.cached

        def advance(task: Task, entry: dict) -> None:
            self.counts[entry["status"]] += 1
            self.done += 1
            summary = " ".join(f"{s[:4]} {self.counts[s]}" for s in STATUSES if self.counts[s])
            self.bar.update(self.id, advance=1, description=f"{summary}  {task.id[-50:]}")
            if self.plain and (self.done % 25 == 0 or self.done == self.total):
                console.print(f"survey: {self.done}/{self.total}  {summary}", highlight=False)
        return advance

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.stop()
        return False


def _report(tree, options: SurveyOptions, entries: list[dict], problems, unmatched, capture_note: str,
            lifted: int, seconds: float) -> dict:
    totals = {s: sum(1 for e in entries if e["status"] == s) for s in STATUSES}
    return {
        "tritonlift": __version__,
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "source": {"label": tree.label, "root": str(tree.root), "version": tree.version, "files": len(tree.files)},
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()},
        "wall_seconds": round(seconds, 2),
        "lifted_now": lifted,
        "from_cache": sum(1 for e in entries if e.get("cached")),
        "kernels": len({(e["file"], e["kernel"], e["line"]) for e in entries}),
        "totals": totals,
        "outcomes": dict(Counter(e["outcome"] for e in entries)),
        "launch_sources": dict(Counter(e["launch_source"] or "none" for e in entries)),
        "unknown_reasons": group_reasons(entries, ("UNKNOWN",)),
        "other_reasons": group_reasons(entries, ("BOUNDED", "TESTED", "COUNTEREXAMPLE")),
        "problems": [asdict(p) for p in problems],
        "unmatched_launches": unmatched,
        "capture": capture_note,
        "entries": entries,
    }
