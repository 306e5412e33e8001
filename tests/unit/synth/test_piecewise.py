"""The synthesiser on specifications built here, element by element (no kernel involved).

Each test builds the concrete term of every output element at a few training sizes, synthesises a
formula, then checks it *semantically* at held-out sizes: instantiated at a size it never saw, it
must give exactly the term the specification gives there.
"""

from __future__ import annotations

import pytest

from tritonlift.ir.term import Op, Term, access, apply, integer, real
from tritonlift.symexec import fold
from tritonlift.synth.generalize import GeneralizeFailure, Sample, Switches, generalize
from tritonlift.synth.reductions import recognise
from tritonlift.verify.instantiate import instantiate


def _x(name: str, *idx: int) -> Term:
    return access(name, tuple(integer(i) for i in idx))


def _samples(spec, sizes_list, shape_of) -> list[Sample]:
    out = []
    for sizes in sizes_list:
        for idx in shape_of(sizes):
            out.append(Sample(dict(sizes), idx, spec(sizes, idx)))
    return out


def _agrees(formula, spec, sizes_list, shape_of) -> None:
    for sizes in sizes_list:
        for idx in shape_of(sizes):
            got = recognise(instantiate(formula, sizes, idx))
            assert got is recognise(spec(sizes, idx)), (sizes, idx, formula.text())


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


# ---------------------------------------------------------------- partial last tile


def _tile_sum(sizes, idx):
    """v holds L values; program b sums the tile [b·W, b·W + W) clipped to L."""
    (b,), L, W = idx, sizes["L"], sizes["W"]
    return fold.add(*[_x("v", b * W + k) for k in range(min(W, L - b * W))])


def _tiles(sizes):
    return [(b,) for b in range(_cdiv(sizes["L"], sizes["W"]))]


TRAIN = [{"L": L, "W": W} for W in (2, 3, 4) for L in range(1, 10)]
HELD_OUT = [{"L": 13, "W": 5}, {"L": 20, "W": 4}, {"L": 7, "W": 7}]


def test_partial_last_tile_sum_gets_a_min_bound():
    f = generalize("acc", (apply(Op.CDIV, *map(_size, "LW")),), _samples(_tile_sum, TRAIN, _tiles), ("L", "W"))
    assert "min(" in f.text()
    _agrees(f, _tile_sum, HELD_OUT, _tiles)


def _size(name: str) -> Term:
    from tritonlift.ir.term import size

    return size(name)


def test_partial_tile_with_a_block_computed_from_a_size():
    """The tile width is a constexpr the launch computes (`W = next_power_of_2(B)`): the bound is
    written with that expression, so the formula is a function of the sizes alone."""
    block = apply(Op.NEXTPOW2, _size("B"))

    def spec(sizes, idx):
        w = 1 << (sizes["B"] - 1).bit_length() if sizes["B"] > 1 else 1
        return _tile_sum({"L": sizes["L"], "W": w}, idx)

    def tiles(sizes):
        w = 1 << (sizes["B"] - 1).bit_length() if sizes["B"] > 1 else 1
        return [(b,) for b in range(_cdiv(sizes["L"], w))]

    train = [{"L": L, "B": B} for B in (2, 3, 5) for L in range(1, 10)]
    f = generalize("acc", (apply(Op.CDIV, _size("L"), _size("W")),), _samples(spec, train, tiles), ("L", "B"),
                   derived={"W": block})
    assert "next_power_of_2(B)" in f.text() and "W" not in f.text()
    assert f.shape[0] is apply(Op.CDIV, _size("L"), block)
    _agrees(f, spec, [{"L": 19, "B": 6}, {"L": 8, "B": 8}], tiles)


def test_padded_lanes_become_a_guarded_reduction():
    """Masked-off lanes that contribute a constant (`other=0` under max) are kept in the formula."""
    def spec(sizes, idx):
        n, w = sizes["L"], 1 << (sizes["L"] - 1).bit_length() if sizes["L"] > 1 else 1
        lanes = [_x("v", k) for k in range(n)] + [real(0.0)] * (w - n)
        return fold.maximum(*lanes) if len(lanes) > 1 else lanes[0]

    def one(sizes):
        return [(0,)]

    train = [{"L": L} for L in range(1, 9)]
    f = generalize("top", (integer(1),), _samples(spec, train, one), ("L",),
                   derived={"W": apply(Op.NEXTPOW2, _size("L"))})
    assert "?" in f.text()  # the guard k < L
    _agrees(f, spec, [{"L": 11}, {"L": 16}, {"L": 17}], one)


# ---------------------------------------------------------------- case splits (ite)


def _halves(sizes, idx):
    """Rotate-half pattern over a row of 2·H: the first half pairs with the second, negated."""
    r, j = idx
    h = sizes["H"]
    if j < h:
        return apply(Op.ADD, apply(Op.MUL, _x("a", r, j), _x("u", j)),
                     apply(Op.MUL, _x("a", r, j + h), apply(Op.NEG, _x("w", j))))
    return apply(Op.ADD, apply(Op.MUL, _x("a", r, j), _x("u", j - h)),
                 apply(Op.MUL, _x("a", r, j - h), _x("w", j - h)))


def _rows(sizes):
    return [(r, j) for r in range(sizes["R"]) for j in range(2 * sizes["H"])]


def test_two_structures_become_an_ite_with_a_learned_condition():
    train = [{"R": R, "H": H} for R in (1, 2) for H in (1, 2, 3)]
    f = generalize("out", (_size("R"), apply(Op.MUL, integer(2), _size("H"))), _samples(_halves, train, _rows),
                   ("R", "H"))
    assert f.body.op is Op.WHERE and f.body.args[0].op is Op.LT
    _agrees(f, _halves, [{"R": 3, "H": 5}], _rows)


def test_parity_condition():
    def spec(sizes, idx):
        (i,) = idx
        return _x("p", i) if i % 2 == 0 else apply(Op.NEG, _x("q", i))

    def elems(sizes):
        return [(i,) for i in range(sizes["N"])]

    f = generalize("y", (_size("N"),), _samples(spec, [{"N": n} for n in (3, 4, 6)], elems), ("N",))
    cond = f.body.args[0]
    assert cond.op is Op.EQ and cond.args[0].op is Op.MOD
    _agrees(f, spec, [{"N": 11}], elems)


def test_without_topdown_there_is_no_case_split():
    train = [{"R": 1, "H": H} for H in (1, 2)]
    with pytest.raises(GeneralizeFailure, match="different structure"):
        generalize("out", (_size("R"), _size("H")), _samples(_halves, train, _rows), ("R", "H"),
                   switches=Switches(topdown=False))


def test_without_pruning_the_same_formula_is_found():
    samples = _samples(_tile_sum, TRAIN, _tiles)
    shape = (apply(Op.CDIV, _size("L"), _size("W")),)
    pruned = generalize("acc", shape, samples, ("L", "W"))
    plain = generalize("acc", shape, samples, ("L", "W"), switches=Switches(pruning=False))
    _agrees(plain, _tile_sum, HELD_OUT, _tiles)
    assert pruned.text() == plain.text()


def test_counts_kept_as_reals_are_fitted():
    """A count the kernel computed as a float (`2.0` for a row of two) becomes the size it is."""
    def spec(sizes, idx):
        n = sizes["N"]
        total = fold.add(*[_x("x", k) for k in range(n)]) if n > 1 else _x("x", 0)
        return apply(Op.DIV, total, real(float(n)))

    def one(sizes):
        return [(0,)]

    f = generalize("avg", (integer(1),), _samples(spec, [{"N": n} for n in range(2, 7)], one), ("N",))
    assert any(t.op is Op.TOREAL for t in _walk(f.body))


def _walk(t):
    from tritonlift.ir.term import walk

    return walk(t)


def test_no_fit_is_reported_not_guessed():
    def spec(sizes, idx):
        return _x("x", [0, 5, 1, 7, 2, 9, 3][idx[0]])  # no expression of i: a table lookup

    def elems(sizes):
        return [(i,) for i in range(sizes["N"])]

    with pytest.raises(GeneralizeFailure, match="not an affine function"):
        generalize("y", (_size("N"),), _samples(spec, [{"N": 7}], elems), ("N",))
