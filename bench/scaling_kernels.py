"""Kernels for the controlled scaling experiment (bench/scaling.py), written for it.

Two families, each lifted with a growing tile and with 1, 2, 4 and 8 autotune configurations:

* `row_sum_tiles`: out[i] = Σ_j x[i, j] — BLOCK_M rows per program, a loop over the columns in
  steps of BLOCK_N, a lane-wise accumulator reduced at the end (a loop: needs an invariant);
* `scale_shift_tiles`: y[i, j] = x[i, j] · w[j] + b[j] — one BLOCK_M × BLOCK_N tile per program
  on a 2-D grid (loop-free).

The `_c<k>` kernels run the same body under the first k configurations of CONFIGS. Every
configuration has a small tile (at most 32 lanes) and the first is the same for all k, so the
sizes checked are the same and only the number of configurations grows.
"""

import triton
import triton.language as tl

TILES = [(1, 4), (2, 4), (1, 8), (2, 8), (4, 4), (4, 8), (1, 16), (2, 16)]  # (BLOCK_M, BLOCK_N)
CONFIGS = [triton.Config({"BLOCK_M": m, "BLOCK_N": n}, num_warps=1) for m, n in TILES]


@triton.jit
def row_sum_tiles(out_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    acc = tl.zeros([BLOCK_M, BLOCK_N], dtype=tl.float32)
    for start in range(0, N, BLOCK_N):
        cols = start + tl.arange(0, BLOCK_N)
        mask = (rows[:, None] < M) & (cols[None, :] < N)
        acc += tl.load(x_ptr + rows[:, None] * N + cols[None, :], mask=mask, other=0.0)
    tl.store(out_ptr + rows, tl.sum(acc, axis=1), mask=rows < M)


@triton.jit
def scale_shift_tiles(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    mask = (rows[:, None] < M) & (cols[None, :] < N)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :], mask=mask, other=0.0)
    w = tl.load(w_ptr + cols, mask=cols < N, other=0.0)
    b = tl.load(b_ptr + cols, mask=cols < N, other=0.0)
    tl.store(y_ptr + rows[:, None] * N + cols[None, :], x * w[None, :] + b[None, :], mask=mask)


@triton.autotune(configs=CONFIGS[:1], key=["M", "N"])
@triton.jit
def row_sum_c1(out_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    row_sum_tiles(out_ptr, x_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:2], key=["M", "N"])
@triton.jit
def row_sum_c2(out_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    row_sum_tiles(out_ptr, x_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:4], key=["M", "N"])
@triton.jit
def row_sum_c4(out_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    row_sum_tiles(out_ptr, x_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:8], key=["M", "N"])
@triton.jit
def row_sum_c8(out_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    row_sum_tiles(out_ptr, x_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:1], key=["M", "N"])
@triton.jit
def scale_shift_c1(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    scale_shift_tiles(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:2], key=["M", "N"])
@triton.jit
def scale_shift_c2(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    scale_shift_tiles(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:4], key=["M", "N"])
@triton.jit
def scale_shift_c4(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    scale_shift_tiles(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M, BLOCK_N)


@triton.autotune(configs=CONFIGS[:8], key=["M", "N"])
@triton.jit
def scale_shift_c8(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    scale_shift_tiles(y_ptr, x_ptr, w_ptr, b_ptr, M, N, BLOCK_M, BLOCK_N)
