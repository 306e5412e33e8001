"""From launches recorded at many sizes to launch descriptions over the operator's size names.

Samples whose host code took the same path (same kernels, same literal constexprs, same roles of
tensors) form a case; every integer of a case (grid, int arguments, int constexprs, shapes,
strides) is fitted over the sizes (`fit.py`). A case whose integers do not all fit is split at a
size threshold (host dispatch such as `block = 4 if n < 64 else 16`); each case keeps the size
ranges in which it was observed, printed as its assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TritonLiftError
from .fit import Row, fit_int
from .record import CallRecord, Scalar, Site, TensorValue
from .views import View

MAX_SPLITS = 2


@dataclass(frozen=True)
class TensorUse:
    param: str
    role: str  # operator input name, output name, or intermediate buffer name
    kind: str  # "input", "output", "buffer"
    shape: tuple[str, ...]


@dataclass(frozen=True)
class LaunchPlan:
    """One kernel launch of a case, as a launch description over the operator's sizes."""

    ref: str
    kernel: str
    text: str
    tensors: tuple[TensorUse, ...]
    autotuned: bool
    notes: tuple[str, ...] = ()
    bindings: tuple[tuple[str, str, str, str], ...] = ()  # names the host code bound to jit functions
    views: tuple[View, ...] = ()  # tensors that are reshaped views of the operator's inputs/outputs


@dataclass(frozen=True)
class OutputPlan:
    role: str
    shape: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    launches: tuple[LaunchPlan, ...]
    outputs: tuple[OutputPlan, ...]
    ranges: tuple[tuple[str, int, int], ...]  # size, lowest and highest value observed
    samples: int
    inputs: tuple[tuple[str, tuple[str, ...]], ...]  # operator input -> logical shape (size texts)

    def describe(self) -> str:
        return ", ".join(f"{lo} ≤ {n} ≤ {hi}" for n, lo, hi in self.ranges)


class NotGeneralisable(Exception):
    """An integer of a case has no expression of the supported shapes."""


def roles(record: CallRecord) -> dict[int, tuple[str, str]]:
    """Storage pointer -> (name, kind), by first appearance; inputs and outputs by the operator."""
    out: dict[int, tuple[str, str]] = {}
    for name, t in record.inputs.items():
        out[t.storage] = (name, "input")
    for storage, name in record.copies.items():
        out.setdefault(storage, (name, "input"))
    multi = len([o for o in record.outputs if o is not None]) > 1 or record.is_tuple
    for k, o in enumerate(record.outputs):
        if o is not None and o.storage not in out:
            out[o.storage] = (f"out{k}" if multi else "out", "output")
    taken = {n for n, _ in out.values()}
    for site in record.sites:
        for param, v in site.variants[0].args:
            if isinstance(v, TensorValue) and v.storage not in out:
                name = param[:-4] if param.endswith("_ptr") else param
                n = 0
                while name in taken:  # "mid", "mid1", …
                    name, n = f"mid{n or ''}", n + 1
                taken.add(name)
                out[v.storage] = (name, "buffer")
    return out


def _signature(record: CallRecord) -> tuple:
    r = roles(record)
    sig = []
    for site in record.sites:
        v0 = site.variants[0]
        sig.append((site.ref, len(site.variants),
                    tuple((p, v.value) if isinstance(v, Scalar) and v.kind in ("literal", "other")
                          else (p, r[v.storage]) if isinstance(v, TensorValue)
                          else (p, v.kind, len(v.shape) if isinstance(v, TensorValue) else 0)
                          for p, v in v0.args)))
    sig.append(tuple(len(o.shape) if o is not None else None for o in record.outputs))
    return tuple(sig)


def generalise(records: tuple[CallRecord, ...], sizes: tuple[str, ...], float_args: dict[str, float],
               inputs: tuple[tuple[str, tuple], ...]) -> tuple[Case, ...]:
    """Cases of launch descriptions covering every recorded sample (a TritonLiftError if not)."""
    groups: dict[tuple, list[CallRecord]] = {}
    for r in records:
        groups.setdefault(_signature(r), []).append(r)
    cases: list[Case] = []
    for group in groups.values():
        cases.extend(_cases(group, sizes, float_args, inputs, MAX_SPLITS))
    return tuple(sorted(cases, key=lambda c: tuple(lo for _, lo, _ in c.ranges)))


def _cases(group: list[CallRecord], sizes, float_args, inputs, depth: int) -> list[Case]:
    try:
        return [_case(group, sizes, float_args, inputs)]
    except NotGeneralisable as err:
        if depth == 0 or len(group) < 2:
            raise TritonLiftError(f"cannot describe the launches over the sizes: {err}") from None
        failure = err
    # host dispatch: a threshold on one size where both sides fit, else recursively
    thresholds = [(name, t) for name in sizes for t in sorted({r.sizes[name] for r in group})[:-1]]
    for allow in (0, depth - 1):
        for name, t in thresholds:
            low = [r for r in group if r.sizes[name] <= t]
            high = [r for r in group if r.sizes[name] > t]
            try:
                return _cases(low, sizes, float_args, inputs, allow) + _cases(high, sizes, float_args, inputs, allow)
            except TritonLiftError:
                continue
    raise TritonLiftError(f"cannot describe the launches over the sizes: {failure}")


def _fit(rows: list[Row], sizes, extra, what: str) -> str:
    text = fit_int(rows, sizes, extra)
    if text is None:
        shown = ", ".join(f"{r.value} at {_sz(r.env, sizes)}" for r in rows[:4] if r.value is not None)
        raise NotGeneralisable(f"{what}: no expression of the sizes fits ({shown}, …)")
    return text


def _sz(env, sizes) -> str:
    return "(" + ", ".join(f"{n}={env[n]}" for n in sizes) + ")"


def _case(group: list[CallRecord], sizes, float_args, inputs) -> Case:
    all_roles = [roles(r) for r in group]
    launches, views = [], {}
    for s_idx, site in enumerate(group[0].sites):
        launches.append(_launch(group, all_roles, s_idx, site, sizes, float_args, views))
    outputs = []
    multi = len(group[0].outputs) > 1 or group[0].is_tuple
    for k, o in enumerate(group[0].outputs):
        if o is None:
            continue
        shape = tuple(_fit([Row(r.sizes, r.outputs[k].shape[d]) for r in group], sizes, (), f"output {k} dim {d}")
                      for d in range(len(o.shape)))
        outputs.append(OutputPlan(f"out{k}" if multi else "out", shape))
    ranges = tuple((n, min(r.sizes[n] for r in group), max(r.sizes[n] for r in group)) for n in sizes)
    return Case(tuple(launches), tuple(outputs), ranges, len(group), inputs)


def _launch(group, all_roles, s_idx: int, site: Site, sizes, float_args, views: dict) -> LaunchPlan:
    autotuned = set(site.autotuned)
    pieces: list[str] = []
    keyword = False
    tensors, notes = [], []
    extra = tuple(n for n in site.constexprs if n in autotuned and n not in sizes)
    rows_for = lambda fn: [Row({**r.sizes, **{k: x for k, x in _ints(v).items() if k in extra}}, fn(r, v, roles_))  # noqa: E731
                           for r, roles_ in zip(group, all_roles) for v in r.sites[s_idx].variants]
    grid = [_fit(rows_for(lambda r, v, _, d=d: v.grid[d] if d < len(v.grid) else 1), sizes, extra,
                 f"{site.name} grid dimension {d}") for d in range(max(len(v.grid) for v in site.variants))]
    while len(grid) > 1 and grid[-1] == "1":
        grid.pop()
    for p_idx, (param, v0) in enumerate(site.variants[0].args):
        values = [v.args[p_idx][1] for r in group for v in r.sites[s_idx].variants]
        if param in autotuned or (param in site.heuristic and isinstance(v0, Scalar) and v0.kind == "int"
                                  and fit_int(rows_for(lambda r, v, _: v.args[p_idx][1].value), sizes, ()) is None):
            keyword = True  # from the kernel's own autotune configs / heuristics
            continue
        if isinstance(v0, TensorValue):
            role, kind = all_roles[0][v0.storage]
            shape = tuple(_fit(rows_for(lambda r, v, _, d=d: v.args[p_idx][1].shape[d]), sizes, (),
                               f"{site.name} {param} dim {d}") for d in range(len(v0.shape)))
            strides = _strides(rows_for, p_idx, v0, sizes, f"{site.name} {param}")
            view = _view(group, s_idx, p_idx, role, kind, shape, strides, sizes, views)
            if view is not None:
                role = view.name
            elif any(v.offset for v in values):
                notes.append(f"{param} is a view at a storage offset (not modelled)")
            dtype = {"torch.float16": ":f16", "torch.bfloat16": ":bf16", "torch.float64": ":f64",
                     "torch.int32": ":i32", "torch.int64": ":i64", "torch.bool": ":bool"}.get(v0.dtype, "")
            shape = shape or ("1",)  # a 0-d tensor is a pointer to one element
            text = f"{role}[{', '.join(shape)}{'; ' + ', '.join(strides) if strides else ''}]{dtype}"
            tensors.append(TensorUse(param, role, kind, shape))
        elif v0.kind == "int":
            text = _fit(rows_for(lambda r, v, _: v.args[p_idx][1].value), sizes, (), f"{site.name} argument {param}")
        elif v0.kind == "float":
            vals = {v.value for v in values}
            names = [n for n, x in float_args.items() if len(vals) == 1 and x == v0.value]
            if len(vals) > 1:
                raise NotGeneralisable(f"{site.name} argument {param}: a float that changes with the sizes "
                                       f"({sorted(vals)[:4]})")
            text = names[0] if names else repr(float(v0.value))
        elif v0.kind == "literal":
            text = repr(v0.value)
        else:
            text = str(v0.value).replace("torch.", "tl.")
        pieces.append(f"{param}={text}" if keyword else text)
    launch = f"{site.name}[({', '.join(grid)}{',' if len(grid) == 1 else ''})]({', '.join(pieces)})"
    used = tuple(v for v in views.values() if any(t.role == v.name for t in tensors))
    return LaunchPlan(site.ref, site.name, launch, tuple(tensors), bool(autotuned), tuple(notes), site.bindings, used)


def _base(record: CallRecord, storage: int) -> TensorValue | None:
    """The operator input or output whose storage this is (None for buffers and host copies)."""
    for t in list(record.inputs.values()) + [o for o in record.outputs if o is not None]:
        if t.storage == storage:
            return t
    return None


def _layout(t: TensorValue) -> tuple:
    """Unit dimensions aside (`out[1]` of a 0-d output is the output itself)."""
    return tuple(n for n in t.shape if n != 1), tuple(s for s, n in zip(t.strides, t.shape) if n != 1), t.offset


def _contiguous(t: TensorValue) -> bool:
    expect = 1
    for d in reversed(range(len(t.shape))):
        if t.shape[d] != 1 and t.strides[d] != expect:
            return False
        expect *= t.shape[d]
    return True


def _view(group, s_idx, p_idx, role, kind, shape, strides, sizes, views: dict) -> View | None:
    """A View when the launch passes a contiguous input/output under another shape or offset."""
    if kind not in ("input", "output"):
        return None
    pairs = []
    for r in group:
        for v in r.sites[s_idx].variants:
            t = v.args[p_idx][1]
            pairs.append((r, t, _base(r, t.storage)))
    if any(b is None for _, _, b in pairs) or all(_layout(t) == _layout(b) for _, t, b in pairs):
        return None
    if not all(_contiguous(b) for _, _, b in pairs):
        return None
    offset = fit_int([Row(r.sizes, t.offset - b.offset) for r, t, b in pairs], sizes, ())
    if offset is None:
        return None
    key = (role, shape, strides, offset)
    if key not in views:
        n = sum(1 for v in views.values() if v.base == role)
        views[key] = View(f"{role}_view{n or ''}", role, shape, strides, offset)
    return views[key]


def _ints(v) -> dict[str, int]:
    return {p: a.value for p, a in v.args if isinstance(a, Scalar) and a.kind == "int"}


def _strides(rows_for, p_idx: int, v0: TensorValue, sizes, what: str) -> tuple[str, ...]:
    """Stride expressions, or () when the tensor is contiguous at every sample. A dimension of
    extent 1 has an arbitrary stride: it constrains nothing."""
    def contiguous(t: TensorValue) -> bool:
        expect = 1
        for d in reversed(range(len(t.shape))):
            if t.shape[d] != 1 and t.strides[d] != expect:
                return False
            expect *= t.shape[d]
        return True

    rows = rows_for(lambda r, v, _: v.args[p_idx][1])
    if all(contiguous(r.value) for r in rows):
        return ()
    return tuple(_fit([Row(r.env, None if r.value.shape[d] == 1 else r.value.strides[d]) for r in rows], sizes, (),
                      f"{what} stride {d}") for d in range(len(v0.shape)))
