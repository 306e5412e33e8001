"""The operator commands behind `tritonlift lift OP --inputs …` and `tritonlift check`; they
return exit codes (0 holds, 1 counterexample/unknown, 2 bad input, 3 internal error)."""

from __future__ import annotations

import json

from ..errors import TritonLiftError
from ..result import Status


def _guard(fn, out, err) -> int:
    from ..cli import EXIT_INPUT, EXIT_INTERNAL, _save_traceback

    try:
        return fn()
    except TritonLiftError as error:
        err.write(error.render() + "\n")
        return EXIT_INPUT
    except Exception:  # a bug in tritonlift: say so, keep the traceback for the report
        path = _save_traceback()
        err.write(f"internal error in tritonlift (a bug, not your mistake); traceback saved to {path}\n")
        return EXIT_INTERNAL


def _options(no_oracle: bool):
    from ..pipeline import Options

    return Options(oracle=not no_oracle)


def run_operator(ref: str, inputs: str, args: str | None, no_oracle: bool, verbose: bool, out, err,
                 as_json: bool = False) -> int:
    def go() -> int:
        from .lifting import lift_spec
        from .render import operator_json, render_operator
        from .spec import parse_operator

        result = lift_spec(parse_operator(ref, inputs, args), _options(no_oracle))
        out.write((json.dumps(operator_json(result), indent=2, ensure_ascii=False) if as_json
                   else render_operator(result, verbose)) + "\n")
        return 0 if result.status >= Status.TESTED else 1

    return _guard(go, out, err)


def run_check(ref: str, inputs: str, against: str, args: str | None, no_oracle: bool, verbose: bool, out, err,
              as_json: bool = False) -> int:
    def go() -> int:
        from .check import check_spec
        from .render import check_json, render_check
        from .spec import parse_operator

        result = check_spec(parse_operator(ref, inputs, args), against, _options(no_oracle))
        out.write((json.dumps(check_json(result), indent=2, ensure_ascii=False) if as_json
                   else render_check(result, verbose)) + "\n")
        return 0 if result.status >= Status.TESTED else 1

    return _guard(go, out, err)
