"""Program ids that enumerate tiles: the tile map is onto, proven by pigeonhole.

A store's index along dimension d is often a_d + c_d·T_d(pid) + λ_d: arithmetic on the program id
(`pid // grid_n`, `pid % grid_n`, a grouped swizzle with `min(…, GROUP_M)`) chooses a tile, and the
lanes fill it. No closed-form witness pid = f(index) exists for such maps in general, so coverage
(unbounded.py) asks instead that every tile θ of the box B = Π_d [0, G_d) be T(pid) for some program
id pid of the grid A. That is proven here from three z3 queries, whatever the arithmetic of T:

  image      H(pid) ⇒ 0 ≤ T_d(pid) < G_d                              (T maps A into B)
  injective  H(pid) ∧ H(pid′) ∧ T(pid) = T(pid′) ⇒ pid = pid′         (two copies, like a race query)
  count      sizes alone: every grid extent ≥ 0, every G_d ≥ 0, Π grid ≥ Π G_d

Soundness (pigeonhole): for fixed sizes A and B are finite with |A| = Π grid and |B| = Π G_d. An
injective map from A into B gives |A| ≤ |B|; with |A| ≥ |B| they are equal, and an injective map
between finite sets of one size is onto. The count is proven under the size hypotheses alone, so an
empty grid, where H(pid) is false and the first two queries hold vacuously, passes only with B empty.
Every division and remainder in T is first shown to have a nonnegative dividend and a positive
divisor, where z3's Euclidean `div`/`mod` agree with Triton's truncating ones.

z3 finds the injectivity of a grouped swizzle hard in one query (1–15 s, seed-dependent), so it is
proven in steps, each step a lemma under the hypotheses and the lemmas before it: each non-linear
subterm a(pid) of T is shown equal in both copies where z3 quickly can (innermost first); then
pid = pid′, directly or, where a divisor known equal in both copies lies between 1 and a small
constant (`min(…, GROUP_M)`), once for each of its values (the cases are shown exhaustive).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import z3

from ..ir.term import Op, Sort, Term, apply, free_vars, index, integer, substitute, walk
from ..result import Check
from .intcanon import canon_int, from_poly, poly
from .z3sym import NotEncodable, SymEncoder

STEP_MS = 1_000  # one lemma of the stepwise injectivity proof; a lemma that times out is skipped
CASE_MS = 10_000  # pid = pid′ in one case of a split, or directly
MAX_CASES = 16  # a divisor bounded by a constant up to this is split into its values


@dataclass(frozen=True)
class Tiling:
    """A store's index with the program-id part of each dimension named: index_d = rest_d + c_d·θ_d,
    θ_d standing for T_d(pid)."""

    tiles: tuple[Term, ...]  # θ_d, fresh index variables
    maps: tuple[Term, ...]  # T_d(pid), over program ids and sizes only
    counts: tuple[Term, ...]  # G_d: θ_d ranges over [0, G_d)
    index: tuple[Term, ...]  # the store's index with T_d(pid) replaced by θ_d

    def box(self) -> list[Term]:
        out = []
        for theta, count in zip(self.tiles, self.counts):
            out += [apply(Op.GE, theta, integer(0)), apply(Op.LT, theta, count)]
        return out


def split_tiles(idx: tuple[Term, ...], pids: tuple[Term, ...], shape: tuple[Term, ...]) -> Tiling | None:
    """Name the program-id part of every dimension of `idx` (None when no dimension has one, or
    when it mixes program ids with lanes or loop variables). G_d is the number of tiles of c_d
    elements that cover [0, shape_d) from the offset a_d: cdiv(shape_d − a_d, c_d)."""
    programs = {p for p in pids if p.op is not Op.CONST}
    tiles, maps, counts, index_ = [], [], [], []
    for d, (i, extent) in enumerate(zip(idx, shape)):
        p = poly(i)
        mine = {m: c for m, c in p.items() if any(programs & free_vars(a) for a, _ in m)}
        if not mine:
            index_.append(i)
            continue
        if any(v.op is Op.INDEX and v not in programs for m in mine for a, _ in m for v in free_vars(a)):
            return None
        step = math.gcd(*mine.values())
        rest = {m: c for m, c in p.items() if m not in mine}
        offset = {m: c for m, c in rest.items() if not any(free_vars(a) for a, _ in m)}
        theta = index(f"θ{d}")
        tiles.append(theta)
        maps.append(from_poly({m: c // step for m, c in mine.items()}))
        counts.append(canon_int(apply(Op.CDIV, apply(Op.SUB, extent, from_poly(offset)), integer(step))))
        index_.append(canon_int(apply(Op.ADD, from_poly(rest), apply(Op.MUL, integer(step), theta))))
    if not tiles:
        return None
    return Tiling(tuple(tiles), tuple(maps), tuple(counts), tuple(index_))


def prove_onto(run, tiling: Tiling) -> Check:
    """Every tile of the box is written by some program: image, injectivity and count (above)."""
    t0 = time.perf_counter()
    name = "coverage: the program ids enumerate the tiles (pigeonhole)"
    programs = [p for p in run.pids if p.op is not Op.CONST]
    if not programs:
        return Check(name, "unknown", time.perf_counter() - t0, "no program id varies")
    sizes_only = [h for h in run.hypotheses if not free_vars(h) & set(programs)]
    extents = [g for p, g in zip(run.pids, run.grid) if p.op is not Op.CONST]
    grid_box = {h for p, g in zip(programs, extents) for h in (apply(Op.GE, p, integer(0)), apply(Op.LT, p, g))}
    if {h for h in run.hypotheses if free_vars(h) & set(programs)} != grid_box:
        # |A| = Π grid only when the grid's box is all that is assumed of the program ids
        return Check(name, "unknown", time.perf_counter() - t0, "the program ids are constrained beyond the grid")
    count = [apply(Op.GE, e, integer(0)) for e in extents] + [apply(Op.GE, g, integer(0)) for g in tiling.counts]
    count.append(apply(Op.GE, canon_int(apply(Op.MUL, *extents)), canon_int(apply(Op.MUL, *tiling.counts))))
    if _holds(run, sizes_only, count, CASE_MS) != "proved":
        return Check(name, "unknown", time.perf_counter() - t0,
                     "the grid was not shown to have at least as many programs as there are tiles")
    facts = _division_facts(run, tiling.maps)
    if facts is None:
        return Check(name, "unknown", time.perf_counter() - t0,
                     "a division in the tile map was not shown to be on nonnegative integers")
    image = []
    for m, count_d in zip(tiling.maps, tiling.counts):
        image += [apply(Op.GE, m, integer(0)), apply(Op.LT, m, count_d)]
    if _holds(run, run.hypotheses + facts, image, CASE_MS) != "proved":
        return Check(name, "unknown", time.perf_counter() - t0, "a program id was not shown to map into the tiles")
    how = _injective(run, programs, tiling.maps, facts)
    if how is None:
        return Check(name, "unknown", time.perf_counter() - t0, "two program ids were not shown to write "
                     "different tiles")
    return Check(name, "proved", time.perf_counter() - t0, f"the tile map is injective{how}, maps the grid into "
                 "the tiles and the grid has as many programs as there are tiles")


# ---------------------------------------------------------------- queries


def _division_facts(run, maps: tuple[Term, ...]) -> list[Term] | None:
    """dividend ≥ 0 and divisor > 0 of every division in the maps, each proven under H."""
    facts = []
    divisions = {t for m in maps for t in walk(m) if t.op in (Op.FLOORDIV, Op.MOD, Op.CDIV)}
    for t in sorted(divisions, key=repr):  # a fixed order: the same z3 problem on every run
        wanted = [apply(Op.GE, t.args[0], integer(0)), apply(Op.GT, t.args[1], integer(0))]
        if _holds(run, run.hypotheses, wanted, CASE_MS) != "proved":
            return None
        facts += wanted
    return facts


def _injective(run, programs: list[Term], maps: tuple[Term, ...], facts: list[Term]) -> str | None:
    """H(pid) ∧ H(pid′) ∧ T(pid) = T(pid′) ⇒ pid = pid′, stepwise (see the module's docstring);
    how it was proven, or None."""
    prime = {p: index(f"{p.attr}″") for p in programs}
    renamed = [substitute(h, prime) for h in run.hypotheses + facts if free_vars(h) & set(programs)]
    known = run.hypotheses + facts + renamed + [apply(Op.EQ, m, substitute(m, prime)) for m in maps]
    atoms = sorted({t for m in maps for t in walk(m) if t.sort is Sort.INT and t.args
                    and t.op not in (Op.ADD, Op.SUB, Op.MUL, Op.NEG) and free_vars(t) & set(programs)},
                   key=lambda t: (len(list(walk(t))), repr(t)))
    equal = []
    for a in atoms:  # innermost first: each lemma may use the ones before it
        same = apply(Op.EQ, a, substitute(a, prime))
        if _holds(run, known, [same], STEP_MS) == "proved":
            known.append(same)
            equal.append(a)
    goal = [apply(Op.EQ, p, prime[p]) for p in programs]
    for divisor, hi in _small_divisors(maps, equal):  # a constant divisor in each case: linear remainders
        cases = [apply(Op.EQ, divisor, integer(v)) for v in range(1, hi + 1)]
        if _holds(run, known, [apply(Op.OR, *cases) if len(cases) > 1 else cases[0]], CASE_MS) != "proved":
            continue
        if all(_holds(run, known + [c], goal, CASE_MS) == "proved" for c in cases):
            return f" (by cases on a divisor from 1 to {hi})"
    return "" if _holds(run, known, goal, CASE_MS) == "proved" else None


def _small_divisors(maps: tuple[Term, ...], equal: list[Term]) -> list[tuple[Term, int]]:
    """Divisors shown equal in both copies and bounded by a constant: min(…, c) with 1 ≤ c ≤ MAX_CASES."""
    divisors = {t.args[1] for m in maps for t in walk(m) if t.op in (Op.FLOORDIV, Op.MOD)}
    out = []
    for d in equal:
        if d in divisors and d.op is Op.MIN:
            bounds = [a.value for a in d.args if a.op is Op.CONST]
            if bounds and 1 <= min(bounds) <= MAX_CASES:
                out.append((d, int(min(bounds))))
    return out


def _holds(run, hyps: list[Term], goals: list[Term], timeout_ms: int) -> str:
    """hyps ⇒ goals: "proved", or why not (a timeout is not a refutation)."""
    enc = SymEncoder(run.ranges)
    solver = z3.Solver(ctx=enc.ctx)
    solver.set("timeout", timeout_ms)
    solver.set("random_seed", 7)
    try:
        for h in hyps:
            solver.add(enc.boolean(h))
        goal = z3.And([enc.boolean(g) for g in goals])
    except NotEncodable as err:
        return f"unknown (cannot encode {err})"
    solver.add(enc.facts_now())
    solver.add(z3.Not(goal))
    result = solver.check()
    return "proved" if result == z3.unsat else "refuted" if result == z3.sat else f"unknown ({solver.reason_unknown()})"
