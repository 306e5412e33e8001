"""What the user says about an operator: `path.py::fn`, `--inputs "x=f32[M, N].t(), w=f32[N]"`,
`--args "dim=-1, normalized_shape=[N]"`. Both are read as the keywords of a Python call, with `ast`,
so the syntax is Python's (and errors can point at a column)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..errors import TritonLiftError

DTYPES = {"f32": "f32", "fp32": "f32", "float32": "f32", "f16": "f16", "fp16": "f16", "float16": "f16",
          "bf16": "bf16", "f64": "f64", "fp64": "f64", "float64": "f64", "i32": "i32", "int32": "i32",
          "i64": "i64", "int64": "i64", "bool": "bool"}
VIEW_OPS = {"t": 0, "transpose": 2, "permute": None}  # view op -> number of int arguments (None: any)
EXAMPLE = 'e.g. --inputs "x=f32[M, N], w=f32[N]" or "x=f32[M, N].t()"'


@dataclass(frozen=True)
class InputSpec:
    """An operator input: a tensor of `shape` (size names or integers), then torch view ops."""

    name: str
    dtype: str
    shape: tuple[str | int, ...]
    views: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def to_json(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape),
                "views": [[op, list(args)] for op, args in self.views]}

    def logical_dims(self) -> tuple[str | int, ...]:
        """The shape after the view ops (torch semantics: `f32[M, N].t()` is N × M)."""
        dims = list(self.shape)
        for op, args in self.views:
            if op == "t":
                dims = dims[::-1]
            elif op == "transpose":
                a, b = (d % len(dims) for d in args)
                dims[a], dims[b] = dims[b], dims[a]
            else:
                dims = [dims[d] for d in args]
        return tuple(dims)


@dataclass(frozen=True)
class OperatorSpec:
    file: str
    function: str
    inputs: tuple[InputSpec, ...]
    args: tuple[tuple[str, object], ...] = ()  # JSON-able values; sizes as {"size": name}

    @property
    def sizes(self) -> tuple[str, ...]:
        names: list[str] = []
        for i in self.inputs:
            names.extend(d for d in i.shape if isinstance(d, str) and d not in names)
        return tuple(names)

    def to_json(self) -> dict:
        return {"file": self.file, "function": self.function, "inputs": [i.to_json() for i in self.inputs],
                "args": dict(self.args)}


def _keywords(text: str, option: str) -> list[ast.keyword]:
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError as err:
        col = max((err.offset or 3) - 3, 0)
        raise TritonLiftError(f"{option}: not a list of name=value: {err.msg}\n    {text}\n    {' ' * col}^",
                              hint=EXAMPLE if option == "--inputs" else 'e.g. --args "dim=-1, eps=1e-5"') from None
    if call.args or any(k.arg is None for k in call.keywords):
        raise TritonLiftError(f"{option}: every entry must be name=value, got '{text}'",
                              hint=EXAMPLE if option == "--inputs" else 'e.g. --args "dim=-1, eps=1e-5"')
    return call.keywords


def _bad(option: str, node: ast.AST, text: str, what: str) -> TritonLiftError:
    col = getattr(node, "col_offset", 2) - 2
    return TritonLiftError(f"{option}: {what}\n    {text}\n    {' ' * max(col, 0)}^", hint=EXAMPLE)


def parse_inputs(text: str) -> tuple[InputSpec, ...]:
    if not text or not text.strip():
        raise TritonLiftError("--inputs: no inputs given", hint=EXAMPLE)
    specs = []
    for kw in _keywords(text, "--inputs"):
        node, views = kw.value, []
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            op = node.func.attr
            if op not in VIEW_OPS or not all(isinstance(a, ast.Constant) and isinstance(a.value, int)
                                             or isinstance(a, ast.UnaryOp) for a in node.args):
                raise _bad("--inputs", node, text, f"'{op}(…)' is not a supported view (.t(), .transpose(a, b), "
                                                   ".permute(…))")
            views.insert(0, (op, tuple(ast.literal_eval(a) for a in node.args)))
            node = node.func.value
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in DTYPES):
            raise _bad("--inputs", kw.value, text, f"'{kw.arg}' must be a dtype with a shape, such as f32[M, N]")
        dims_node = node.slice
        dims = dims_node.elts if isinstance(dims_node, ast.Tuple) else [dims_node]
        shape: list[str | int] = []
        for d in dims:
            if isinstance(d, ast.Name):
                shape.append(d.id)
            elif isinstance(d, ast.Constant) and isinstance(d.value, int) and d.value >= 1:
                shape.append(d.value)
            else:
                raise _bad("--inputs", d, text, "a dimension is a size name or a positive integer")
        spec = InputSpec(kw.arg, DTYPES[node.value.id], tuple(shape), tuple(views))
        rank = len(shape)
        for op, args in views:
            if (op == "t" and rank > 2) or (op == "transpose" and len(args) != 2) or \
                    (op == "permute" and sorted(a % rank for a in args) != list(range(rank))):
                raise _bad("--inputs", kw.value, text, f"{op}{args} does not fit a rank-{rank} tensor")
        specs.append(spec)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise TritonLiftError(f"--inputs: an input name is repeated ({', '.join(names)})", hint=EXAMPLE)
    return tuple(specs)


def _arg_value(node: ast.AST, sizes: set[str], text: str):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    if isinstance(node, ast.Name) and node.id in sizes:
        return {"size": node.id}
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_arg_value(e, sizes, text) for e in node.elts]
        return {"list": items} if isinstance(node, ast.List) else {"tuple": items}
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch" \
            and node.attr in DTYPES:
        return {"dtype": node.attr}
    raise TritonLiftError(f"--args: '{ast.unparse(node)}' is not a number, string, size name, list or torch dtype",
                          hint='e.g. --args "dim=-1, normalized_shape=[N], eps=1e-5"')


def parse_args(text: str | None, sizes: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    if not text or not text.strip():
        return ()
    return tuple((kw.arg, _arg_value(kw.value, set(sizes), text)) for kw in _keywords(text, "--args"))


def parse_operator(ref: str, inputs: str, args: str | None = None) -> OperatorSpec:
    if "::" not in ref:
        raise TritonLiftError(f"expected path/to/file.py::function, got '{ref}'")
    path, _, name = ref.rpartition("::")
    if not Path(path).is_file():
        raise TritonLiftError(f"no such file: {path}")
    if not name.isidentifier():
        raise TritonLiftError(f"'{name}' is not a function name in '{ref}'")
    specs = parse_inputs(inputs)
    op = OperatorSpec(str(Path(path).resolve()), name, specs)
    return OperatorSpec(op.file, name, specs, parse_args(args, op.sizes))
