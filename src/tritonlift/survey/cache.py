"""Entries cached on disk, keyed on everything that can change a result.

The key hashes the kernel's module source and the modules it imports from its own package (a
helper edited elsewhere changes the kernel), the launch and its options, the survey-wide settings
that affect results, and tritonlift itself: its version *and* a digest of its source files, so an
edit in a development checkout also invalidates old entries. Timeouts and memory failures are
cached with their limit and redone when a later run allows more.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..frontend.module import load_module
from .task import Settings, Task

_CACHE_VERSION = 1


# Files that only find launches (host-code capture): they key the capture, not the lifts.
_CAPTURE_ONLY = {"capture/_probe.py", "capture/forms.py", "capture/modules.py"}


@functools.lru_cache(maxsize=1)
def tritonlift_digest() -> str:
    """The lifting code: all of tritonlift but the survey's own code and the capture-only files."""
    base = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base).as_posix()
        if not rel.startswith("survey/") and rel not in _CAPTURE_ONLY:
            h.update(rel.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=8192)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:  # keyed on mtime: an edit is seen at once
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _digest(path: Path) -> str:
    st = path.stat()
    return _file_digest(str(path), st.st_mtime_ns, st.st_size)


def _source_digest(file: str, import_root: str) -> str:
    h = hashlib.sha256(_digest(Path(file)).encode())
    try:
        module = load_module(Path(file))
    except Exception:  # noqa: BLE001 - an unreadable module is keyed on its bytes alone
        return h.hexdigest()
    for imported in sorted(module.imports.values(), key=lambda i: (i.module, i.name or "")):
        path = _local_import(module, imported, Path(import_root) if import_root else None)
        if path is not None and str(path) != file:
            h.update(_digest(path).encode())
    return h.hexdigest()


def _local_import(module, imported, import_root: Path | None) -> Path | None:
    """The file of an import inside the surveyed package (relative, or absolute from its root)."""
    if imported.level:
        return module.resolve_relative(imported)
    if import_root is None:
        return None
    target = import_root.joinpath(*imported.module.split("."))
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def task_key(task: Task, settings: Settings) -> str:
    data = {"v": _CACHE_VERSION, "tritonlift": tritonlift_digest(), "source": _source_digest(task.file, task.import_root),
            "kernel": task.kernel, "launch": task.launch, "options": repr(sorted(task.options.items())),
            "oracle": settings.oracle}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _capture_digest() -> str:
    """The capture package (its probe, forms, recording and generalisation): what a capture depends on.
    Not the rest of tritonlift, which is edited far more often and does not change what is captured."""
    base = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for path in sorted((base / "capture").rglob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def capture_key(file: str, import_root: str) -> str:
    """Host-code capture of one module: its source and its package imports, and the capture code."""
    data = {"v": _CACHE_VERSION, "capture": _capture_digest(), "source": _source_digest(file, import_root)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class Cache:
    def __init__(self, folder: Path | None):
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, settings: Settings) -> dict | None:
        if self.folder is None:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        # a failure under a tighter limit than now is worth redoing
        if entry.get("outcome") == "timeout" and entry.get("limit", 0) < settings.timeout:
            return None
        if entry.get("outcome") in ("memory", "crash") and entry.get("limit", 0) < settings.memory_mb:
            return None
        return entry

    def put(self, key: str, entry: dict) -> None:
        if self.folder is None:
            return
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader never sees half an entry
