"""The survey end to end on a small library: statuses, reasons, reports, cache, limits."""

import json
from pathlib import Path

from tritonlift.survey import SurveyOptions, survey
from tritonlift.survey.task import Settings, Task, execute

from .conftest import SPIN

FAST = dict(oracle=False, progress=False)  # the interpreter cross-check is tested elsewhere


def by_id(report):
    return {e["id"]: e for e in report["entries"]}


def test_survey_lifts_reports_and_groups_reasons(library, tmp_path):
    pkg, launches = library
    out = tmp_path / "out"
    report = survey(str(pkg), out, SurveyOptions(jobs=2, launches=launches, **FAST))
    e = by_id(report)
    assert e["ops/rows.py::row_sum"]["status"] == "VERIFIED"
    assert e["ops/rows.py::row_sum"]["formulas"][0]["text"] == "y[i] = Σ_{k<N} x[i, k]"
    assert "<munderover>" in e["ops/rows.py::row_sum"]["formulas"][0]["mathml"]
    assert e["ops/scalar.py::gelu_like"]["status"] == "VERIFIED"
    assert e["ops/scalar.py::gelu_like"]["launch_source"] == "scalar function"
    assert e["ops/rows.py::unmasked_store"]["status"] == "COUNTEREXAMPLE"
    assert e["ops/rows.py::unmasked_store"]["options"] == {"sizes": {"N": [1, 2, 3]}}
    # rows.py has no host code: the capture ran it and says why there is no launch
    assert e["ops/rows.py::copy_no_launch"]["reason"] == ("no launch description (host-code capture: the module "
                                                          "defines no host function)")
    assert e["ops/nested.py::inner"]["outcome"] == "nested"
    atomic = e["ops/rows.py::total_atomic"]
    assert atomic["status"] == "UNKNOWN" and atomic["outcome"] == "input error"
    assert atomic["reason_group"].startswith("unsupported: tl.atomic_add")
    assert report["totals"] == {"VERIFIED": 3, "BOUNDED": 0, "TESTED": 0, "COUNTEREXAMPLE": 1, "UNKNOWN": 3}
    groups = {r["group"]: r["count"] for r in report["unknown_reasons"]}
    assert groups["no launch description (host-code capture: the module defines no host function)"] == 1
    assert [p["file"] for p in report["problems"]] == ["ops/broken.py"]
    assert report["unmatched_launches"] == ["ops/missing.py::nothing"]
    saved = json.loads((out / "report.json").read_text())
    assert saved["totals"] == report["totals"]
    assert "| `ops/rows.py::row_sum` | VERIFIED |" in (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert html.count('class="entry"') == 7 and "<math" in html and "http" not in html.replace(
        'xmlns="http://www.w3.org/1998/Math/MathML"', "")  # self-contained: no external asset


def test_rerun_redoes_only_what_changed(library, tmp_path):
    pkg, launches = library
    out = tmp_path / "out"
    options = SurveyOptions(jobs=2, launches=launches, **FAST)
    first = survey(str(pkg), out, options)
    assert first["lifted_now"] == 5 and first["from_cache"] == 0  # the other two cannot be lifted
    again = survey(str(pkg), out, options)
    assert again["lifted_now"] == 0 and again["from_cache"] == 5
    assert again["totals"] == first["totals"]
    rows = pkg / "ops" / "rows.py"
    rows.write_text(rows.read_text() + "\n# edited\n")
    edited = survey(str(pkg), out, options)
    assert edited["lifted_now"] == 3  # the three launches of rows.py; scalar.py comes from the cache
    alone = survey(str(pkg / "ops" / "scalar.py"), out, SurveyOptions(**FAST))  # same files, other root
    assert alone["from_cache"] == 2 and sorted(by_id(alone)) == ["scalar.py::clamp_like", "scalar.py::gelu_like"]
    assert survey(str(pkg / "ops" / "scalar.py"), out, SurveyOptions(cache=False, **FAST))["from_cache"] == 0


def test_timeout_is_an_entry_and_the_batch_goes_on(tmp_path):
    pkg = tmp_path / "spin"
    pkg.mkdir()
    (pkg / "spin.py").write_text(SPIN)
    launches = tmp_path / "l.toml"
    launches.write_text('"spin.py::spins" = ["spins[(1,)](x[1], N)"]\n')
    # 8 s leaves `twice` room on a busy machine
    report = survey(str(pkg), tmp_path / "out", SurveyOptions(jobs=2, timeout=8, launches=launches, **FAST))
    e = by_id(report)
    assert e["spin.py::spins"]["status"] == "UNKNOWN"
    assert e["spin.py::spins"]["reason"] == "timeout after 8 s" and e["spin.py::spins"]["reason_group"] == "timeout"
    assert e["spin.py::twice"]["status"] == "VERIFIED"


def test_internal_error_is_an_entry_with_its_traceback(library):
    pkg, _ = library
    task = Task("t", str(pkg / "ops" / "scalar.py"), "ops/scalar.py", "gelu_like", 1, None, "scalar function",
                options={"no_such_option": 1})
    entry = execute(task, Settings(timeout=60))
    assert entry["status"] == "UNKNOWN" and entry["outcome"] == "internal error"
    assert "TypeError" in entry["reason"] and "Traceback" in entry["traceback"]


def test_missing_kernel_is_an_input_error_entry(library):
    pkg, _ = library
    task = Task("t", str(pkg / "ops" / "scalar.py"), "ops/scalar.py", "absent", 1, "absent[(1,)]()", "launches file")
    entry = execute(task, Settings(timeout=60))
    assert entry["outcome"] == "input error" and "no function 'absent'" in entry["reason"]


def test_single_file_survey(library, tmp_path):
    pkg, _ = library
    report = survey(str(pkg / "ops" / "scalar.py"), tmp_path / "out", SurveyOptions(**FAST))
    assert sorted(by_id(report)) == ["scalar.py::clamp_like", "scalar.py::gelu_like"]
    assert Path(tmp_path / "out" / "report.html").is_file()


def test_memory_limit_is_an_entry(library):
    pkg, _ = library
    task = Task("t", str(pkg / "ops" / "rows.py"), "ops/rows.py", "row_sum", 1,
                "row_sum[(M,)](x[M, N], y[M], N, BLOCK=next_power_of_2(N))", "launches file")
    entry = execute(task, Settings(timeout=60, memory_mb=100, oracle=False))  # below what the worker already maps
    assert entry["status"] == "UNKNOWN" and entry["outcome"] in ("memory", "crash")
    assert "memory limit of 100 MB" in entry["reason"]
