"""The pigeonhole proof that program ids enumerate tiles (verify/tiles.py), on hand-built tile maps."""

from types import SimpleNamespace

from tritonlift.ir.term import Op, apply, index, integer, size
from tritonlift.symexec.lanes import LANES
from tritonlift.verify.tiles import Tiling, prove_onto, split_tiles

PID = index("pid0")
M, N = size("M"), size("N")
GM, GN = apply(Op.CDIV, M, integer(4)), apply(Op.CDIV, N, integer(8))


def run_on(grid):
    hyps = [apply(Op.GE, M, integer(1)), apply(Op.GE, N, integer(1)),
            apply(Op.GE, PID, integer(0)), apply(Op.LT, PID, grid)]
    return SimpleNamespace(hypotheses=hyps, pids=(PID, integer(0), integer(0)), grid=(grid, integer(1), integer(1)),
                           ranges={})


def tiling(t_m, t_n):
    index_ = (apply(Op.ADD, apply(Op.MUL, integer(4), t_m), LANES[0]),
              apply(Op.ADD, apply(Op.MUL, integer(8), t_n), LANES[1]))
    return split_tiles(index_, (PID, integer(0), integer(0)), (M, N))


def test_split_names_the_program_id_part_of_each_dimension():
    t = tiling(apply(Op.FLOORDIV, PID, GN), apply(Op.MOD, PID, GN))
    assert isinstance(t, Tiling) and len(t.tiles) == 2
    assert t.maps == (apply(Op.FLOORDIV, PID, GN), apply(Op.MOD, PID, GN))
    assert [str(c) for c in t.counts] == [str(apply(Op.CDIV, M, integer(4))), str(apply(Op.CDIV, N, integer(8)))]


def test_a_map_mixing_program_ids_and_lanes_is_not_split():
    mixed = (apply(Op.ADD, apply(Op.MUL, integer(4), apply(Op.FLOORDIV, apply(Op.ADD, PID, LANES[0]), GN))),)
    assert split_tiles(mixed, (PID,), (M,)) is None


def test_row_major_tiles_are_onto():
    check = prove_onto(run_on(apply(Op.MUL, GM, GN)), tiling(apply(Op.FLOORDIV, PID, GN), apply(Op.MOD, PID, GN)))
    assert check.result == "proved", check.detail


def test_a_grid_one_short_is_not_onto():
    short = apply(Op.SUB, apply(Op.MUL, GM, GN), integer(1))
    check = prove_onto(run_on(short), tiling(apply(Op.FLOORDIV, PID, GN), apply(Op.MOD, PID, GN)))
    assert check.result == "unknown" and "as many programs" in check.detail


def test_two_programs_on_one_tile_are_not_onto():
    halved = apply(Op.FLOORDIV, apply(Op.MOD, PID, GN), integer(2))  # columns 2c and 2c+1 share a tile
    check = prove_onto(run_on(apply(Op.MUL, GM, GN)), tiling(apply(Op.FLOORDIV, PID, GN), halved))
    assert check.result == "unknown" and "different tiles" in check.detail


def test_a_map_leaving_the_tiles_is_not_onto():
    wrong = apply(Op.MOD, PID, apply(Op.ADD, GN, integer(1)))  # a column past the last tile
    check = prove_onto(run_on(apply(Op.MUL, GM, GN)), tiling(apply(Op.FLOORDIV, PID, GN), wrong))
    assert check.result == "unknown" and "into the tiles" in check.detail


def test_program_ids_constrained_beyond_the_grid_are_not_counted():
    run = run_on(apply(Op.MUL, GM, GN))
    run.hypotheses.append(apply(Op.LT, PID, integer(5)))  # |A| would no longer be Π grid
    check = prove_onto(run, tiling(apply(Op.FLOORDIV, PID, GN), apply(Op.MOD, PID, GN)))
    assert check.result == "unknown"
