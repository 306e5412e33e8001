"""Finding every `@triton.jit` function of a source tree, by reading (frontend/), never importing.

A jit function under `@triton.autotune`, `@triton.heuristics`, `@libentry()` or
`@pointwise_dynamic` still carries its `jit` decorator, so one test finds them all. Files that do
not parse are reported as problems; jit functions nested in a class or a function are listed (they
cannot be lifted from source alone) rather than silently skipped.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..errors import TritonLiftError
from ..frontend.module import is_jit_decorator, load_module
from .source import SourceTree


@dataclass(frozen=True)
class Found:
    file: Path
    rel: str  # path relative to the tree's root, with '/'
    name: str
    line: int
    maybe_scalar: bool  # may lift without a launch (returns a value, or @pointwise_dynamic)
    nested: bool = False  # defined inside a class or function: not reachable by name

    @property
    def id(self) -> str:
        return f"{self.rel}::{self.name}"


@dataclass(frozen=True)
class Problem:
    file: str
    message: str


def discover(tree: SourceTree) -> tuple[list[Found], list[Problem]]:
    found: list[Found] = []
    problems: list[Problem] = []
    for path in tree.files:
        rel = path.relative_to(tree.root).as_posix()
        try:
            if "jit" not in path.read_text(encoding="utf-8", errors="replace"):
                continue  # cheap: most files of a library hold no kernel
            module = load_module(path)
        except (TritonLiftError, OSError, RecursionError, ValueError) as error:
            message = error.render() if isinstance(error, TritonLiftError) else f"{type(error).__name__}: {error}"
            problems.append(Problem(rel, message))
            continue
        top = {id(f) for f in module.functions.values()}
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    is_jit_decorator(d) for d in node.decorator_list):
                nested = id(node) not in top
                found.append(Found(path, rel, node.name, node.lineno, _maybe_scalar(node), nested))
    found.sort(key=lambda f: (f.rel, f.line))
    return found, problems


def _maybe_scalar(func: ast.FunctionDef) -> bool:
    """A superset of `Kernel.is_scalar_function`, decided from the AST alone (the worker decides)."""
    for deco in func.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if (getattr(target, "attr", None) or getattr(target, "id", None)) == "pointwise_dynamic":
            return True
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(func))
