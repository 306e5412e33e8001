"""Memory safety and race freedom for every size, from the symbolic run the value proof uses.

Under the launch preconditions H, the loop ranges and the lane ranges:

  bounds     mask ⇒ the address of every load and store is an element of its tensor (the flat offset
             split along the tensor's strides, 0 ≤ idx < shape; where no split exists, inside the
             storage 0 ≤ offset < 1 + Σ (shape_d − 1)·stride_d)
  race       two different programs, or two lanes of one store, never write one address; where they
             may, the two values must be provably equal (z3 over two copies of the pid, lane and
             loop variables, sizes shared)
  undefined  no stored value depends on a masked-off lane loaded without other=

A refuted obligation comes with z3's model, whose sizes (smallest first) are handed back so the
concrete executor can exhibit the access at those sizes and Triton's interpreter can replay it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import z3

from ..ir.term import FALSE, Op, Sort, Term, apply, index, integer, substitute, walk
from ..result import Check
from ..symexec import lanes
from .intcanon import canon_int, decompose
from .z3sym import NotEncodable, SymEncoder

TIMEOUT_MS = 20_000  # one obligation; the spike measured 1–500 ms for queries of this shape
BENIGN_RACE_MS = 2_000  # a race query whose outcome cannot change the verdict (values proven)
SMALL_SIZES = (8, 32, 256)
IN_RANGE = "index in range in every dimension"  # a refuting model is searched under these caps first: small replays


@dataclass(frozen=True)
class SafetyOutcome:
    checks: tuple[Check, ...]
    refuted: Check | None = None
    sizes: dict[str, int] | None = None  # where a refuted obligation fails, for the concrete replay
    witness: "Witness | None" = None  # the failing access itself, when the concrete executor cannot model it
    in_range: frozenset = frozenset()  # accesses whose index was proven in range in every dimension


@dataclass(frozen=True)
class Witness:
    """A bad access from z3's model: which program and lane, the address, and the index-tensor
    elements it read (tensor -> {flat offset: value}); the input for an interpreter replay."""

    kind: str
    tensor: str
    site: str
    sizes: dict[str, int]
    program: tuple[int, ...]
    lane: tuple[int, ...]
    offset: int
    extent: int
    index_values: dict[str, dict[int, int]]


def prove_access_safety(run, layout: dict[str, tuple[Term, ...]], shapes: dict[str, tuple[Term, ...]],
                        size_names: tuple[str, ...], simplify) -> SafetyOutcome:
    """The bounds of every load and store of `run` (a symbolic run of unbounded.py), and no stored
    value depending on an undefined lane; `simplify(run, hyps, term)` decides a stored value's lane
    conditions under its mask."""
    checks: list[Check] = []
    in_range = set()
    accesses = [("load", a) for a in run.loads] + [("store", s) for s in run.stores]
    for kind, a in accesses:
        check, sizes, witness = _bounds(run, kind, a, layout, shapes, size_names)
        checks.append(check)
        if check.result != "proved":
            return SafetyOutcome(tuple(checks), check, sizes, witness)
        if check.detail == IN_RANGE:
            in_range.add(id(a))
    for s in run.stores:
        label = _undefined_label(s.value)
        if label is not None:  # the masked-off choice may still be dead under the store's own mask
            label = _undefined_label(simplify(run, lane_hyps(s) + [s.mask], s.value))
        if label is not None and _reaches(run, s):
            check = Check(f"undefined: {s.tensor} store at {s.site}", "refuted", 0.0,
                          f"the stored value depends on a {label}")
            return SafetyOutcome(tuple(checks + [check]), check, None)
    checks.append(Check("undefined: no stored value depends on a masked-off lane loaded without other=",
                        "proved", 0.0))
    return SafetyOutcome(tuple(checks), in_range=frozenset(in_range))


def prove_race_freedom(run, size_names: tuple[str, ...], layout: dict, in_range: frozenset,
                       values_proven: bool = False) -> SafetyOutcome:
    """No element written by two programs (or two lanes of one store) with different values. With
    `values_proven`, every store is known to write the formula at its index, so two writes to one
    element store the same value and an overlap is benign. Stores in `in_range` (their index proven
    in range in every dimension) meet exactly where their indices are equal, which keeps the query
    linear (offsets are products such as pid·N)."""
    checks: list[Check] = []
    for i, s in enumerate(run.stores):
        for t in run.stores[i:]:
            if t.tensor != s.tensor:
                continue
            check, sizes = _race(run, s, t, size_names, values_proven, layout, in_range)
            checks.append(check)
            if check.result != "proved":
                return SafetyOutcome(tuple(checks), check, sizes)
    return SafetyOutcome(tuple(checks))


# ---------------------------------------------------------------- obligations


def lane_hyps(a) -> list[Term]:
    """The ranges of an access's lanes and of the loop variables it sits under."""
    out = list(a.hyps)
    for d, width in enumerate(a.shape):
        out += [apply(Op.GE, lanes.LANES[d], integer(0)), apply(Op.LT, lanes.LANES[d], width)]
    return out


def _extent(layout, shapes, tensor: str) -> Term:
    return canon_int(apply(Op.ADD, integer(1), *(apply(Op.MUL, apply(Op.SUB, d, integer(1)), s)
                                                 for d, s in zip(shapes[tensor], layout[tensor]))))


def _bounds(run, kind: str, a, layout, shapes, size_names) -> tuple[Check, dict | None, Witness | None]:
    from ..ir.printer import to_text

    t0 = time.perf_counter()
    name = f"bounds: {kind} of {a.tensor} at {a.site}"
    extra = lane_hyps(a) + [a.mask]
    offset = canon_int(a.offset)
    idx = decompose(offset, layout[a.tensor])
    if idx is not None:
        goals = []
        for i, dim in zip(idx, shapes[a.tensor]):
            goals += [apply(Op.GE, i, integer(0)), apply(Op.LT, i, dim)]
        result, _, _ = query(run, extra, goals or [apply(Op.EQ, integer(0), integer(0))], size_names)
        if result == "proved":
            return Check(name, "proved", time.perf_counter() - t0, IN_RANGE), None, None
    extent = _extent(layout, shapes, a.tensor)
    def unmodelled(t: Term) -> bool:  # an opaque value, unless it comes with a range (an argmax index)
        return t.op is Op.ACCESS and str(t.attr).startswith("opaque⟨") and str(t.attr) not in (run.ranges or {})

    if any(unmodelled(t) for t in walk(offset)) or any(unmodelled(t) for t in walk(a.mask)):
        return Check(name, "unknown", time.perf_counter() - t0, "the address or mask depends on a value "
                     "tritonlift does not model at symbolic sizes"), None, None
    gathered = [t for t in walk(offset) if t.op is Op.ACCESS and t.sort is Sort.INT and str(t.attr).endswith("@")]
    watch = list(run.pids) + list(lanes.LANES[:len(a.shape)]) + [offset, extent] + \
        [t for g in gathered for t in (g, g.args[0])]
    result, sizes, values = query(run, extra, [apply(Op.GE, offset, integer(0)), apply(Op.LT, offset, extent)],
                                   size_names, watch)
    if result == "proved":
        return Check(name, "proved", time.perf_counter() - t0, "inside the tensor's storage"), None, None
    if any(t.op is Op.ACCESS and str(t.attr).startswith("opaque⟨") for t in [*walk(offset), *walk(a.mask)]):
        # a range is all that is known of an opaque value (an argmax index): a model is no counterexample
        return Check(name, "unknown", time.perf_counter() - t0, "not shown for every value of an index tritonlift "
                     "knows only by its range (e.g. from tl.argmax)"), None, None
    detail = f"the offset {to_text(offset)} may leave the storage [0, {to_text(extent)})"
    if gathered and values:
        detail += " for index values the launch allows"
    witness = None
    if values:
        index_values: dict[str, dict[int, int]] = {}
        for g in gathered:
            index_values.setdefault(str(g.attr).removesuffix("@"), {})[values[g.args[0]]] = values[g]
        witness = Witness(kind, a.tensor, a.site, sizes, tuple(values[p] for p in run.pids),
                          tuple(values[v] for v in lanes.LANES[:len(a.shape)]), values[offset], values[extent],
                          index_values)
    return Check(name, result, time.perf_counter() - t0, detail), sizes, witness


def _race(run, s, t, size_names, values_proven: bool, layout, in_range) -> tuple[Check, dict | None]:
    """Writes by different programs (or by two lanes of one store instance) never meet."""
    t0 = time.perf_counter()
    name = f"race: {s.tensor} stores at {s.site}" + (f" and {t.site}" if t is not s else "")
    prime = _primed(run, t)
    hyps_t = [substitute(h, prime) for h in lane_hyps(t)] + \
        [substitute(h, prime) for h in run.hypotheses if any(p in _vars(h) for p in run.pids)]
    here, there = canon_int(s.offset), canon_int(substitute(t.offset, prime))
    split = (decompose(here, layout[s.tensor]), decompose(there, layout[s.tensor])) \
        if id(s) in in_range and id(t) in in_range else (None, None)
    if None in split:
        same_element = [apply(Op.EQ, here, there)]
    else:  # both in range: the same element exactly when the indices agree
        same_element = [apply(Op.EQ, a, b) for a, b in zip(*split)]
    meet = [s.mask, substitute(t.mask, prime)] + same_element
    programs = [p for p in run.pids if p.op is not Op.CONST]  # axes of extent 1 have the constant id 0
    other_program = [apply(Op.NE, p, prime[p]) for p in programs]
    distinct = _any(other_program) if other_program else FALSE
    if t is s:
        loops = [v for v in prime if v not in programs and not str(v.attr).startswith("λ")]
        same_instance = [apply(Op.EQ, p, prime[p]) for p in programs] + [apply(Op.EQ, v, prime[v]) for v in loops]
        other_lane = [apply(Op.NE, lane, prime[lane]) for lane in lanes.LANES[:len(s.shape)] if lane in prime]
        if other_lane:
            one_instance = _any(other_lane) if not same_instance else apply(Op.AND, *same_instance, _any(other_lane))
            distinct = _any([distinct, one_instance])
    # with the values proven the race is benign either way: a short try, for the more telling detail
    result, sizes, _ = query(run, lane_hyps(s) + hyps_t + meet + [distinct],
                              [apply(Op.EQ, integer(0), integer(1))], size_names,
                              timeout_ms=BENIGN_RACE_MS if values_proven else TIMEOUT_MS)
    if result == "proved":
        return Check(name, "proved", time.perf_counter() - t0, "every element is written by one program and lane"), None
    if values_proven:
        return Check(name, "proved", time.perf_counter() - t0, "overlapping writes store the same value: each "
                     "equals the formula at its index (the value obligations)"), None
    same, _, _ = query(run, lane_hyps(s) + hyps_t + meet + [distinct],
                     [apply(Op.EQ, s.value, substitute(t.value, prime))], size_names)
    if same == "proved":
        return Check(name, "proved", time.perf_counter() - t0, "overlapping writes store provably equal values"), None
    return Check(name, "refuted" if result == "refuted" else result, time.perf_counter() - t0,
                 "two programs (or lanes) may write the same element with values not shown equal"), sizes


def _undefined_label(t: Term) -> str | None:
    return next((str(u.attr) for u in walk(t) if u.op is Op.UNDEF and str(u.attr).startswith("masked-off lane")),
                None)


def _reaches(run, s) -> bool:
    """Whether some lane of the store is enabled at all (a store whose mask is never true writes nothing)."""
    result, _, _ = query(run, lane_hyps(s), [apply(Op.NOT, s.mask)], ())
    return result != "proved"


def _primed(run, t) -> dict[Term, Term]:
    variables = {p for p in run.pids if p.op is not Op.CONST} | set(lanes.LANES[:len(t.shape)])
    for h in t.hyps:
        variables |= {v for v in _vars(h) if v.op is Op.INDEX}
    return {v: index(f"{v.attr}′") for v in variables}


def _vars(t: Term) -> set[Term]:
    return {n for n in walk(t) if n.op in (Op.INDEX, Op.SIZE)}


def _any(parts: list[Term]) -> Term:
    return parts[0] if len(parts) == 1 else apply(Op.OR, *parts)


def query(run, extra: list[Term], goals: list[Term], size_names, watch: list[Term] = (),
          timeout_ms: int = TIMEOUT_MS):
    """Prove H ∧ extra ⇒ goals: (result, sizes, values). When refuted, the model's sizes (smallest
    caps first) and the values of the `watch` terms in that model."""
    enc = SymEncoder(run.ranges)
    solver = z3.Solver(ctx=enc.ctx)
    solver.set("timeout", timeout_ms)
    solver.set("random_seed", 7)
    try:
        for h in run.hypotheses + extra:
            solver.add(enc.boolean(h))
        goal = z3.And([enc.boolean(g) for g in goals])
        watched = [enc.encode(t) for t in watch]
    except NotEncodable as err:
        return f"unknown (cannot encode {err})", None, None
    solver.add(enc.facts_now())
    solver.add(z3.Not(goal))
    result = solver.check()
    if result == z3.unsat:
        return "proved", None, None
    if result != z3.sat:
        return f"unknown ({solver.reason_unknown()})", None, None
    if not size_names and not watch:  # the verdict alone was asked for
        return "refuted", None, None
    sizes = [z3.Int(f"size:{n}", enc.ctx) for n in size_names]
    model = solver.model()
    for cap in SMALL_SIZES:  # prefer a small model: the concrete replay runs every program
        solver.push()
        solver.add(*[v <= cap for v in sizes])
        if solver.check() == z3.sat:
            model = solver.model()
            solver.pop()
            break
        solver.pop()

    def value(x):
        return model.eval(x, model_completion=True).as_long()

    return ("refuted", {n: value(v) for n, v in zip(size_names, sizes)},
            {t: value(w) for t, w in zip(watch, watched)} if watch else None)
