"""The lemmas the unbounded prover applies as rewrites, each proven here once by induction.

z3 does no induction by itself, so each proof is split by hand into a base case and a step, each a
quantifier-free query over an arbitrary function `f` (an uninterpreted function: the lemma holds for
every body) and sums given by their one-step unfoldings at the points the step needs.

  absorption  Σ_{k<n} (k < E ? f(k) : 0) = Σ_{k<min(n, E)} f(k)            (n ≥ 0, E ≥ 0)
              so for E ≤ B:  Σ_{k<B} (k < E ? f(k) : 0) = Σ_{k<E} f(k)
  max form    max_{k<n} (k < E ? f(k) : −∞) = max_{k<min(n, E)} f(k)        (with −∞ for empty)
  reindex     Σ_{k<B} Σ_{t<T} h(t·B + k) = Σ_{u<T·B} h(u)                   (B ≥ 1, T ≥ 0)
  concat      Σ_{u<a} f(u) + Σ_{u<b} f(a + u) = Σ_{u<a+b} f(u), the same for max (a, b ≥ 0)
"""

import z3


def prove(*facts_and_goal):
    *facts, goal = facts_and_goal
    s = z3.Solver()
    s.set("timeout", 10_000)
    s.add(*facts)
    s.add(z3.Not(goal))
    return s.check() == z3.unsat


I, R = z3.IntSort(), z3.RealSort()


def test_mask_absorption_for_sums():
    f = z3.Function("f", I, R)
    S = z3.Function("S", I, R)  # S(n) = Σ_{k<n} f(k)
    L = z3.Function("L", I, R)  # L(n) = Σ_{k<n} (k < E ? f(k) : 0)
    n, E = z3.Ints("n E")
    # the definitions, one step at a time (the only facts about S and L the proof uses)
    def step_S(m):
        return S(m + 1) == S(m) + f(m)

    def step_L(m):
        return L(m + 1) == L(m) + z3.If(m < E, f(m), 0)

    def rhs(m):
        return z3.If(m < E, S(m), S(E))
    # base: n = 0
    assert prove(L(0) == 0, S(0) == 0, E >= 0, L(0) == rhs(0))
    # step: L(n) = rhs(n) ⇒ L(n+1) = rhs(n+1)
    assert prove(n >= 0, E >= 0, L(n) == rhs(n), step_L(n), step_S(n), L(n + 1) == rhs(n + 1))


def test_mask_absorption_for_max_with_negative_infinity():
    # extended reals as (finite?, value); max with −∞ as identity
    f = z3.Function("f", I, R)
    Mf = z3.Function("Mf", I, R)   # value of max_{k<n} f(k), meaningful for n ≥ 1
    Lf = z3.Function("Lf", I, z3.BoolSort())  # L(n) is finite
    Lv = z3.Function("Lv", I, R)
    n, E = z3.Ints("n E")

    def step_M(m):
        return z3.And(z3.Implies(m == 0, Mf(1) == f(0)), z3.Implies(m >= 1, Mf(m + 1) == z3.If(f(m) > Mf(m), f(m), Mf(m))))

    def step_L(m):  # L(m+1) = max(L(m), (m < E ? f(m) : −∞))
        new_fin = z3.Or(Lf(m), m < E)
        new_val = z3.If(m < E, z3.If(Lf(m), z3.If(f(m) > Lv(m), f(m), Lv(m)), f(m)), Lv(m))
        return z3.And(Lf(m + 1) == new_fin, z3.Implies(new_fin, Lv(m + 1) == new_val))

    def claim(m):  # L(m) = max_{k<min(m, E)} f(k), −∞ when that range is empty
        k = z3.If(m < E, m, E)
        return z3.And(Lf(m) == (k >= 1), z3.Implies(k >= 1, Lv(m) == Mf(k)))
    assert prove(z3.Not(Lf(0)), E >= 0, claim(0))
    assert prove(n >= 0, E >= 0, claim(n), step_L(n), step_M(n), claim(n + 1))


def test_reindexing_of_lane_sums_of_tile_accumulators():
    # Σ_{k<B} A(k, T) = P(T·B) where A(k, t) = Σ_{t'<t} h(t'·B + k) and P(n) = Σ_{u<n} h(u):
    # induction on T, with the lane sum D(c, t) = Σ_{k<c} h(t·B + k) = P(t·B + c) − P(t·B) (a shift,
    # itself by induction on c).
    h = z3.Function("h", I, R)
    P = z3.Function("P", I, R)
    D = z3.Function("D", I, I, R)
    LS = z3.Function("LS", I, I, R)  # LS(c, t) = Σ_{k<c} A(k, t)
    B, T, c = z3.Ints("B T c")
    # shift: D(c, t) = P(tB + c) − P(tB), induction on c
    assert prove(D(0, T) == 0, D(0, T) == P(T * B + 0) - P(T * B))
    assert prove(c >= 0, D(c, T) == P(T * B + c) - P(T * B), D(c + 1, T) == D(c, T) + h(T * B + c),
                 P(T * B + c + 1) == P(T * B + c) + h(T * B + c),
                 D(c + 1, T) == P(T * B + c + 1) - P(T * B))
    # split: LS(B, t+1) = LS(B, t) + D(B, t) (A(k, t+1) = A(k, t) + h(tB + k), summed over k): by
    # induction on c with LS(c, ·) unfolded
    assert prove(LS(0, T + 1) == 0, LS(0, T) == 0, D(0, T) == 0, LS(0, T + 1) == LS(0, T) + D(0, T))
    A = z3.Function("A", I, I, R)
    assert prove(c >= 0, LS(c, T + 1) == LS(c, T) + D(c, T),
                 LS(c + 1, T + 1) == LS(c, T + 1) + A(c, T + 1), LS(c + 1, T) == LS(c, T) + A(c, T),
                 A(c, T + 1) == A(c, T) + h(T * B + c), D(c + 1, T) == D(c, T) + h(T * B + c),
                 LS(c + 1, T + 1) == LS(c + 1, T) + D(c + 1, T))
    # main: LS(B, T) = P(T·B), induction on T
    assert prove(B >= 1, LS(B, 0) == 0, P(0) == 0, LS(B, 0) == P(0 * B))
    assert prove(B >= 1, T >= 0, LS(B, T) == P(T * B), LS(B, T + 1) == LS(B, T) + D(B, T),
                 D(B, T) == P(T * B + B) - P(T * B), LS(B, T + 1) == P((T + 1) * B))


def test_online_softmax_state_is_zero_exactly_when_nothing_was_seen():
    """m(t) = max_{τ<t} x(τ) and S(t) = Σ_{τ<t} exp(x(τ)) over extended reals (x(τ) may be −∞,
    exp(−∞) = 0): m(t) = −∞ ⟹ S(t) = 0. Induction on t; ∞ as a flag beside the value."""
    fin = z3.Function("fin", I, z3.BoolSort())   # m(t) is finite
    mv = z3.Function("mv", I, R)                 # its value when finite
    S = z3.Function("S", I, R)
    xfin = z3.Function("xfin", I, z3.BoolSort())  # x(t) is finite
    xv = z3.Function("xv", I, R)
    e = z3.Function("exp", R, R)
    t = z3.Int("t")
    step = z3.And(fin(t + 1) == z3.Or(fin(t), xfin(t)),
                  S(t + 1) == S(t) + z3.If(xfin(t), e(xv(t)), 0))
    claim = lambda u: z3.Implies(z3.Not(fin(u)), S(u) == 0)  # noqa: E731
    assert prove(z3.Not(fin(0)), S(0) == 0, claim(0))
    assert prove(t >= 0, claim(t), step, claim(t + 1))


def test_concatenation_of_ranges():
    """Σ_{u<a} f(u) + Σ_{u<b} f(a + u) = Σ_{u<a+b} f(u) for a, b ≥ 0 (a row split into full tiles and a
    last tile); by induction on b. The same proof with max for running maxima (below)."""
    f = z3.Function("f", I, R)
    S = z3.Function("S", I, R)  # S(n) = Σ_{u<n} f(u)
    T = z3.Function("T", I, R)  # T(n) = Σ_{u<n} f(a + u)
    a, b = z3.Ints("a b")
    step = z3.And(S(a + b + 1) == S(a + b) + f(a + b), T(b + 1) == T(b) + f(a + b))
    claim = lambda n: S(a) + T(n) == S(a + n)  # noqa: E731
    assert prove(T(0) == 0, claim(0))
    assert prove(a >= 0, b >= 0, claim(b), step, claim(b + 1))


def test_concatenation_of_running_maxima():
    """max(max_{u<a} f(u), max_{u<b} f(a + u)) = max_{u<a+b} f(u), with −∞ for an empty range (a flag)."""
    f = z3.Function("f", I, R)
    Mv, Mf = z3.Function("Mv", I, R), z3.Function("Mf", I, z3.BoolSort())  # max_{u<n} f(u): value, nonempty
    Tv, Tf = z3.Function("Tv", I, R), z3.Function("Tf", I, z3.BoolSort())  # max_{u<n} f(a + u)
    a, b = z3.Ints("a b")

    def extend(v, fl, n, x):  # max over one more element x
        return z3.And(fl(n + 1), v(n + 1) == z3.If(fl(n), z3.If(v(n) >= x, v(n), x), x))

    def joined(n):  # max(M(a), T(n)) as (value, nonempty) equals M(a + n)
        value = z3.If(Mf(a), z3.If(Tf(n), z3.If(Mv(a) >= Tv(n), Mv(a), Tv(n)), Mv(a)), Tv(n))
        return z3.And(Mf(a + n) == z3.Or(Mf(a), Tf(n)), z3.Implies(Mf(a + n), Mv(a + n) == value))

    step = z3.And(extend(Mv, Mf, a + b, f(a + b)), extend(Tv, Tf, b, f(a + b)))
    assert prove(z3.Not(Tf(0)), joined(0))
    assert prove(a >= 0, b >= 0, joined(b), step, joined(b + 1))
