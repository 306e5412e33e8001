"""Tiled matrix multiply: c[i, j] = sum_k a[i, k] * b[k, j].

A 2-D grid of programs, each computing a BLOCK_M x BLOCK_N tile of c with a K-loop of tl.dot on
BLOCK_M x BLOCK_K and BLOCK_K x BLOCK_N tiles; all three dimensions are masked, so any M, N, K work.
"""

import triton
import triton.language as tl

LAUNCH = ("matmul_kernel[(cdiv(M, 4), cdiv(N, 4))](c[M, N], a[M, K], b[K, N], M, N, K, "
          "BLOCK_M=4, BLOCK_N=4, BLOCK_K=4)")


@triton.jit
def matmul_kernel(c_ptr, a_ptr, b_ptr, M, N, K,
                  BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    rows = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    acc = tl.zeros([BLOCK_M, BLOCK_N], dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        ks = k0 + tl.arange(0, BLOCK_K)
        a = tl.load(a_ptr + rows[:, None] * K + ks[None, :],
                    mask=(rows[:, None] < M) & (ks[None, :] < K), other=0.0)
        b = tl.load(b_ptr + ks[:, None] * N + cols[None, :],
                    mask=(ks[:, None] < K) & (cols[None, :] < N), other=0.0)
        acc += tl.dot(a, b)
    tl.store(c_ptr + rows[:, None] * N + cols[None, :], acc,
             mask=(rows[:, None] < M) & (cols[None, :] < N))
