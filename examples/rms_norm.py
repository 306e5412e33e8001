"""RMS norm of each row: y[i, j] = x[i, j] / sqrt(mean_k x[i, k]^2 + eps) * w[j].

One program per row of a contiguous [M, N] tensor; the row fits in one tile of BLOCK_SIZE lanes.
"""

import triton
import triton.language as tl

LAUNCH = "rms_norm_kernel[(M,)](y[M, N], x[M, N], w[N], N, eps, BLOCK_SIZE=next_power_of_2(N))"


@triton.jit
def rms_norm_kernel(y_ptr, x_ptr, w_ptr, N, eps, BLOCK_SIZE: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    x = tl.load(x_ptr + row * N + cols, mask=mask, other=0.0)
    w = tl.load(w_ptr + cols, mask=mask, other=0.0)
    mean_square = tl.sum(x * x, axis=0) / N
    y = x / tl.sqrt(mean_square + eps) * w
    tl.store(y_ptr + row * N + cols, y, mask=mask)
