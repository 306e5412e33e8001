"""Reasons are grouped by cause: files, lines, names and numbers of one kernel drop out."""

from tritonlift.survey.reasons import group_reasons, reason_group


def entry(reason, status="UNKNOWN", outcome="input error", id="a.py::k"):
    return {"id": id, "status": status, "outcome": outcome, "reason": reason, "notes": []}


def test_site_and_identifiers_drop_out():
    a = reason_group(entry("/x/ops/a.py:12: error: call of the non-jit Python function 'helper_one' inside a kernel"))
    b = reason_group(entry("/y/b.py:99: error: call of the non-jit Python function 'other' inside a kernel\n  hint: x"))
    assert a == b == "call of the non-jit Python function '…' inside a kernel"


def test_structure_failures_keep_their_explanation():
    r = ("no formula found: elements of mid have different structure: mid[0] at {'M': 2} is Σ_{k<2} inp[k] but "
         "mid[1] at {'M': 3} is inp[2] (piecewise formulas are not synthesised yet)")
    assert reason_group(entry(r, outcome="lifted")) == (
        "no formula found: elements of an output have different structure (piecewise formulas are not synthesised yet)")


def test_code_snippets_and_constexpr_names_drop_out():
    assert reason_group(entry("f.py:3: error: unsupported: statement 'Assert' (assert x.shape[0] == 4)")) == \
        "unsupported: statement 'Assert'"
    bounded = entry("checked: all N ≤ 8 (8 size combinations), every program id; not proven for all sizes: error: "
                    "unsupported: constexpr TILE_N, ONE_TILE computed by a heuristic", status="BOUNDED", outcome="lifted")
    assert reason_group(bounded) == "unsupported: constexpr … computed by a heuristic"


def test_failures_of_the_run_are_their_own_groups():
    assert reason_group(entry("timeout after 300 s", outcome="timeout")) == "timeout"
    assert reason_group(entry("x", outcome="no launch")) == "no launch description"
    assert reason_group(entry("internal error in tritonlift (a bug): KeyError: 'x'", outcome="internal error")) == \
        "internal error: KeyError"


def test_groups_are_counted_most_frequent_first():
    entries = [entry("timeout after 1 s", outcome="timeout", id=f"t{n}") for n in range(3)]
    entries.append(entry("x", outcome="no launch", id="n"))
    entries.append({**entry("fine", status="VERIFIED", outcome="lifted", id="v")})
    rows = group_reasons(entries, ("UNKNOWN",))
    assert [(r["group"], r["count"]) for r in rows] == [("timeout", 3), ("no launch description", 1)]
    assert rows[0]["kernels"] == ["t0", "t1", "t2"]


def test_value_reprs_drop_out():
    r = "tuple (Block(term, fp32, shape=(), tensor=None), Block(term, fp32, shape=(4,), tensor=x)) is not a value"
    assert reason_group(entry(r)) == "tuple (Block, Block) is not a value"
    cut = "tuple (Block(term, fp32, shape=(), tensor=None), Block(term, fp32, shape=(), ten is not a value"
    assert reason_group(entry(cut)) == "tuple (Block, Block is not a value"


def test_long_value_lists_drop_out():
    r = ("no formula found: an integer in the formula for mid is not an affine function of (i, M, B) nor a small "
         "expression of them: values [0, 2, 4, 6, 1, 3, 5, 7]…")
    assert reason_group(entry(r, outcome="lifted")).endswith("nor a small expression of them: values […]")


def test_a_kernel_with_several_launches_counts_once_and_capture_reasons_group():
    entries = [entry("timeout after 1 s", outcome="timeout", id=f"a.py::k#{n}") for n in (1, 2)]
    entries += [entry("no launch description (host-code capture: importing the module failed: ModuleNotFoundError: "
                      f"No module named 'vendor_{n}')", outcome="no launch", id=f"b{n}.py::k") for n in range(3)]
    rows = group_reasons(entries, ("UNKNOWN",))
    # three kernels would be unlocked by importing their modules; the two timeouts are one kernel
    assert [(r["group"], r["count"], r["entries"]) for r in rows] == [
        ("no launch description (host-code capture: importing the module failed: ModuleNotFoundError: No module "
         "named '…')", 3, 3), ("timeout", 1, 2)]
