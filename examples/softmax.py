"""Row softmax: y[i, j] = exp(x[i, j] - max_k x[i, k]) / sum_k exp(x[i, k] - max_k x[i, k]).

One program per row of a contiguous [M, N] tensor; the row fits in one tile of BLOCK_SIZE lanes.
"""

import triton
import triton.language as tl

LAUNCH = "softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK_SIZE=next_power_of_2(N))"


@triton.jit
def softmax_kernel(y_ptr, x_ptr, N, BLOCK_SIZE: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    x = tl.load(x_ptr + row * N + cols, mask=mask, other=-float("inf"))
    numerator = tl.exp(x - tl.max(x, axis=0))
    y = numerator / tl.sum(numerator, axis=0)
    tl.store(y_ptr + row * N + cols, y, mask=mask)
