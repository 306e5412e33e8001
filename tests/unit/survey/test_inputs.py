"""What can be surveyed (folders, files, wheels, sdists) and how bad input is reported (exit 2)."""

import io
import json
import tarfile
import zipfile

import pytest

from tritonlift.survey import SurveyOptions, survey
from tritonlift.survey.command import run_survey
from tritonlift.survey.discover import discover
from tritonlift.survey.launches import LaunchSpec, launch_sources, load_launches
from tritonlift.survey.source import SurveyInputError, resolve


def ids(tree):
    return sorted(k.id for k in discover(tree)[0])


def test_folder_wheel_and_sdist_find_the_same_kernels(library, tmp_path):
    pkg, _ = library
    folder = resolve(str(pkg), tmp_path / "work")
    assert folder.import_root == pkg.parent
    wheel = tmp_path / "mylib-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for p in pkg.rglob("*.py"):
            z.write(p, p.relative_to(pkg.parent).as_posix())
    sdist = tmp_path / "mylib-1.2.3.tar.gz"
    with tarfile.open(sdist, "w:gz") as t:
        t.add(pkg, arcname="mylib-1.2.3/src/mylib")
    from_wheel = resolve(str(wheel), tmp_path / "work")
    from_sdist = resolve(str(sdist), tmp_path / "work")
    assert from_wheel.version == from_sdist.version == "1.2.3"
    assert ids(from_wheel) == ["mylib/" + i for i in ids(folder)]
    assert ids(from_sdist) == ["src/mylib/" + i for i in ids(folder)]
    assert from_sdist.import_root.name == "src"


def test_discovery_finds_decorated_and_nested_kernels(library, tmp_path):
    pkg, _ = library
    found, problems = discover(resolve(str(pkg), tmp_path))
    names = {k.name: k for k in found}
    assert set(names) == {"gelu_like", "clamp_like", "row_sum", "copy_no_launch", "total_atomic", "unmasked_store",
                          "inner"}
    assert names["inner"].nested and names["gelu_like"].maybe_scalar and not names["row_sum"].maybe_scalar
    assert len(problems) == 1 and "syntax error" in problems[0].message


def test_launch_precedence():
    from tritonlift.survey.discover import Found

    scalar = Found(None, "a.py", "f", 1, maybe_scalar=True)
    given = [LaunchSpec("f[(1,)](x[1])", "launches file")]
    captured = [LaunchSpec("f[(2,)](x[2])", "capture")]
    assert launch_sources(scalar, given, captured) == given
    assert launch_sources(scalar, [], captured) == captured
    assert launch_sources(scalar, [], []) == [LaunchSpec(None, "scalar function")]
    assert launch_sources(Found(None, "a.py", "k", 1, maybe_scalar=False), [], []) == []


def test_toml_launches_with_options(tmp_path):
    f = tmp_path / "l.toml"
    f.write_text('"ops/a.py::k" = [{launch = "k[(M,)](x[M])", options = {config = 1, sizes = {M = [1, 2]}}}]\n'
                 '"ops.b::j" = "j[(1,)](y[N])"\n')
    launches = load_launches(f)
    assert launches["ops/a.py::k"] == [LaunchSpec("k[(M,)](x[M])", "launches file", {"config": 1, "sizes": {"M": (1, 2)}})]
    assert launches["ops.b::j"] == [LaunchSpec("j[(1,)](y[N])", "launches file")]


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"ops/a.py": ["k[(1,)]()"]}', "is not 'module::kernel'"),
    ('{"a.py::k": [{"launch": "k[(1,)]()", "options": {"bogus": 1}}]}', "unknown option 'bogus'"),
    ('{"a.py::k": [{"launch": "k[(1,)]()", "options": {"config": "0"}}]}', "option 'config' must be int"),
    ('{"a.py::k": [3]}', "each launch is a string"),
])
def test_bad_launches_file_is_exit_2_without_traceback(library, tmp_path, content, message):
    pkg, _ = library
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    out, err = io.StringIO(), io.StringIO()
    assert run_survey(str(pkg), str(tmp_path / "o"), 1, 60, 2048, str(bad), False, "local", True, out, err) == 2
    assert message in err.getvalue() and "Traceback" not in err.getvalue()


@pytest.mark.parametrize("target, kwargs, message", [
    ("/no/such/folder", {}, "is not a file, a directory or a package name"),
    ("{library}/ops/scalar.txt", {}, "no such"),
    ("{library}", {"backend": "dask"}, "--backend dask"),
    ("{library}", {"jobs": 0}, "need -j ≥ 1"),
    ("{library}", {"launches": "/no/such.json"}, "cannot read the launches file"),
])
def test_bad_input_is_exit_2(library, tmp_path, target, kwargs, message):
    pkg, _ = library
    args = dict(jobs=1, timeout=60, memory=2048, launches=None, no_cache=False, backend="local", no_oracle=True)
    args.update(kwargs)
    out, err = io.StringIO(), io.StringIO()
    target = target.format(library=pkg)
    if target.endswith(".txt"):
        target = "not a path or a package!"
        message = "is not a file, a directory or a package name"
    rc = run_survey(target, str(tmp_path / "o"), args["jobs"], args["timeout"], args["memory"], args["launches"],
                    args["no_cache"], args["backend"], args["no_oracle"], out, err)
    assert rc == 2 and message in err.getvalue() and "Traceback" not in err.getvalue()


def test_not_an_archive_or_python_file(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    with pytest.raises(SurveyInputError, match="neither a folder"):
        resolve(str(f), tmp_path)


def test_cli_prints_a_summary(library, tmp_path):
    pkg, launches = library
    out, err = io.StringIO(), io.StringIO()
    rc = run_survey(str(pkg / "ops" / "scalar.py"), str(tmp_path / "o"), 1, 60, 2048, None, False, "local", True,
                    out, err)
    assert rc == 0 and "2 jit functions, 2 entries: 2 VERIFIED" in out.getvalue()
    assert json.loads((tmp_path / "o" / "report.json").read_text())["totals"]["VERIFIED"] == 2


def test_ray_backend_without_ray_is_a_clear_error(monkeypatch, library, tmp_path):
    from tritonlift.survey import backends
    from tritonlift.survey.source import SurveyInputError

    monkeypatch.setattr(backends, "ray_available", lambda: False)
    with pytest.raises(SurveyInputError, match="needs Ray"):
        survey(str(library[0]), tmp_path / "o", SurveyOptions(backend="ray", progress=False))


def test_installed_package_is_found_from_its_metadata(tmp_path):
    from importlib import metadata

    tree = resolve("typer", tmp_path)  # any installed pure-Python package: found, not imported
    assert tree.root.name == "typer" and tree.version == metadata.version("typer")
    assert any(p.name == "__init__.py" for p in tree.files)


def test_the_command_line_wires_survey(library, tmp_path):
    from typer.testing import CliRunner

    from tritonlift.cli import app

    pkg, _ = library
    runner = CliRunner()
    done = runner.invoke(app, ["survey", str(pkg / "ops" / "scalar.py"), "-o", str(tmp_path / "o"), "-j", "2",
                               "--timeout", "120", "--memory", "2048", "--no-oracle"])
    assert done.exit_code == 0 and "2 VERIFIED" in done.output
    bad = runner.invoke(app, ["survey", "/no/such/place", "-o", str(tmp_path / "o")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
