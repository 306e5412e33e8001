"""Loading a kernel: `file.py::name`, `package.module:name`, or a jit/Autotuner/Heuristics object.

The result is a frozen `Kernel`: the function's AST, its module, its parameters (which are
constexpr), its autotune configurations and heuristics, and whether it is a `pointwise_dynamic`
scalar function. Decorator arguments are evaluated by `host.py` in a stubbed namespace.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import KernelNotFound, Site, TritonLiftError
from . import host
from .module import SourceModule, is_jit_decorator, load_module

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Param:
    name: str
    is_constexpr: bool
    default: object = _NO_DEFAULT

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


@dataclass(frozen=True)
class Pointwise:
    """`@pointwise_dynamic(is_tensor=...)`: the function is applied elementwise to broadcast inputs."""

    is_tensor: tuple[bool, ...]


@dataclass(frozen=True)
class Kernel:
    name: str
    module: SourceModule
    func: ast.FunctionDef
    params: tuple[Param, ...]
    configs: tuple[dict[str, object], ...]  # autotune configurations (constexpr values); () if none
    heuristics: tuple[tuple[str, Callable[[dict], object]], ...]
    pointwise: Pointwise | None

    @property
    def site(self) -> Site:
        return self.module.site(self.func)

    @property
    def file(self) -> str:
        return str(self.module.path)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def is_scalar_function(self) -> bool:
        """A jit function that returns a value: lifted by applying it to one element."""
        if self.pointwise is not None:
            return True
        return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(self.func)) and \
            not any(_calls(n, "store") for n in ast.walk(self.func))


def _calls(node: ast.AST, attr: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr


def load_kernel(ref: object) -> Kernel:
    """Load from `path.py::name`, `package.module:name`, or a Triton function object."""
    if isinstance(ref, str):
        path, name = _split_reference(ref)
        return kernel_from_module(load_module(path), name)
    return _from_object(ref)


def _split_reference(ref: str) -> tuple[Path, str]:
    if "::" in ref:
        path, _, name = ref.rpartition("::")
        if not name.isidentifier():
            raise KernelNotFound(f"'{name}' is not a function name in '{ref}'")
        return Path(path), name
    if ":" in ref and not ref.endswith(".py"):
        from .module import find_module_file

        dotted, _, name = ref.rpartition(":")
        found = find_module_file(dotted)
        if found is None:
            raise KernelNotFound(f"cannot find module '{dotted}' on sys.path (it is not imported, only read)",
                                 hint="write path/to/file.py::kernel_name for a file")
        return found, name
    raise KernelNotFound(f"expected path/to/file.py::kernel_name or package.module:kernel_name, got '{ref}'")


def _from_object(obj: object) -> Kernel:
    fn = obj
    for _ in range(8):  # Autotuner/Heuristics/LibEntry/JITFunction all wrap a `.fn`
        inner = getattr(fn, "fn", None)
        if inner is None:
            break
        fn = inner
    if not inspect.isfunction(fn):
        raise KernelNotFound(f"expected a @triton.jit function (or an autotuned/heuristics wrapper), got {obj!r}")
    source = inspect.getsourcefile(fn)
    if source is None:
        raise KernelNotFound(f"cannot find the source file of {fn.__qualname__}")
    return kernel_from_module(load_module(Path(source)), fn.__name__)


def kernel_from_module(module: SourceModule, name: str) -> Kernel:
    func = module.functions.get(name)
    if func is None:
        jitted = sorted(n for n, f in module.functions.items() if any(is_jit_decorator(d) for d in f.decorator_list))
        raise KernelNotFound(f"no function '{name}' in {module.path}",
                             hint=f"jit functions there: {', '.join(jitted) or 'none'}")
    if not any(is_jit_decorator(d) for d in func.decorator_list):
        raise KernelNotFound(f"'{name}' in {module.path} is not a @triton.jit function",
                             Site(str(module.path), func.lineno),
                             hint="tritonlift lifts Triton kernels; lift an operator's kernel, or capture its launches")
    params = tuple(_params(module, func))
    configs: tuple[dict[str, object], ...] = ()
    heuristics: list[tuple[str, Callable]] = []
    pointwise = None
    namespace = None
    for deco in func.decorator_list:
        if not isinstance(deco, ast.Call):
            continue
        callee = deco.func.attr if isinstance(deco.func, ast.Attribute) else getattr(deco.func, "id", "")
        if callee in ("autotune", "heuristics", "pointwise_dynamic"):
            namespace = namespace or host.namespace(module)
        if callee == "autotune":
            value = _keyword(deco, "configs", 0)
            configs = tuple(host.config_kwargs(host.evaluate(value, namespace, module.site(deco))))
        elif callee == "heuristics":
            value = _keyword(deco, "values", 0)
            table = host.evaluate(value, namespace, module.site(deco))
            heuristics.extend((str(k), v) for k, v in table.items())
        elif callee == "pointwise_dynamic":
            pointwise = _pointwise(deco, func, namespace, module)
    return Kernel(name, module, func, params, configs, tuple(heuristics), pointwise)


def _keyword(call: ast.Call, name: str, position: int) -> ast.expr:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if len(call.args) > position:
        return call.args[position]
    raise TritonLiftError(f"decorator call without '{name}'", Site("?", call.lineno))


def _pointwise(deco: ast.Call, func: ast.FunctionDef, namespace: dict, module: SourceModule) -> Pointwise:
    n = len(func.args.args)
    is_tensor = [True] * n
    for kw in deco.keywords:
        if kw.arg == "is_tensor":
            is_tensor = list(host.evaluate(kw.value, namespace, module.site(deco)))
        elif kw.arg == "num_inputs":
            n = int(host.evaluate(kw.value, namespace, module.site(deco)))
            is_tensor = [True] * n
    return Pointwise(tuple(bool(b) for b in is_tensor))


def _params(module: SourceModule, func: ast.FunctionDef):
    args = func.args.args
    defaults = [None] * (len(args) - len(func.args.defaults)) + list(func.args.defaults)
    for arg, default in zip(args, defaults):
        ann = arg.annotation
        is_constexpr = ann is not None and (
            (isinstance(ann, ast.Attribute) and ann.attr == "constexpr")
            or (isinstance(ann, ast.Name) and ann.id == "constexpr")
            or (isinstance(ann, ast.Constant) and ann.value == "constexpr"))
        value = _NO_DEFAULT
        if default is not None:
            try:
                value = ast.literal_eval(default)
            except ValueError:
                value = _NO_DEFAULT
        yield Param(arg.arg, is_constexpr, value)
