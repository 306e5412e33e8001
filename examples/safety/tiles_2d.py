"""2-D tiles over an [M, N] matrix: each program scales its tile by the tile's own maximum magnitude
plus one. The buggy version steps its column tiles by BLOCK_N - 1, so neighbouring programs overlap
on a boundary column and write it with different values."""
import triton
import triton.language as tl


@triton.jit
def tile_partial_sums_buggy(part_ptr, x_ptr, M, N, BLOCK_N: tl.constexpr):
    # part[i, b] = sum of row i over column tile b; the bug drops the tile index from the store
    row = tl.program_id(0)
    tile = tl.program_id(1)
    cols = tile * BLOCK_N + tl.arange(0, BLOCK_N)
    x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
    tl.store(part_ptr + row * tl.num_programs(1), tl.sum(x, axis=0))


@triton.jit
def copy_tiles_overlapping(y_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.program_id(1) * (BLOCK_N - 1) + tl.arange(0, BLOCK_N)  # tiles overlap by one column
    mask = (rows[:, None] < M) & (cols[None, :] < N)
    offs = rows[:, None] * N + cols[None, :]
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tile_max = tl.max(tl.abs(x), axis=1)
    tl.store(y_ptr + offs, x / (tile_max[:, None] + 1.0), mask=mask)


@triton.jit
def copy_tiles(y_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask = (rows[:, None] < M) & (cols[None, :] < N)
    offs = rows[:, None] * N + cols[None, :]
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(y_ptr + offs, 2.0 * x, mask=mask)
