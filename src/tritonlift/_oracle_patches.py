"""Patches to Triton 3.8's CPU interpreter for tritonlift's oracle worker (`_oracle_worker.py`).

Imported only inside the worker process, after TRITON_INTERPRET=1 is set; `install()` applies all:
1. `and`/`or`/`not` inside jit functions are rewritten into calls that treat tensors elementwise,
   as the compiler does (the interpreter uses Python truthiness: a mask loses a conjunct).
2. libdevice externs (`triton.language.extra[.cuda].libdevice.*`) get `_semantic` like every other
   builtin, and the builder gets a numpy `create_extern_elementwise`, so libdevice's own type
   dispatch runs unchanged and only the final elementwise op is computed by numpy.
3. bf16: the interpreter keeps bf16 values as their uint16 bit patterns and computes on the bits;
   arithmetic, comparisons, min/max reductions and casts are redirected through fp32.
4. Bounds guard (`GUARD`): every masked-in lane of a load, store or atomic whose address lies outside
   the logical extent of every tensor argument is reported and dropped (a load yields NaN there, or
   0 for integers).
"""

from __future__ import annotations

import ast
import math
import re

import numpy as np
import triton.language as tl
from triton.runtime import interpreter as interp

# ---------------------------------------------------------------- patch 1: and / or / not


def _boolop(is_and, thunks):
    """`a and b` / `a or b` as the compiler lowers them (code_generator.visit_BoolOp): Python
    values short-circuit, tensors combine with logical_and / logical_or."""
    tensors = []
    value = None
    for thunk in thunks:
        value = thunk()
        if isinstance(value, tl.tensor):
            tensors.append(value)
        elif bool(value) is not is_and:
            return value
    if not tensors:
        return value
    while len(tensors) >= 2:
        rhs, lhs = tensors.pop(), tensors.pop()
        tensors.append(lhs.logical_and(rhs) if is_and else lhs.logical_or(rhs))
    return tensors[0]


def _not(value):
    if isinstance(value, tl.tensor):
        return value.__not__()
    return not (value.value if isinstance(value, tl.constexpr) else value)


class _BoolOpRewriter(ast.NodeTransformer):
    """`a and b` -> `__tritonlift_boolop__(True, (lambda: a, lambda: b))`; `not a` -> call."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        thunks = [ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
                                                defaults=[]), body=value) for value in node.values]
        call = ast.Call(func=ast.Name("__tritonlift_boolop__", ast.Load()),
                        args=[ast.Constant(isinstance(node.op, ast.And)), ast.Tuple(thunks, ast.Load())],
                        keywords=[])
        return ast.copy_location(call, node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, ast.Not):
            return node
        call = ast.Call(func=ast.Name("__tritonlift_not__", ast.Load()), args=[node.operand], keywords=[])
        return ast.copy_location(call, node)


def _transform_ast(self, src):
    """FunctionRewriter._transform_ast of triton 3.8 with the BoolOp rewrite first."""
    parsed = _BoolOpRewriter().visit(ast.parse(src))
    transformed = self.ast_transformer.visit(parsed)
    ast.fix_missing_locations(transformed)
    ast.increment_lineno(transformed, self.def_file_lineno - 1)
    return transformed


# ---------------------------------------------------------------- patch 2: libdevice externs

def _div_directed(a, b, toward):
    """fp32 division rounded toward zero (`rz`), -inf (`rd`) or +inf (`ru`). The float64 quotient
    of two fp32 values is close enough to decide the fp32 rounding (53 >= 2 * 24 + 2 bits)."""
    if a.dtype != np.float32:
        return a / b
    with np.errstate(all="ignore"):
        exact = a.astype(np.float64) / b.astype(np.float64)
        near = exact.astype(np.float32)
        up = near.astype(np.float64) > exact
        down = near.astype(np.float64) < exact
        if toward == "rz":
            fix = np.where(exact > 0, up, down)
            target = np.zeros_like(near)
        elif toward == "rd":
            fix, target = up, np.full_like(near, -np.inf)
        else:
            fix, target = down, np.full_like(near, np.inf)
        return np.where(fix, np.nextafter(near, target), near)


def _round_half_away(x):
    return np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5))


def _remainder(a, b):
    """C `remainder`: a - n * b with n = a / b rounded to nearest even."""
    return a - np.rint(a / b) * b


_ROUND = {"rn": np.rint, "rz": np.trunc, "rd": np.floor, "ru": np.ceil}
_math_vec = {name: np.vectorize(getattr(math, name)) for name in ("lgamma", "gamma", "erfc")}

# libdevice symbol stem -> numpy implementation. A symbol `__nv_<stem>` is looked up as `<stem>`,
# then without its `f`/`d` type suffix, then without its `f`/`d` type prefix (`fdiv_rz`), then
# without `fast_`. Arithmetic with a rounding suffix other than division rounds to nearest.
_EXTERNS = {
    "exp": np.exp, "exp2": np.exp2, "exp10": lambda x: np.power(x.dtype.type(10), x), "expm1": np.expm1,
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "logb": lambda x: np.floor(np.log2(np.abs(x))),
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "atan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "sinpi": lambda x: np.sin(np.pi * x), "cospi": lambda x: np.cos(np.pi * x),
    "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x), "cbrt": np.cbrt, "rcbrt": lambda x: 1 / np.cbrt(x),
    "hypot": np.hypot, "rhypot": lambda a, b: 1 / np.hypot(a, b),
    "erf": lambda x: interp.np_erf_fp32(x) if x.dtype == np.float32 else interp.np_erf_fp64(x),
    "erfc": lambda x: _math_vec["erfc"](x).astype(x.dtype), "lgamma": lambda x: _math_vec["lgamma"](x),
    "tgamma": lambda x: _math_vec["gamma"](x),
    "normcdf": lambda x: (0.5 * _math_vec["erfc"](-x / np.sqrt(2))).astype(x.dtype),
    "pow": np.power, "powi": lambda x, n: np.power(x, n.astype(x.dtype)),
    "fabs": np.abs, "abs": np.abs, "llabs": np.abs, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
    "round": _round_half_away, "llround": _round_half_away, "rint": np.rint, "llrint": np.rint,
    "nearbyint": np.rint, "fmin": np.fmin, "fmax": np.fmax, "fmod": np.fmod, "remainder": _remainder,
    "fdim": lambda a, b: np.where(a > b, a - b, 0).astype(a.dtype), "copysign": np.copysign,
    "nextafter": np.nextafter, "ldexp": lambda x, e: np.ldexp(x, e), "scalbn": lambda x, e: np.ldexp(x, e),
    "saturate": lambda x: np.clip(x, 0, 1),
    "fma": lambda x, y, z: x * y + z, "fma_rn": lambda x, y, z: x * y + z, "fmaf_rn": lambda x, y, z: x * y + z,
    "add_rn": np.add, "sub_rn": np.subtract, "mul_rn": np.multiply, "div_rn": np.divide,
    "div_rz": lambda a, b: _div_directed(a, b, "rz"), "div_rd": lambda a, b: _div_directed(a, b, "rd"),
    "div_ru": lambda a, b: _div_directed(a, b, "ru"), "fdividef": np.divide,
    "sqrt_rn": np.sqrt, "rcp_rn": lambda x: 1 / x, "rsqrt_rn": lambda x: 1 / np.sqrt(x),
    "isnan": np.isnan, "isinf": np.isinf, "finite": np.isfinite, "isfinite": np.isfinite,
    "signbit": np.signbit,
}


def _extern_impl(symbol):
    stem = symbol.removeprefix("__nv_").removeprefix("fast_")
    to_int = re.fullmatch(r"(?:float|double)2(?:int|uint|ll|ull)_(r[nzdu])", stem)
    if to_int:  # float2int_rz and friends: round, then the result is cast to the return type
        return _ROUND[to_int.group(1)]
    if re.fullmatch(r"\w+2(?:float|double)_r[nzdu]", stem):  # int2float_rn, double2float_rz, ...
        return lambda x: x  # the cast to the return type does it (rounding to nearest)
    candidates = [stem, stem[:-1]] if stem[-1] in "fd" else [stem]
    if stem[:1] in "fd":
        candidates += [stem[1:], stem[1:].replace("_rd", "_rn").replace("_ru", "_rn").replace("_rz", "_rn")]
    candidates.append(stem.replace("_rd", "_rn").replace("_ru", "_rn").replace("_rz", "_rn"))
    for candidate in candidates:
        if candidate in _EXTERNS:
            return _EXTERNS[candidate]
    raise NotImplementedError(f"libdevice function {symbol} has no interpreter implementation in "
                              "tritonlift's oracle")


def _create_extern_elementwise(self, lib_name, lib_path, symbol, arg_list, ret_type, is_pure):
    ret_scalar = ret_type.scalar
    with np.errstate(all="ignore"):
        result = _extern_impl(symbol)(*[arg.data for arg in arg_list])
    return interp.TensorHandle(np.asarray(result).astype(interp._get_np_dtype(ret_scalar)), ret_scalar)


def _patch_libdevice(scope):
    from triton.language.extra import libdevice
    from triton.language.extra.cuda import libdevice as cuda_libdevice

    for module in (cuda_libdevice, libdevice):
        interp._patch_builtin(module, interp.interpreter_builder, scope)
    # the generic `extra.libdevice` dispatches to a backend module at call time
    for name in dir(libdevice):
        if not name.startswith("_") and hasattr(cuda_libdevice, name):
            setattr(libdevice, name, getattr(cuda_libdevice, name))


# ---------------------------------------------------------------- patch 3: bf16 through fp32

_BITWISE = {np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.left_shift, np.right_shift}


def _is_bf16(handle):
    return handle.dtype == tl.bfloat16


def _bf16_to_f32(bits):
    return (np.asarray(bits).astype(np.uint32) << 16).view(np.float32)


def _f32_to_bf16(values):
    """Round to nearest even, as the hardware conversion does; NaN stays a quiet NaN."""
    values = np.asarray(values, dtype=np.float32)
    bits = values.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(values), np.uint16(0x7FC0), rounded)


def _decoded(handle):
    return _bf16_to_f32(handle.data) if _is_bf16(handle) else handle.data


def _bf16_result(out):
    if out.dtype == np.bool_:
        return interp.TensorHandle(out, tl.int1)
    return interp.TensorHandle(_f32_to_bf16(out), tl.bfloat16)


def _install_bf16():
    builder = interp.InterpreterBuilder
    binary, unary, ternary, cast = builder.binary_op, builder.unary_op, builder.ternary_op, builder.cast_impl
    fp_to_fp, erf, rsqrt, fma = builder.create_fp_to_fp, builder.create_erf, builder.create_rsqrt, builder.create_fma

    def binary_op(self, lhs, rhs, op):
        if op in _BITWISE or not (_is_bf16(lhs) or _is_bf16(rhs)):
            return binary(self, lhs, rhs, op)
        with np.errstate(all="ignore"):
            return _bf16_result(op(_decoded(lhs), _decoded(rhs)))

    def unary_op(self, arg, op):
        if not _is_bf16(arg):
            return unary(self, arg, op)
        with np.errstate(all="ignore"):
            return _bf16_result(op(_decoded(arg)))

    def ternary_op(self, lhs, rhs, other, op):
        if op is np.where or not _is_bf16(other):  # select moves bits: nothing to decode
            return ternary(self, lhs, rhs, other, op)
        return _bf16_result(op(_decoded(lhs), _decoded(rhs), _decoded(other)))

    def cast_impl(self, src, dst_type):
        dst = dst_type.scalar
        if not (_is_bf16(src) or dst == tl.bfloat16) or src.dtype == dst:
            return cast(self, src, dst_type)
        values = _decoded(src)
        if dst == tl.bfloat16:
            return interp.TensorHandle(_f32_to_bf16(values.astype(np.float32)), dst)
        return interp.TensorHandle(values.astype(interp._get_np_dtype(dst)), dst)

    def create_fp_to_fp(self, src, dst_type, rounding_mode):
        if not (_is_bf16(src) or dst_type.scalar == tl.bfloat16):
            return fp_to_fp(self, src, dst_type, rounding_mode)
        return cast_impl(self, src, dst_type)

    def create_erf(self, arg):
        return _bf16_result(interp.np_erf_fp32(_decoded(arg))) if _is_bf16(arg) else erf(self, arg)

    def create_rsqrt(self, arg):
        return _bf16_result(1 / np.sqrt(_decoded(arg))) if _is_bf16(arg) else rsqrt(self, arg)

    def create_fma(self, x, y, z):
        if not _is_bf16(z):
            return fma(self, x, y, z)
        return _bf16_result(_decoded(x) * _decoded(y) + _decoded(z))

    def get_bf16(self, value):
        return interp.TensorHandle(_f32_to_bf16(np.array([value], dtype=np.float32)), tl.bfloat16)

    for name, fn in [("binary_op", binary_op), ("unary_op", unary_op), ("ternary_op", ternary_op),
                     ("cast_impl", cast_impl), ("create_fp_to_fp", create_fp_to_fp), ("create_erf", create_erf),
                     ("create_rsqrt", create_rsqrt), ("create_fma", create_fma), ("get_bf16", get_bf16)]:
        setattr(builder, name, fn)
    # the cast lambdas captured the class attribute `cast_impl` by name: they see the patch
    min_max = interp.ReduceOps.min_max

    def reduce_min_max(self, input, val_reduce_op, idx_reduce_op=None):
        value = input[0] if isinstance(input, tuple) else input
        if value.dtype != tl.bfloat16:
            return min_max(self, input, val_reduce_op, idx_reduce_op)
        as_f32 = tl.core.tensor(interp.TensorHandle(_decoded(value.handle), tl.float32),
                                value.type.with_element_ty(tl.float32) if value.type.is_block() else tl.float32)
        out = min_max(self, as_f32, val_reduce_op, idx_reduce_op)
        results = out if isinstance(out, tuple) else (out,)
        fixed = tuple(
            tl.core.tensor(interp.TensorHandle(_f32_to_bf16(r.handle.data), tl.bfloat16),
                           r.type.with_element_ty(tl.bfloat16) if r.type.is_block() else tl.bfloat16)
            if r.dtype == tl.float32 else r for r in results)
        return fixed if isinstance(out, tuple) else fixed[0]

    interp.ReduceOps.min_max = reduce_min_max


# ---------------------------------------------------------------- patch 4: bounds guard


class BoundsGuard:
    """Byte ranges of the launch's tensors; checks the addresses of every memory access."""

    def __init__(self):
        self.tensors = []  # (name, base, logical_end, pad_lo, pad_hi, elsize)
        self.reports = {}  # (op, tensor name) -> [lanes, min offset, max offset, first program]

    def reset(self, tensors):
        self.tensors, self.reports = tensors, {}
        self.writes, self.races = {}, {}  # address -> (program, value); (tensor) -> first conflict

    def record_writes(self, ptrs, values, mask):
        """Programs run one after another here; on a GPU they run at once, so two programs writing
        one address with different values is a race whichever order this run happened to take."""
        if not self.tensors:
            return
        program = tuple(interp.interpreter_builder.grid_idx)
        ptrs = np.asarray(ptrs).astype(np.uint64)
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), ptrs.shape)
        values = np.broadcast_to(np.asarray(values), ptrs.shape)
        for addr, value in zip(ptrs[mask].tolist(), values[mask].tolist()):
            earlier = self.writes.get(addr)
            if earlier is not None and earlier[0] != program and earlier[1] != value and not \
                    (value != value and earlier[1] != earlier[1]):
                name, base, _, _, _, elsize = next(t for t in self.tensors if t[1] <= addr < t[2])
                self.races.setdefault(name, ((addr - base) // elsize, earlier[0], program, earlier[1], value))
            self.writes[addr] = (program, value)

    def out_of_bounds(self, op, ptrs, mask):
        """The masked-in lanes outside every tensor (None if there are none); records them."""
        if not self.tensors:
            return None
        ptrs = np.asarray(ptrs).astype(np.uint64)
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), ptrs.shape)
        inside = np.zeros(ptrs.shape, dtype=bool)
        for _, base, end, _, _, _ in self.tensors:
            inside |= (ptrs >= base) & (ptrs < end)
        bad = mask & ~inside
        if not bad.any():
            return None
        for addr in np.unique(ptrs[bad]).tolist():
            self._record(op, addr)
        return bad

    def _record(self, op, addr):
        def distance(t):
            _, base, end, lo, hi, _ = t
            return 0 if lo <= addr < hi else min(abs(addr - base), abs(addr - end))

        name, base, _, lo, hi, elsize = min(self.tensors, key=distance)
        owner = name if lo <= addr < hi else f"{name} (nearest; the address is outside its padding)"
        offset = (addr - base) // elsize
        entry = self.reports.setdefault((op, owner), [0, offset, offset, interp.interpreter_builder.grid_idx])
        entry[0] += 1
        entry[1], entry[2] = min(entry[1], offset), max(entry[2], offset)

    def descriptions(self):
        out = [f"conflicting writes to {name}: element offset {off} is written by programs {a} and {b} with "
               f"different values ({va:.6g} and {vb:.6g})" for name, (off, a, b, va, vb) in sorted(self.races.items())]
        for (op, name), (lanes, lo, hi, program) in sorted(self.reports.items()):
            where = f"element offset {lo}" if lo == hi else f"element offsets {lo}..{hi}"
            out.append(f"{op} {name}: {lanes} address(es) outside its storage, {where} "
                       f"(first in program {tuple(program)})")
        return out


GUARD = BoundsGuard()


def _install_guard():
    builder = interp.InterpreterBuilder
    load, store = builder.create_masked_load, builder.create_masked_store
    rmw, cas = builder.create_atomic_rmw, builder.create_atomic_cas

    def masked_load(self, ptrs, mask, other, *rest):
        ret = _guarded_load(self, ptrs, mask, other, *rest)
        # Triton passes other=None also for a given other= whose value is falsy (`other.handle if other
        # else None`, other=0.0): only a load whose kernel gave no other= at all is poisoned
        if other is None and not _LOAD_HAS_OTHER[-1:] == [True] and np.issubdtype(ret.data.dtype, np.floating):
            # a masked-off lane without other= is unspecified on a GPU: NaN makes any use of it visible
            ret.data[~np.broadcast_to(np.asarray(mask.data, dtype=bool), ret.data.shape)] = np.nan
        return ret

    def _guarded_load(self, ptrs, mask, other, *rest):
        bad = GUARD.out_of_bounds("load from", ptrs.data, mask.data)
        if bad is None:
            return load(self, ptrs, mask, other, *rest)
        ret = load(self, ptrs, interp.TensorHandle(mask.data & ~bad, mask.dtype), other, *rest)
        if np.issubdtype(ret.data.dtype, np.floating):
            ret.data[bad] = np.nan
        elif other is None:
            ret.data[bad] = 0
        return ret

    def masked_store(self, ptrs, value, mask, *rest):
        bad = GUARD.out_of_bounds("store to", ptrs.data, mask.data)
        if bad is not None:
            mask = interp.TensorHandle(mask.data & ~bad, mask.dtype)
        GUARD.record_writes(ptrs.data, value.data, mask.data)
        return store(self, ptrs, value, mask, *rest)

    def atomic_rmw(self, op, ptr, val, mask, *rest):
        bad = GUARD.out_of_bounds("atomic on", ptr.data, mask.data)
        if bad is not None:
            mask = interp.TensorHandle(mask.data & ~bad, mask.dtype)
        return rmw(self, op, ptr, val, mask, *rest)

    def atomic_cas(self, ptr, cmp, val, *rest):
        if GUARD.out_of_bounds("atomic on", ptr.data, True) is not None:
            raise IndexError("atomic_cas outside every tensor's storage (not executed)")
        return cas(self, ptr, cmp, val, *rest)

    builder.create_masked_load, builder.create_masked_store = masked_load, masked_store
    _install_other_tracking()
    builder.create_atomic_rmw, builder.create_atomic_cas = atomic_rmw, atomic_cas


_LOAD_HAS_OTHER: list[bool] = []  # whether the tl.load being lowered was given other= (a stack)


def _install_other_tracking():
    from triton.language import semantic

    load = semantic.TritonSemantic.load

    def tracked(self, ptr, mask, other, *rest, **kwargs):
        _LOAD_HAS_OTHER.append(other is not None)
        try:
            return load(self, ptr, mask, other, *rest, **kwargs)
        finally:
            _LOAD_HAS_OTHER.pop()

    semantic.TritonSemantic.load = tracked


def install():
    interp.FunctionRewriter._transform_ast = _transform_ast
    interp.__tritonlift_boolop__ = _boolop  # FunctionRewriter merges interpreter globals into fn globals
    interp.__tritonlift_not__ = _not
    _patch_libdevice(interp._LangPatchScope())
    interp.InterpreterBuilder.create_extern_elementwise = _create_extern_elementwise
    _install_bf16()
    _install_guard()
