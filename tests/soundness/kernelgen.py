"""Random Triton kernels with known launches, some with a deliberately injected bug.

    g = generate(seed)              # a GenKernel: source text, launch, family, bug (None = correct)
    path = g.write(directory)       # k<seed>.py; lift f"{path}::{g.name}" with g.launch
    clean = generate(seed, bug_rate=0.0)   # the same kernel without its bug (the "intended" one)

A kernel is drawn from one of seven families (elementwise, single-tile row reductions, tiled row
loops, online max/rescaled sum, 2-D tiles, 2-D tiles reducing rows, column reductions) by a seeded
`random.Random`; the structure is drawn first and the bug afterwards from a second stream, so a
kernel and its clean twin differ only at the bug's site. `kernels()` is the same grammar as a hypothesis strategy.

Bug classes are split by what they do to the kernel's meaning:
  DEFECTS   the kernel no longer computes a formula of the intended shape for every size: unsafe
            accesses, unwritten elements, wrong neutral elements leaking into reductions, missing
            tiles, masks capped at a constant (`capped`: right up to 20–64 columns, wrong beyond,
            so only a proof for all sizes can tell). A defect that changes results must never be
            VERIFIED.
  SEMANTIC  the kernel computes another clean formula (a dropped term, swapped operands): VERIFIED
            is right for it, but only with the formula of the buggy kernel.
Whether an injected bug changes results at all is for Triton's interpreter to say (the campaign
runs the kernel and its clean twin on the same inputs).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

DEFECTS = ("mask_le", "wrong_other", "wrong_neutral", "missing_last_tile", "ignored_stride", "unmasked_store",
           "small_fixed_block", "tile_step", "pid_mapping", "partial_mask", "dropped_rescale", "capped")
SEMANTIC = ("dropped_term", "swapped_operand")
BUG_CLASSES = DEFECTS + SEMANTIC
BUG_RATE = 0.3  # the issue asks for a known fraction of buggy kernels
CAPS = (20, 37, 64)  # "capped" bugs hold only up to a column count far beyond every size lifting checks
HEADER = "import triton\nimport triton.language as tl\n\n\n@triton.jit\n"
NEUTRAL = {"sum": "0.0", "max": '-float("inf")', "min": 'float("inf")'}
WRONG_NEUTRAL = {"sum": "1.0", "max": "0.0", "min": "0.0"}
COMBINE = {"sum": "{a} + {b}", "max": "tl.maximum({a}, {b})", "min": "tl.minimum({a}, {b})"}


@dataclass(frozen=True)
class GenKernel:
    seed: int
    family: str
    bug: str | None  # the injected bug class, None for a correct kernel
    source: str
    launch: str
    outputs: tuple[str, ...]  # tensors the kernel writes
    strides: tuple[tuple[str, str], ...] = ()  # (stride size, row length it must not undercut)

    @property
    def name(self) -> str:
        return f"k{self.seed}"

    def write(self, directory: Path) -> Path:
        path = Path(directory) / f"{self.name}{'_' + self.bug if self.bug else ''}.py"
        path.write_text(self.source)
        return path

    def draw_sizes(self, rng: random.Random, ranges: dict[str, tuple[int, int]]) -> dict[str, int]:
        """Sizes drawn from ranges[name] = (lo, hi), default (1, 8); a row stride is the row length
        plus 0..3 (never less: the view would overlap itself), within its own range when it has one."""
        names = ("n",) if self.family == "elementwise" else ("M", "N")
        sizes = {n: rng.randint(*ranges.get(n, (1, 8))) for n in names}
        for stride, row in self.strides:
            hi = max(ranges.get(stride, (0, sizes[row] + 3))[1], sizes[row])
            sizes[stride] = min(sizes[row] + rng.randint(0, 3), hi)
        return sizes


@dataclass(frozen=True)
class _Draft:
    """A kernel's drawn structure: the bug classes it can take and how to write it with one."""

    family: str
    bugs: tuple[str, ...]
    render: Callable[[str | None], tuple[str, str]]  # bug -> (function source, launch)
    outputs: tuple[str, ...]
    strides: tuple[tuple[str, str], ...] = ()


# ------------------------------------------------------------------------------------ expressions

@dataclass(frozen=True)
class Expr:
    """A float expression as a template with one `{}` per operand."""

    form: str
    args: tuple["Expr", ...] = ()
    commutative: bool = True

    def text(self) -> str:
        return self.form.format(*(a.text() for a in self.args))

    def dropped(self) -> "Expr | None":
        """The outermost operation replaced by its first operand: a dropped term."""
        if not self.args:
            return None
        return self.args[0]

    def swapped(self) -> "Expr | None":
        """The first non-commutative operation with its operands swapped (None when there is none)."""
        if len(self.args) == 2 and not self.commutative and self.args[0].text() != self.args[1].text():
            return Expr(self.form, self.args[::-1], False)
        for n, a in enumerate(self.args):
            s = a.swapped()
            if s is not None:
                return Expr(self.form, self.args[:n] + (s,) + self.args[n + 1:], self.commutative)
        return None


# exp is kept out of exp's argument so that float32 never overflows on normal inputs
_UNARY = ("tl.exp({})", "tl.abs({})", "tl.sin({})", "tl.cos({})", "tl.sigmoid({})", "tl.sqrt(tl.abs({}) + 1.0)",
          "tl.log(tl.abs({}) + 1.0)", "-({})", "tl.math.erf({})")
_BINARY = (("({} + {})", True), ("({} - {})", False), ("({} * {})", True), ("tl.maximum({}, {})", True),
           ("tl.minimum({}, {})", True), ("({} / (tl.abs({}) + 1.0))", False))
_CONSTANTS = ("0.5", "2.0", "3.0", "1.5")


def random_expr(rng: random.Random, leaves: list[str], depth: int, exp_ok: bool = True) -> Expr:
    if depth <= 0 or rng.random() < 0.25:
        return Expr(rng.choice(_CONSTANTS) if rng.random() < 0.15 else rng.choice(leaves))
    if rng.random() < 0.45:
        form = rng.choice([u for u in _UNARY if exp_ok or "exp" not in u])
        return Expr(form, (random_expr(rng, leaves, depth - 1, exp_ok and "exp" not in form),))
    form, commutative = rng.choice(_BINARY)
    return Expr(form, (random_expr(rng, leaves, depth - 1, exp_ok), random_expr(rng, leaves, depth - 1, exp_ok)),
                commutative)


def _with_input(rng: random.Random, leaves: list[str], depth: int, must: str) -> Expr:
    """An expression that reads `must` (a kernel that ignores its input is a dull test)."""
    for _ in range(20):
        e = random_expr(rng, leaves, depth)
        if must in e.text():
            return e
    return Expr(must)


def _term_bugs(*exprs: Expr | None) -> tuple[str, ...]:
    e = [x for x in exprs if x is not None]
    return (("dropped_term",) if any(x.args for x in e) else ()) + \
        (("swapped_operand",) if any(x.swapped() for x in e) else ())


def _apply(e: Expr, bug: str | None) -> str:
    changed = e.dropped() if bug == "dropped_term" else e.swapped() if bug == "swapped_operand" else None
    return (changed or e).text()


def _below(index: str, size: str, bug: str | None, cap: int) -> str:
    """The bounds mask `index < size`, with the injected off-by-one or cap."""
    if bug == "capped":
        return f"({index} < {size}) & ({index} < {cap})"
    return f"{index} {'<=' if bug == 'mask_le' else '<'} {size}"


def _lines(*rows: str) -> str:
    return "\n".join(r for r in rows if r is not None) + "\n"


# ------------------------------------------------------------------------------------ families

def _elementwise(rng: random.Random) -> _Draft:
    two = rng.random() < 0.3
    alpha = rng.random() < 0.4
    leaves = ["x", "y"] + (["alpha"] if alpha else [])
    e1 = _with_input(rng, leaves, rng.randint(1, 3), "x")
    e2 = _with_input(rng, leaves, rng.randint(0, 2), "y") if two else None
    block, cap = rng.choice([4, 8]), rng.choice(CAPS)

    def render(bug):
        m = "" if bug == "unmasked_store" else ", mask=mask"
        params = "out_ptr, " + ("out2_ptr, " if two else "") + "x_ptr, y_ptr, n, " + ("alpha, " if alpha else "")
        src = _lines(
            f"def {{name}}({params}BLOCK: tl.constexpr):",
            "    pid = tl.program_id(0)",
            f"    offs = pid * {'(BLOCK - 1)' if bug == 'tile_step' else 'BLOCK'} + tl.arange(0, BLOCK)",
            f"    mask = {_below('offs', 'n', bug, cap)}",
            "    x = tl.load(x_ptr + offs, mask=mask)",
            "    y = tl.load(y_ptr + offs, mask=mask)",
            f"    tl.store(out_ptr + offs, {_apply(e1, bug)}{m})",
            f"    tl.store(out2_ptr + offs, {e2.text()}, mask=mask)" if two else None)
        launch = (f"{{name}}[(cdiv(n, BLOCK),)](out[n], {'out2[n], ' if two else ''}x[n], y[n], n, "
                  f"{'alpha, ' if alpha else ''}BLOCK={block})")
        return src, launch
    return _Draft("elementwise", ("mask_le", "unmasked_store", "tile_step", "capped") + _term_bugs(e1), render,
                  ("out", "out2") if two else ("out",))


def _row_input(rng: random.Random):
    """A row-major [M, N] input, strided (`x[M, N; sx, 1]`) or contiguous (stride argument N)."""
    strided = rng.random() < 0.4
    return strided, ("x[M, N; sx, 1]", "sx") if strided else ("x[M, N]", "N")


def _row_single(rng: random.Random) -> _Draft:
    op = rng.choice(["sum", "max", "min"])
    alpha = rng.random() < 0.3
    f = _with_input(rng, ["x"] + (["alpha"] if alpha else []), rng.choice([0, 0, 1, 2]), "x")
    identity = f.text() == "x"
    normalize = rng.random() < 0.5  # also write y[i, j] = f(x[i, j]) - red
    strided, (x_decl, stride) = _row_input(rng)
    fixed, cap = rng.choice([4, 8, 16]), rng.choice(CAPS)
    shift = "" if normalize or rng.random() < 0.7 else rng.choice([" + 1", " + 2"])  # reads x[i, k + s]

    def render(bug):
        other = NEUTRAL[op] if identity else "0.0"
        if bug == "wrong_other" and identity:
            other = WRONG_NEUTRAL[op]
        value = "x" if identity else f.text() if bug == "wrong_other" else f"tl.where(mask, {_apply(f, bug)}, {NEUTRAL[op]})"
        y = f"red - ({f.text()})" if bug == "swapped_operand" else f"({f.text()}) - red"
        src = _lines(
            f"def {{name}}(out_ptr, {'y_ptr, ' if normalize else ''}x_ptr, N, stride_x, {'alpha, ' if alpha else ''}"
            "BLOCK: tl.constexpr):",
            "    row = tl.program_id(0)",
            f"    cols = tl.arange(0, BLOCK){shift}",
            f"    mask = {_below('cols', 'N', bug, cap)}",
            f"    x = tl.load(x_ptr + row * {'N' if bug == 'ignored_stride' else 'stride_x'} + cols, mask=mask, "
            f"other={other})",
            f"    red = tl.{op}({value}, axis=0)",
            "    tl.store(out_ptr + row, red)",
            f"    tl.store(y_ptr + row * N + cols, {y}, mask=mask)" if normalize else None)
        block = fixed if bug == "small_fixed_block" else "next_power_of_2(N)"
        launch = (f"{{name}}[(M,)](out[M], {'y[M, N], ' if normalize else ''}{x_decl}, N, {stride}, "
                  f"{'alpha, ' if alpha else ''}BLOCK={block})")
        return src, launch
    bugs = ("mask_le", "wrong_other", "small_fixed_block", "capped") + (("ignored_stride",) if strided else ()) + \
        (("swapped_operand",) if normalize else ()) + (("dropped_term",) if f.args else ())
    return _Draft("row_single", bugs, render, ("out", "y") if normalize else ("out",),
                  (("sx", "N"),) if strided else ())


def _row_loop(rng: random.Random) -> _Draft:
    op = rng.choice(["sum", "max", "min"])
    f = _with_input(rng, ["x"], rng.choice([0, 1, 2]), "x")
    lanes = rng.random() < 0.6  # accumulate per lane and reduce at the end, or reduce each tile
    normalize = rng.random() < 0.4
    strided, (x_decl, stride) = _row_input(rng)
    block, cap = rng.choice([2, 4, 8]), rng.choice(CAPS)
    bump = rng.random() < 0.3  # advance a pointer by BLOCK each iteration instead of indexing with off

    def render(bug):
        init = WRONG_NEUTRAL[op] if bug == "wrong_neutral" else NEUTRAL[op]
        other = WRONG_NEUTRAL[op] if bug == "wrong_other" else "0.0"
        value = _apply(f, bug) if bug == "wrong_other" else f"tl.where(mask, {_apply(f, bug)}, {NEUTRAL[op]})"
        end = "(N // BLOCK) * BLOCK" if bug == "missing_last_tile" else "N"
        acc = COMBINE[op].format(a="acc", b=value if lanes else f"tl.{op}({value}, axis=0)")
        row_ptr = f"x_ptr + row * {'N' if bug == 'ignored_stride' else 'stride_x'}"
        y = f"red - ({f.text()})" if bug == "swapped_operand" else f"({f.text()}) - red"
        src = _lines(
            f"def {{name}}(out_ptr, {'y_ptr, ' if normalize else ''}x_ptr, N, stride_x, BLOCK: tl.constexpr):",
            "    row = tl.program_id(0)",
            f"    acc = tl.full([BLOCK], {init}, tl.float32)" if lanes else f"    acc = {init}",
            f"    p = {row_ptr} + tl.arange(0, BLOCK)" if bump else None,
            f"    for off in range(0, {end}, BLOCK):",
            "        cols = off + tl.arange(0, BLOCK)",
            f"        mask = {_below('cols', 'N', bug, cap)}",
            f"        x = tl.load({'p' if bump else row_ptr + ' + cols'}, mask=mask, other={other})",
            f"        acc = {acc}",
            "        p += BLOCK" if bump else None,
            f"    red = tl.{op}(acc, axis=0)" if lanes else "    red = acc",
            "    tl.store(out_ptr + row, red)",
            *((["    for off in range(0, N, BLOCK):", "        cols = off + tl.arange(0, BLOCK)",
                "        mask = cols < N", f"        x = tl.load({row_ptr} + cols, mask=mask)",
                f"        tl.store(y_ptr + row * N + cols, {y}, mask=mask)"]) if normalize else []))
        launch = f"{{name}}[(M,)](out[M], {'y[M, N], ' if normalize else ''}{x_decl}, N, {stride}, BLOCK={block})"
        return src, launch
    bugs = ("mask_le", "wrong_other", "wrong_neutral", "missing_last_tile", "capped") + \
        (("ignored_stride",) if strided else ()) + (("swapped_operand",) if normalize else ()) + \
        (("dropped_term",) if f.args else ())
    return _Draft("row_loop", bugs, render, ("out", "y") if normalize else ("out",), (("sx", "N"),) if strided else ())


def _online(rng: random.Random) -> _Draft:
    result = rng.choice(["lse", "z", "softmax"])  # what is stored: log-sum-exp, the shifted sum, or softmax
    scale = rng.choice(["", "", " * 0.5", " * 2.0"])
    strided, (x_decl, stride) = _row_input(rng)
    block, cap = rng.choice([2, 4, 8]), rng.choice(CAPS)

    def render(bug):
        other = "0.0" if bug == "wrong_other" else '-float("inf")'
        init = "0.0" if bug == "wrong_neutral" else '-float("inf")'
        end = "(N // BLOCK) * BLOCK" if bug == "missing_last_tile" else "N"
        rescale = "" if bug == "dropped_rescale" else ' * tl.where(seen, tl.exp(m - m_new), 0.0)'
        row_ptr = f"x_ptr + row * {'N' if bug == 'ignored_stride' else 'stride_x'}"
        store = {"lse": "    tl.store(out_ptr + row, m_row + tl.log(z_row))",
                 "z": "    tl.store(out_ptr + row, z_row)",
                 "softmax": _lines("    for off in range(0, N, BLOCK):", "        cols = off + tl.arange(0, BLOCK)",
                                   f"        x = tl.load({row_ptr} + cols, mask=cols < N){scale}",
                                   "        tl.store(out_ptr + row * N + cols, tl.exp(x - m_row) / z_row, "
                                   "mask=cols < N)").rstrip()}[result]
        src = _lines(
            "def {name}(out_ptr, x_ptr, N, stride_x, BLOCK: tl.constexpr):",
            "    row = tl.program_id(0)",
            f"    m = tl.full([BLOCK], {init}, tl.float32)",
            "    z = tl.zeros([BLOCK], dtype=tl.float32)",
            f"    for off in range(0, {end}, BLOCK):",
            "        cols = off + tl.arange(0, BLOCK)",
            f"        x = tl.load({row_ptr} + cols, mask={_below('cols', 'N', bug, cap)}, other={other}){scale}",
            "        m_new = tl.maximum(m, x)",
            '        seen = m_new > -float("inf")',
            f"        z = z{rescale} + tl.where(seen, tl.exp(x - m_new), 0.0)",
            "        m = m_new",
            "    m_row = tl.max(m, 0)",
            "    z_row = tl.sum(z * tl.exp(m - m_row), 0)",
            store)
        out = "out[M, N]" if result == "softmax" else "out[M]"
        return src, f"{{name}}[(M,)]({out}, {x_decl}, N, {stride}, BLOCK={block})"
    bugs = ("mask_le", "wrong_other", "wrong_neutral", "missing_last_tile", "dropped_rescale", "capped") + \
        (("ignored_stride",) if strided else ())
    return _Draft("online", bugs, render, ("out",), (("sx", "N"),) if strided else ())


def _tile2d(rng: random.Random) -> _Draft:
    flat = rng.random() < 0.5  # one grid axis, split by pid arithmetic, or two
    alpha = rng.random() < 0.3
    e = _with_input(rng, ["x", "b", "c"] + (["alpha"] if alpha else []), rng.randint(1, 3), "x")
    strided, (x_decl, stride) = _row_input(rng)
    bm, bn, cap = rng.choice([2, 4]), rng.choice([2, 4, 8]), rng.choice(CAPS)

    def render(bug):
        if flat:
            pids = ["    pid = tl.program_id(0)", "    num_n = tl.cdiv(N, BN)", "    pid_m = pid // num_n",
                    f"    pid_n = pid % {'tl.cdiv(M, BM)' if bug == 'pid_mapping' else 'num_n'}"]
            grid = "(cdiv(M, BM) * cdiv(N, BN),)"
        else:
            pids = [f"    pid_m = tl.program_id({1 if bug == 'pid_mapping' else 0})", "    pid_n = tl.program_id(1)"]
            grid = "(cdiv(M, BM), cdiv(N, BN))"
        mask = "rows < M" if bug == "partial_mask" else f"(rows < M) & ({_below('cols', 'N', bug, cap)})"
        src = _lines(
            f"def {{name}}(y_ptr, x_ptr, b_ptr, c_ptr, M, N, stride_x, {'alpha, ' if alpha else ''}"
            "BM: tl.constexpr, BN: tl.constexpr):",
            *pids,
            "    rows = pid_m * BM + tl.arange(0, BM)[:, None]",
            "    cols = pid_n * BN + tl.arange(0, BN)[None, :]",
            f"    mask = {mask}",
            f"    x = tl.load(x_ptr + rows * {'N' if bug == 'ignored_stride' else 'stride_x'} + cols, mask=mask)",
            "    b = tl.load(b_ptr + cols, mask=cols < N)",
            "    c = tl.load(c_ptr + rows, mask=rows < M)",
            f"    tl.store(y_ptr + rows * N + cols, {_apply(e, bug)}, mask=mask)")
        launch = (f"{{name}}[{grid}](y[M, N], {x_decl}, b[N], c[M], M, N, {stride}, {'alpha, ' if alpha else ''}"
                  f"BM={bm}, BN={bn})")
        return src, launch
    bugs = ("mask_le", "partial_mask", "pid_mapping", "capped") + (("ignored_stride",) if strided else ()) + \
        _term_bugs(e)
    return _Draft("tile2d", bugs, render, ("y",), (("sx", "N"),) if strided else ())


def _tile2d_reduce(rng: random.Random) -> _Draft:
    op = rng.choice(["sum", "max", "min"])
    f = _with_input(rng, ["x"], rng.choice([0, 1, 2]), "x")
    strided, (x_decl, stride) = _row_input(rng)
    bm, fixed = rng.choice([1, 2, 4]), rng.choice([4, 8])

    def render(bug):
        other = WRONG_NEUTRAL[op] if bug == "wrong_other" else "0.0"
        value = _apply(f, bug) if bug == "wrong_other" else f"tl.where(mask, {_apply(f, bug)}, {NEUTRAL[op]})"
        src = _lines(
            "def {name}(out_ptr, x_ptr, M, N, stride_x, BM: tl.constexpr, BN: tl.constexpr):",
            "    r = tl.program_id(0) * BM + tl.arange(0, BM)",
            "    rows = r[:, None]",
            "    cols = tl.arange(0, BN)[None, :]",
            f"    mask = (rows < M) & (cols {'<=' if bug == 'mask_le' else '<'} N)",
            f"    x = tl.load(x_ptr + rows * {'N' if bug == 'ignored_stride' else 'stride_x'} + cols, mask=mask, "
            f"other={other})",
            f"    tl.store(out_ptr + r, tl.{op}({value}, axis=1){'' if bug == 'unmasked_store' else ', mask=r < M'})")
        bn = fixed if bug == "small_fixed_block" else "next_power_of_2(N)"
        return src, f"{{name}}[(cdiv(M, BM),)](out[M], {x_decl}, M, N, {stride}, BM={bm}, BN={bn})"
    bugs = ("mask_le", "wrong_other", "small_fixed_block", "unmasked_store") + \
        (("ignored_stride",) if strided else ()) + (("dropped_term",) if f.args else ())
    return _Draft("tile2d_reduce", bugs, render, ("out",), (("sx", "N"),) if strided else ())


def _col_reduce(rng: random.Random) -> _Draft:
    """out[j] = op_i f(x[i, j]): tiles of columns, a loop over the rows (a pointer bumped by the stride)."""
    op = rng.choice(["sum", "max", "min"])
    f = _with_input(rng, ["x"], rng.choice([0, 1, 2]), "x")
    strided, (x_decl, stride) = _row_input(rng)
    bn, cap = rng.choice([2, 4, 8]), rng.choice(CAPS)
    bump = rng.random() < 0.5

    def render(bug):
        init = WRONG_NEUTRAL[op] if bug == "wrong_neutral" else NEUTRAL[op]
        step = "N" if bug == "ignored_stride" else "stride_x"
        load = "p" if bump else f"x_ptr + r * {step} + cols"
        src = _lines(
            "def {name}(out_ptr, x_ptr, M, N, stride_x, BN: tl.constexpr):",
            "    cols = tl.program_id(0) * BN + tl.arange(0, BN)",
            f"    mask = {_below('cols', 'N', bug, cap)}",
            f"    acc = tl.full([BN], {init}, tl.float32)",
            "    p = x_ptr + cols" if bump else None,
            f"    for r in range(0, {'M - 1' if bug == 'missing_last_tile' else 'M'}):",
            f"        x = tl.load({load}, mask=mask, other=0.0)",
            f"        acc = {COMBINE[op].format(a='acc', b=_apply(f, bug))}",
            f"        p += {step}" if bump else None,
            f"    tl.store(out_ptr + cols, acc{'' if bug == 'unmasked_store' else ', mask=mask'})")
        return src, f"{{name}}[(cdiv(N, BN),)](out[N], {x_decl}, M, N, {stride}, BN={bn})"
    bugs = ("mask_le", "wrong_neutral", "missing_last_tile", "unmasked_store", "capped") + \
        (("ignored_stride",) if strided else ()) + (("dropped_term",) if f.args else ())
    return _Draft("col_reduce", bugs, render, ("out",), (("sx", "N"),) if strided else ())


FAMILIES = {"elementwise": _elementwise, "row_single": _row_single, "row_loop": _row_loop, "online": _online,
            "tile2d": _tile2d, "tile2d_reduce": _tile2d_reduce, "col_reduce": _col_reduce}


def generate(seed: int, bug_rate: float = BUG_RATE, bug: str | None = None, family: str | None = None) -> GenKernel:
    """The kernel of `seed`. With `bug` given (and applicable) that class is injected; otherwise one
    applicable class is, with probability `bug_rate`."""
    rng = random.Random(seed)
    fam = family or rng.choice(sorted(FAMILIES))
    draft = FAMILIES[fam](rng)
    chooser = random.Random(seed * 7919 + 17)  # a second stream: the bug never changes the structure
    chosen = chooser.choice(draft.bugs) if chooser.random() < bug_rate else None
    if bug is not None:
        chosen = bug if bug in draft.bugs else None
    name = f"k{seed}"
    body, launch = draft.render(chosen)
    return GenKernel(seed, fam, chosen, HEADER + body.replace("{name}", name), launch.replace("{name}", name),
                     draft.outputs, draft.strides)


def applicable_bugs(seed: int, family: str | None = None) -> tuple[str, ...]:
    rng = random.Random(seed)
    return FAMILIES[family or rng.choice(sorted(FAMILIES))](rng).bugs


def kernels(bug_rate: float = BUG_RATE):
    """The grammar as a hypothesis strategy (hypothesis shrinks the seed, which is all there is)."""
    from hypothesis import strategies as st

    return st.integers(0, 2**31 - 1).map(lambda seed: generate(seed, bug_rate))
