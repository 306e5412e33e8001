"""`--backend ray`: the same survey tasks on a local Ray instance give the same report."""

import pytest

from tritonlift.survey import SurveyOptions, survey

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'tritonlift[ray]')")


@pytest.mark.slow
def test_ray_backend_matches_local(library, tmp_path):
    pkg, launches = library
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        common = dict(jobs=2, launches=launches, oracle=False, progress=False, cache=False)
        on_ray = survey(str(pkg), tmp_path / "ray", SurveyOptions(backend="ray", **common))
    finally:
        ray.shutdown()
    local = survey(str(pkg), tmp_path / "local", SurveyOptions(backend="local", **common))
    assert on_ray["totals"] == local["totals"] and on_ray["totals"]["VERIFIED"] == 3
    assert {e["id"]: e["status"] for e in on_ray["entries"]} == {e["id"]: e["status"] for e in local["entries"]}
    assert on_ray["settings"]["backend"] == "ray"

