"""Exact GELU: y = 0.5 * x * (1 + erf(x / sqrt(2))), elementwise over n elements in masked tiles."""

import triton
import triton.language as tl

LAUNCH = "gelu_kernel[(cdiv(n, 4),)](y[n], x[n], n, BLOCK=4)"


@triton.jit
def gelu_kernel(y_ptr, x_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    y = 0.5 * x * (1 + tl.math.erf(x * 0.7071067811865476))
    tl.store(y_ptr + offsets, y, mask=mask)
