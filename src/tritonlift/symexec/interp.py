"""An interpreter for the Triton subset of Python, over blocks of concrete indices and terms.

The kernel's own AST is executed statement by statement (never imported, never compiled). Names
resolve like Python's: locals, then the kernel's module (jit helpers, imports, constants), then
builtins. Python `and`/`or`/`not` on blocks are elementwise, as the Triton compiler makes them.
Anything outside the modelled subset raises `UnsupportedFeature` with file and line.
"""

from __future__ import annotations

import ast
import contextlib
import builtins
import math
import operator
from dataclasses import dataclass


from ..errors import KernelRuntimeError, Site, TritonLiftError, UnsupportedFeature
from ..frontend.module import SourceModule, is_jit_decorator, load_module
from . import ops
from .memory import Event
from .ops import Namespace
from .values import PTR, Block, DType, PointerType

MAX_LOOP_ITERATIONS = 100_000  # a runaway loop at tiny sizes is a kernel bug, not a long proof


@dataclass(frozen=True)
class JitFunction:
    module: SourceModule
    func: ast.FunctionDef


class _Return(Exception):
    def __init__(self, value):
        self.value = value


def _submodule(package_file, name: str):
    """pkg/name.py or pkg/name/__init__.py beside a package's __init__.py, if it exists."""
    from pathlib import Path

    base = Path(package_file)
    if base.name != "__init__.py":
        return None
    for candidate in (base.parent / f"{name}.py", base.parent / name / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class ModuleNamespace(Namespace):
    """A kernel-helper module imported as a name (`tle.program_id(0)`): its attributes are its own
    jit functions, constants and imports, read from source like the kernel's module."""

    def __init__(self, interp, module: SourceModule):
        super().__init__(str(module.path.stem), {})
        self.interp, self.module = interp, module

    def get(self, attr: str, site):
        try:
            return self.interp.global_name(attr, self.module, self.module.tree)
        except KernelRuntimeError:
            raise UnsupportedFeature(f"{self.name}.{attr} (not defined in {self.module.path})", site) from None


class Interpreter:
    def __init__(self, tensors: dict, pid: tuple, grid: tuple, events: list[Event], domain=ops):
        self.ops = domain  # the value domain: concrete tiles (ops) or lane functions (lanes)
        self.tensors = tensors
        self.pid = pid
        self.grid = grid
        self.events = events
        self.site = Site("?", 0)
        self._constants: dict[tuple[str, str], object] = {}

    # ------------------------------------------------------------ functions

    def call(self, fn: JitFunction, args: list, kwargs: dict):
        params = fn.func.args.args
        defaults = fn.func.args.defaults
        frame: dict[str, object] = {}
        for p, d in zip(params[len(params) - len(defaults):], defaults):
            frame[p.arg] = self.eval(d, {}, fn.module)
        if len(args) > len(params):
            raise KernelRuntimeError(f"{fn.func.name}() takes {len(params)} arguments, {len(args)} given", self.site)
        for p, a in zip(params, args):
            frame[p.arg] = a
        for k, v in kwargs.items():
            frame[k] = v
        missing = [p.arg for p in params if p.arg not in frame]
        if missing:
            raise KernelRuntimeError(f"{fn.func.name}() is missing arguments {missing}", self.site)
        try:
            self.run_block(fn.func.body, frame, fn.module)
        except _Return as ret:
            return ret.value
        return None

    # ------------------------------------------------------------ statements

    def run_block(self, body: list[ast.stmt], frame: dict, module: SourceModule) -> None:
        for stmt in body:
            self.run(stmt, frame, module)

    def run(self, stmt: ast.stmt, frame: dict, module: SourceModule) -> None:
        try:
            self._run(stmt, frame, module)
        except TritonLiftError as err:
            if err.site is None:  # raised by a value-level helper that knows no source position
                err.site = self.site
            raise

    def _run(self, stmt: ast.stmt, frame: dict, module: SourceModule) -> None:
        self.site = module.site(stmt)
        match stmt:
            case ast.Assign(targets=targets, value=value):
                result = self.eval(value, frame, module)
                for target in targets:
                    self.assign(target, result, frame, module)
            case ast.AnnAssign(target=target, value=value) if value is not None:
                self.assign(target, self.eval(value, frame, module), frame, module)
            case ast.AugAssign(target=ast.Name(id=name), op=op, value=value):
                current = self.lookup(name, frame, module, stmt)
                frame[name] = self.binop(op, current, self.eval(value, frame, module))
            case ast.Expr(value=value):
                if not isinstance(value, ast.Constant):  # docstrings
                    self.eval(value, frame, module)
            case ast.If(test=test, body=body, orelse=orelse):
                cond = self.truth(self.eval(test, frame, module), "if condition")
                self.run_block(body if cond else orelse, frame, module)
            case ast.For(target=target, iter=it, body=body, orelse=[]):
                values = self.loop_range(it, frame, module)
                if not isinstance(values, range):  # the domain runs loops over symbolic ranges itself
                    self.ops.symbolic_loop(self, stmt, frame, module, values)
                    return
                for count, v in enumerate(values):
                    if count >= MAX_LOOP_ITERATIONS:
                        raise KernelRuntimeError(f"loop runs more than {MAX_LOOP_ITERATIONS} iterations", self.site)
                    self.assign(target, v, frame, module)
                    self.run_block(body, frame, module)
                    self.site = module.site(stmt)
            case ast.While(test=test, body=body, orelse=[]):
                count = 0
                while self.truth(self.eval(test, frame, module), "while condition"):
                    count += 1
                    if count > MAX_LOOP_ITERATIONS:
                        raise KernelRuntimeError(f"while loop runs more than {MAX_LOOP_ITERATIONS} iterations",
                                                 self.site)
                    self.run_block(body, frame, module)
            case ast.Return(value=value):
                raise _Return(None if value is None else self.eval(value, frame, module))
            case ast.Pass():
                pass
            case ast.Assert(test=test):
                if not self.truth(self.eval(test, frame, module), "assert"):
                    raise KernelRuntimeError(f"assertion failed: {ast.unparse(test)}", self.site)
            case _:
                raise UnsupportedFeature(f"statement '{type(stmt).__name__}' ({ast.unparse(stmt)[:60]})",
                                         self.site)

    def loop_range(self, it: ast.expr, frame: dict, module: SourceModule) -> range:
        if isinstance(it, ast.Call):
            fn = self.eval(it.func, frame, module)
            if fn in (builtins.range, self.ops.static_range, self.ops.tl_range):
                bounds = [self.eval(a, frame, module) for a in it.args]
                symbolic = getattr(self.ops, "symbolic_bounds", None)
                if symbolic is not None and fn is not self.ops.static_range:
                    found = symbolic(self, bounds)
                    if found is not None:
                        return found
                return range(*[self.as_int(b, "loop bound") for b in bounds])
        raise UnsupportedFeature(f"for loop over '{ast.unparse(it)}' (only range, tl.range and tl.static_range)",
                                 self.site)

    def assign(self, target: ast.expr, value, frame: dict, module: SourceModule) -> None:
        if isinstance(target, ast.Name):
            frame[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = list(value) if isinstance(value, (tuple, list)) else None
            if items is None or len(items) != len(target.elts):
                raise KernelRuntimeError(f"cannot unpack into {ast.unparse(target)}", self.site)
            for t, v in zip(target.elts, items):
                self.assign(t, v, frame, module)
        else:
            raise UnsupportedFeature(f"assignment to '{ast.unparse(target)}'", self.site)

    # ------------------------------------------------------------ expressions

    def eval(self, node: ast.expr, frame: dict, module: SourceModule):
        match node:
            case ast.Constant(value=value):
                if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**64:
                    raise KernelRuntimeError(f"integer constant {value} does not fit in 64 bits "
                                             "(Triton rejects it too)", module.site(node))
                return value
            case ast.Name(id=name):
                return self.lookup(name, frame, module, node)
            case ast.Attribute(value=base, attr=attr):
                return self.attribute(self.eval(base, frame, module), attr)
            case ast.BinOp(left=left, op=op, right=right):
                return self.binop(op, self.eval(left, frame, module), self.eval(right, frame, module))
            case ast.UnaryOp(op=op, operand=operand):
                return self.unaryop(op, self.eval(operand, frame, module))
            case ast.BoolOp(op=op, values=values):
                result = self.eval(values[0], frame, module)
                for v in values[1:]:
                    result = self.boolop(op, result, self.eval(v, frame, module))
                return result
            case ast.Compare(left=left, ops=cmp_ops, comparators=comparators):
                result, current = None, self.eval(left, frame, module)
                for op, comp in zip(cmp_ops, comparators):
                    nxt = self.eval(comp, frame, module)
                    part = self.compare(op, current, nxt)
                    result = part if result is None else self.boolop(ast.And(), result, part)
                    current = nxt
                return result
            case ast.Call(func=func, args=args, keywords=keywords):
                fn = self.eval(func, frame, module)
                if any(isinstance(a, ast.Starred) for a in args) or any(k.arg is None for k in keywords):
                    raise UnsupportedFeature("*args/**kwargs in a call", self.site)
                values = [self.eval(a, frame, module) for a in args]
                kw = {k.arg: self.eval(k.value, frame, module) for k in keywords}
                return self.invoke(fn, values, kw, node)
            case ast.Subscript(value=base, slice=index):
                return self.subscript(self.eval(base, frame, module), index, frame, module)
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                return tuple(self.eval(e, frame, module) for e in elts)
            case ast.IfExp(test=test, body=body, orelse=orelse):
                cond = self.truth(self.eval(test, frame, module), "conditional expression")
                return self.eval(body if cond else orelse, frame, module)
        raise UnsupportedFeature(f"expression '{type(node).__name__}' ({ast.unparse(node)[:60]})", self.site)

    def lookup(self, name: str, frame: dict, module: SourceModule, node: ast.AST):
        if name in frame:
            return frame[name]
        return self.global_name(name, module, node)

    def global_name(self, name: str, module: SourceModule, node: ast.AST):
        func = module.functions.get(name)
        if func is not None:
            if any(is_jit_decorator(d) for d in func.decorator_list):
                return JitFunction(module, func)
            raise UnsupportedFeature(f"call of the non-jit Python function '{name}' inside a kernel", self.site)
        if name in module.imports:
            return self.imported(name, module)
        if name in module.assignments:
            key = (str(module.path), name)
            if key not in self._constants:
                self._constants[key] = self.eval(module.assignments[name], {}, module)
            return self._constants[key]
        if name in self.ops.BUILTINS:
            return self.ops.BUILTINS[name]
        raise KernelRuntimeError(f"name '{name}' is not defined", module.site(node))

    def imported(self, name: str, module: SourceModule):
        qual = module.qualified_import(name) or ""
        found = self.ops.resolve_qualified(qual)
        if found is not None:
            return found
        imported = module.imports[name]
        path = module.resolve_relative(imported)
        if imported.name is None and path is not None and str(path) != str(module.path):
            return ModuleNamespace(self, load_module(path))  # `import pkg.helpers as h`: h.f(…)
        if imported.name is not None:
            # `from . import sub` inside a package resolves to the package itself, then to the same
            # name again: a cycle (a name bound to another function of the same module is fine)
            if path is not None and not (str(path) == str(module.path) and imported.name == name):
                other = load_module(path)
                if imported.name in other.functions or imported.name in other.assignments \
                        or imported.name in other.imports:
                    return self.global_name(imported.name, other, other.tree)
            sub = _submodule(path, imported.name) if path is not None else None
            if sub is not None and str(sub) != str(module.path):  # `from pkg import helpers as h`
                return ModuleNamespace(self, load_module(sub))
        raise UnsupportedFeature(f"imported name '{name}' (from '{qual}')", self.site,
                                 hint="tritonlift reads the module without importing it; "
                                      "supported: triton, triton.language and its math/libdevice functions, "
                                      "and @triton.jit helpers in files it can find")

    def attribute(self, base, attr: str):
        if isinstance(base, Namespace):
            return base.get(attr, self.site)
        if isinstance(base, self.ops.BLOCK_TYPE):
            return self.ops.block_attribute(self, base, attr)
        if isinstance(base, DType) or hasattr(base, "element_ty"):
            if attr in ("element_ty", "name", "is_floating", "primitive_bitwidth"):
                return self.ops.dtype_attribute(base, attr)
        if isinstance(base, (int, float)) and attr in ("to",):
            return ops.bound_method(lambda interp, args, kw, node: self.ops.to_block(base), "to")
        if base is math and hasattr(math, attr):
            return getattr(math, attr)
        raise UnsupportedFeature(f"attribute '.{attr}' of {type(base).__name__}", self.site)

    def invoke(self, fn, args: list, kwargs: dict, node: ast.Call):
        if isinstance(fn, JitFunction):
            saved = self.site
            result = self.call(fn, args, kwargs)
            self.site = saved
            return result
        if isinstance(fn, ops.Builtin):
            with self._shapes_checked(f"tl.{fn.name}"):
                return fn.impl(self, args, kwargs, node)
        if fn in (builtins.range,):
            return range(*[self.as_int(a, "range bound") for a in args])
        if fn is math.log2 or fn is math.sqrt or fn is math.log or fn is math.exp:
            return fn(*args)
        raise UnsupportedFeature(f"call of '{ast.unparse(node.func)}'", self.site)

    def subscript(self, base, index: ast.expr, frame: dict, module: SourceModule):
        if isinstance(base, (tuple, list)):
            return base[self.as_int(self.eval(index, frame, module), "index")]
        if isinstance(base, self.ops.BLOCK_TYPE):
            parts = index.elts if isinstance(index, ast.Tuple) else [index]
            key = []
            for p in parts:
                if isinstance(p, ast.Constant) and p.value is None:
                    key.append(None)
                elif isinstance(p, ast.Slice) and p.lower is None and p.upper is None and p.step is None:
                    key.append(slice(None))
                elif isinstance(p, ast.Constant) and p.value is Ellipsis:
                    key.append(Ellipsis)
                else:
                    raise UnsupportedFeature(f"block indexing '[{ast.unparse(index)}]' (only None and ':')",
                                             self.site)
            return self.ops.subscript(self, base, tuple(key))
        raise UnsupportedFeature(f"subscript of {type(base).__name__}", self.site)

    # ------------------------------------------------------------ operators

    @contextlib.contextmanager
    def _shapes_checked(self, what: str):
        """numpy refusing to broadcast two blocks is the kernel's error (Triton refuses it too), not ours."""
        try:
            yield
        except ValueError as err:
            if "broadcast" not in str(err):
                raise
            raise KernelRuntimeError(f"{what}: block shapes do not broadcast ({str(err).split('.')[0]})",
                                     self.site) from None

    def binop(self, op: ast.operator, a, b):
        if self.ops.is_python_scalar(a) and self.ops.is_python_scalar(b):
            return _PY_BINOPS[type(op)](a, b)
        with self._shapes_checked(f"operator {type(op).__name__}"):
            return self.ops.block_binop(self, type(op).__name__, a, b)

    def unaryop(self, op: ast.unaryop, a):
        if self.ops.is_python_scalar(a):
            return {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
                    ast.Invert: operator.invert}[type(op)](a)
        return self.ops.block_unaryop(self, type(op).__name__, a)

    def boolop(self, op: ast.boolop, a, b):
        if self.ops.is_python_scalar(a) and self.ops.is_python_scalar(b):
            return (a and b) if isinstance(op, ast.And) else (a or b)
        return self.ops.block_binop(self, "BitAnd" if isinstance(op, ast.And) else "BitOr",
                                    self.ops.to_bool_block(a), self.ops.to_bool_block(b))

    def compare(self, op: ast.cmpop, a, b):
        if isinstance(a, (DType, PointerType, str)) or isinstance(b, (DType, PointerType, str)):  # x.dtype == tl.bf16
            return _PY_COMPARE[type(op)](a, b)
        if self.ops.is_python_scalar(a) and self.ops.is_python_scalar(b) or a is None or b is None:
            return _PY_COMPARE[type(op)](a, b)
        with self._shapes_checked(f"comparison {type(op).__name__}"):
            return self.ops.block_compare(self, type(op).__name__, a, b)

    # ------------------------------------------------------------ conversions

    def truth(self, value, what: str) -> bool:
        if isinstance(value, self.ops.BLOCK_TYPE):
            return self.ops.block_truth(self, value, what)
        return bool(value)

    def as_int(self, value, what: str) -> int:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, self.ops.BLOCK_TYPE):
            return self.ops.block_int(self, value, what)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TritonLiftError(f"{what} is not an integer: {value!r}", self.site)


def _c_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


_PY_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift,
}
_PY_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}

__all__ = ["Interpreter", "JitFunction", "Namespace", "Block", "PTR"]
