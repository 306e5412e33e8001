"""out = x + alpha * y, elementwise over a 1-D tensor of n elements, in masked tiles of BLOCK."""

import triton
import triton.language as tl

LAUNCH = "add_kernel[(cdiv(n, 4),)](out[n], x[n], y[n], alpha, n, BLOCK=4)"


@triton.jit
def add_kernel(out_ptr, x_ptr, y_ptr, alpha, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    y = tl.load(y_ptr + offsets, mask=mask)
    tl.store(out_ptr + offsets, x + alpha * y, mask=mask)
