"""Several rows per program, with a per-row side output (the row mean)."""
import triton
import triton.language as tl


@triton.jit
def center_rows_buggy(y_ptr, mean_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.arange(0, BLOCK_N)
    mask = (rows[:, None] < M) & (cols[None, :] < N)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :], mask=mask, other=0.0)
    mean = tl.sum(x, axis=1) / N
    tl.store(mean_ptr + rows, mean)  # no row mask: the last block writes past mean
    tl.store(y_ptr + rows[:, None] * N + cols[None, :], x - mean[:, None], mask=mask)


@triton.jit
def center_rows(y_ptr, mean_ptr, x_ptr, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.arange(0, BLOCK_N)
    mask = (rows[:, None] < M) & (cols[None, :] < N)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :], mask=mask, other=0.0)
    mean = tl.sum(x, axis=1) / N
    tl.store(mean_ptr + rows, mean, mask=rows < M)
    tl.store(y_ptr + rows[:, None] * N + cols[None, :], x - mean[:, None], mask=mask)
