"""Random kernels (kernelgen) lifted by the verifier alone, judged by Triton's interpreter.

No VERIFIED result may disagree with the interpreter anywhere (sizes far beyond those lifting used
included), no BOUNDED result inside its bounds, and no injected defect that changes results may
come out VERIFIED with the clean kernel's formula. The default sample is small and fixed; `-m slow`
runs a larger one.
"""

from __future__ import annotations

import random

import pytest

from .judge import judge_batch, lift_generated, plan_runs
from .kernelgen import DEFECTS, generate

SAMPLE = range(900_000, 900_016)  # 16 kernels: ~1 s each to lift and run here, all seven families likely
SLOW_SAMPLE = range(910_000, 910_120)


def judge(seeds, tmp_path, bug_rate: float):
    lifted = [lift_generated(s, bug_rate, str(tmp_path)) for s in seeds]
    planned = [plan_runs(generate(s, bug_rate), lf, tmp_path, random.Random(s)) for s, lf in zip(seeds, lifted)]
    return judge_batch(planned)


def check(judgements) -> None:
    unsound = [(j.seed, j.family, j.bug, j.status, j.mismatches[:1] + j.unsafe[:1]) for j in judgements if j.unsound]
    assert not unsound, f"verdicts Triton's interpreter contradicts: {unsound}"
    # A defect may come out VERIFIED only with a formula that shows it (the lifter describes what the
    # kernel computes: `min(0, min_k …)` for a minimum started at 0), never with the intended formula.
    verified_defects = [(j.seed, j.bug, j.formulas) for j in judgements
                        if j.status == "VERIFIED" and j.bug in DEFECTS and j.bug_effective]
    passed_as_intended = [(seed, bug) for seed, bug, formulas in verified_defects
                          if formulas == _clean_formulas(seed)]
    assert not passed_as_intended, f"defects VERIFIED with the clean kernel's formula: {passed_as_intended}"
    crashes = [(j.seed, j.status) for j in judgements if j.status in ("CRASH", "TIMEOUT")]
    assert not crashes, crashes


def _clean_formulas(seed: int) -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        return lift_generated(seed, 0.0, directory).formulas


def test_random_kernels_are_never_overclaimed(tmp_path):
    judgements = judge(SAMPLE, tmp_path, bug_rate=0.4)
    check(judgements)
    # the sample is not vacuous: kernels were proven, bugs injected and judged at large sizes
    assert sum(j.status == "VERIFIED" for j in judgements) >= 5
    assert any(j.bug_effective for j in judgements)
    assert any(max(p["sizes"].values()) >= 100 for j in judgements for p in j.points)


def test_a_kernel_and_its_clean_twin_differ_only_at_the_bug():
    for seed in SAMPLE:
        buggy, clean = generate(seed, bug_rate=1.0), generate(seed, bug_rate=0.0)
        assert clean.bug is None and buggy.bug is not None
        assert buggy.family == clean.family and buggy.outputs == clean.outputs
        changed = [a for a, b in zip(buggy.source.splitlines(), clean.source.splitlines()) if a != b]
        assert 1 <= len(changed) <= 3 or buggy.launch != clean.launch, (seed, buggy.bug, changed)


@pytest.mark.slow
def test_more_random_kernels_are_never_overclaimed(tmp_path):
    check(judge(SLOW_SAMPLE, tmp_path, bug_rate=0.3))
