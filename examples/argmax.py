"""Row argmax with Triton's tie rule: idx[i] = the first k with x[i, k] = max_k x[i, k], and that maximum.
One program per row of a contiguous [M, N] tensor; tiles of BLOCK columns, each reduced with
`tl.max(..., return_indices=True)` and merged into a running (maximum, index) pair that only a strictly
larger tile maximum replaces, so the first of equal maxima wins across tiles as it does within one."""

import triton
import triton.language as tl

LAUNCH = "argmax_kernel[(M,)](best[M], idx[M]:i64, x[M, N], N, BLOCK=4)"


@triton.jit
def argmax_kernel(best_ptr, idx_ptr, x_ptr, N, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    best = tl.full([], float("-inf"), tl.float32)
    idx = tl.full([], 0, tl.int64)
    for start in range(0, N, BLOCK):
        cols = start + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + row * N + cols, mask=cols < N, other=float("-inf"))
        tile_max, tile_idx = tl.max(x, axis=0, return_indices=True)
        larger = tile_max > best
        best = tl.where(larger, tile_max, best)
        idx = tl.where(larger, start + tile_idx, idx)
    tl.store(best_ptr + row, best)
    tl.store(idx_ptr + row, idx)
