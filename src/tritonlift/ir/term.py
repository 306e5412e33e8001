"""The one term type: interned, immutable, data only (no z3, egglog or triton here).

A `Term` is `(op, args, attr, sort)`. Equal terms are the same object, so `is` and `==` agree and
terms are cheap dictionary keys. Constructors never simplify: folding, flattening and ordering are
named passes elsewhere. Reductions carry their bound variable in `attr` (a BOUND term), so
substitution cannot capture; `canonical_binders` renames them by depth so alpha-equivalent terms
are identical.
"""

from __future__ import annotations

import enum
import math
from typing import Iterable, Iterator


class Sort(enum.Enum):
    REAL = "real"
    INT = "int"
    BOOL = "bool"


class Op(enum.Enum):
    # leaves
    CONST = "const"  # attr: the value (int, float or bool; the sort keeps 1 and 1.0 apart)
    SIZE = "size"  # attr: name of a launch size (N, M): a positive integer
    PARAM = "param"  # attr: name of a float scalar argument (eps, alpha)
    INDEX = "index"  # attr: name of a free index variable of an output (i, j)
    BOUND = "bound"  # attr: name of a variable bound by a reduction
    UNDEF = "undef"  # attr: a description; the value of a masked load without `other=`
    ACCESS = "access"  # attr: tensor name; args: one INT index term per dimension
    # arithmetic on REAL or INT (the sort says which)
    ADD = "add"  # n-ary
    MUL = "mul"  # n-ary
    SUB = "sub"
    NEG = "neg"
    DIV = "div"  # real division
    FLOORDIV = "floordiv"  # integer division rounding toward -inf
    MOD = "mod"  # integer remainder with the sign of the divisor
    CDIV = "cdiv"  # ceil(a / b) on positive integers
    NEXTPOW2 = "nextpow2"  # smallest power of two >= a
    CEILSQRT = "ceil_sqrt"  # smallest k >= 0 with k·k >= a (ceil(sqrt(a)) of host code), a >= 0
    POW = "pow"
    MAX = "max"  # n-ary
    MIN = "min"  # n-ary
    # math functions REAL -> REAL
    EXP = "exp"
    EXP2 = "exp2"
    LOG = "log"
    LOG2 = "log2"
    SQRT = "sqrt"
    RSQRT = "rsqrt"
    ERF = "erf"
    TANH = "tanh"
    SIN = "sin"
    COS = "cos"
    ABS = "abs"
    SIGMOID = "sigmoid"
    FLOOR = "floor"
    CEIL = "ceil"
    TOREAL = "toreal"  # INT -> REAL
    # predicates and choice
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    EQ = "eq"
    NE = "ne"
    AND = "and"
    OR = "or"
    NOT = "not"
    WHERE = "where"  # (cond, then, else)
    # reductions: attr is the BOUND variable; args are (lo, hi, body) over lo <= k < hi
    SUM = "sum"
    PROD = "prod"
    RMAX = "rmax"
    RMIN = "rmin"
    ARGMAX = "argmax"  # INT: the smallest k in [lo, hi) at which body(k) is largest (Triton's tie rule)
    ARGMIN = "argmin"  # INT: the smallest k in [lo, hi) at which body(k) is smallest
    # argmax at concrete sizes: n-ary over AT(position, value) operands; the smallest position among
    # those whose value is largest (smallest). Positions are explicit, so operand order does not matter.
    PICKMAX = "pickmax"
    PICKMIN = "pickmin"
    AT = "at"  # (INT position, REAL value): an operand of PICKMAX/PICKMIN only


LEAVES = frozenset({Op.CONST, Op.SIZE, Op.PARAM, Op.INDEX, Op.BOUND, Op.UNDEF})
NARY = frozenset({Op.ADD, Op.MUL, Op.MAX, Op.MIN})
UNARY_MATH = frozenset(
    {Op.EXP, Op.EXP2, Op.LOG, Op.LOG2, Op.SQRT, Op.RSQRT, Op.ERF, Op.TANH, Op.SIN, Op.COS, Op.ABS,
     Op.SIGMOID, Op.FLOOR, Op.CEIL}
)
COMPARISONS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE})
REDUCTIONS = frozenset({Op.SUM, Op.PROD, Op.RMAX, Op.RMIN, Op.ARGMAX, Op.ARGMIN})
ARG_REDUCTIONS = frozenset({Op.ARGMAX, Op.ARGMIN})  # INT-valued: an index, not a value of the body
PICKS = frozenset({Op.PICKMAX, Op.PICKMIN})
PICK_OF = {Op.ARGMAX: Op.PICKMAX, Op.ARGMIN: Op.PICKMIN}
ARG_OF = {v: k for k, v in PICK_OF.items()}
# The n-ary operator a reduction folds, and back.
REDUCTION_OF = {Op.ADD: Op.SUM, Op.MUL: Op.PROD, Op.MAX: Op.RMAX, Op.MIN: Op.RMIN}
FOLD_OF = {v: k for k, v in REDUCTION_OF.items()}


class Term:
    """An interned, immutable expression node. Build with the constructors below, not directly."""

    __slots__ = ("op", "args", "attr", "sort", "_hash", "__weakref__")
    _table: dict[tuple, "Term"] = {}

    op: Op
    args: tuple["Term", ...]
    attr: object
    sort: Sort

    def __new__(cls, op: Op, args: tuple["Term", ...], attr: object, sort: Sort) -> "Term":
        key = (op, args, _attr_key(attr), sort)
        found = cls._table.get(key)
        if found is not None:
            return found
        self = object.__new__(cls)
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "attr", attr)
        object.__setattr__(self, "sort", sort)
        object.__setattr__(self, "_hash", hash(key))
        cls._table[key] = self
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Term is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other

    def __reduce__(self):  # pickling re-interns in the receiving process
        return (Term, (self.op, self.args, self.attr, self.sort))

    def __repr__(self) -> str:
        from .printer import to_text

        return f"Term({to_text(self)})"

    def rebuild(self, args: Iterable["Term"]) -> "Term":
        """The same node over new children: `t.rebuild(t.args) is t`."""
        return Term(self.op, tuple(args), self.attr, self.sort)

    @property
    def value(self) -> object:
        assert self.op is Op.CONST
        return self.attr


def _attr_key(attr: object) -> object:
    # 1, 1.0 and True hash alike in Python; the type keeps them apart. NaN is made equal to itself.
    if isinstance(attr, float) and math.isnan(attr):
        return ("nan",)
    if isinstance(attr, (bool, int, float)):
        return (type(attr).__name__, attr)
    return attr


# ---------------------------------------------------------------- constructors


def const(value: int | float | bool, sort: Sort | None = None) -> Term:
    if sort is None:
        sort = Sort.BOOL if isinstance(value, bool) else Sort.INT if isinstance(value, int) else Sort.REAL
    if sort is Sort.REAL:
        value = float(value)
    elif sort is Sort.INT:
        value = int(value)
    else:
        value = bool(value)
    return Term(Op.CONST, (), value, sort)


def real(value: float) -> Term:
    return const(float(value), Sort.REAL)


def integer(value: int) -> Term:
    return const(int(value), Sort.INT)


NEG_INF = Term(Op.CONST, (), float("-inf"), Sort.REAL)
POS_INF = Term(Op.CONST, (), float("inf"), Sort.REAL)
TRUE = Term(Op.CONST, (), True, Sort.BOOL)
FALSE = Term(Op.CONST, (), False, Sort.BOOL)


def size(name: str) -> Term:
    return Term(Op.SIZE, (), name, Sort.INT)


def param(name: str) -> Term:
    return Term(Op.PARAM, (), name, Sort.REAL)


def index(name: str) -> Term:
    return Term(Op.INDEX, (), name, Sort.INT)


def bound(name: str) -> Term:
    return Term(Op.BOUND, (), name, Sort.INT)


def undef(description: str) -> Term:
    return Term(Op.UNDEF, (), description, Sort.REAL)


def access(tensor: str, indices: Iterable[Term]) -> Term:
    idx = tuple(indices)
    assert all(i.sort is Sort.INT for i in idx), idx
    return Term(Op.ACCESS, idx, tensor, Sort.REAL)


def apply(op: Op, *args: Term) -> Term:
    """Any non-leaf, non-reduction node; the sort follows from the op and the operands."""
    assert op not in LEAVES and op not in REDUCTIONS and op is not Op.ACCESS, op
    if op in COMPARISONS or op in (Op.AND, Op.OR, Op.NOT):
        result = Sort.BOOL
    elif op is Op.WHERE:
        result = args[1].sort
    elif op in (Op.FLOORDIV, Op.MOD, Op.CDIV, Op.NEXTPOW2, Op.CEILSQRT, Op.PICKMAX, Op.PICKMIN):
        result = Sort.INT
    elif op in UNARY_MATH or op in (Op.DIV, Op.POW, Op.TOREAL, Op.AT):
        result = Sort.REAL
    else:
        result = args[0].sort
    return Term(op, tuple(args), None, result)


def reduce_(op: Op, var: Term, lo: Term, hi: Term, body: Term) -> Term:
    assert op in REDUCTIONS and var.op is Op.BOUND
    return Term(op, (lo, hi, body), var, Sort.INT if op in ARG_REDUCTIONS else body.sort)


# ---------------------------------------------------------------- traversal


def walk(term: Term) -> Iterator[Term]:
    """Every distinct subterm once, children before parents."""
    seen: set[Term] = set()
    stack: list[tuple[Term, bool]] = [(term, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child in reversed(node.args):
            if child not in seen:
                stack.append((child, False))


def leaves(term: Term, op: Op) -> set[Term]:
    return {t for t in walk(term) if t.op is op}


def transform(term: Term, fn, memo: dict | None = None) -> Term:
    """Bottom-up rewrite: `fn(node_with_rewritten_children)` returns the replacement."""
    memo = {} if memo is None else memo
    for node in walk(term):
        if node in memo:
            continue
        rebuilt = node.rebuild(memo[a] for a in node.args) if node.args else node
        memo[node] = fn(rebuilt)
    return memo[term]


def substitute(term: Term, mapping: dict[Term, Term]) -> Term:
    """Replace free leaves (SIZE, INDEX, BOUND, PARAM, ...) by terms. A reduction that binds a mapped
    variable shadows it in its body. Replacement terms must not mention variables bound inside
    `term` (use `fresh_binders` first when they might)."""
    if not mapping:
        return term
    memo: dict[tuple[Term, int], Term] = {}

    def go(t: Term, active: dict[Term, Term]) -> Term:
        hit = active.get(t)
        if hit is not None:
            return hit
        if not t.args:
            return t
        key = (t, id(active))
        if key in memo:
            return memo[key]
        if t.op in REDUCTIONS and t.attr in active:
            inner = {k: v for k, v in active.items() if k is not t.attr}
            lo, hi, body = t.args
            out = Term(t.op, (go(lo, active), go(hi, active), go(body, inner)), t.attr, t.sort)
        else:
            out = t.rebuild(go(a, active) for a in t.args)
        memo[key] = out
        return out

    return go(term, dict(mapping))


_fresh_counter = [0]


def fresh_binders(term: Term) -> Term:
    """Give every reduction a bound variable no other term uses (for capture-free substitution)."""

    def go(node: Term, env: dict[Term, Term]) -> Term:
        if node.op is Op.BOUND:
            return env.get(node, node)
        if not node.args:
            return node
        if node.op in REDUCTIONS:
            _fresh_counter[0] += 1
            var = bound(f"ν{_fresh_counter[0]}")
            lo, hi, body = node.args
            return Term(node.op, (go(lo, env), go(hi, env), go(body, {**env, node.attr: var})), var, node.sort)
        return node.rebuild(go(a, env) for a in node.args)

    return go(term, {})


def free_vars(term: Term) -> set[Term]:
    """INDEX and BOUND leaves not bound by a reduction inside `term`."""
    result: set[Term] = set()
    cache: dict[Term, frozenset[Term]] = {}
    for node in walk(term):
        if node.op in (Op.INDEX, Op.BOUND):
            cache[node] = frozenset({node})
        else:
            inner = frozenset().union(*(cache[a] for a in node.args)) if node.args else frozenset()
            if node.op in REDUCTIONS:
                lo, hi, body = node.args
                inner = cache[lo] | cache[hi] | (cache[body] - {node.attr})
            cache[node] = inner
    result |= cache[term]
    return result


def canonical_binders(term: Term) -> Term:
    """Rename bound variables by nesting depth (β0 outermost) so alpha-equivalent terms coincide.
    Names that occur free in `term` (bound by an enclosing reduction) are never reused."""
    taken = {str(v.attr) for v in free_vars(term) if v.op is Op.BOUND}

    def name(depth: int) -> Term:
        candidate = f"β{depth}"
        while candidate in taken:
            candidate += "'"
        return bound(candidate)

    def go(node: Term, depth: int, env: dict[Term, Term]) -> Term:
        if node.op is Op.BOUND:
            return env.get(node, node)
        if not node.args:
            return node
        if node.op in REDUCTIONS:
            lo, hi, body = node.args
            fresh = name(depth)
            new_env = dict(env)
            new_env[node.attr] = fresh
            return Term(node.op, (go(lo, depth, env), go(hi, depth, env), go(body, depth + 1, new_env)),
                        fresh, node.sort)
        return node.rebuild(go(a, depth, env) for a in node.args)

    return go(term, 0, {})


def size_of(term: Term) -> int:
    """Number of nodes in the DAG (shared subterms counted once)."""
    return sum(1 for _ in walk(term))
