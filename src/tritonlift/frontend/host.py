"""Evaluating host-side decorator arguments (autotune configs, heuristics) without importing.

Module-level plain functions and assignments are executed one by one in a namespace where
`triton` is a small stub (Config, cdiv, next_power_of_2); whatever needs the real environment
(a GPU query, torch) fails alone, and the failure surfaces only if a decorator needs that name.
"""

from __future__ import annotations

import ast
import math
import types

from ..errors import Site, TritonLiftError
from .module import SourceModule, is_jit_decorator


class _Config:
    """Stand-in for triton.Config: keeps the constexpr values (num_warps etc. are irrelevant)."""

    def __init__(self, kwargs=None, num_warps=None, num_stages=None, num_ctas=None, pre_hook=None, **rest):
        self.kwargs = dict(kwargs or {})
        self.pre_hook = pre_hook

    def all_kwargs(self):
        return dict(self.kwargs)


def _next_power_of_2(n: int) -> int:
    if hasattr(n, "next_power_of_2"):  # a symbolic size (verify/heuristics.py): build the term
        return n.next_power_of_2()
    n = int(n)
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def _cdiv(a: int, b: int) -> int:
    symbolic = next((x for x in (a, b) if hasattr(x, "cdiv")), None)
    if symbolic is not None:
        return symbolic.cdiv(a, b)
    return -(-int(a) // int(b))


def _extremum(builtin, op_name: str):
    """min/max that also take symbolic sizes (a heuristic such as min(N, 4096))."""

    def extremum(*values, **kwargs):
        flat = values[0] if len(values) == 1 and isinstance(values[0], (list, tuple)) else values
        symbolic = next((x for x in flat if hasattr(x, "extremum")), None) if not kwargs else None
        if symbolic is None:
            return builtin(*values, **kwargs)
        from ..ir.term import Op

        return symbolic.extremum(Op.MIN if op_name == "min" else Op.MAX, *flat)
    return extremum


class _Unavailable:
    """A name whose module-level definition could not run here (e.g. it queries a GPU)."""

    def __init__(self, name: str, reason: str):
        self._name, self._reason = name, reason

    def __getattr__(self, attr):
        raise TritonLiftError(f"'{self._name}' is not available without running the module: {self._reason}")

    def __call__(self, *a, **k):
        return self.__getattr__("__call__")

    def __index__(self):
        return self.__getattr__("__index__")


def _triton_stub() -> types.SimpleNamespace:
    language = types.SimpleNamespace(constexpr=lambda v=None: v, float32="fp32", float16="fp16",
                                     bfloat16="bf16", float64="fp64", int32="int32", int64="int64")
    return types.SimpleNamespace(Config=_Config, cdiv=_cdiv, next_power_of_2=_next_power_of_2,
                                 language=language, jit=lambda *a, **k: (a[0] if a else (lambda f: f)))


def namespace(module: SourceModule) -> dict:
    triton = _triton_stub()
    ns: dict = {"triton": triton, "math": math, "tl": triton.language, "__builtins__": __builtins__,
                "min": _extremum(min, "min"), "max": _extremum(max, "max")}
    for name in module.imports:
        qual = module.qualified_import(name) or ""
        if qual == "triton.language":
            ns[name] = triton.language
        elif qual == "triton":
            ns[name] = triton
        elif qual.startswith("triton."):
            ns[name] = getattr(triton, qual.rsplit(".", 1)[1], _Unavailable(name, f"'{qual}' is not stubbed"))
        elif name not in ns:
            ns[name] = _Unavailable(name, f"it is imported from '{qual}', which tritonlift does not import")
    for stmt in module.tree.body:
        if isinstance(stmt, ast.FunctionDef) and not any(is_jit_decorator(d) for d in stmt.decorator_list):
            bare = ast.FunctionDef(**{**stmt.__dict__, "decorator_list": []})
            _run(ast.Module(body=[bare], type_ignores=[]), ns, stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if names:
                _run(ast.Module(body=[stmt], type_ignores=[]), ns, names[0], names)
    return ns


def _run(code: ast.Module, ns: dict, name: str, names: list[str] | None = None) -> None:
    try:
        exec(compile(ast.fix_missing_locations(code), "<host>", "exec"), ns)  # noqa: S102 - host stubs only
    except Exception as err:  # a failing definition only matters if a decorator uses it
        for n in names or [name]:
            ns[n] = _Unavailable(n, f"{type(err).__name__}: {err}")


def evaluate(expr: ast.expr, ns: dict, site: Site):
    try:
        return eval(compile(ast.Expression(expr), "<decorator>", "eval"), ns)  # noqa: S307
    except TritonLiftError as err:
        raise TritonLiftError(err.message, site, hint="give the constexpr values in the launch description") from None
    except Exception as err:
        raise TritonLiftError(f"cannot evaluate decorator argument '{ast.unparse(expr)}': {type(err).__name__}: {err}",
                              site, hint="give the constexpr values in the launch description") from None


def config_kwargs(configs) -> list[dict[str, object]]:
    result = []
    for cfg in configs:
        kwargs = getattr(cfg, "kwargs", None)
        if kwargs is None:
            raise TritonLiftError(f"autotune config {cfg!r} is not a triton.Config")
        result.append(dict(kwargs))
    return result
