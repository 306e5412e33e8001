"""Parse a launch description written like a Triton launch, over size names, into a `Launch`.

    softmax_kernel[(M,)](y[M, N], x[M, N; N, 1]:bf16, N, eps, BLOCK_SIZE=next_power_of_2(N))

A small bracket-aware splitter finds the kernel name, the grid and the arguments; each piece is then
read with `ast` (tensor brackets, `; strides` and `:dtype` suffixes are taken apart first, since
they are not Python). Every problem is a LaunchError quoting the piece, with a caret under it.
"""

from __future__ import annotations

import ast
import re
import warnings

from ..errors import LaunchError
from ..ir.intexpr import IntExprError, int_expr_from_python
from ..ir.term import Op, Term, size, walk
from .model import Arg, FloatArg, IntArg, Launch, LiteralArg, NoneArg, TensorArg

_FORM = "kernel[grid](args)"
_NAME = r"[A-Za-z_]\w*"
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _OPEN.items()}

_DTYPES = {
    "fp32": ("f32", "fp32", "float32"), "fp16": ("f16", "fp16", "float16"),
    "bf16": ("bf16", "bfloat16"), "fp64": ("f64", "fp64", "float64"),
    "int32": ("i32", "int32"), "int64": ("i64", "int64"), "int8": ("i8", "int8"),
    "int16": ("i16", "int16"), "uint8": ("u8", "uint8"), "bool": ("bool", "i1", "int1"),
}
DTYPES = {alias: canon for canon, aliases in _DTYPES.items() for alias in aliases}
# `name:int` / `name:float` annotations that force how a bare name is read.
_INT_MARKS = {"int", "i32", "i64", "int32", "int64"}
_FLOAT_MARKS = {"float", "f32", "fp32", "float32", "f16", "fp16", "float16", "bf16", "bfloat16",
                "f64", "fp64", "float64"}
_DTYPE_MODULES = ("tl", "triton.language", "torch")


class _Bare:
    """A bare name argument: an IntArg if the name is used as a size elsewhere, else a FloatArg."""

    def __init__(self, name: str):
        self.name = name


def _error(text: str, message: str, pos: int | None = None, hint: str | None = None) -> LaunchError:
    if pos is not None:
        message += f"\n    {text}\n    {' ' * pos}^"
    return LaunchError(f"launch description: {message}", hint=hint)


# ---------------------------------------------------------------- splitting


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at text[i]."""
    quote, j = text[i], i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    raise _error(text, f"unterminated string at column {i + 1}", i)


def _check_brackets(text: str) -> dict[int, int]:
    """Map each opening bracket to its closer; a LaunchError on the first imbalance."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    i = 0
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _skip_string(text, i)
            continue
        if c in _OPEN:
            stack.append(i)
        elif c in _CLOSE:
            if not stack:
                raise _error(text, f"unbalanced '{c}' at column {i + 1}", i)
            if text[stack[-1]] != _CLOSE[c]:
                j = stack[-1]
                raise _error(text, f"'{c}' at column {i + 1} does not close '{text[j]}' at column {j + 1}", i)
            pairs[stack.pop()] = i
        i += 1
    if stack:
        raise _error(text, f"unbalanced '{text[stack[-1]]}' at column {stack[-1] + 1}", stack[-1])
    return pairs


def _split(text: str, pairs: dict[int, int], lo: int, hi: int, sep: str) -> list[tuple[int, int]]:
    """Spans of text[lo:hi] between top-level `sep` characters, whitespace stripped."""
    spans, start, i = [], lo, lo
    while i < hi:
        c = text[i]
        if c in "'\"":
            i = _skip_string(text, i)
            continue
        if c in _OPEN:
            i = pairs[i] + 1
            continue
        if c == sep:
            spans.append(_strip(text, start, i))
            start = i + 1
        i += 1
    spans.append(_strip(text, start, hi))
    return spans


def _strip(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and text[lo] == " ":
        lo += 1
    while hi > lo and text[hi - 1] == " ":
        hi -= 1
    return lo, hi


def _items(text: str, pairs: dict[int, int], lo: int, hi: int, what: str) -> list[tuple[int, int]]:
    """Comma-separated items; one trailing comma allowed, no other empty item."""
    spans = _split(text, pairs, lo, hi, ",")
    if spans[-1][0] == spans[-1][1]:
        spans.pop()
    for a, b in spans:
        if a == b:
            raise _error(text, f"empty {what} at column {a + 1}", a)
    return spans


# ---------------------------------------------------------------- pieces


def _parse_python(text: str, lo: int, hi: int) -> ast.expr:
    src = text[lo:hi]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences in a string literal
            return ast.parse(src, mode="eval").body
    except SyntaxError as e:
        col = max(0, min((e.offset or 1) - 1, len(src)))
        raise _error(text, f"cannot read {src!r}: {e.msg}", lo + col) from None
    except ValueError as e:  # e.g. a NUL character
        raise _error(text, f"cannot read {src!r}: {e}", lo) from None


def _column(text: str, lo: int, node: ast.AST) -> int:
    """Position in `text` of `node` parsed from text[lo:...] (ast offsets count UTF-8 bytes)."""
    return lo + len(text[lo:].encode()[: node.col_offset].decode(errors="ignore"))


def _int(text: str, lo: int, hi: int, node: ast.expr | None = None) -> Term:
    node = _parse_python(text, lo, hi) if node is None else node
    try:
        return int_expr_from_python(node)
    except IntExprError as e:
        raise _error(text, e.reason, _column(text, lo, e.node), e.hint) from None


def _dtype_literal(node: ast.expr) -> str | None:
    """`tl.float32`, `torch.bfloat16` -> 'fp32', 'bf16'; None if `node` is no dtype name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or not parts:
        return None
    module = ".".join([node.id, *reversed(parts[1:])])
    return DTYPES.get(parts[0]) if module in _DTYPE_MODULES else None


def _tensor(text: str, pairs: dict[int, int], lo: int, hi: int, open_at: int) -> TensorArg:
    name = text[lo:open_at].strip()
    close = pairs[open_at]
    piece = text[lo:hi]
    tail = text[close + 1 : hi].strip()
    dtype = "fp32"
    values = None
    ranged = re.search(r"(^|\s)in(\s|$)", tail)
    if ranged:
        values = _value_ranges(text, close + 1 + text[close + 1:hi].index(tail) + ranged.end(), hi)
        tail = tail[:ranged.start()].strip()
    if tail:
        if not tail.startswith(":"):
            raise _error(text, f"unexpected {tail!r} after tensor {text[lo:close + 1]!r}; expected ':dtype', "
                         "'in lo..hi' or the end of the argument", text.index(tail, close + 1))
        mark = tail[1:].strip()
        if mark.lower() not in DTYPES:
            raise _error(text, f"unknown dtype {mark!r} in {piece!r}", text.index(tail, close + 1) + 1,
                         hint=f"dtypes: {', '.join(sorted(DTYPES))}")
        dtype = DTYPES[mark.lower()]
    parts = _split(text, pairs, open_at + 1, close, ";")
    if len(parts) > 2:
        raise _error(text, f"tensor {piece!r} has more than one ';'", parts[2][0] - 1)
    dims = tuple(_int(text, a, b) for a, b in _items(text, pairs, *parts[0], "dimension"))
    if not dims:
        raise _error(text, f"tensor {piece!r} has no dimensions", open_at,
                     hint="a pointer to one element is written as a tensor of shape [1]")
    strides = None
    if len(parts) == 2:
        strides = tuple(_int(text, a, b) for a, b in _items(text, pairs, *parts[1], "stride"))
        if len(strides) != len(dims):
            n = len(strides)
            raise _error(text, f"tensor {piece!r} has {len(dims)} dim{'s' * (len(dims) != 1)} but {n} "
                         f"stride{'s' * (n != 1)}", parts[1][0])
    return TensorArg(name, dims, strides, dtype, values)


def _value_ranges(text: str, lo: int, hi: int) -> tuple[tuple[Term, Term], ...]:
    """`0..C-1 | -100`: inclusive ranges and single values of an index tensor's elements."""
    out = []
    start = lo
    for piece in text[lo:hi].split("|"):
        a = start + len(piece) - len(piece.lstrip())
        b = start + len(piece.rstrip())
        start += len(piece) + 1
        if a >= b:
            raise _error(text, "empty value range after 'in'", a, hint="e.g. t[M]:i64 in 0..C-1 | -100")
        if ".." in text[a:b]:
            mid = text.index("..", a, b)
            out.append((_int(text, a, mid), _int(text, mid + 2, b)))
        else:
            value = _int(text, a, b)
            out.append((value, value))
    return tuple(out)


def _value(text: str, pairs: dict[int, int], lo: int, hi: int, forced: dict[str, str]) -> Arg | _Bare:
    """One argument value. `forced` collects `name:int` / `name:float` annotations."""
    piece = text[lo:hi]
    m = re.match(rf"({_NAME})\s*\[", piece)
    if m:
        return _tensor(text, pairs, lo, hi, lo + m.end() - 1)
    m = re.fullmatch(rf"({_NAME})\s*:\s*(\w+)", piece)
    if m:
        name, mark = m.group(1), m.group(2).lower()
        if mark not in _INT_MARKS | _FLOAT_MARKS:
            raise _error(text, f"unknown annotation {m.group(2)!r} on {name!r}; expected 'int' or 'float'",
                         lo + m.start(2), hint="tensors are written with brackets: name[dims]:dtype")
        kind = "int" if mark in _INT_MARKS else "float"
        if forced.setdefault(name, kind) != kind:
            raise _error(text, f"{name!r} is annotated both int and float", lo)
        return IntArg(size(name)) if kind == "int" else FloatArg(name=name)
    node = _parse_python(text, lo, hi)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = node.operand
        if isinstance(inner, ast.Constant) and type(inner.value) is float:
            return FloatArg(value=-inner.value if isinstance(node.op, ast.USub) else inner.value)
    if isinstance(node, ast.Constant):
        v = node.value
        if v is None:
            return NoneArg()
        if isinstance(v, (bool, str)):
            return LiteralArg(v)
        if type(v) is float:
            return FloatArg(value=v)
        if type(v) is not int:
            raise _error(text, f"unsupported literal {piece!r}", lo)
    if isinstance(node, ast.Name):
        return _Bare(node.id)
    if isinstance(node, ast.Attribute):
        dtype = _dtype_literal(node)
        if dtype is None:
            raise _error(text, f"unknown name {piece!r}; expected a dtype such as tl.float32", lo,
                         hint=f"dtypes: {', '.join(sorted(DTYPES))}")
        return LiteralArg(dtype)
    return IntArg(_int(text, lo, hi, node))


# ---------------------------------------------------------------- the launch


def _head(text: str, pairs: dict[int, int]) -> tuple[str, int, int]:
    """Kernel name, position of the grid's '[' and of the arguments' '('."""
    m = re.match(rf" *({_NAME}) *\[", text)
    if not m:
        example = "softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK_SIZE=next_power_of_2(N))"
        no_grid = re.match(rf" *{_NAME} *\(", text)
        lead = "the grid goes in brackets before the arguments" if no_grid else "for example"
        hint = f"{lead}: {example}"
        raise _error(text, f"expected {_FORM!r}, got {text.strip()!r}", hint=hint)
    grid_at = m.end() - 1
    call_at, _ = _strip(text, pairs[grid_at] + 1, len(text))
    if call_at == len(text) or text[call_at] != "(":
        got = text[call_at:].strip() or "nothing"
        raise _error(text, f"expected '(args)' after the grid, got {got!r}", call_at)
    end, _ = _strip(text, pairs[call_at] + 1, len(text))
    if end < len(text):
        raise _error(text, f"unexpected {text[end:]!r} after the arguments", end)
    return m.group(1), grid_at, call_at


def _grid(text: str, pairs: dict[int, int], grid_at: int) -> tuple[Term, ...]:
    lo, hi = _strip(text, grid_at + 1, pairs[grid_at])
    if lo == hi:
        raise _error(text, "empty grid; expected e.g. [(M,)] or [(cdiv(N, BLOCK), M)]", grid_at)
    node = _parse_python(text, lo, hi)
    entries = node.elts if isinstance(node, ast.Tuple) else [node]
    if not 1 <= len(entries) <= 3:
        raise _error(text, f"a grid has 1 to 3 entries, got {len(entries)}: {text[lo:hi]!r}", lo)
    return tuple(_int(text, lo, hi, e) for e in entries)


def _size_names(terms) -> list[str]:
    return [t.attr for term in terms for t in walk(term) if t.op is Op.SIZE]


def _arg_terms(arg: Arg) -> tuple[Term, ...]:
    if isinstance(arg, TensorArg):
        return arg.shape + (arg.strides or ()) + tuple(t for r in arg.values or () for t in r)
    return (arg.expr,) if isinstance(arg, IntArg) else ()


def parse_launch(text: str) -> Launch:
    """Read a launch description; a LaunchError says what is wrong and where."""
    try:
        return _parse(text)
    except RecursionError:
        raise LaunchError("launch description: expression nested too deeply") from None


def _parse(original: str) -> Launch:
    if not isinstance(original, str) or not original.strip():
        raise _error("", f"empty; expected {_FORM!r}")
    # One line of text keeps every position a column (a caret can point at it); same length.
    text = re.sub(r"\s", " ", original)
    pairs = _check_brackets(text)
    kernel, grid_at, call_at = _head(text, pairs)
    grid = _grid(text, pairs, grid_at)

    forced: dict[str, str] = {}
    args: list[Arg | _Bare] = []
    kwargs: list[tuple[str, Arg | _Bare]] = []
    for lo, hi in _items(text, pairs, call_at + 1, pairs[call_at], "argument"):
        m = re.match(rf"({_NAME}) *=(?!=) *", text[lo:hi])
        if m:
            key = m.group(1)
            if any(key == k for k, _ in kwargs):
                raise _error(text, f"keyword {key!r} given twice", lo)
            if m.end() == hi - lo:
                raise _error(text, f"keyword {key!r} has no value", lo)
            kwargs.append((key, _value(text, pairs, lo + m.end(), hi, forced)))
        elif kwargs:
            raise _error(text, f"positional argument {text[lo:hi]!r} after keyword arguments", lo)
        else:
            args.append(_value(text, pairs, lo, hi, forced))

    # Which bare names are sizes: those used in any integer position of the launch.
    values = args + [v for _, v in kwargs]
    used = set(_size_names(grid))
    used.update(n for v in values if not isinstance(v, _Bare) for n in _size_names(_arg_terms(v)))
    for name, kind in forced.items():
        if kind == "float" and name in used:
            raise _error(text, f"{name!r} is annotated float but used as a size")

    def resolve(v: Arg | _Bare) -> Arg:
        if not isinstance(v, _Bare):
            return v
        return IntArg(size(v.name)) if v.name in used else FloatArg(name=v.name)

    final_args = tuple(resolve(v) for v in args)
    final_kwargs = tuple((k, resolve(v)) for k, v in kwargs)
    # A keyword name stands for its constexpr value, so it is no size, unless its value is the
    # size of that name itself (`N=N`).
    keywords = {k for k, v in final_kwargs if size(k) not in _arg_terms(v)}
    names = _size_names(grid) + [n for v in final_args + tuple(v for _, v in final_kwargs)
                                 for n in _size_names(_arg_terms(v))]
    sizes = tuple(dict.fromkeys(n for n in names if n not in keywords))
    return Launch(kernel, grid, final_args, final_kwargs, sizes, text=original)
