"""Row sums: out[i] = sum_j x[i, j], one program per row of a contiguous [M, N] tensor, accumulating
tiles of BLOCK columns lane-wise and reducing the lanes at the end."""

import triton
import triton.language as tl

LAUNCH = "row_sum_kernel[(M,)](out[M], x[M, N], N, BLOCK=4)"


@triton.jit
def row_sum_kernel(out_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, N, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
    tl.store(out_ptr + row, tl.sum(acc, axis=0))
