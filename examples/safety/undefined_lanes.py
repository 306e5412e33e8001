"""A row sum whose masked load has no other=: the masked-off lanes hold unspecified values on a GPU."""
import triton
import triton.language as tl


@triton.jit
def row_sum_buggy(y_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + row * N + cols, mask=cols < N)  # no other=: the padding lanes are garbage
    tl.store(y_ptr + row, tl.sum(x, axis=0))


@triton.jit
def row_sum(y_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=0.0)
    tl.store(y_ptr + row, tl.sum(x, axis=0))


@triton.jit
def copy_rows(y_ptr, x_ptr, N, BLOCK: tl.constexpr):
    # no other= either, but the masked-off lanes are never stored: safe
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + row * N + cols, mask=cols < N)
    tl.store(y_ptr + row * N + cols, x, mask=cols < N)
