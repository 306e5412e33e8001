"""Surveying a whole kernel library: `tritonlift survey PATH_OR_PACKAGE -o OUT_DIR`.

    source.py     what to read: folder, file, wheel/sdist, installed or downloadable package
    discover.py   every @triton.jit function in it (read, never imported)
    launches.py   launch descriptions: a launches file, the host-code capture seam, scalar functions
    task.py       one kernel under one launch -> a report entry (in a limited child process)
    cache.py      entries keyed on kernel source, launch, options and tritonlift itself
    backends.py   local worker processes or Ray
    reasons.py    grouping why entries are not VERIFIED
    reports.py, html_report.py   report.json, report.md, report.html (MathML)
    runner.py     the survey itself; command.py the CLI glue
"""

from .runner import SurveyOptions, survey

__all__ = ["survey", "SurveyOptions"]
