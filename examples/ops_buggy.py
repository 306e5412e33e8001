"""Operators with deliberate bugs, for `tritonlift check` (the bug-finding mode).

`softmax` ignores its input's strides: it indexes `x` as if it were a contiguous row-major
[M, N] tensor, so it is right for contiguous inputs and wrong for a transposed one. `layer_norm_backward` assumes
a 2-D input.
"""

import os
import sys

import torch
import triton
import triton.language as tl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the example operators beside this file

import ops as _ops  # noqa: E402


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


def layer_norm_backward(dy, x, w, eps=1e-5):
    """Like examples/ops.py::layer_norm_backward, but the host code assumes a 2-D input: it
    launches one program per x.shape[0] and steps rows by x.stride(0). Right for [M, N]; for
    [B, T, N] only the first row of each batch is computed, the rest of dx is never written."""
    M, N = x.shape[0], x.shape[-1]
    dx = torch.empty_like(x)
    _ops.layer_norm_backward_kernel[(M,)](dx, dy, x, w, N, x.stride(0), eps, BLOCK=triton.next_power_of_2(N))
    return dx
