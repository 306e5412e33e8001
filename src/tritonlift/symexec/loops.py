"""Loops over symbolic ranges: one symbolic iteration τ and an invariant pattern per loop-carried value.

Patterns: an integer or pointer advanced by a constant step (p₀ + τ·c); an accumulator v ⊕= e(τ)
with ⊕ in {+, max, min} and e free of loop-carried values (v₀ ⊕ ⊕_{τ'<τ} e(τ')); the online-softmax
rescaled sum (z = m = −∞ ? 0 : S·exp(−m)). Anything else is "no invariant pattern".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from ..errors import TritonLiftError, UnsupportedFeature
from ..ir.term import ARG_REDUCTIONS, NEG_INF, POS_INF, TRUE, Op, Sort, Term, access, apply, bound, canonical_binders, index, integer, real, reduce_, \
    substitute, transform, undef, walk
from . import fold
from .lanes import INT, LANES, PTR, REAL, LBlock, LStore, opaque, to_lblock
from .values import DType

@dataclass(frozen=True)
class LoopBounds:
    start: Term
    stop: Term
    step: Term


def symbolic_bounds(interp, bounds: list) -> LoopBounds | None:
    """range(a, b, s) whose bounds are not all constants: run as one symbolic iteration."""
    terms = [to_lblock(b).term for b in bounds]
    if all(t.op is Op.CONST for t in terms):
        return None
    start, stop, step = (integer(0), terms[0], integer(1)) if len(terms) == 1 else \
        (terms[0], terms[1], integer(1)) if len(terms) == 2 else tuple(terms)
    if not _positive(step):
        raise UnsupportedFeature("a loop whose step is not a positive constant or a block size at symbolic sizes",
                                 interp.site)
    return LoopBounds(start, stop, step)


def _positive(t: Term) -> bool:
    """≥ 1 by construction: a positive constant, a size (sizes are ≥ 1), next_power_of_2 of anything,
    and min, max, products of such (a block size a heuristic picked, `min(4096, next_power_of_2(N))`)."""
    if t.op is Op.CONST:
        return t.value >= 1
    if t.op in (Op.SIZE, Op.NEXTPOW2):
        return True
    return t.op in (Op.MIN, Op.MAX, Op.MUL) and all(_positive(a) for a in t.args)


_ACCUMULATE = {Op.ADD: (Op.SUM, fold.add), Op.MAX: (Op.RMAX, fold.maximum), Op.MIN: (Op.RMIN, fold.minimum)}


def symbolic_loop(interp, stmt, frame: dict, module, bounds: LoopBounds) -> None:
    """One iteration over a symbolic iteration variable τ, then the accumulator invariant pattern:

    every variable the body changes must be either recomputed from scratch (its value after the
    loop is unused) or an accumulator `v = v ⊕ e(τ)` with ⊕ in {+, max, min} and e free of every
    loop-carried value; then after t iterations v = v₀ ⊕ ⊕_{τ<t} e(τ), which is the invariant
    (initiation: t = 0; preservation: one step of the fold; use: t = T)."""

    if not getattr(interp, "invariant_patterns", True):  # the --no-invariant-patterns ablation
        raise TritonLiftError(f"loop at {interp.site} has no invariant (--no-invariant-patterns)")
    n = len(interp.loops)
    tau = index(f"τ{n}")
    # an empty range runs zero times: the count is never negative
    trips = apply(Op.MAX, integer(0), apply(Op.CDIV, apply(Op.SUB, bounds.stop, bounds.start), bounds.step))
    interp.loops.append((tau, trips, bounds))
    before = dict(frame)
    assigned = {node.id for st in stmt.body for node in ast.walk(st)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    placeholders: dict[str, LBlock] = {}
    leaves: dict[str, Term] = {}  # name -> the placeholder symbol standing for its value before an iteration
    for name, value in before.items():
        if isinstance(value, LBlock) and name in assigned:
            ph = index(f"old{n}:{name}") if value.kind in (INT, PTR) else _real_placeholder(n, name)
            wrapped = _lanes_like(ph, value)
            leaves[name] = wrapped
            placeholders[name] = LBlock(wrapped, value.shape, value.kind, value.dtype, value.tensor)
    frame.update(placeholders)
    offset = apply(Op.ADD, bounds.start, apply(Op.MUL, tau, bounds.step))
    interp.assign(stmt.target, LBlock(offset, (), INT, DType("int32")), frame, module)
    stores_before = len(interp.stores)
    loads_before = len(getattr(interp, "loads", None) or ())
    divisions_before = len(getattr(interp, "divisions", None) or ())
    interp.run_block(stmt.body, frame, module)
    interp.site = module.site(stmt)
    all_leaves = {str(leaf.attr).removesuffix("@lanes") for leaf in leaves.values()}  # by name: any lanes
    closed: dict[Term, Term] = {}  # placeholder symbol -> its value at iteration τ
    after: dict[str, LBlock] = {}
    changed = {name: frame.get(name) for name in placeholders
               if frame.get(name) is not placeholders[name] and isinstance(frame.get(name), LBlock)}
    for name in placeholders:
        if name not in changed:
            closed[leaves[name]] = before[name].term
            after[name] = before[name]
    deferred: list[str] = []
    deferred_indices: list[str] = []  # running argmax/argmin: they need the running extrema closed first
    maxima: dict[Term, tuple[list[Term], Term, Term]] = {}  # running max: elements, value at τ, at the end
    extrema: dict[Term, tuple[Op, list[Term], Term]] = {}  # running max or min: op, elements, initial value
    # integers and pointers first: their closed forms feed every other update
    for name, new in sorted(changed.items(), key=lambda item: item[1].kind not in (INT, PTR)):
        term = _close(new.term, closed)
        if new.kind == REAL:
            term = _as_extremum(term, leaves[name])
        if not (all_leaves & _placeholders(term)):
            # recomputed from scratch in every iteration: what it held before an iteration is not
            # expressible, so updates that read it fail below, and its value after the loop is unknown
            after[name] = LBlock(undef(f"'{name}' after the loop at {interp.site}"), new.shape, new.kind,
                                 new.dtype, new.tensor)
            continue
        try:
            at_tau, at_end = _accumulator(interp, name, before[name], leaves[name], term, new.kind, all_leaves,
                                          tau, trips, n)
        except UnsupportedFeature:
            if new.kind == INT and term.op is Op.WHERE and any(v.op in ARG_REDUCTIONS for v in walk(term)):
                deferred_indices.append(name)
                continue
            if new.kind != REAL:
                raise
            deferred.append(name)
            continue
        closed[leaves[name]] = at_tau
        after[name] = LBlock(at_end, new.shape, new.kind, new.dtype, new.tensor)
        if new.kind == REAL and term.op is Op.MAX:  # a running maximum, from −∞ or from an earlier loop's
            maxima[leaves[name]] = ([a for a in term.args if a is not leaves[name]], at_tau, at_end,
                                    before[name].term)
        if new.kind == REAL and term.op in (Op.MAX, Op.MIN):
            extrema[leaves[name]] = (term.op, [a for a in term.args if a is not leaves[name]], before[name].term)
    for name in deferred:  # the online-softmax pattern needs the running maxima closed first
        new = changed[name]
        raw = _close(new.term, {leaf: value for leaf, value in closed.items() if leaf not in maxima})
        if not hasattr(interp, "rescaled"):
            interp.rescaled = {}  # states left by rescaled loops, for a loop that continues one
        found = _rescaled_sum(before[name], leaves[name], raw, maxima, all_leaves, tau, trips, n,
                              interp.rescaled)
        if found is None and getattr(interp, "opaque_values", False):  # --safety-only: a value, not an address
            found = (opaque(interp, new.shape, new.kind, f"'{name}' in the loop").term,
                     opaque(interp, new.shape, new.kind, f"'{name}' after the loop").term)
        if found is None:
            _accumulator(interp, name, before[name], leaves[name], _close(new.term, closed), new.kind,
                         all_leaves, tau, trips, n)  # raises the usual "no invariant pattern"
        at_tau, at_end = found
        closed[leaves[name]] = at_tau
        after[name] = LBlock(at_end, new.shape, new.kind, new.dtype, new.tensor)
    for name in deferred_indices:
        new = changed[name]
        raw = _close(new.term, {leaf: value for leaf, value in closed.items() if leaf not in extrema})
        found = _running_index(before[name], leaves[name], raw, extrema, tau, trips, n)
        if found is None:
            raise UnsupportedFeature(f"the loop has no invariant pattern for '{name}' (supported for indices: "
                                     "i = (tile's extremum strictly better than the running one ? "
                                     "start + tile's arg-extremum : i), over consecutive tiles)", interp.site)
        closed[leaves[name]], at_end = found
        after[name] = LBlock(at_end, new.shape, new.kind, new.dtype, new.tensor)
    for name in list(frame):
        if name in after:
            frame[name] = after[name]
        elif name not in before:
            frame.pop(name)  # defined inside the body only: its last value is not modelled
    loop_hyps = (apply(Op.GE, tau, integer(0)), apply(Op.LT, tau, trips))
    for i in range(stores_before, len(interp.stores)):
        s = interp.stores[i]
        interp.stores[i] = LStore(s.tensor, _close(s.offset, closed), _close(s.value, closed),
                                  _close(s.mask, closed), s.shape, s.site, s.hyps + loop_hyps)
    for i in range(loads_before, len(getattr(interp, "loads", None) or ())):
        ld = interp.loads[i]
        interp.loads[i] = replace(ld, offset=_close(ld.offset, closed), mask=_close(ld.mask, closed),
                                  hyps=ld.hyps + loop_hyps)
    for i in range(divisions_before, len(getattr(interp, "divisions", None) or ())):
        d = interp.divisions[i]
        interp.divisions[i] = replace(d, dividend=_close(d.dividend, closed), divisor=_close(d.divisor, closed),
                                      hyps=d.hyps + loop_hyps)
    interp.loops.pop()


def _rescaled_sum(initial: LBlock, leaf: Term, update: Term, maxima, olds, tau, trips, n, history: dict):
    """The online-softmax invariant, in factored form: with m the running maximum of x and
    S(t) = S₀ + Σ_{τ<t} exp(x(τ)), z(t) = (m(t) = −∞ ? 0 : S(t)·exp(−m(t))). It starts from m = −∞,
    z = 0 (S₀ = 0), or from the state an earlier loop left (m₀, z₀) with z₀ in this form (`history`:
    a second loop over the last, masked tile). Preservation is checked here, case by case on whether
    m and x are −∞, with the exp-normal form (using the lemma m(t) = −∞ ⟹ S(t) = 0, proven in
    tests/unit/verify/test_lemmas.py)."""
    from ..ir.term import param
    from ..synth.expnorm import normal_form

    for m_leaf, (elements, m_at_tau, m_at_end, m0) in maxima.items():
        if len(elements) != 1:
            continue
        if initial.term is real(0.0) and m0 is NEG_INF:
            s0, valid0 = real(0.0), TRUE  # a fresh state
        elif initial.term in history and history[initial.term][0] is m0:
            _, s0, valid0 = history[initial.term]  # the state an earlier rescaled loop left
        else:
            continue
        x = elements[0]
        mu, xi, sigma = param("μ"), param("ξ"), param("σ")
        failed = []
        for m_val, x_val in ((NEG_INF, NEG_INF), (NEG_INF, xi), (mu, NEG_INF), (mu, xi)):
            s_val = real(0.0) if m_val is NEG_INF else sigma
            z_val = real(0.0) if m_val is NEG_INF else fold.mul(sigma, fold.unary(Op.EXP, fold.neg(m_val)))
            got = fold.refold(substitute(update, {leaf: z_val, m_leaf: m_val, x: x_val}))
            if olds & _placeholders(got) or any(v.op is Op.INDEX for v in _leaves(got)):
                failed.append(None)  # the update reads something other than z, m and this iteration's x
                break
            m_next = fold.maximum(m_val, x_val)
            s_next = fold.add(s_val, fold.unary(Op.EXP, x_val))
            want = real(0.0) if m_next is NEG_INF else fold.mul(s_next, fold.unary(Op.EXP, fold.neg(m_next)))
            if got is want:
                continue
            a, b = normal_form(got), normal_form(want)
            if a is None or a is not b:
                failed.append((m_val, x_val))
        # Every case holds: the invariant is kept by every step. Only the step from (−∞, −∞) fails (an
        # update computing exp(m − m_new) = exp(−∞ + ∞) = NaN there): the state stays valid on a lane
        # unless a step starts at m = −∞ with x = −∞, which cannot happen once m₀ or the first
        # element is finite (or the loop is empty); nothing is known of the other lanes.
        if failed and failed != [(NEG_INF, NEG_INF)]:
            continue
        first_seen = _first_element_present(x, tau)
        if failed and first_seen is None:
            continue
        k = bound(f"τ{n}'")
        started = fold.logical(Op.OR, fold.logical(Op.OR, fold.compare(Op.NE, m0, NEG_INF),
                                                   fold.compare(Op.EQ, trips, integer(0))), first_seen)
        valid = valid0 if not failed else fold.logical(Op.AND, valid0, started)

        def total(limit: Term) -> Term:
            new = canonical_binders(reduce_(Op.SUM, k, integer(0), limit, fold.unary(Op.EXP, substitute(x, {tau: k}))))
            return fold.add(s0, new)

        def closed(limit: Term, m_value: Term) -> Term:
            invariant = fold.where(fold.compare(Op.EQ, m_value, NEG_INF), real(0.0),
                                   fold.mul(total(limit), fold.unary(Op.EXP, fold.neg(m_value))))
            if valid is TRUE:
                return invariant
            unknown = undef("online rescaling of a lane whose first element is −∞ (the update gives NaN)")
            return fold.where(fold.compare(Op.EQ, limit, integer(0)), initial.term,
                              fold.where(valid, invariant, unknown))
        at_end = closed(trips, m_at_end)
        history[at_end] = (m_at_end, total(trips), valid)
        return closed(tau, m_at_tau), at_end
    return None


def _as_extremum(t: Term, leaf: Term) -> Term:
    """(e < v ? e : v) = min(v, e) and the like, over the reals: a running extremum written as a choice."""
    if t.op is not Op.WHERE or t.args[0].op not in (Op.LT, Op.LE, Op.GT, Op.GE):
        return t
    (x, y), a, b = t.args[0].args, t.args[1], t.args[2]
    if a is b or {a, b} != {x, y} or leaf not in (a, b):
        return t
    chooses_smaller = (t.args[0].op in (Op.LT, Op.LE)) == ((a, b) == (x, y))
    other = b if a is leaf else a
    return apply(Op.MIN if chooses_smaller else Op.MAX, leaf, other)


def _running_index(initial: LBlock, leaf: Term, raw: Term, extrema, tau: Term, trips: Term, n: int):
    """The running argmax (argmin) of consecutive tiles, Triton's tie rule included:

        i(τ+1) = (R(τ) > m(τ) ? p(τ) + argmax_{κ<W} g(τ, κ) : i(τ)),   R(τ) = max_{κ<W} g(τ, κ),

    with m the running maximum of the R(τ) from −∞, i₀ = p(0) and p(τ+1) = p(τ) + W (tile τ holds
    positions p(τ) … p(τ) + W − 1). Invariant: i(t) = p(0) + argmax_{u<t·W} g(u) over the tiles seen,
    with m(t) their maximum. Preservation is the merge rule of fold.merge_picks (a strictly larger
    maximum takes the new tile's first maximum; otherwise the earlier, smaller positions keep the
    ties); it holds for ±∞ values too, and t = 0 gives argmax over nothing = its lower end = p(0)."""
    from ..ir.term import free_vars
    from ..verify.intcanon import canon_int

    if raw.op is not Op.WHERE or raw.args[2] is not leaf:
        return None
    cond, then = raw.args[0], raw.args[1]
    parts = list(then.args) if then.op is Op.ADD else [then]
    found = [a for a in parts if a.op in ARG_REDUCTIONS]
    if len(found) != 1 or found[0].args[0] is not integer(0) or cond.op not in (Op.LT, Op.GT):
        return None
    arg = found[0]
    rest = [a for a in parts if a is not arg]
    p = canon_int(apply(Op.ADD, *rest)) if len(rest) > 1 else rest[0] if rest else integer(0)
    ext = Op.RMAX if arg.op is Op.ARGMAX else Op.RMIN
    tile_best = canonical_binders(reduce_(ext, arg.attr, *arg.args))
    better, worse = cond.args if (cond.op is Op.GT) == (ext is Op.RMAX) else reversed(cond.args)
    running = extrema.get(worse)
    if better is not tile_best or running is None or running[0] is not (Op.MAX if ext is Op.RMAX else Op.MIN) \
            or running[1] != [tile_best] or running[2] is not (NEG_INF if ext is Op.RMAX else POS_INF):
        return None
    width = arg.args[1]
    start = canon_int(substitute(p, {tau: integer(0)}))
    step = canon_int(apply(Op.SUB, substitute(p, {tau: apply(Op.ADD, tau, integer(1))}), p))
    if step is not canon_int(width) or canon_int(apply(Op.SUB, initial.term, start)) is not integer(0):
        return None
    u = bound(f"υ{n}")
    h = transform(substitute(arg.args[2], {arg.attr: apply(Op.SUB, u, apply(Op.SUB, p, start))}),
                  lambda m: canon_int(m) if m.sort is Sort.INT else m)
    if tau in free_vars(h):
        return None

    def seen(t: Term) -> Term:
        whole = canonical_binders(reduce_(arg.op, u, integer(0), canon_int(apply(Op.MUL, t, width)), h))
        return canon_int(apply(Op.ADD, start, whole)) if start is not integer(0) else whole
    return seen(tau), seen(trips)


def _first_element_present(x: Term, tau: Term) -> Term | None:
    """The condition under which the loop's first element x(0) is finite: always, for an element with
    no infinity in it (inputs are finite reals); c(0) for x(τ) = (c(τ) ? e(τ) : −∞) with e such an
    element; None for another shape of x."""
    if not ({NEG_INF, POS_INF} & set(walk(x))):
        return TRUE
    if x.op is not Op.WHERE or x.args[2] is not NEG_INF or {NEG_INF, POS_INF} & set(walk(x.args[1])):
        return None
    return substitute(x.args[0], {tau: integer(0)})


def _real_placeholder(n: int, name: str) -> Term:
    from ..ir.term import param

    return param(f"old{n}:{name}")


def _lanes_like(ph: Term, value: LBlock) -> Term:
    """A placeholder that still varies per lane: old(λ0, λ1, …) as an access of an opaque tensor, so
    that a broadcast, a reduction or a tl.dot in the body renames its lanes like any other tile's."""
    if not value.shape:
        return ph
    lanes = tuple(LANES[d] for d in range(len(value.shape)))
    if ph.sort is Sort.INT:
        return Term(Op.ACCESS, lanes, f"{ph.attr}@lanes", Sort.INT)
    return access(f"{ph.attr}@lanes", lanes)


def _close(t: Term, closed: dict[Term, Term]) -> Term:
    """Replace each placeholder by its closed form; one read at renamed lanes old(e0, e1) gets the
    closed form with λ0 := e0, λ1 := e1 (simultaneously, through fresh names)."""
    at_lanes = {leaf.attr: (leaf, value) for leaf, value in closed.items() if leaf.op is Op.ACCESS}
    t = substitute(t, {leaf: value for leaf, value in closed.items() if leaf.op is not Op.ACCESS})
    if not at_lanes:
        return t

    def step(node: Term) -> Term:
        if node.op is not Op.ACCESS or node.attr not in at_lanes:
            return node
        leaf, value = at_lanes[node.attr]
        if node.args == leaf.args:
            return value
        temps = {lane: index(f"λclose{d}") for d, lane in enumerate(leaf.args)}
        value = substitute(value, temps)
        return substitute(value, {temps[lane]: arg for lane, arg in zip(leaf.args, node.args)})

    return transform(t, step)


def _placeholders(t: Term) -> set[str]:
    """The loop-carried placeholders `t` reads (by name: a read at renamed lanes counts too)."""
    return {str(n.attr).removesuffix("@lanes") for n in walk(t)
            if n.op in (Op.ACCESS, Op.INDEX, Op.PARAM) and str(n.attr).startswith("old") and ":" in str(n.attr)}


def _accumulator(interp, name, initial: LBlock, leaf: Term, t: Term, kind: str, olds: set[Term], tau, trips, n):
    """The closed form of a loop-carried value at iteration τ and after the loop, or no pattern."""
    from ..ir.term import free_vars as _fv

    def mentions_old(x: Term) -> bool:
        return bool(olds & _placeholders(x))

    if kind in (INT, PTR):
        from ..verify.intcanon import canon_int

        delta = canon_int(apply(Op.SUB, t, leaf))
        if not mentions_old(delta) and tau not in _fv(delta):
            return (canon_int(apply(Op.ADD, initial.term, apply(Op.MUL, tau, delta))),
                    canon_int(apply(Op.ADD, initial.term, apply(Op.MUL, trips, delta))))
        raise UnsupportedFeature(f"loop-carried integer '{name}' is not advanced by a constant step "
                                 "(no invariant pattern)", interp.site)
    if t.op in _ACCUMULATE and leaf in t.args and t.args.count(leaf) == 1:
        rest = [a for a in t.args if a is not leaf]
        if not any(mentions_old(a) for a in rest):
            red_op, fold_fn = _ACCUMULATE[t.op]
            e = rest[0] if len(rest) == 1 else apply(t.op, *rest)
            k = bound(f"τ{n}'")

            def fold_to(limit: Term) -> Term:
                return fold_fn(initial.term, canonical_binders(reduce_(red_op, k, integer(0), limit,
                                                                       substitute(e, {tau: k}))))
            return fold_to(tau), fold_to(trips)
    raise UnsupportedFeature(f"the loop has no invariant pattern for '{name}' (supported: v = v + e, "
                             "max(v, e), min(v, e) with e free of loop-carried values; online rescaling "
                             "is checked at bounded sizes only)", interp.site)


def _leaves(t: Term) -> set[Term]:
    from ..ir.term import walk

    return {n for n in walk(t) if not n.args or n.op is Op.ACCESS}
