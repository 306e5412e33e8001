"""The benchmark's targets, as data: what is lifted, under which launch, with which options.

Every FlagGems launch below was worked out by hand from the kernel's signature and its host wrapper
in the same file of FlagGems v2.1 (`<corpus>/src/flag_gems/<file>`); the corpus is read in place,
never copied. Where the host computes something the launch grammar cannot state, the target's
`note` says what was written instead. Constexprs supplied by `@triton.autotune` /
`@triton.heuristics` are left out, so tritonlift takes them from the decorators.

Conventions used in the launches:

* two-stage full reductions (`*_kernel_1` → `*_kernel_2`): the host's stage-1 block is
  `next_power_of_2(ceil(sqrt(numel)))`, which the grammar cannot write (no `sqrt`); the launch uses
  `BLOCK_SIZE = next_power_of_2(B)` for a free size `B`, i.e. *every* power-of-two block, which
  includes the host's. Stage 2 reads a `mid` buffer of `S` partial results with
  `BLOCK_MID = next_power_of_2(S)`, as the host does. The host's 0-d output is written `out[1]`.
* *dim* reductions with `dim_compress` see a contiguous `[M, N]` input (reduced dims last); the MNK
  kernels (max/min/prod/argmax/log_softmax with one `dim`) see a contiguous `[M, N, K]` input.
* `Options` overrides: `config=i` checks one autotune configuration (kernels with many configs or
  huge tiles), `sizes={...}` replaces the size plan for the names given (kernels with many sizes).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

GROUPS = ("pointwise", "reductions", "normalisation", "BLAS", "fused", "examples")


@dataclass(frozen=True)
class Target:
    id: str  # unique, shown in the table
    group: str  # one of GROUPS
    file: str  # relative to <corpus>/src/flag_gems/ (FlagGems) or to the repository (examples)
    kernel: str  # the jit function's name in `file`
    launch: str | None  # launch description; None for a @pointwise_dynamic scalar function
    options: dict = field(default_factory=dict)  # overrides of tritonlift.pipeline.Options
    note: str = ""  # how the launch departs from the host wrapper, if it does
    source: str = "flaggems"  # "flaggems" or "example"


# ---------------------------------------------------------------- pointwise (@pointwise_dynamic)

# (file, scalar functions) -- the 42 straight-line scalar functions of the Tier-1 operators
_SCALAR = {
    "pointwise": [
        ("ops/abs.py", ["abs_func"]),
        ("ops/exp.py", ["exp_func"]),
        ("ops/neg.py", ["neg_func"]),
        ("ops/reciprocal.py", ["reciprocal_func"]),
        ("ops/rsqrt.py", ["rsqrt_func"]),
        ("ops/sin.py", ["sin_func"]),
        ("ops/cos.py", ["cos_func"]),
        ("ops/erf.py", ["erf_func"]),
        ("ops/relu.py", ["relu_forward"]),
        ("ops/gelu.py", ["gelu_none", "gelu_tanh"]),
        ("ops/silu.py", ["silu_forward"]),
        ("ops/sigmoid.py", ["sigmoid_forward"]),
        ("ops/tanh.py", ["tanh_forward"]),
        ("ops/add.py", ["add_func", "add_func_tensor_scalar", "add_func_scalar_tensor"]),
        ("ops/sub.py", ["sub_func", "sub_func_tensor_scalar", "sub_func_scalar_tensor"]),
        ("ops/mul.py", ["mul_func", "mul_func_scalar"]),
        ("ops/div.py", ["true_div_func", "true_div_func_tensor_scalar", "true_div_func_scalar_tensor"]),
        ("ops/pow.py", ["pow_func", "pow_func_tensor_scalar", "pow_func_scalar_tensor"]),
        ("ops/maximum.py", ["maximum_kernel"]),
        ("ops/minimum.py", ["minimum_kernel"]),
        ("ops/clamp.py", ["clamp_func", "clamp_func_min", "clamp_func_max",
                          "clamp_func_tensor", "clamp_func_min_tensor", "clamp_func_max_tensor"]),
        ("ops/where.py", ["where_self_func", "where_scalar_self_func", "where_scalar_other_func"]),
    ],
    "fused": [
        ("fused/gelu_and_mul.py", ["gelu_none_and_mul_kernel", "gelu_tanh_and_mul_kernel"]),
        ("fused/silu_and_mul.py", ["silu_and_mul_kernel"]),
    ],
}

SCALAR_NOTE = "scalar function only; pointwise_dynamic's generated kernel is not analysed"


def _scalar_targets() -> list[Target]:
    return [Target(name, group, file, name, None, note=SCALAR_NOTE)
            for group, files in _SCALAR.items() for file, names in files for name in names]


# ---------------------------------------------------------------- hand-written kernels

_STAGE1_NOTE = ("host block next_power_of_2(ceil(sqrt(M))) is not expressible; "
                "BLOCK_SIZE = next_power_of_2(B) covers every power-of-two block")
_STAGE2_NOTE = "host 0-d output written out[1]"


def _stage1(name: str, file: str, extra_args: str = "", outputs: str = "mid", int_outputs: str = "") -> Target:
    """A stage-1 kernel `name(inp, <outputs>, [extra,] M, BLOCK_SIZE)` over a flat input of M elements."""
    mids = ", ".join([f"{o}[cdiv(M, BLOCK_SIZE)]" for o in outputs.split()]
                     + [f"{o}[cdiv(M, BLOCK_SIZE)]:int64" for o in int_outputs.split()])
    launch = (f"{name}[(cdiv(M, BLOCK_SIZE),)](inp[M], {mids}, {extra_args}M, "
              f"BLOCK_SIZE=next_power_of_2(B))")
    return Target(name, "reductions", file, name, launch, note=_STAGE1_NOTE)


def _stage2(name: str, file: str, args: str) -> Target:
    return Target(name, "reductions", file, name, f"{name}[(1,)]({args}, BLOCK_MID=next_power_of_2(S))",
                  note=_STAGE2_NOTE)


def _dim_rows(name: str, file: str, extra: str = "", **kw) -> Target:
    """A dim_compress reduction `name(X, Out, M, N[, extra])` with autotuned BLOCK_M/BLOCK_N."""
    launch = f"{name}[(cdiv(M, BLOCK_M),)](x[M, N], out[M], M, N{', ' + extra if extra else ''})"
    return Target(name, "reductions", file, name, launch, **kw)


_ONE_CONFIG = {"config": 0}

_REDUCTIONS = [
    # sum
    _stage1("sum_kernel_1", "ops/sum.py"),
    _stage2("sum_kernel_2", "ops/sum.py", "mid[S], out[1], S"),
    _dim_rows("sum_kernel", "ops/sum.py"),
    # mean
    _stage1("mean_kernel_1", "ops/mean.py"),
    _stage2("mean_kernel_2", "ops/mean.py", "mid[S], out[1], M, S"),
    _dim_rows("mean_dim_kernel", "ops/mean.py"),
    # max / min / amax
    _stage1("max_kernel_1", "ops/max.py"),
    _stage2("max_kernel_2", "ops/max.py", "mid[S], out[1], S"),
    Target("max_kernel", "reductions", "ops/max.py", "max_kernel",
           "max_kernel[(cdiv(M, BLOCK_M), K)](inp[M, N, K], out_value[M, K], out_index[M, K]:int64, M, N, K)"),
    _stage1("min_kernel_1", "ops/min.py"),
    _stage2("min_kernel_2", "ops/min.py", "mid[S], out[1], S"),
    Target("min_kernel", "reductions", "ops/min.py", "min_kernel",
           "min_kernel[(cdiv(M, BLOCK_M), K)](inp[M, N, K], out_value[M, K], out_index[M, K]:int64, M, N, K)"),
    _stage1("amax_kernel_1", "ops/amax.py"),
    _stage2("amax_kernel_2", "ops/amax.py", "mid[S], out[1], S"),
    _dim_rows("amax_kernel", "ops/amax.py"),
    Target("amax_kernel/int64", "reductions", "ops/amax.py", "amax_kernel",
           "amax_kernel[(cdiv(M, BLOCK_M),)](x[M, N], out[M], M, N, INT64_INDEX=True)",
           note="the host's path for tensors too large for int32 indices (pid.to(tl.int64))"),
    # prod
    _stage1("prod_kernel_mid", "ops/prod.py"),
    _stage2("prod_kernel_result", "ops/prod.py", "mid[S], out[1], S"),
    Target("prod_kernel", "reductions", "ops/prod.py", "prod_kernel",
           "prod_kernel[(cdiv(M, BLOCK_M), K)](inp[M, N, K], out[M, K], M, N, K)"),
    # argmax
    _stage1("argmax_kernel_1", "ops/argmax.py", outputs="mid_value", int_outputs="mid_index"),
    _stage2("argmax_kernel_2", "ops/argmax.py", "mid_value[S], mid_index[S]:int64, out[1]:int64, S"),
    Target("argmax_kernel", "reductions", "ops/argmax.py", "argmax_kernel",
           "argmax_kernel[(cdiv(M, BLOCK_M), K)](inp[M, N, K], out_index[M, K]:int64, M, N, K)"),
    # var_mean
    Target("var_mean_welford_kernel", "reductions", "ops/var_mean.py", "var_mean_welford_kernel",
           "var_mean_welford_kernel[(cdiv(M, BLOCK_M),)](x[M, N], var[M], mean[M], M, N, correction)",
           options={"config": 0, "sizes": {"M": (1, 2), "N": (1, 2, 3)}},
           note="8 distinct autotune configurations: config 0 (BLOCK_M=1, BLOCK_N=1024); tiny sizes (the "
                "1024-lane Welford tile makes symbolic execution slow)"),
    Target("var_mean_kernel_1", "reductions", "ops/var_mean.py", "var_mean_kernel_1",
           "var_mean_kernel_1[(cdiv(N, BLOCK_N),)](x[N], acc[cdiv(N, BLOCK_N)], average[cdiv(N, BLOCK_N)], "
           "count[cdiv(N, BLOCK_N)], N, BLOCK_N=1024)"),
    Target("var_mean_kernel_2", "reductions", "ops/var_mean.py", "var_mean_kernel_2",
           "var_mean_kernel_2[(1,)](acc[S], average[S], count[S], var[1], mean[1], N, correction, S)",
           note=_STAGE2_NOTE),
    # vector_norm: dims (autotuned) and full (two-stage), for ord = 2, inf, -inf, 0, other
    _dim_rows("l2_norm_kernel", "ops/vector_norm.py"),
    _stage1("l2_norm_kernel_1", "ops/vector_norm.py"),
    _stage2("l2_norm_kernel_2", "ops/vector_norm.py", "mid[S], out[1], S"),
    _dim_rows("max_norm_kernel", "ops/vector_norm.py"),
    _stage1("max_norm_kernel_1", "ops/vector_norm.py"),
    _stage2("max_norm_kernel_2", "ops/vector_norm.py", "mid[S], out[1], S"),
    _dim_rows("min_norm_kernel", "ops/vector_norm.py"),
    _stage1("min_norm_kernel_1", "ops/vector_norm.py"),
    _stage2("min_norm_kernel_2", "ops/vector_norm.py", "mid[S], out[1], S"),
    _dim_rows("l0_norm_kernel", "ops/vector_norm.py"),
    _stage1("l0_norm_kernel_1", "ops/vector_norm.py"),
    _stage2("l0_norm_kernel_2", "ops/vector_norm.py", "mid[S], out[1], S"),
    _dim_rows("v_norm_kernel", "ops/vector_norm.py", extra="ord"),
    _stage1("l1_norm_kernel_1", "ops/vector_norm.py", extra_args="ord, "),
    _stage2("l1_norm_kernel_2", "ops/vector_norm.py", "mid[S], out[1], ord, S"),
]

_CELOSS = {"config": 0, "sizes": {"N": (1, 2), "C": (1, 2, 3, 5), "D": (1, 2)}}
_CELOSS_NOTE = ("9 distinct autotune configurations: config 0 (BLOCK_C=256, BLOCK_D=1); C ≤ 5 (C = 257, a second "
                "tile, takes over 5 minutes)")

_NORMALISATION = [
    Target("softmax_kernel_inner", "normalisation", "ops/softmax.py", "softmax_kernel_inner",
           "softmax_kernel_inner[(M, 1, 1)](y[M, N], x[M, N], M, N)",
           note="heuristics: TILE_N = next_power_of_2(N) (N ≤ 32768), one tile per program"),
    Target("softmax_kernel_inner/online", "normalisation", "ops/softmax.py", "softmax_kernel_inner",
           "softmax_kernel_inner[(M, 1, 1)](y[M, N], x[M, N], M, N, TILE_N=4)",
           note="the online branch, which the host takes for N > 32768 with TILE_N = 4096: "
                "TILE_N = 4 here; ONE_TILE_PER_CTA from the heuristic"),
    Target("softmax_kernel_non_inner", "normalisation", "ops/softmax.py", "softmax_kernel_non_inner",
           "softmax_kernel_non_inner[(M, cdiv(K, TILE_K), 1)](y[M, N, K], x[M, N, K], M, N, K, TILE_K=1)",
           options={"sizes": {"M": (1, 2), "N": (1, 2, 3), "K": (1, 2)}},
           note="TILE_K = 1, the heuristic's value whenever M·K ≤ the GPU's SM count (the heuristic reads "
                "torch.cuda, unavailable here); TILE_N = cdiv(8192, TILE_K) and ONE_TILE_PER_CTA from the "
                "heuristics; small sizes (8192-lane tiles)"),
    Target("softmax_kernel_non_inner/online", "normalisation", "ops/softmax.py", "softmax_kernel_non_inner",
           "softmax_kernel_non_inner[(M, cdiv(K, TILE_K), 1)](y[M, N, K], x[M, N, K], M, N, K, TILE_K=2, "
           "TILE_N=4)",
           note="the online branch (taken by the host when N > TILE_N = cdiv(8192, TILE_K)) with small tiles: "
                "TILE_K = 2, TILE_N = 4; ONE_TILE_PER_CTA from the heuristic"),
    Target("log_softmax_kernel", "normalisation", "ops/log_softmax.py", "log_softmax_kernel",
           "log_softmax_kernel[(cdiv(M, BLOCK_M), K)](y[M, N, K], x[M, N, K], M, N, K)"),
    Target("rms_norm_kernel", "normalisation", "ops/rms_norm.py", "rms_norm_kernel",
           "rms_norm_kernel[(M,)](y[M, N], x[M, N], w[N], N, 1, N, 1, N, eps, BLOCK_SIZE=next_power_of_2(N))"),
    Target("layer_norm_kernel", "normalisation", "ops/layernorm.py", "layer_norm_kernel",
           "layer_norm_kernel[(cdiv(M, BLOCK_ROW_SIZE),)](x[M, N], y[M, N], w[N], b[N], mean[M], rstd[M], "
           "M, N, eps)",
           options={"sizes": {"M": (1, 2, 3), "N": (1, 2, 3, 5, 8)}},
           note="every autotune configuration (9 distinct: BLOCK_ROW_SIZE 1/2/4 × BLOCK_COL_SIZE "
                "1024/2048/4096)"),
    Target("layer_norm_kernel/config0", "normalisation", "ops/layernorm.py", "layer_norm_kernel",
           "layer_norm_kernel[(cdiv(M, BLOCK_ROW_SIZE),)](x[M, N], y[M, N], w[N], b[N], mean[M], rstd[M], "
           "M, N, eps)",
           options={"config": 0, "sizes": {"M": (1, 2, 3), "N": (1, 2, 3, 5, 8)}},
           note="config 0 only (BLOCK_ROW_SIZE=1, BLOCK_COL_SIZE=1024): one row per program"),
    Target("group_norm_kernel", "normalisation", "ops/groupnorm.py", "group_norm_kernel",
           "group_norm_kernel[(N * G,)](x[N, G * S, HW], y[N, G * S, HW], w[G * S], b[G * S], mean[N, G], "
           "rstd[N, G], S, G * S, HW, G, eps, BLOCK_GROUP_SIZE=next_power_of_2(S), "
           "BLOCK_HW_SIZE=next_power_of_2(HW))",
           options={"sizes": {"N": (1, 2), "G": (1, 2, 3), "S": (1, 2, 3), "HW": (1, 2, 3)}},
           note="C = G·S channels in G groups of S (the host's C // num_groups)"),
    Target("celoss_indice_kernel", "normalisation", "ops/cross_entropy_loss.py", "celoss_indice_kernel",
           "celoss_indice_kernel[(N, cdiv(D, BLOCK_D))](inp[N, C, D], tgt[N, D]:int64 in 0..C-1 | -100, w[C], out[N, D], "
           "w_tgt[N, D], -100, N, C, D)",
           options=_CELOSS, note=_CELOSS_NOTE + "; ignore_index = -100 (the default)"),
    Target("celoss_probability_kernel", "normalisation", "ops/cross_entropy_loss.py",
           "celoss_probability_kernel",
           "celoss_probability_kernel[(N, cdiv(D, BLOCK_D))](inp[N, C, D], tgt[N, C, D], w[C], out[N, D], "
           "label_smoothing, N, C, D)",
           options=_CELOSS, note=_CELOSS_NOTE),
    Target("celoss_indice_smooth_kernel", "normalisation", "ops/cross_entropy_loss.py",
           "celoss_indice_smooth_kernel",
           "celoss_indice_smooth_kernel[(N, cdiv(D, BLOCK_D))](inp[N, C, D], tgt[N, D]:int64 in 0..C-1 | -100, w[C], "
           "out[N, D], w_tgt[N, D], -100, label_smoothing, N, C, D)",
           options=_CELOSS, note=_CELOSS_NOTE + "; ignore_index = -100"),
]

_BLAS = [
    Target("mv_kernel", "BLAS", "ops/mv.py", "mv_kernel",
           "mv_kernel[(cdiv(N, BLOCK_N),)](A[N, M], B[M], C[N], N, M, M, 1, 1, 1)",
           options=_ONE_CONFIG, note="12 distinct autotune configurations: config 0 (BLOCK_M=32, BLOCK_N=1)"),
    Target("mm_kernel", "BLAS", "ops/mm.py", "mm_kernel",
           "mm_kernel[(cdiv(M, BLOCK_M) * cdiv(N, BLOCK_N), SPLIT_K)](A[M, K], B[K, N], C[M, N], M, N, K, "
           "K, 1, N, 1, N, 1, dot_out_dtype=tl.float32, GROUP_M=8)",
           options={"config": 8, "sizes": {"M": (1, 2, 3), "N": (1, 2, 3), "K": (1, 2, 3, 33)}},
           note="18 distinct autotune configurations: config 8, the smallest tiles (64×32×32)"),
    Target("bmm_kernel", "BLAS", "ops/bmm.py", "bmm_kernel",
           "bmm_kernel[(cdiv(M, TILE_M), cdiv(N, TILE_N), BATCH)](A[BATCH, M, K], B[BATCH, K, N], "
           "O[BATCH, M, N], M, N, K)",
           options={"config": 0, "sizes": {"BATCH": (1, 2), "M": (1, 2, 3), "N": (1, 2, 3), "K": (1, 2, 3, 33)}},
           note="6 distinct autotune configurations: config 0 (32×32×32, GROUP_M=1)"),
    Target("addmm_kernel", "BLAS", "ops/addmm.py", "addmm_kernel",
           "addmm_kernel[(cdiv(M, BLOCK_SIZE_M), cdiv(N, BLOCK_SIZE_N))](A[M, K], B[K, N], bias[N], C[M, N], "
           "alpha, beta, M, N, K, K, 1, N, 1, N, 1)",
           options={"config": 7, "sizes": {"M": (1, 2, 3), "N": (1, 2, 3), "K": (1, 2, 3, 33)}},
           note="8 distinct autotune configurations: config 7, the smallest tiles (32×64×32)"),
]

_ROTARY_STRIDES = ("QH * 2 * D2, 2 * D2, 1, KH * 2 * D2, 2 * D2, 1, "   # q, k
                   "QH * 2 * D2, 2 * D2, 1, KH * 2 * D2, 2 * D2, 1")    # oq, ok
_ROTARY_CONST = "QH, KH, 2 * D2, max(next_power_of_2(2 * D2), 16), False"

_FUSED = [
    Target("skip_layer_norm_kernel", "fused", "fused/skip_layernorm.py", "skip_layer_norm_kernel",
           "skip_layer_norm_kernel[(M,)](y[M, N], x[M, N], r[M, N], w[N], b[N], N, 1, N, 1, N, 1, N, eps, "
           "BLOCK_SIZE=next_power_of_2(N))"),
    Target("skip_rms_norm_kernel", "fused", "fused/skip_rms_norm.py", "skip_rms_norm_kernel",
           "skip_rms_norm_kernel[(M,)](y[M, N], x[M, N], r[M, N], w[N], N, 1, N, 1, N, 1, N, eps, "
           "BLOCK_SIZE=next_power_of_2(N))"),
    Target("apply_rotary_pos_emb_kernel", "fused", "fused/rotary_embedding.py", "apply_rotary_pos_emb_kernel",
           f"apply_rotary_pos_emb_kernel[(T * S,)](oq[T * S, QH, 2 * D2], ok[T * S, KH, 2 * D2], "
           f"q[T * S, QH, 2 * D2], k[T * S, KH, 2 * D2], cos[S, D2], sin[S, D2], None, {_ROTARY_STRIDES}, "
           f"0, D2, D2, S, {_ROTARY_CONST}, MAX_POSITION_EMBEDDINGS=S)",
           options={"sizes": {"T": (1, 2), "S": (1, 2, 3), "QH": (1, 2), "KH": (1, 2), "D2": (1, 2, 3)}},
           note="position_ids=None: q, k of shape [T, S, heads, 2·D2] viewed as [T·S, heads, 2·D2]; "
                "cos/sin with exactly S positions; not interleaved"),
    Target("apply_rotary_pos_emb_kernel/pos", "fused", "fused/rotary_embedding.py", "apply_rotary_pos_emb_kernel",
           f"apply_rotary_pos_emb_kernel[(T,)](oq[T, QH, 2 * D2], ok[T, KH, 2 * D2], q[T, QH, 2 * D2], "
           f"k[T, KH, 2 * D2], cos[P, D2], sin[P, D2], pos[T]:int64 in 0..P-1, {_ROTARY_STRIDES}, 1, D2, D2, None, "
           f"{_ROTARY_CONST}, MAX_POSITION_EMBEDDINGS=P)",
           options={"sizes": {"T": (1, 2, 3), "P": (1, 2, 3), "QH": (1, 2), "KH": (1, 2), "D2": (1, 2, 3)}},
           note="with position_ids (one per token; data-dependent cos/sin row); not interleaved"),
]


def flaggems_targets() -> list[Target]:
    return _scalar_targets() + _REDUCTIONS + _NORMALISATION + _BLAS + _FUSED


# ---------------------------------------------------------------- the project's examples


def example_targets(repo: Path) -> list[Target]:
    """Every `examples/*.py` with a module-level `LAUNCH` string; the kernel is the launch's head."""
    out = []
    for path in sorted((repo / "examples").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        launch = next((node.value.value for node in tree.body
                       if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                       and isinstance(node.value.value, str)
                       and any(isinstance(t, ast.Name) and t.id == "LAUNCH" for t in node.targets)), None)
        if launch is None:
            continue
        kernel = launch.split("[", 1)[0].strip()
        out.append(Target(f"{path.stem}/{kernel}", "examples", f"examples/{path.name}", kernel, launch,
                          source="example"))
    return out


def all_targets(repo: Path) -> list[Target]:
    targets = flaggems_targets() + example_targets(repo)
    ids = [t.id for t in targets]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate target ids: {duplicates}"
    assert all(t.group in GROUPS for t in targets)
    return targets


# ---------------------------------------------------------------- as a survey launches file


def survey_launches() -> dict[str, list]:
    """The FlagGems launches as a `tritonlift survey --launches` file: `file::kernel` (relative to
    `src/flag_gems/`) -> launches, with the target's options. Scalar functions need no entry."""
    out: dict[str, list] = {}
    for t in flaggems_targets():
        if t.launch is None:
            continue
        options = {k: ({n: list(v) for n, v in val.items()} if k == "sizes" else val) for k, val in t.options.items()}
        out.setdefault(f"{t.file}::{t.kernel}", []).append({"launch": t.launch, "options": options} if options
                                                          else t.launch)
    return out


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Export the FlagGems v2.1 launches for `tritonlift survey`.")
    parser.add_argument("--export-launches", metavar="FILE", required=True, help="JSON file to write")
    path = Path(parser.parse_args().export_launches)
    path.write_text(json.dumps(survey_launches(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{sum(map(len, survey_launches().values()))} launches of {len(survey_launches())} kernels -> {path}")
