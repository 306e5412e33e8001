"""The command line. Commands return exit codes; only `main` exits.

Exit codes:
  0  the formula holds at the printed level (VERIFIED, BOUNDED or TESTED)
  1  COUNTEREXAMPLE or UNKNOWN (the reason is printed)
  2  bad input: unreadable kernel reference, syntax error, malformed launch description,
     unsupported Triton construct (a one-paragraph error naming file, line and construct)
  3  an internal error in tritonlift (a bug: the traceback is saved and its path printed)
"""

from __future__ import annotations

import os

# Kernels a user imports through the API must see the interpreter, never a GPU driver.
os.environ.setdefault("TRITON_INTERPRET", "1")

import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402
from typing import Optional  # noqa: E402

import typer  # noqa: E402

from .errors import TritonLiftError  # noqa: E402

EXIT_OK, EXIT_NOT_PROVEN, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Lift Triton kernels to readable formulas and check them for every size.\n\n"
                       "Exit codes: 0 formula holds at the printed level; 1 counterexample or unknown; "
                       "2 bad input (kernel, launch, unsupported construct); 3 internal error.")


def _parse_sizes(text: str | None) -> dict[str, tuple[int, ...]] | None:
    """`N=1..9, M=2,3` -> {N: (1..9), M: (2, 3)}."""
    if not text:
        return None
    result: dict[str, list[int]] = {}
    current = None
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if "=" in part:
            current, _, part = (s.strip() for s in part.partition("="))
            result[current] = []
        if current is None:
            raise TritonLiftError(f"--sizes: expected NAME=values, got '{text}'", hint="e.g. --sizes \"N=1..9, M=1..3\"")
        try:
            if ".." in part:
                lo, hi = (int(x) for x in part.split(".."))
                result[current].extend(range(lo, hi + 1))
            else:
                result[current].append(int(part))
        except ValueError:
            raise TritonLiftError(f"--sizes: '{part}' is not an integer or a range lo..hi",
                                  hint="e.g. --sizes \"N=1..9, M=1..3\"") from None
    if any(v < 1 for vs in result.values() for v in vs):
        raise TritonLiftError("--sizes: sizes must be at least 1")
    empty = [name for name, values in result.items() if not values]
    if empty:
        raise TritonLiftError(f"--sizes: no values for {', '.join(empty)} (an empty range such as 5..1?)",
                              hint="ranges are lo..hi with lo ≤ hi, e.g. --sizes \"N=1..9\"")
    return {k: tuple(sorted(set(v))) for k, v in result.items()}


@app.command()
def lift(
    kernel: str = typer.Argument(..., help="path/to/file.py::kernel_name or package.module:kernel_name"),
    launch: Optional[str] = typer.Option(None, "--launch", "-l", help="how the kernel is launched, over size "
                                         "names: 'k[(M,)](y[M, N], x[M, N], N, BLOCK=next_power_of_2(N))'"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    emit: Optional[str] = typer.Option(None, "--emit", help="'torch': print a PyTorch module computing the formula"),
    sizes: Optional[str] = typer.Option(None, "--sizes", help="sizes to check, e.g. 'N=1..9, M=1..3'"),
    config: Optional[int] = typer.Option(None, "--config", help="check only this autotune configuration (0-based)"),
    no_oracle: bool = typer.Option(False, "--no-oracle", help="skip the run in Triton's interpreter"),
    bounded_only: bool = typer.Option(False, "--bounded-only", help="skip the proof for all sizes (no VERIFIED)"),
    no_simplify: bool = typer.Option(False, "--no-simplify", help="do not derive the textbook form"),
    names: bool = typer.Option(False, "--names", help="use named operators (sigmoid) in the textbook form"),
    no_topdown: bool = typer.Option(False, "--no-topdown", help="ablation: no case split (piecewise) in synthesis"),
    no_pruning: bool = typer.Option(False, "--no-pruning", help="ablation: enumerate without observational "
                                    "equivalence pruning"),
    no_invariant_patterns: bool = typer.Option(False, "--no-invariant-patterns", help="ablation: no loop "
                                               "invariants in the proof for all sizes (loops stay BOUNDED)"),
    safety_only: bool = typer.Option(False, "--safety-only", help="prove only bounds, race freedom and defined "
                                     "values (for kernels whose values cannot be lifted yet)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="list every obligation and timing"),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="seconds for the whole lift; past it the "
                                            "result is UNKNOWN (timeout), in a child process that is killed"),
    memory: Optional[int] = typer.Option(None, "--memory", help="MiB of address space for the lift (a child "
                                         "process); past it the result is UNKNOWN (memory limit)"),
    inputs: Optional[str] = typer.Option(None, "--inputs", help="operator mode: KERNEL is a host function "
                                         "path.py::fn, run on inputs such as 'x=f32[M, N], w=f32[N]'"),
    op_args: Optional[str] = typer.Option(None, "--args", help="operator mode: other arguments, 'dim=-1, eps=1e-5'"),
) -> None:
    """Lift KERNEL to a formula and check it (or, with --inputs, a host function's operator)."""
    if inputs is not None:
        from .capture.cli import run_operator

        raise typer.Exit(run_operator(kernel, inputs, op_args, no_oracle, verbose, sys.stdout, sys.stderr, as_json))
    arguments = (kernel, launch, as_json, emit, sizes, config, no_oracle, verbose)
    switches = dict(unbounded=not bounded_only, simplify=not no_simplify, names=names, safety_only=safety_only,
                    topdown=not no_topdown, pruning=not no_pruning, invariant_patterns=not no_invariant_patterns)
    if timeout is not None or memory is not None:
        raise typer.Exit(run_lift_limited(arguments, switches, timeout, memory, sys.stdout, sys.stderr))
    raise typer.Exit(run_lift(*arguments, sys.stdout, sys.stderr, **switches))


def _lift_in_child(arguments, switches) -> tuple[str, str, int]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = run_lift(*arguments, out, err, **switches)
    return out.getvalue(), err.getvalue(), code


def run_lift_limited(arguments, switches, timeout, memory, out, err) -> int:
    """The same lift in a child under a wall-clock and memory limit (limits.py): a solver or an e-graph
    that blows up ends as UNKNOWN with the limit named, never as a hang or a crash of the caller."""
    from .limits import run_limited

    if (timeout is not None and timeout <= 0) or (memory is not None and memory <= 0):
        err.write("error: --timeout and --memory must be positive\n")
        return EXIT_INPUT
    outcome = run_limited(_lift_in_child, (arguments, switches), timeout=timeout, memory_mb=memory)
    if outcome.kind == "ok":
        text, errors, code = outcome.value
        out.write(text)
        err.write(errors)
        return code
    name = str(arguments[0]).rsplit("::", 1)[-1].rsplit(":", 1)[-1]
    if outcome.kind == "timeout":
        why = f"timeout after {timeout:g} s"
    elif outcome.kind == "memory":
        why = f"memory limit of {memory} MiB reached"
    else:  # the child died (e.g. an allocation failing outside Python under the memory limit)
        last = (outcome.detail.strip().splitlines() or [""])[-1]
        why = f"the lift stopped: {outcome.kind}{f' ({last})' if last else ''}" + \
            (f" under the memory limit of {memory} MiB" if memory else "")
    out.write(f"{name}  ? UNKNOWN  ({why}; nothing is claimed)\n")
    return EXIT_NOT_PROVEN


def run_lift(kernel, launch, as_json, emit, sizes, config, no_oracle, verbose, out, err, unbounded=True,
             simplify=True, names=False, safety_only=False, topdown=True, pruning=True,
             invariant_patterns=True) -> int:
    from .pipeline import Options, lift as do_lift
    from .report.json_report import to_json
    from .report.text import render_text
    from .result import Status

    try:
        if emit not in (None, "torch"):
            raise TritonLiftError(f"--emit {emit}: only 'torch' is supported")
        options = Options(sizes=_parse_sizes(sizes), config=config, oracle=not no_oracle, unbounded=unbounded,
                          simplify=simplify, names=names, safety_only=safety_only, topdown=topdown,
                          pruning=pruning, invariant_patterns=invariant_patterns)
        result = do_lift(kernel, launch, options)
        if emit == "torch":
            if not result.formulas or result.status is Status.COUNTEREXAMPLE:
                raise TritonLiftError(f"no formula to emit: {result.status.name} ({result.reason})")
            out.write(emit_torch(result, launch))
        elif as_json:
            out.write(json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(render_text(result, verbose) + "\n")
        return EXIT_OK if result.status >= Status.TESTED else EXIT_NOT_PROVEN
    except TritonLiftError as error:
        err.write(error.render() + "\n")
        return EXIT_INPUT
    except RecursionError:  # a jit function calling itself, or an expression nested thousands deep
        where = kernel.split("::")[0] if isinstance(kernel, str) else str(kernel)
        err.write(f"{where}: error: the kernel is nested too deeply for tritonlift to read (a recursive "
                  "@triton.jit call, or an expression nested thousands of levels deep)\n")
        return EXIT_INPUT
    except Exception:  # a bug in tritonlift: say so, keep the traceback for the report
        path = _save_traceback()
        err.write(f"internal error in tritonlift (a bug, not your mistake); traceback saved to {path}\n")
        return EXIT_INTERNAL


def emit_torch(result, launch_text) -> str:
    from .frontend import load_kernel
    from .launch.bind import bind
    from .launch.parse import parse_launch
    from .report.torch_code import render_module

    if launch_text is None:  # a scalar function: its tensor inputs are broadcast elementwise
        names = sorted({str(t.attr) for f in result.formulas for t in _accesses(f.body)})
        from .ir.term import index

        shapes = {n: (index("i⃗"),) for n in names}
        params = sorted({str(t.attr) for f in result.formulas for t in _params(f.body)})
        return render_module(list(result.formulas), shapes, params, list(result.assumptions), elementwise=True)
    bound = bind(load_kernel(result.file + "::" + result.kernel), parse_launch(launch_text))
    written = {f.output for f in result.formulas}
    shapes = {t.name: t.shape for t in bound.tensors if t.name not in written}
    return render_module(list(result.formulas), shapes, list(bound.float_params), list(result.assumptions))


def _accesses(term):
    from .ir.term import Op, walk

    return [t for t in walk(term) if t.op is Op.ACCESS]


def _params(term):
    from .ir.term import Op, walk

    return [t for t in walk(term) if t.op is Op.PARAM]


def _save_traceback() -> str:
    fd, path = tempfile.mkstemp(prefix="tritonlift-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write(traceback.format_exc())
    return path


@app.command()
def check(
    operator: str = typer.Argument(..., help="path/to/ops.py::function (host code that launches Triton kernels)"),
    inputs: str = typer.Option(..., "--inputs", help="'x=f32[M, N]', 'x=f32[M, N].t(), w=f32[N]'"),
    against: str = typer.Option(..., "--against", help="a PyTorch expression, e.g. 'torch.softmax(x, dim=-1)'"),
    op_args: Optional[str] = typer.Option(None, "--args", help="other arguments of the function, 'dim=-1'"),
    no_oracle: bool = typer.Option(False, "--no-oracle", help="skip the kernels' runs in Triton's interpreter"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="more detail"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Prove an operator equal to a PyTorch expression for all sizes, or find a counterexample."""
    from .capture.cli import run_check

    raise typer.Exit(run_check(operator, inputs, against, op_args, no_oracle, verbose, sys.stdout, sys.stderr,
                               as_json))


@app.command()
def survey(
    target: str = typer.Argument(..., help="a folder, a .py file, a wheel/sdist, or a package name "
                                 "(read, never imported; a package that is not installed is fetched with pip)"),
    out_dir: str = typer.Option(..., "--out", "-o", help="folder for report.json, report.md and report.html"),
    jobs: int = typer.Option(1, "--jobs", "-j", help="kernels lifted at once (worker processes)"),
    timeout: float = typer.Option(300.0, "--timeout", help="seconds per kernel and launch; then UNKNOWN (timeout)"),
    memory: int = typer.Option(2048, "--memory", help="MB of address space per worker; then UNKNOWN (memory)"),
    launches: Optional[str] = typer.Option(None, "--launches", help="JSON/TOML file: 'module::kernel' -> launches"),
    no_cache: bool = typer.Option(False, "--no-cache", help="lift everything again (default: OUT_DIR/.cache)"),
    backend: str = typer.Option("local", "--backend", help="'local' worker processes or 'ray'"),
    no_oracle: bool = typer.Option(False, "--no-oracle", help="skip the run in Triton's interpreter"),
) -> None:
    """Lift every kernel of a library and write reports (exit 0 when they were written)."""
    from .survey.command import run_survey

    raise typer.Exit(run_survey(target, out_dir, jobs, timeout, memory, launches, no_cache, backend, no_oracle))


@app.command()
def version() -> None:
    """Print the version of tritonlift and of the solvers it uses."""
    import z3

    from . import __version__

    typer.echo(f"tritonlift {__version__} (z3 {z3.get_version_string()})")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
