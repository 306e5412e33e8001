"""`@triton.heuristics` at symbolic sizes: run the host function on symbols, split on conditions.

A heuristic is ordinary host Python (`args["TILE_N"] >= args["N"]`, `triton.next_power_of_2(N)`,
`min(N, 4096)`). Called with `Sym` values it builds the term it computes. A boolean term that the
sizes do not decide (`4 ≥ N`) splits the proof into two cases, each with the constexpr fixed and
the condition (or its negation) as a hypothesis; both cases must be proven. A heuristic that
branches on a symbol (`if N > 1024:`) is followed down every path, each a case with the branch
conditions as hypotheses (up to a few branches: a loop over a symbolic bound is reported).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnsupportedFeature
from ..ir.term import Op, Sort, Term, apply, const, integer, size
from ..symexec import fold
from .intcanon import canon_int


class Undecided(Exception):
    """The host code needs a Python value (a branch, an index) of a symbolic size."""


class Sym:
    """A symbolic integer or boolean in host code; operators build terms."""

    __slots__ = ("term",)

    def __init__(self, term: Term):
        self.term = term

    def __bool__(self):
        if _EXPLORER is None:
            raise Undecided(f"branches on {self.term!r}")
        return _EXPLORER.decide(self.term)

    def __index__(self):
        raise Undecided(f"needs the value of {self.term!r}")

    __int__ = __index__

    def next_power_of_2(self) -> "Sym":
        return Sym(apply(Op.NEXTPOW2, self.term))

    @staticmethod
    def cdiv(a, b) -> "Sym":
        return Sym(apply(Op.CDIV, _term(a), _term(b)))

    @staticmethod
    def extremum(op: Op, *values):
        return _result(apply(op, *(_term(v) for v in values)))


def _term(x) -> Term:
    if isinstance(x, Sym):
        return x.term
    if isinstance(x, bool):
        return const(x)
    if isinstance(x, int):
        return integer(x)
    raise Undecided(f"a {type(x).__name__} value in integer arithmetic")


def _result(t: Term):
    """A term the sizes decide becomes a plain Python value again."""
    t = canon_int(t) if t.sort is Sort.INT else fold.refold(t)
    if t.op is Op.CONST:
        return bool(t.value) if t.sort is Sort.BOOL else int(t.value)
    return Sym(t)


def _binary(op: Op, reverse: bool = False):
    def method(self, other):
        if isinstance(other, float):
            return NotImplemented
        a, b = (_term(other), self.term) if reverse else (self.term, _term(other))
        if op in (Op.AND, Op.OR):
            return _result(fold.logical(op, a, b))
        if op in (Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE):
            return _result(fold.compare(op, a, b))
        return _result(apply(op, a, b))
    return method


for _name, _op in (("add", Op.ADD), ("sub", Op.SUB), ("mul", Op.MUL), ("floordiv", Op.FLOORDIV),
                   ("mod", Op.MOD), ("and", Op.AND), ("or", Op.OR)):
    setattr(Sym, f"__{_name}__", _binary(_op))
    setattr(Sym, f"__r{_name}__", _binary(_op, reverse=True))
for _name, _op in (("lt", Op.LT), ("le", Op.LE), ("gt", Op.GT), ("ge", Op.GE), ("eq", Op.EQ), ("ne", Op.NE)):
    setattr(Sym, f"__{_name}__", _binary(_op))
Sym.__hash__ = object.__hash__


MAX_BRANCHES = 6  # decisions on one path; a loop over a symbolic bound would never end
MAX_PATHS = 16


class _Explorer:
    """Follows a host function down one path: forced choices first, then True at each new branch."""

    def __init__(self, forced: tuple[bool, ...]):
        self.forced, self.taken = forced, []

    def decide(self, condition: Term) -> bool:
        if len(self.taken) >= MAX_BRANCHES:
            raise Undecided(f"more than {MAX_BRANCHES} branches on symbolic sizes")
        choice = self.forced[len(self.taken)] if len(self.taken) < len(self.forced) else True
        self.taken.append((condition, choice))
        return choice


_EXPLORER: _Explorer | None = None


def _paths(fn, env: dict) -> list[tuple[object, tuple[Term, ...]]]:
    """Every path through `fn(env)`: its value and the branch conditions it took."""
    global _EXPLORER
    out, pending = [], [()]
    while pending:
        forced = pending.pop()
        _EXPLORER = explorer = _Explorer(forced)
        try:
            value = fn(dict(env))
        finally:
            _EXPLORER = None
        for i in range(len(forced), len(explorer.taken)):
            pending.append(tuple(c for _, c in explorer.taken[:i]) + (not explorer.taken[i][1],))
        hyps = tuple(c if choice else fold.logical(Op.NOT, c) for c, choice in explorer.taken)
        out.append((value, hyps))
        if len(out) > MAX_PATHS:
            raise Undecided(f"more than {MAX_PATHS} paths through the host code")
    return out


@dataclass(frozen=True)
class HeuristicCase:
    """Values for the heuristic constexprs (int, bool, str or an INT term) and the hypotheses
    under which they hold."""

    values: tuple[tuple[str, object], ...]
    hyps: tuple[Term, ...]

    def describe(self) -> str:
        from ..ir.printer import to_text

        return " ∧ ".join(to_text(h) for h in self.hyps)


def heuristic_cases(heuristics, args: dict[str, object], site=None) -> list[HeuristicCase]:
    """Every combination of heuristic values the sizes allow, each with its condition. `args` maps
    the kernel's parameter names to Sym (integer arguments), plain values (constexprs) or None."""

    def walk(i: int, env: dict, values: tuple, hyps: tuple) -> list[HeuristicCase]:
        if i == len(heuristics):
            return [HeuristicCase(values, hyps)]
        name, fn = heuristics[i]
        try:
            paths = _paths(fn, env)
        except Undecided as err:
            raise UnsupportedFeature(f"the heuristic for '{name}' at symbolic sizes ({err})", site,
                                     hint=f"give {name}=... in the launch description") from None
        except Exception as err:  # the host function itself failed on symbols
            raise UnsupportedFeature(f"the heuristic for '{name}' at symbolic sizes ({type(err).__name__}: {err})",
                                     site, hint=f"give {name}=... in the launch description") from None
        out = []
        for value, taken in paths:
            if isinstance(value, Sym) and value.term.sort is Sort.BOOL:
                for choice, hyp in ((True, value.term), (False, fold.logical(Op.NOT, value.term))):
                    out += walk(i + 1, {**env, name: choice}, values + ((name, choice),), hyps + taken + (hyp,))
                continue
            stored = value.term if isinstance(value, Sym) else value
            if isinstance(value, Sym) and value.term.op is Op.NEXTPOW2:
                value = Sym(size(name))  # later heuristics see the block symbol, as the kernel does
            out += walk(i + 1, {**env, name: value}, values + ((name, stored),), hyps + taken)
        return out

    return walk(0, dict(args), (), ())
