"""Matching a launch description to a kernel's parameters, and instantiating it at concrete sizes.

Positional arguments fill parameters in order (constexprs included, as in Triton), keywords by
name; constexprs the launch leaves out come from parameter defaults, `@triton.heuristics` or each
`@triton.autotune` configuration. Every mismatch is a `LaunchError` that names the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import LaunchError, TritonLiftError
from ..frontend.kernel import Kernel
from ..ir.intexpr import evaluate_int
from ..ir.term import Term
from .model import Arg, FloatArg, IntArg, LiteralArg, Launch, NoneArg, TensorArg


@dataclass(frozen=True)
class BoundLaunch:
    launch: Launch
    args: tuple[tuple[str, Arg], ...]  # every non-constexpr parameter, in order
    constexprs: tuple[tuple[str, Arg], ...]  # constexprs fixed by the launch or by defaults
    configs: tuple[dict[str, object], ...]  # autotune configurations for the rest ((),) if none
    heuristics: tuple[tuple[str, Callable[[dict], object]], ...]
    sizes: tuple[str, ...]

    @property
    def tensors(self) -> tuple[TensorArg, ...]:
        return tuple(a for _, a in self.args if isinstance(a, TensorArg))

    @property
    def float_params(self) -> tuple[str, ...]:
        return tuple(a.name for _, a in self.args if isinstance(a, FloatArg) and a.name)

    def describe_config(self, index: int) -> str:
        cfg = self.configs[index]
        return ", ".join(f"{k}={v}" for k, v in cfg.items()) or "default"


def bind(kernel: Kernel, launch: Launch) -> BoundLaunch:
    if launch.kernel != kernel.name:
        raise LaunchError(f"the launch description launches '{launch.kernel}', but the kernel is '{kernel.name}'",
                          kernel.site)
    params = kernel.params
    if len(launch.args) > len(params):
        raise LaunchError(f"'{kernel.name}' takes {len(params)} parameters "
                          f"({', '.join(p.name for p in params)}), the launch passes {len(launch.args)}",
                          kernel.site)
    given: dict[str, Arg] = {p.name: a for p, a in zip(params, launch.args)}
    for name, arg in launch.kwargs:
        if kernel.param(name) is None:
            if name in ("num_warps", "num_stages", "num_ctas", "maxnreg"):
                continue  # compilation options: irrelevant to what the kernel computes
            raise LaunchError(f"'{kernel.name}' has no parameter '{name}'", kernel.site,
                              hint=f"parameters: {', '.join(p.name for p in params)}")
        if name in given:
            raise LaunchError(f"parameter '{name}' is given twice", kernel.site)
        given[name] = arg
    heuristics = tuple((n, f) for n, f in kernel.heuristics if kernel.param(n) is not None and n not in given)
    tuned = {k for cfg in kernel.configs for k in cfg}
    args, constexprs = [], []
    for p in params:
        arg = given.get(p.name)
        if p.is_constexpr:
            if arg is None and p.has_default:
                arg = _literal(p.default)
            if arg is None and p.name not in tuned and p.name not in dict(heuristics):
                raise LaunchError(f"constexpr '{p.name}' of '{kernel.name}' has no value",
                                  kernel.site, hint=f"add {p.name}=... to the launch description")
            if arg is not None:
                if isinstance(arg, (TensorArg, FloatArg)) and not (isinstance(arg, FloatArg) and arg.value is not None):
                    raise LaunchError(f"constexpr '{p.name}' must be an integer expression or a literal", kernel.site)
                constexprs.append((p.name, arg))
            continue
        if arg is None:
            if p.has_default:
                arg = _literal(p.default)
            else:
                raise LaunchError(f"parameter '{p.name}' of '{kernel.name}' is not given by the launch", kernel.site,
                                  hint=f"'{kernel.name}' takes ({', '.join(q.name for q in params)})")
        args.append((p.name, arg))
    fixed = {n for n, _ in constexprs}
    configs = _dedupe(tuple({k: v for k, v in cfg.items() if k not in fixed} for cfg in kernel.configs)) or ({},)
    # names the grid shares with constexprs (cdiv(M, BLOCK_M)) are block sizes, not problem sizes
    sizes = tuple(s for s in launch.sizes if not (kernel.param(s) and kernel.param(s).is_constexpr))
    return BoundLaunch(launch, tuple(args), tuple(constexprs), configs, heuristics, sizes)


def _dedupe(configs: tuple[dict, ...]) -> tuple[dict, ...]:
    seen, result = set(), []
    for cfg in configs:
        key = tuple(sorted(cfg.items()))
        if key not in seen:
            seen.add(key)
            result.append(cfg)
    return tuple(result)


def _literal(value) -> Arg:
    from ..ir.term import integer

    if value is None:
        return NoneArg()
    if isinstance(value, bool) or isinstance(value, str):
        return LiteralArg(value)
    if isinstance(value, int):
        return IntArg(integer(value))
    if isinstance(value, float):
        return FloatArg(value=value)
    return LiteralArg(value)


@dataclass(frozen=True)
class ConcreteLaunch:
    """A launch at concrete sizes and one configuration: everything the executor needs."""

    sizes: dict[str, int]
    grid: tuple[int, ...]
    constexprs: dict[str, object]
    shapes: dict[str, tuple[int, ...]]
    strides: dict[str, tuple[int, ...]]


def instantiate(bound: BoundLaunch, sizes: dict[str, int], config: int = 0) -> ConcreteLaunch:
    env = dict(sizes)
    constexprs: dict[str, object] = {}
    for name, arg in bound.constexprs:
        constexprs[name] = _value(arg, env)
    constexprs.update(bound.configs[config])
    heuristic_args = {n: _value(a, env) for n, a in bound.args if isinstance(a, IntArg)}
    heuristic_args.update(constexprs)
    for name, fn in bound.heuristics:
        try:
            constexprs[name] = fn(dict(heuristic_args))
        except TritonLiftError:
            raise
        except Exception as err:
            raise LaunchError(f"the heuristic for '{name}' failed at {sizes}: {type(err).__name__}: {err}",
                              hint=f"give {name}=... in the launch description") from None
        heuristic_args[name] = constexprs[name]
    for name, v in constexprs.items():  # Triton passes constexpr integers as 64-bit values
        if isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**63:
            raise LaunchError(f"constexpr {name} = {v} does not fit in 64 bits")
    env.update({k: v for k, v in constexprs.items() if isinstance(v, int) and not isinstance(v, bool)})
    grid = tuple(_evaluate(g, env, "the grid", sizes) for g in bound.launch.grid)
    if any(g < 1 for g in grid):
        raise LaunchError(f"the grid {grid} at sizes {sizes} has an empty axis")
    shapes, strides = {}, {}
    for t in bound.tensors:
        shape = tuple(_evaluate(d, env, f"the shape of {t.name}", sizes) for d in t.shape)
        if any(d < 0 for d in shape):
            raise LaunchError(f"the shape of {t.name} at sizes {sizes} is {list(shape)}, with a negative dimension")
        shapes[t.name] = shape
        strides[t.name] = tuple(_evaluate(s, env, f"the strides of {t.name}", sizes) for s in t.strides) \
            if t.strides else _contiguous(shape)
    return ConcreteLaunch(dict(sizes), grid, constexprs, shapes, strides)


def _evaluate(expr, env: dict[str, int], what: str, sizes: dict[str, int]) -> int:
    """An integer expression of the launch; what cannot be evaluated (a division by zero, a
    constexpr that is not an integer) is the launch's mistake, said with the sizes."""
    try:
        return evaluate_int(expr, env)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise LaunchError(f"the launch description's {what} cannot be evaluated at sizes {sizes}: {err}") from None


def _contiguous(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= max(d, 1)
    return tuple(reversed(strides))


def _value(arg: Arg, env: dict[str, int]):
    if isinstance(arg, IntArg):
        return evaluate_int(arg.expr, env)
    if isinstance(arg, LiteralArg):
        return arg.value
    if isinstance(arg, FloatArg):
        return arg.value
    if isinstance(arg, NoneArg):
        return None
    raise LaunchError(f"cannot use {arg} as a constexpr")


def int_arg_term(arg: IntArg) -> Term:
    return arg.expr
