"""`tritonlift survey`: the command's body, returning an exit code (cli.py only wires options here).

Exit codes: 0 the survey ran and its reports were written (whatever the kernels' statuses — they
are in the reports); 2 bad input (nothing to survey, bad launches file, bad option), never a
traceback; 3 an internal error of the survey itself (traceback saved to a file).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

from ..errors import TritonLiftError


def run_survey(target: str, out_dir: str, jobs: int, timeout: float, memory: int, launches: str | None,
               no_cache: bool, backend: str, no_oracle: bool, out=None, err=None) -> int:
    from .runner import SurveyOptions, survey

    out, err = out or sys.stdout, err or sys.stderr  # looked up now: a test may have replaced them

    options = SurveyOptions(jobs=jobs, timeout=timeout, memory_mb=memory,
                            launches=Path(launches) if launches else None, cache=not no_cache, backend=backend,
                            oracle=not no_oracle)
    try:
        report = survey(target, Path(out_dir), options)
    except TritonLiftError as error:
        err.write(error.render() + "\n")
        return 2
    except KeyboardInterrupt:
        err.write("survey interrupted; entries finished so far are in the cache\n")
        return 130
    except Exception:  # a bug in the survey itself
        fd, path = tempfile.mkstemp(prefix="tritonlift-survey-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            f.write(traceback.format_exc())
        err.write(f"internal error in tritonlift survey (a bug); traceback saved to {path}\n")
        return 3
    totals = ", ".join(f"{n} {s}" for s, n in report["totals"].items() if n)
    out.write(f"{report['kernels']} jit functions, {len(report['entries'])} entries: {totals}  "
              f"({report['wall_seconds']:.1f} s; {report['from_cache']} from the cache)\n")
    for row in report["unknown_reasons"][:5]:
        out.write(f"  UNKNOWN ×{row['count']}: {row['group']}\n")
    out.write(f"reports: {Path(out_dir) / 'report.html'} (also report.md, report.json)\n")
    return 0
