"""A Python module read from source, never imported: its jit functions, imports and constants.

Kernel libraries often cannot be imported on a CPU machine (FlagGems queries the GPU at import
time), so tritonlift reads the module's AST and resolves the names a kernel uses itself.
"""

from __future__ import annotations

import ast
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KernelNotFound, KernelSyntaxError, Site


@dataclass(frozen=True)
class ImportedName:
    """`from module import name as alias` or `import module as alias`, resolved as text."""

    module: str  # absolute dotted module, or relative like "..utils"
    name: str | None  # None for `import module`
    level: int  # relative import level (0 = absolute)


@dataclass
class SourceModule:
    """Everything module-level that a kernel may refer to by name."""

    path: Path
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    imports: dict[str, ImportedName] = field(default_factory=dict)
    assignments: dict[str, ast.expr] = field(default_factory=dict)

    def site(self, node: ast.AST) -> Site:
        return Site(str(self.path), getattr(node, "lineno", 0))

    def qualified_import(self, name: str) -> str | None:
        """`tl` -> `triton.language`, `erf` -> `triton.language.extra.cuda.libdevice.erf`."""
        imported = self.imports.get(name)
        if imported is None:
            return None
        if imported.name is None:
            return imported.module
        return f"{imported.module}.{imported.name}"

    def resolve_relative(self, imported: ImportedName) -> Path | None:
        """The source file an import refers to, for relative or sys.path-reachable modules."""
        if imported.level:
            base = self.path.parent
            for _ in range(imported.level - 1):
                base = base.parent
            parts = imported.module.lstrip(".").split(".") if imported.module.strip(".") else []
            target = base.joinpath(*parts)
        else:
            target = find_module_file(imported.module)
            if target is None:
                return None
            target = target.with_suffix("") if target.name != "__init__.py" else target.parent
        for candidate in (target.with_suffix(".py"), target / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None


def is_jit_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "jit"


@functools.lru_cache(maxsize=256)
def _load_cached(path: str, mtime: float) -> SourceModule:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if "\x00" in text or "\ufffd" in text:
        line = next(n for n, row in enumerate(text.splitlines() or [""], 1) if "\x00" in row or "\ufffd" in row)
        raise KernelSyntaxError("the file is not UTF-8 Python text (it contains NUL or undecodable bytes)",
                                Site(path, line))
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as err:
        shown = "".join(ch if ch.isprintable() else "?" for ch in (err.text or "").rstrip())[:120]
        raise KernelSyntaxError(f"syntax error in kernel source: {err.msg}", Site(path, err.lineno or 0),
                                hint=shown or None) from None
    module = SourceModule(Path(path), tree)
    _collect(module, tree.body)
    return module


# path -> {name: import}: names a module assigns at import time from an expression the reader does
# not evaluate (generated code's `inlined_f = f._scalar_fn`), as a run of the host code saw them bound
# to a jit function (capture/); they are read as `from module import function`.
_RUNTIME_BINDINGS: dict[str, dict[str, ImportedName]] = {}


def bind_runtime_names(path: str | Path, names: dict[str, ImportedName]) -> None:
    """Record that module-level `name` of the file at `path` is the imported jit function. Only
    names the module *assigns* are affected."""
    _RUNTIME_BINDINGS.setdefault(str(Path(path).resolve()), {}).update(names)


def load_module(path: Path) -> SourceModule:
    path = path.resolve()
    if path.is_dir():
        raise KernelNotFound(f"expected a Python file, got the directory {path}",
                             hint="write path/to/file.py::kernel_name")
    if not path.is_file():
        raise KernelNotFound(f"no such file: {path}")
    try:
        module = _load_cached(str(path), os.path.getmtime(path))
    except (OSError, UnicodeDecodeError) as err:
        raise KernelNotFound(f"cannot read {path}: {err}") from None
    for name, imported in _RUNTIME_BINDINGS.get(str(path), {}).items():
        if name in module.assignments and name not in module.functions:
            module.imports.setdefault(name, imported)
    return module


def _collect(module: SourceModule, body: list[ast.stmt]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef):
            module.functions[stmt.name] = stmt
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                bound = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else alias.name.split(".")[0]
                module.imports.setdefault(bound, ImportedName(target, None, 0))
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                dotted = ("." * stmt.level) + (stmt.module or "")
                # the first import of a name wins: the `try:` branch of a try/except ImportError
                module.imports.setdefault(alias.asname or alias.name,
                                          ImportedName(dotted, alias.name, stmt.level))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and stmt.value is not None:
                    module.assignments[target.id] = stmt.value
        elif isinstance(stmt, ast.Try):
            _collect(module, stmt.body)
        elif isinstance(stmt, ast.If):
            _collect(module, stmt.body)


def find_module_file(dotted: str) -> Path | None:
    """Locate `package.module` on sys.path without importing it (importing may need a GPU)."""
    import sys

    parts = dotted.split(".")
    for entry in sys.path:
        base = Path(entry or ".")
        target = base.joinpath(*parts)
        for candidate in (target.with_suffix(".py"), target / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None
