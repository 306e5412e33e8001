"""Pick one element per row by a class index, where -100 marks a row to ignore (as in losses)."""
import triton
import triton.language as tl


@triton.jit
def pick_buggy(y_ptr, x_ptr, t_ptr, C):
    row = tl.program_id(0)
    t = tl.load(t_ptr + row)
    v = tl.load(x_ptr + row * C + t)  # for t = -100 this reads 100 elements before the row
    tl.store(y_ptr + row, tl.where(t == -100, 0.0, v))


@triton.jit
def pick(y_ptr, x_ptr, t_ptr, C):
    row = tl.program_id(0)
    t = tl.load(t_ptr + row)
    v = tl.load(x_ptr + row * C + t, mask=t != -100, other=0.0)
    tl.store(y_ptr + row, v)
