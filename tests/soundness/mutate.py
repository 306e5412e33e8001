"""Mutation operators for Triton kernels: `mutants(source, function_name) -> list[Mutant]`.

Each mutant changes exactly one site of one kernel function, found by walking the function's AST
in a fixed (pre-order) order, so ids are stable as long as the kernel's source does not change.
An id reads `operator:variant@Lline:col`, e.g. `cmp-bound:minus1@L16:11`; the mutant's `source`
is the whole module, unparsed (comments are lost; the line numbers of the kernel may shift).

Operators (each applied at every applicable site, one site per mutant):

  cmp-swap     `<` <-> `<=`, `>` <-> `>=`
  cmp-bound    `a < b` -> `a < b - 1` / `a < b + 1` (not for comparisons with float literals)
  other        `tl.load(..., other=v)`: `-inf` -> `0.0`, `0.0` -> `1.0`, any other value -> `0.0`;
               the same for the float literal of `tl.where(c, a, 0.0)`
  drop-addend  `a + b` on floats -> `a` or `b`, where the dropped operand is a number or a kernel
               parameter (`+ eps`, `1 + erf(...)`)
  const        a number operand of an arithmetic operator: `0.5` -> `1.0`, `0.0` -> `1.0`,
               `c` -> `2c` (floats), `n` -> `n + 1` (integers)
  binop        `+` <-> `-`, `*` <-> `/` on float expressions (a light type inference decides),
               also `+=` <-> `-=` (and `*=` <-> `/=`) on float accumulators
  call         `tl.maximum` <-> `tl.minimum`, `tl.max` <-> `tl.min`, `tl.exp` <-> `tl.exp2`,
               `tl.sqrt` <-> `tl.rsqrt`
  axis         reduction axis `0` <-> `1` (keyword `axis=` or the second positional argument)
  loop         `range(a, b, c)` -> `range(a, b - 1, c)` / `range(a + c, b, c)`
  stride       integer `a * b` -> `a * (b - 1)` / `a * b + 1`
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Callable, Iterator

__all__ = ["Mutant", "mutants", "OPERATORS"]


@dataclass(frozen=True)
class Mutant:
    id: str
    description: str
    source: str

    @property
    def operator(self) -> str:
        return self.id.split(":", 1)[0]


# ---------------------------------------------------------------- helpers

_FLOAT_CALLS = {"load", "zeros", "full", "exp", "exp2", "log", "log2", "sqrt", "rsqrt", "sqrt_rn", "erf", "sum",
                "max", "min", "maximum", "minimum", "sigmoid", "tanh", "abs", "fma", "div_rn", "fdiv", "cos",
                "sin", "softmax", "cumsum", "xor_sum", "prod", "float", "dot"}
_REDUCTIONS = {"sum", "max", "min", "argmax", "argmin", "reduce", "xor_sum", "prod", "cumsum", "cumprod"}
_CALL_SWAPS = {"maximum": "minimum", "minimum": "maximum", "max": "min", "min": "max", "exp": "exp2",
               "exp2": "exp", "sqrt": "rsqrt", "rsqrt": "sqrt"}
_RANGES = {"range", "static_range"}


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _is_tl_call(node: ast.AST, names: set[str] | dict) -> bool:
    """`tl.name(...)`, `tl.math.name(...)`, `triton.language.name(...)` (attribute calls only)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _mentions_float_literal(node: ast.AST) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and type(n.value) is float:
            return True
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "float":
            return True
    return False


class _Types:
    """Which local names hold floating-point values (loads, math results, float literals)."""

    def __init__(self, func: ast.FunctionDef):
        self.floats: set[str] = set()
        for _ in range(3):  # loop-carried values (z = z * r + f) settle after a few passes
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and self.is_float(node.value):
                    for t in node.targets:
                        self.floats.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) \
                        and self.is_float(node.value):
                    self.floats.add(node.target.id)

    def is_float(self, node: ast.AST) -> bool:
        match node:
            case ast.Constant(value=v):
                return type(v) is float
            case ast.Name(id=name):
                return name in self.floats
            case ast.BinOp(left=left, right=right):
                return self.is_float(left) or self.is_float(right)
            case ast.UnaryOp(operand=operand):
                return self.is_float(operand)
            case ast.IfExp(body=body, orelse=orelse):
                return self.is_float(body) or self.is_float(orelse)
            case ast.Call(func=ast.Attribute(attr="to", value=base)):
                return self.is_float(base)
            case ast.Call(func=ast.Attribute(attr="where"), args=args):
                return any(self.is_float(a) for a in args[1:])
            case ast.Call(keywords=keywords) if _callee(node) in ("zeros", "full"):
                dtype = next((k.value for k in keywords if k.arg == "dtype"), None)
                return dtype is None or "int" not in ast.unparse(dtype)
            case ast.Call():
                return _callee(node) in _FLOAT_CALLS
        return False


# An operator maps a node (and the type information) to a list of (variant, description, new node).
Variant = tuple[str, str, ast.AST]


def _cmp_swap(node: ast.AST, types: _Types) -> list[Variant]:
    swaps = {ast.Lt: (ast.LtE, "<", "<="), ast.LtE: (ast.Lt, "<=", "<"), ast.Gt: (ast.GtE, ">", ">="),
             ast.GtE: (ast.Gt, ">=", ">")}
    if not isinstance(node, ast.Compare) or len(node.ops) != 1 or type(node.ops[0]) not in swaps:
        return []
    new_op, old, new = swaps[type(node.ops[0])]
    return [(new.replace("<", "lt").replace(">", "gt").replace("=", "e"), f"'{old}' -> '{new}'",
             ast.Compare(node.left, [new_op()], node.comparators))]


def _cmp_bound(node: ast.AST, types: _Types) -> list[Variant]:
    if not isinstance(node, ast.Compare) or len(node.ops) != 1 or \
            not isinstance(node.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) or _mentions_float_literal(node):
        return []
    right = node.comparators[0]
    out = []
    for name, op in (("minus1", ast.Sub()), ("plus1", ast.Add())):
        new_right = ast.BinOp(copy.deepcopy(right), op, ast.Constant(1))
        out.append((name, f"'{ast.unparse(node)}' -> '{ast.unparse(node.left)} "
                          f"{ast.unparse(ast.Compare(ast.Name('_'), node.ops, [new_right]))[2:]}'",
                    ast.Compare(node.left, node.ops, [new_right])))
    return out


def _is_neg_inf(node: ast.AST) -> bool:
    text = ast.unparse(node).replace(" ", "")
    return text in ("-float('inf')", "float('-inf')", "-math.inf", "-np.inf") or \
        (isinstance(node, ast.Constant) and node.value == float("-inf"))


def _other(node: ast.AST, types: _Types) -> list[Variant]:
    if isinstance(node, ast.Call) and _callee(node) == "where" and len(node.args) == 3 and not node.keywords \
            and isinstance(node.args[2], ast.Constant) and type(node.args[2].value) is float:
        old = node.args[2].value
        new = ast.Constant(1.0 if old == 0.0 else 0.0)
        return [("where", f"tl.where(..., {old!r}) -> tl.where(..., {new.value!r})",
                 ast.Call(node.func, [node.args[0], node.args[1], new], []))]
    if not (isinstance(node, ast.Call) and _callee(node) == "load"):
        return []
    out = []
    for k, kw in enumerate(node.keywords):
        if kw.arg != "other":
            continue
        if _is_neg_inf(kw.value):
            new, tag = ast.Constant(0.0), "zero"
        elif isinstance(kw.value, ast.Constant) and kw.value.value == 0:
            new, tag = ast.Constant(1.0), "one"
        else:
            new, tag = ast.Constant(0.0), "zero"
        keywords = list(node.keywords)
        keywords[k] = ast.keyword("other", new)
        out.append((tag, f"other={ast.unparse(kw.value)} -> other={ast.unparse(new)}",
                    ast.Call(node.func, node.args, keywords)))
    return out


def _droppable(node: ast.AST, params: set[str]) -> bool:
    return _is_number(node) or (isinstance(node, ast.Name) and node.id in params)


def _drop_addend(node: ast.AST, types: _Types, params: set[str]) -> list[Variant]:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and types.is_float(node)):
        return []
    out = []
    if _droppable(node.right, params):
        out.append(("right", f"'{ast.unparse(node)}' -> '{ast.unparse(node.left)}'", node.left))
    if _droppable(node.left, params):
        out.append(("left", f"'{ast.unparse(node)}' -> '{ast.unparse(node.right)}'", node.right))
    return out


def _const(node: ast.AST, types: _Types) -> list[Variant]:
    if not isinstance(node, ast.BinOp):
        return []
    out = []
    for side in ("left", "right"):
        c = getattr(node, side)
        if not _is_number(c):
            continue
        v = c.value
        if type(v) is float:
            new = 1.0 if v in (0.0, 0.5) else 2.0 * v
        else:
            new = v + 1
        changed = ast.BinOp(**{"left": node.left, "op": node.op, "right": node.right, side: ast.Constant(new)})
        out.append((side, f"constant {v!r} -> {new!r} in '{ast.unparse(node)}'", changed))
    return out


def _binop(node: ast.AST, types: _Types) -> list[Variant]:
    swaps = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
    if isinstance(node, ast.AugAssign) and type(node.op) in swaps and isinstance(node.target, ast.Name) \
            and types.is_float(node.target):
        new = ast.AugAssign(node.target, swaps[type(node.op)](), node.value)
        old_text, new_text = (ast.unparse(n).split(" ", 2)[1] for n in (node, new))
        return [(f"aug-{type(new.op).__name__.lower()}", f"'{old_text}' -> '{new_text}' in '{ast.unparse(node)}'", new)]
    if not (isinstance(node, ast.BinOp) and type(node.op) in swaps and types.is_float(node)):
        return []
    new = ast.BinOp(node.left, swaps[type(node.op)](), node.right)
    return [(type(new.op).__name__.lower(), f"'{ast.unparse(node)}' -> '{ast.unparse(new)}'", new)]


def _call(node: ast.AST, types: _Types) -> list[Variant]:
    if not _is_tl_call(node, _CALL_SWAPS):
        return []
    new_name = _CALL_SWAPS[node.func.attr]
    func = ast.Attribute(node.func.value, new_name, ast.Load())
    return [(new_name, f"'{ast.unparse(node.func)}' -> '{ast.unparse(func)}'", ast.Call(func, node.args, node.keywords))]


def _axis(node: ast.AST, types: _Types) -> list[Variant]:
    if not _is_tl_call(node, _REDUCTIONS):
        return []

    def other_axis(v: ast.AST) -> ast.AST | None:
        if isinstance(v, ast.Constant) and type(v.value) is int:
            return ast.Constant(1 if v.value in (0, -2) else 0)
        if isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.USub):
            return ast.Constant(0)
        return None

    for k, kw in enumerate(node.keywords):
        if kw.arg == "axis":
            new = other_axis(kw.value)
            if new is None:
                return []
            keywords = list(node.keywords)
            keywords[k] = ast.keyword("axis", new)
            return [(f"axis{new.value}", f"axis={ast.unparse(kw.value)} -> axis={new.value} in "
                                         f"'{ast.unparse(node.func)}'", ast.Call(node.func, node.args, keywords))]
    if len(node.args) >= 2:
        new = other_axis(node.args[1])
        if new is not None:
            args = list(node.args)
            args[1] = new
            return [(f"axis{new.value}", f"axis {ast.unparse(node.args[1])} -> {new.value} in "
                                         f"'{ast.unparse(node.func)}'", ast.Call(node.func, args, node.keywords))]
    return []


def _loop(node: ast.AST, types: _Types) -> list[Variant]:
    if not (isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and _callee(node.iter) in _RANGES
            and not node.iter.keywords and 1 <= len(node.iter.args) <= 3):
        return []
    args = list(node.iter.args)
    if len(args) == 1:
        args = [ast.Constant(0), args[0]]
    step = args[2] if len(args) == 3 else ast.Constant(1)
    shorter = list(args)
    shorter[1] = ast.BinOp(copy.deepcopy(args[1]), ast.Sub(), ast.Constant(1))
    later = list(args)
    later[0] = copy.deepcopy(step) if _is_number(args[0]) and args[0].value == 0 else \
        ast.BinOp(copy.deepcopy(args[0]), ast.Add(), copy.deepcopy(step))
    out = []
    for tag, new_args in (("end-1", shorter), ("start+step", later)):
        it = ast.Call(node.iter.func, new_args, [])
        out.append((tag, f"'{ast.unparse(node.iter)}' -> '{ast.unparse(it)}'",
                    ast.For(node.target, it, node.body, node.orelse, getattr(node, "type_comment", None))))
    return out


def _stride(node: ast.AST, types: _Types) -> list[Variant]:
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)) or types.is_float(node) \
            or _is_number(node.left) or _is_number(node.right):
        return []
    less = ast.BinOp(node.left, ast.Mult(), ast.BinOp(copy.deepcopy(node.right), ast.Sub(), ast.Constant(1)))
    more = ast.BinOp(copy.deepcopy(node), ast.Add(), ast.Constant(1))
    return [(tag, f"'{ast.unparse(node)}' -> '{ast.unparse(new)}'", new)
            for tag, new in (("minus1", less), ("plus1", more))]


OPERATORS: dict[str, Callable] = {
    "cmp-swap": _cmp_swap, "cmp-bound": _cmp_bound, "other": _other, "drop-addend": _drop_addend,
    "const": _const, "binop": _binop, "call": _call, "axis": _axis, "loop": _loop, "stride": _stride,
}


# ---------------------------------------------------------------- enumeration and application


def _preorder(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _preorder(child)


def _sites(func: ast.FunctionDef, params: set[str]) -> list[tuple[int, str, int, str, str, int, int]]:
    """(node position, operator, variant number, variant tag, description, line, col) per site."""
    types = _Types(func)
    sites = []
    for pos, node in enumerate(_preorder(func)):
        if pos == 0:
            continue  # the function itself
        for op_name in OPERATORS:
            for k, (tag, description, _) in enumerate(_apply_op(op_name, node, types, params)):
                sites.append((pos, op_name, k, tag, description, getattr(node, "lineno", 0),
                              getattr(node, "col_offset", 0)))
    return sites


def _apply_op(op_name: str, node: ast.AST, types: _Types, params: set[str]) -> list[Variant]:
    if op_name == "drop-addend":
        return _drop_addend(node, types, params)
    return OPERATORS[op_name](node, types)


class _Replace(ast.NodeTransformer):
    """Replace the node at pre-order position `target` (counted from the function) by `make(node)`."""

    def __init__(self, target: int, make: Callable[[ast.AST], ast.AST]):
        self.target = target
        self.make = make
        self.position = -1
        self.done = False

    def visit(self, node: ast.AST):
        self.position += 1
        if self.position == self.target:
            self.done = True
            return self.make(node)
        self.generic_visit(node)
        return node


def _find_function(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise ValueError(f"no top-level function '{name}'")


def mutants(source: str, function_name: str) -> list[Mutant]:
    """Every single-site mutant of `function_name` in `source`, in a deterministic order. Mutants
    whose unparsed module equals the original's (no change) are left out."""
    tree = ast.parse(source)
    func = _find_function(tree, function_name)
    annotated = {a.arg for a in func.args.args if a.annotation is not None}
    params = {a.arg for a in func.args.args if a.arg not in annotated and "ptr" not in a.arg.lower()}
    original = ast.unparse(tree)
    result: list[Mutant] = []
    seen_ids: set[str] = set()
    seen_sources: set[str] = {original}
    for pos, op_name, k, tag, description, line, col in _sites(func, params):
        copy_tree = copy.deepcopy(tree)
        copy_func = _find_function(copy_tree, function_name)
        types = _Types(copy_func)

        def make(node, op_name=op_name, k=k, types=types):
            return _apply_op(op_name, node, types, params)[k][2]

        replacer = _Replace(pos, make)
        replacer.visit(copy_func)
        assert replacer.done, (op_name, pos)
        ast.fix_missing_locations(copy_tree)
        text = ast.unparse(copy_tree)
        if text in seen_sources:  # no change, or the same program as an earlier mutant
            continue
        seen_sources.add(text)
        ident = f"{op_name}:{tag}@L{line}:{col}"
        n = 2
        while ident in seen_ids:
            ident = f"{op_name}:{tag}@L{line}:{col}#{n}"
            n += 1
        seen_ids.add(ident)
        result.append(Mutant(ident, f"line {line}: {description}", text + "\n"))
    return result
