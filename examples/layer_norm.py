"""Layer norm of each row: y[i, j] = (x[i, j] - mean_i) * rstd_i * w[j] + b[j], where
mean_i = sum_k x[i, k] / N and rstd_i = 1 / sqrt(sum_k (x[i, k] - mean_i)^2 / N + eps).

Also stores mean[i] and rstd[i]. One program per row of a contiguous [M, N] tensor, three passes
over tiles of BLOCK columns (mean, variance, output).
"""

import triton
import triton.language as tl

LAUNCH = ("layer_norm_kernel[(M,)](y[M, N], mean[M], rstd[M], x[M, N], w[N], b[N], N, eps, "
          "BLOCK=4)")


@triton.jit
def layer_norm_kernel(y_ptr, mean_ptr, rstd_ptr, x_ptr, w_ptr, b_ptr, N, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    x_row = x_ptr + row * N
    y_row = y_ptr + row * N

    total = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        total += tl.load(x_row + cols, mask=cols < N, other=0.0)
    mean = tl.sum(total, axis=0) / N

    squares = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_row + cols, mask=mask, other=0.0)
        centered = tl.where(mask, x - mean, 0.0)
        squares += centered * centered
    var = tl.sum(squares, axis=0) / N
    rstd = 1 / tl.sqrt(var + eps)
    tl.store(mean_ptr + row, mean)
    tl.store(rstd_ptr + row, rstd)

    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_row + cols, mask=mask, other=0.0)
        w = tl.load(w_ptr + cols, mask=mask)
        b = tl.load(b_ptr + cols, mask=mask)
        tl.store(y_row + cols, (x - mean) * rstd * w + b, mask=mask)
