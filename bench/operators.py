"""Operator benchmark (issue 7): FlagGems v2.1 Tier-1 operators lifted through their own host code
and checked against PyTorch, each in its own process with a time limit.

    python bench/operators.py [--only NAME] [--timeout 240]

Writes bench/results/<date>-operators.md (the table) and .json (every row with its full output). The targets are call forms (file, function, inputs,
arguments, PyTorch reference) — data for the benchmark, never read by tritonlift itself.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "flaggems-v2.1", "src", "flag_gems")
X = "A=f32[M, N]"
XY = "A=f32[M, N], B=f32[M, N]"
TARGETS = [  # (name, file, function, inputs, args, against)
    *[(op, f"ops/{op}.py", op, X, None, f"torch.{op}(A)") for op in
      ("abs", "exp", "neg", "reciprocal", "rsqrt", "sin", "cos", "relu", "sigmoid", "tanh")],
    ("erf", "ops/erf.py", "erf", "x=f32[M, N]", None, "torch.erf(x)"),
    ("gelu", "ops/gelu.py", "gelu", X, None, "F.gelu(A)"),
    ("gelu_tanh", "ops/gelu.py", "gelu", X, "approximate='tanh'", "F.gelu(A, approximate='tanh')"),
    ("silu", "ops/silu.py", "silu", X, None, "F.silu(A)"),
    ("add", "ops/add.py", "add", XY, "alpha=2", "A + 2 * B"),
    ("sub", "ops/sub.py", "sub", XY, "alpha=2", "A - 2 * B"),
    ("mul", "ops/mul.py", "mul", XY, None, "A * B"),
    ("div", "ops/div.py", "true_divide", XY, None, "A / B"),
    ("pow", "ops/pow.py", "pow_tensor_tensor", "A=f32[M, N], exponent=f32[M, N]", None, "A ** exponent"),
    ("maximum", "ops/maximum.py", "maximum", "X=f32[M, N], Y=f32[M, N]", None, "torch.maximum(X, Y)"),
    ("minimum", "ops/minimum.py", "minimum", "X=f32[M, N], Y=f32[M, N]", None, "torch.minimum(X, Y)"),
    ("clamp", "ops/clamp.py", "clamp", X, "mini=-0.5, maxi=0.5", "torch.clamp(A, min=-0.5, max=0.5)"),
    ("where", "ops/where.py", "where_self", "condition=bool[M, N], self=f32[M, N], other=f32[M, N]", None,
     "torch.where(condition, self, other)"),
    ("sum", "ops/sum.py", "sum", "inp=f32[M, N]", None, "torch.sum(inp)"),
    ("sum_dim", "ops/sum.py", "sum_dim", "inp=f32[M, N]", "dim=[1]", "torch.sum(inp, dim=1)"),
    ("mean", "ops/mean.py", "mean", "inp=f32[M, N]", None, "torch.mean(inp)"),
    ("mean_dim", "ops/mean.py", "mean_dim", "x=f32[M, N]", "dim=[1]", "torch.mean(x, dim=1)"),
    ("prod_dim", "ops/prod.py", "prod_dim", "inp=f32[M, N]", "dim=1", "torch.prod(inp, dim=1)"),
    ("max", "ops/max.py", "max", "inp=f32[M, N]", None, "torch.amax(inp)"),
    ("min", "ops/min.py", "min", "inp=f32[M, N]", None, "torch.amin(inp)"),
    ("amax", "ops/amax.py", "amax", "inp=f32[M, N]", "dim=[1]", "torch.amax(inp, dim=1)"),
    ("prod", "ops/prod.py", "prod", "inp=f32[M, N]", None, "torch.prod(inp)"),
    ("argmax", "ops/argmax.py", "argmax", "inp=f32[M, N]", "dim=1", "torch.argmax(inp, dim=1)"),
    ("cross_entropy", "ops/cross_entropy_loss.py", "cross_entropy_loss", "inp=f32[M, C], target=i64[M]", None,
     "F.cross_entropy(inp, target)"),
    ("var_mean", "ops/var_mean.py", "var_mean", "x=f32[M, N]", "dim=[1], correction=1",
     "torch.var_mean(x, dim=1, correction=1)"),
    ("vector_norm", "ops/vector_norm.py", "vector_norm", "x=f32[M, N]", "dim=[1]",
     "torch.sqrt(torch.sum(x * x, dim=1))"),
    ("softmax", "ops/softmax.py", "softmax", "x=f32[M, N]", "dim=-1", "torch.softmax(x, dim=-1)"),
    ("softmax_t", "ops/softmax.py", "softmax", "x=f32[M, N].t()", "dim=-1", "torch.softmax(x, dim=-1)"),
    ("log_softmax", "ops/log_softmax.py", "log_softmax", "x=f32[M, N]", "dim=-1", "torch.log_softmax(x, dim=-1)"),
    ("layer_norm", "ops/layernorm.py", "layer_norm", "x=f32[M, N], weight=f32[N], bias=f32[N]",
     "normalized_shape=[N]", "F.layer_norm(x, [N], weight, bias, eps)"),
    ("rms_norm", "ops/rms_norm.py", "rms_norm", "x=f32[M, N], weight=f32[N]", "normalized_shape=[N]",
     "F.rms_norm(x, [N], weight, eps)"),
    ("mm", "ops/mm.py", "mm", "a=f32[M, K], b=f32[K, N]", None, "torch.mm(a, b)"),
    ("addmm", "ops/addmm.py", "addmm", "bias=f32[N], mat1=f32[M, K], mat2=f32[K, N]", None,
     "torch.addmm(bias, mat1, mat2)"),
    ("bmm", "ops/bmm.py", "bmm", "A=f32[S, M, K], B=f32[S, K, N]", None, "torch.bmm(A, B)"),
    ("mv", "ops/mv.py", "mv", "inp=f32[N, M], vec=f32[M]", None, "torch.mv(inp, vec)"),
    ("silu_and_mul", "fused/silu_and_mul.py", "silu_and_mul", XY, None, "F.silu(A) * B"),
    ("gelu_and_mul", "fused/gelu_and_mul.py", "gelu_and_mul", XY, None, "F.gelu(A) * B"),
    ("skip_rms_norm", "fused/skip_rms_norm.py", "skip_rms_norm", "x=f32[M, N], residual=f32[M, N], weight=f32[N]",
     "normalized_shape=[N]", "F.rms_norm(x + residual, [N], weight, eps)"),
    ("skip_layer_norm", "fused/skip_layernorm.py", "skip_layer_norm",
     "x=f32[M, N], residual=f32[M, N], weight=f32[N], bias=f32[N]", "normalized_shape=[N]",
     "F.layer_norm(x + residual, [N], weight, bias, eps)"),
]


def run(target, timeout: int) -> dict:
    name, file, fn, inputs, args, against = target
    cmd = [sys.executable, "-m", "tritonlift", "check", f"{C}/{file}::{fn}", "--inputs", inputs, "--against", against,
           "--no-oracle"] + (["--args", args] if args else [])
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        text, rc = (proc.stdout + proc.stderr).strip(), proc.returncode
    except subprocess.TimeoutExpired:
        text, rc = f"timed out after {timeout} s", 124
    first = text.splitlines()[0] if text else ""
    status = next((s for s in ("VERIFIED", "BOUNDED", "TESTED", "COUNTEREXAMPLE", "UNKNOWN") if f" {s} " in first),
                  "ERROR")
    lifted = [ln.strip() for ln in text.splitlines() if re.match(r"\s+launch: ", ln)]
    return {"name": name, "status": status, "rc": rc, "seconds": time.perf_counter() - t0, "text": text,
            "launch_ok": sum(1 for ln in lifted if ln.endswith(("VERIFIED", "BOUNDED", "TESTED"))),
            "launches": len(lifted)}


def _reason(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines()]
    keys = ("error", "timed out", "reason:", "note:", "counterexample", "UNKNOWN:", "TESTED:", "BOUNDED:")
    reason = next((ln for ln in lines if any(k in ln for k in keys)), "")
    return reason.replace("|", "\\|")[:240]


def write(results: list[dict], date: str, out: str, machine: str, python: str) -> None:
    counts = {s: sum(1 for r in results if r["status"] == s) for s in
              ("VERIFIED", "BOUNDED", "TESTED", "COUNTEREXAMPLE", "UNKNOWN", "ERROR")}
    lines = [f"# Operators through their own host code ({date})", "",
             "`python bench/operators.py`: each FlagGems v2.1 Tier-1 call form is captured on CPU, generalised, "
             "lifted and checked against its PyTorch reference (`tritonlift check … --no-oracle`). "
             f"Machine: {machine}, Python {python}. ERROR rows include time-outs (the reason says so).", "",
             "| | " + " | ".join(counts) + " |", "|---" * (len(counts) + 1) + "|",
             f"| {len(results)} call forms | " + " | ".join(str(v) for v in counts.values()) + " |", "",
             "| operator | check | kernels lifted | seconds | first line of the reason |", "|---|---|---|--:|---|"]
    for r in results:
        lines.append(f"| {r['name']} | {r['status']} | {r['launch_ok']}/{r['launches']} | {r['seconds']:.1f} | "
                     f"{_reason(r['text'])} |")
    with open(out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(out + ".json", "w") as f:
        json.dump({"date": date, "machine": machine, "python": python, "command": "python bench/operators.py",
                   "counts": counts, "rows": results}, f, indent=1, ensure_ascii=False)
    print(out + ".md")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--timeout", type=int, default=240)
    ap.add_argument("--render", help="rewrite the .md of an earlier run from its .json (no runs)")
    opts = ap.parse_args()
    if opts.render:
        with open(opts.render) as f:
            d = json.load(f)
        write(d["rows"], d["date"], opts.render[:-len(".json")], d["machine"], d["python"])
        return
    targets = [t for t in TARGETS if not opts.only or t[0] == opts.only]
    results = []
    for t in targets:
        r = run(t, opts.timeout)
        print(f"{r['name']:16} {r['status']:15} {r['seconds']:6.1f} s", flush=True)
        results.append(r)
    date = datetime.date.today().isoformat()
    out = os.path.join(ROOT, "bench", "results", f"{date}-operators{'-partial' if opts.only else ''}")
    write(results, date, out, platform.platform(), platform.python_version())


if __name__ == "__main__":
    main()
