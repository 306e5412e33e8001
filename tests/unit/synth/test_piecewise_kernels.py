"""Piecewise synthesis end to end on kernels written here: formulas found, checked by the verifier
at every size of the plan, and mutants not verified."""

from __future__ import annotations

from pathlib import Path

from tritonlift.ir.term import Op, walk
from tritonlift.pipeline import Options, lift
from tritonlift.result import Status

HERE = Path(__file__).parent / "piecewise_kernels.py"
from .piecewise_kernels import SWAP_LAUNCH, TILE_LAUNCH

FAST = Options(oracle=False, sizes={"L": tuple(range(1, 11))}, simplify=False)


def _lift(name: str, launch: str, options: Options):
    return lift(f"{HERE}::{name}", launch.replace(launch.split("[", 1)[0], name, 1), options)


def test_partial_last_tile_is_a_min_bound():
    r = _lift("tile_total", TILE_LAUNCH, FAST)
    assert r.status >= Status.BOUNDED, r.reason
    (f,) = r.formulas
    assert any(t.op is Op.MIN for t in walk(f.body)), f.text()


def test_wrong_padding_is_not_verified():
    """Padding 1.0 is summed in the last tile: whatever is found must not be the true tile sum."""
    good = _lift("tile_total", TILE_LAUNCH, FAST).formulas[0].text()
    r = _lift("tile_total_wrong_other", TILE_LAUNCH, FAST)
    assert r.status is not Status.VERIFIED
    assert all(f.text().split(" = ", 1)[1] != good.split(" = ", 1)[1] for f in r.formulas)


def test_half_swap_is_a_case_split():
    r = _lift("half_swap", SWAP_LAUNCH, Options(oracle=False, sizes={"R": (1, 2), "H": (1, 2, 3, 4)},
                                                 simplify=False))
    assert r.status >= Status.BOUNDED, r.reason
    (f,) = r.formulas
    assert f.body.op is Op.WHERE, f.text()


def test_half_swap_mutant_is_not_verified():
    r = _lift("half_swap_wrong_partner", SWAP_LAUNCH, Options(oracle=False, sizes={"R": (1, 2), "H": (1, 2, 3, 4)},
                                                              simplify=False))
    assert r.status is not Status.VERIFIED
    if r.formulas:  # whatever was found describes the mutant, not the original
        assert r.formulas[0].text() != _lift("half_swap", SWAP_LAUNCH, Options(
            oracle=False, sizes={"R": (1, 2), "H": (1, 2, 3, 4)}, simplify=False)).formulas[0].text()
