"""Row softmax in two passes over tiles (online normalizer): y[i, j] = exp(x[i, j]) / sum_k exp(x[i, k]),
computed stably.

Pass 1 keeps, per lane, the running maximum m and the sum z of exp(x - m), rescaling z whenever m
grows; the lanes are then combined into the row maximum and the row sum. Pass 2 writes the output.
One program per row of a contiguous [M, N] tensor, tiles of BLOCK columns.
"""

import triton
import triton.language as tl

LAUNCH = "online_softmax_kernel[(M,)](y[M, N], x[M, N], N, BLOCK=4)"


@triton.jit
def online_softmax_kernel(y_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    x_row = x_ptr + row * N
    y_row = y_ptr + row * N
    m = tl.full([BLOCK], -float("inf"), dtype=tl.float32)
    z = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        x = tl.load(x_row + cols, mask=cols < N, other=-float("inf"))
        m_new = tl.maximum(m, x)
        # a lane that has seen only masked columns keeps m_new = -inf: exp(-inf - -inf) would be NaN
        seen = m_new > -float("inf")
        rescale = tl.where(seen, tl.exp(m - m_new), 0.0)
        fresh = tl.where(seen, tl.exp(x - m_new), 0.0)
        z = z * rescale + fresh
        m = m_new
    m_row = tl.max(m, 0)
    z_row = tl.sum(z * tl.exp(m - m_row), 0)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        mask = cols < N
        x = tl.load(x_row + cols, mask=mask)
        tl.store(y_row + cols, tl.exp(x - m_row) / z_row, mask=mask)
