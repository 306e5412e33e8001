"""Scale a vector by a float; the buggy version's mask lets the lane at index N through."""
import triton
import triton.language as tl


@triton.jit
def scale_buggy(y_ptr, x_ptr, N, alpha, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs <= N  # off by one: reads and writes element N
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(y_ptr + offs, alpha * x, mask=mask)


@triton.jit
def scale(y_ptr, x_ptr, N, alpha, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < N
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(y_ptr + offs, alpha * x, mask=mask)
