"""Operators with deliberate bugs, for `tritonlift check` (the bug-finding mode).

`softmax` ignores its input's strides: it indexes `x` as if it were a contiguous row-major
[M, N] tensor, so it is right for contiguous inputs and wrong for a transposed one.
"""

import torch
import triton
import triton.language as tl


@triton.jit
def softmax_rowmajor_kernel(y_ptr, x_ptr, N, BLOCK_SIZE: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    x = tl.load(x_ptr + row * N + cols, mask=mask, other=-float("inf"))  # the bug: assumes stride (N, 1)
    numerator = tl.exp(x - tl.max(x, axis=0))
    tl.store(y_ptr + row * N + cols, numerator / tl.sum(numerator, axis=0), mask=mask)


def softmax(x, dim=-1):
    M, N = x.shape
    y = torch.empty((M, N), dtype=x.dtype)
    softmax_rowmajor_kernel[(M,)](y, x, N, BLOCK_SIZE=triton.next_power_of_2(N))
    return y
