"""Plausible calls of a host function, derived from its signature alone (for the survey's capture).

Nobody wrote `--inputs` for the operators of a library, so each parameter is read as a kind of
value from its annotation, else from the usual meaning of its name in PyTorch-style code (`dim`,
`eps`, `normalized_shape`, `indices`, ...); never from the operator's name. The tensors are then
given a few generic layouts — every tensor 2-D, every tensor 1-D, a 2-D input with 1-D weights, a
matrix chain, square matrices, 3-D — and optional dims and tensors are tried left out and given.
The caller runs each form once at small sizes and keeps those that launch kernels without error.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .spec import InputSpec, OperatorSpec

# Parameter kinds. "tensor"/"index": a tensor (float / int64); "dim": one dimension; "dims": a list of
# dimensions; "shape": a list of trailing sizes; "float", "int", "bool": scalars; "none": pass None;
# "default": leave it to its default (only for optional parameters); "unknown": cannot guess.
_DIM_NAMES = re.compile(r"^(dim|axis|dim\d|axis\d|dimension)$")
_DIMS_NAMES = re.compile(r"^(dims|axes|dim_list|reduce_dims?)$")
_SHAPE_NAMES = re.compile(r"(shape|^size$|^sizes$)")
_INDEX_NAMES = re.compile(r"^(index|indices|idx|target|targets|labels?|ids|input_ids|positions?)$")
_FLOAT_NAMES = re.compile(r"^(eps|epsilon|alpha|beta|scale|value|negative_slope|lambd|threshold|momentum|p)$")
_BOOL_NAMES = re.compile(r"^(keepdim|keep_dim|inplace|training|unbiased|approximate_?|(is|use|return|has)_\w+)$")
_NONE_NAMES = re.compile(r"^(dtype|device|layout|memory_format|generator|pin_memory|out_dtype)$")

MAX_FORMS = 24


@dataclass(frozen=True)
class Param:
    """What the signature says about one parameter (annotation as text, '' if none)."""

    name: str
    keyword_only: bool
    required: bool
    annotation: str = ""
    default_is_none: bool = False


@dataclass(frozen=True)
class CallForm:
    label: str  # what was tried, for the report: "x=f32[M, N], dim=-1"
    spec: OperatorSpec


def kind_of(p: Param) -> str:
    ann, name = p.annotation.replace(" ", ""), p.name.lower()
    if ann:
        if "Tensor" in ann and not ann.startswith(("list", "List", "tuple", "Tuple", "Sequence")):
            return "index" if _INDEX_NAMES.match(name) else "tensor"
        base = re.sub(r"^(Optional\[|typing\.Optional\[)(.*)\]$", r"\2", ann)
        base = re.sub(r"\|None$|^None\|", "", base)
        if base in ("int", "SymInt"):
            return "dim" if _DIM_NAMES.match(name) else "int"
        if base in ("float", "Number", "Scalar", "int|float", "float|int"):
            return "float"
        if base == "bool":
            return "bool"
        if "dtype" in base or "device" in base:
            return "none"
        if re.match(r"^(list|List|tuple|Tuple|Sequence|typing\.Sequence)\b", base) or "Size" in base:
            return "dims" if _DIMS_NAMES.match(name) or _DIM_NAMES.match(name) else "shape"
        if base == "str":
            return "default" if not p.required else "unknown"
    if _DIM_NAMES.match(name):
        return "dim"
    if _DIMS_NAMES.match(name):
        return "dims"
    if _SHAPE_NAMES.search(name):
        return "shape"
    if _FLOAT_NAMES.match(name):
        return "float"
    if _BOOL_NAMES.match(name):
        return "bool"
    if _NONE_NAMES.match(name):
        return "none"
    if _INDEX_NAMES.match(name):
        return "index"
    if not p.required and not p.default_is_none:
        return "default"  # a number, a string or a flag: its default is the plausible value
    return "tensor"


_LAYOUTS = ("2-D", "1-D", "2-D and 1-D", "chain", "square", "3-D")


def _shapes(layout: str, count: int) -> list[tuple[str, ...]] | None:
    """The shapes of `count` tensors under a layout (None when the layout does not apply)."""
    if layout == "2-D":
        return [("M", "N")] * count
    if layout == "1-D":
        return [("N",)] * count
    if layout == "2-D and 1-D":
        return [("M", "N")] + [("N",)] * (count - 1) if count >= 2 else None
    if layout == "chain":  # a @ b: [M, K] x [K, N]
        return [("M", "K"), ("K", "N")] + [("N",)] * (count - 2) if count >= 2 else None
    if layout == "square":
        return [("N", "N")] * count if count >= 2 else None
    if layout == "3-D":
        return [("B", "M", "N")] * count
    raise ValueError(layout)


def call_forms(file: str, function: str, params: tuple[Param, ...]) -> list[CallForm]:
    """Every form worth one try, most general first; [] when a required parameter cannot be guessed."""
    kinds = {p.name: kind_of(p) for p in params}
    if any(p.required and kinds[p.name] in ("unknown", "default") for p in params):
        return []
    optional_tensors = [p.name for p in params if not p.required and kinds[p.name] in ("tensor", "index")
                        and (p.default_is_none or p.annotation)]
    optional_dims = [p.name for p in params if not p.required and kinds[p.name] in ("dim", "dims")]
    forms: list[CallForm] = []
    for layout, give_tensors, give_dims in itertools.product(_LAYOUTS, (False, True), (False, True)):
        if (give_tensors and not optional_tensors) or (give_dims and not optional_dims):
            continue
        passed = [p for p in params if p.required or (give_tensors and p.name in optional_tensors)
                  or (give_dims and p.name in optional_dims)]
        tensors = [p for p in passed if kinds[p.name] in ("tensor", "index")]
        shapes = _shapes(layout, len(tensors))
        if not tensors or shapes is None:
            continue
        inputs = tuple(InputSpec(p.name, "i64" if kinds[p.name] == "index" else "f32", shape)
                       for p, shape in zip(tensors, shapes))
        last = shapes[0][-1]
        args = tuple((p.name, _value(kinds[p.name], p.name, last)) for p in passed
                     if kinds[p.name] not in ("tensor", "index"))
        spec = OperatorSpec(file, function, inputs, args)
        label = ", ".join([f"{i.name}={i.dtype}[{', '.join(i.shape)}]" for i in inputs]
                          + [f"{n}={_text(v)}" for n, v in args])
        if all(f.label != label for f in forms):
            forms.append(CallForm(label, spec))
    return forms[:MAX_FORMS]


def _value(kind: str, name: str, last_size: str):
    """JSON-able argument values as `_worker.evaluate_arg` reads them (sizes as {"size": name})."""
    if kind == "float":
        return 1e-5 if name.lower().startswith("eps") else 0.5
    return {"dim": -1, "dims": {"list": [-1]}, "shape": {"list": [{"size": last_size}]}, "int": 2, "bool": False,
            "none": None}[kind]


def _text(value) -> str:
    if isinstance(value, dict) and "list" in value:
        return "[" + ", ".join(_text(v) for v in value["list"]) + "]"
    if isinstance(value, dict) and "size" in value:
        return value["size"]
    return repr(value)
