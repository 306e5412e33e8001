"""bench/kernels.py exports its FlagGems launches as a survey launches file that the survey accepts."""

import importlib.util
import json
import sys

from tests.conftest import ROOT
from tritonlift.survey.launches import load_launches


def test_export_is_a_valid_launches_file(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_kernels", ROOT / "bench" / "kernels.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_kernels"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    exported = module.survey_launches()
    path = tmp_path / "launches.json"
    path.write_text(json.dumps(exported))
    launches = load_launches(path)
    targets = [t for t in module.flaggems_targets() if t.launch is not None]
    assert sum(map(len, launches.values())) == len(targets)
    for t in targets:
        specs = launches[f"{t.file}::{t.kernel}"]
        assert any(s.launch == t.launch and s.options.get("config") == t.options.get("config") for s in specs)
