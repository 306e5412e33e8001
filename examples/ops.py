"""Operators: host functions that launch the example kernels the way a library would (picking
block sizes, grids and strides, allocating outputs and intermediate buffers).

`tritonlift lift examples/ops.py::softmax --inputs "x=f32[M, N]"` captures their launches and
lifts the operator as a whole; `tritonlift check … --against "torch.softmax(x, dim=-1)"` proves it.
"""

import os
import sys

import torch
import triton
import triton.language as tl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the example kernels beside this file

import gelu as _gelu  # noqa: E402
import layer_norm as _layer_norm  # noqa: E402
import matmul as _matmul  # noqa: E402
import rms_norm as _rms_norm  # noqa: E402
import row_sum as _row_sum  # noqa: E402


@triton.jit
def softmax_strided_kernel(y_ptr, x_ptr, N, stride_xm, stride_xn, stride_ym, stride_yn, BLOCK_SIZE: tl.constexpr):
    """Row softmax of a strided [M, N] view: every address goes through the strides."""
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    x = tl.load(x_ptr + row * stride_xm + cols * stride_xn, mask=mask, other=-float("inf"))
    numerator = tl.exp(x - tl.max(x, axis=0))
    tl.store(y_ptr + row * stride_ym + cols * stride_yn, numerator / tl.sum(numerator, axis=0), mask=mask)


def softmax(x, dim=-1):
    """Softmax over the last dimension of a 2-D tensor of any layout."""
    assert x.dim() == 2 and dim in (-1, 1)
    M, N = x.shape
    y = torch.empty((M, N), dtype=x.dtype, device=x.device)
    softmax_strided_kernel[(M,)](y, x, N, x.stride(0), x.stride(1), y.stride(0), y.stride(1),
                                 BLOCK_SIZE=triton.next_power_of_2(N))
    return y


def rms_norm(x, w, eps=1e-6):
    x = x.contiguous()
    M, N = x.shape
    y = torch.empty_like(x)
    _rms_norm.rms_norm_kernel[(M,)](y, x, w, N, eps, BLOCK_SIZE=triton.next_power_of_2(N))
    return y


def layer_norm(x, w, b, eps=1e-5):
    x = x.contiguous()
    M, N = x.shape
    y = torch.empty_like(x)
    mean = torch.empty(M, dtype=torch.float32)
    rstd = torch.empty(M, dtype=torch.float32)
    block = min(64, triton.next_power_of_2(N))
    _layer_norm.layer_norm_kernel[(M,)](y, mean, rstd, x, w, b, N, eps, BLOCK=block)
    return y


def gelu(x):
    n = x.numel()
    y = torch.empty_like(x)
    block = 4 if n < 64 else 16  # a host dispatch: two block sizes, one formula
    _gelu.gelu_kernel[(triton.cdiv(n, block),)](y, x, n, BLOCK=block)
    return y


def matmul(a, b):
    M, K = a.shape
    _, N = b.shape
    c = torch.empty((M, N), dtype=a.dtype)
    grid = lambda meta: (triton.cdiv(M, meta["BLOCK_M"]), triton.cdiv(N, meta["BLOCK_N"]))  # noqa: E731
    _matmul.matmul_kernel[grid](c, a, b, M, N, K, BLOCK_M=4, BLOCK_N=4, BLOCK_K=4)
    return c


def row_sum(x):
    M, N = x.shape
    out = torch.empty(M, dtype=x.dtype)
    _row_sum.row_sum_kernel[(M,)](out, x, N, BLOCK=8)
    return out


def total_sum(x):
    """Two stages through an intermediate buffer: row sums into `mid`, then the sum of `mid`."""
    M, N = x.shape
    mid = torch.empty(M, dtype=x.dtype)
    _row_sum.row_sum_kernel[(M,)](mid, x, N, BLOCK=8)
    out = torch.empty(1, dtype=x.dtype)
    _row_sum.row_sum_kernel[(1,)](out, mid, M, BLOCK=8)
    return out[0]


class _Elementwise:
    """A decorator in the style of libraries that generate elementwise kernels (FlagGems'
    `pointwise_dynamic`): it keeps the scalar jit function as an attribute, and the kernel reads it
    from there through a module-level name that only a run of the host code can resolve."""

    def __init__(self, fn):
        self._scalar_fn = fn


@_Elementwise
@triton.jit
def squared_relu(x):
    r = tl.maximum(x, 0.0)
    return r * r


inlined_f = squared_relu._scalar_fn


@triton.jit
def elementwise_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    tl.store(y_ptr + offsets, inlined_f(tl.load(x_ptr + offsets, mask=mask)), mask=mask)


def squared_relu_op(x):
    x = x.contiguous()
    y = torch.empty_like(x)
    n = x.numel()
    block = min(64, triton.next_power_of_2(n))
    elementwise_kernel[(triton.cdiv(n, block),)](y, x, n, BLOCK=block)
    return y


def last_dim_sum(x):
    """Sum over the last dimension of a tensor of any rank: rows of the flattened (reshaped) view."""
    N = x.shape[-1]
    rows = x.reshape(-1, N)  # a view of x when x is contiguous
    out = torch.empty(x.shape[:-1], dtype=x.dtype)
    _row_sum.row_sum_kernel[(rows.shape[0],)](out.view(-1), rows, N, BLOCK=8)
    return out


@triton.jit
def layer_norm_backward_kernel(dx_ptr, dy_ptr, x_ptr, w_ptr, N, row_stride, eps, BLOCK: tl.constexpr):
    """dx of y = w · (x − mean) · rstd for one row (mean and rstd recomputed from x)."""
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < N
    x = tl.load(x_ptr + row * row_stride + cols, mask=mask, other=0.0)
    dy = tl.load(dy_ptr + row * row_stride + cols, mask=mask, other=0.0)
    w = tl.load(w_ptr + cols, mask=mask, other=0.0)
    mean = tl.sum(x, axis=0) / N
    xc = tl.where(mask, x - mean, 0.0)
    rstd = tl.rsqrt(tl.sum(xc * xc, axis=0) / N + eps)
    xhat = xc * rstd
    wdy = w * dy
    c1 = tl.sum(xhat * wdy, axis=0) / N
    c2 = tl.sum(wdy, axis=0) / N
    tl.store(dx_ptr + row * row_stride + cols, (wdy - (xhat * c1 + c2)) * rstd, mask=mask)


def layer_norm_backward(dy, x, w, eps=1e-5):
    """The input gradient of layer_norm over the last dimension, for inputs of any rank."""
    N = x.shape[-1]
    rows, dys = x.reshape(-1, N), dy.reshape(-1, N)
    dx = torch.empty_like(x)
    layer_norm_backward_kernel[(rows.shape[0],)](dx.view(-1, N), dys, rows, w, N, rows.stride(0), eps,
                                                 BLOCK=triton.next_power_of_2(N))
    return dx
