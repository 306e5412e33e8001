"""Kernels written for the synthesis tests (not used elsewhere): a first stage of a two-stage
reduction with a partial last tile, a half swap (a case split on the column), and mutants of both."""

import triton
import triton.language as tl

TILE_LAUNCH = "tile_total[(cdiv(L, W),)](part[cdiv(L, W)], v[L], L, W=4)"
SWAP_LAUNCH = "half_swap[(R,)](out[R, 2 * H], a[R, 2 * H], H, BLOCK=8)"


@triton.jit
def tile_total(part_ptr, v_ptr, L, W: tl.constexpr):
    t = tl.program_id(0)
    offs = t * W + tl.arange(0, W)
    vals = tl.load(v_ptr + offs, mask=offs < L, other=0.0)
    tl.store(part_ptr + t, tl.sum(vals, axis=0))


@triton.jit
def tile_total_wrong_other(part_ptr, v_ptr, L, W: tl.constexpr):
    t = tl.program_id(0)
    offs = t * W + tl.arange(0, W)
    vals = tl.load(v_ptr + offs, mask=offs < L, other=1.0)  # padding counts as 1 in the sum
    tl.store(part_ptr + t, tl.sum(vals, axis=0))


@triton.jit
def half_swap(out_ptr, a_ptr, H, BLOCK: tl.constexpr):
    r = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    first = cols < H
    partner = tl.where(first, cols + H, cols - H)
    live = cols < 2 * H
    x = tl.load(a_ptr + r * 2 * H + cols, mask=live, other=0.0)
    y = tl.load(a_ptr + r * 2 * H + partner, mask=live, other=0.0)
    tl.store(out_ptr + r * 2 * H + cols, tl.where(first, x - y, x + 2.0 * y), mask=live)


@triton.jit
def half_swap_wrong_partner(out_ptr, a_ptr, H, BLOCK: tl.constexpr):
    r = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    first = cols <= H  # the middle column is taken as part of the first half
    partner = tl.where(first, cols + H, cols - H)
    live = cols < 2 * H
    x = tl.load(a_ptr + r * 2 * H + cols, mask=live, other=0.0)
    y = tl.load(a_ptr + r * 2 * H + partner, mask=live & (partner < 2 * H), other=0.0)
    tl.store(out_ptr + r * 2 * H + cols, tl.where(first, x - y, x + 2.0 * y), mask=live)
