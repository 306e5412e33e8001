"""Grouping the reasons of entries that are not VERIFIED, to count what each missing feature blocks.

A reason names files, lines, tensors, sizes and values of one kernel; its *group* drops them, so
the same missing feature in fifty kernels is one row with the count fifty. The rewrites act on the
shape of tritonlift's own messages, never on kernel or operator names.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

_REWRITES = [
    (re.compile(r"(?:[\w./~-]+\.py:\d+: )?error: "), ""),  # `file:line: error: `
    (re.compile(r"\n\s*hint:.*", re.S), ""),  # hints are advice, not the cause
    (re.compile(r"[\w./~-]+\.py(:\d+)?"), "<file>"),
    # reprs of values: their contents vary (and a message may cut one short)
    (re.compile(r"\b(Block|Ptr|Term)\((?:[^()]|\([^()]*\))*?(\)|(?= is ))"), r"\1"),
    (re.compile(r"elements of \w+ have different structure: .*?(\([^()]*\))?$", re.S),
     lambda m: "elements of an output have different structure" + (f" {m.group(1)}" if m.group(1) else "")),
    (re.compile(r"\b(constexprs?) [A-Z_][A-Z0-9_]*(, [A-Z_][A-Z0-9_]*)*"), r"\1 …"),
    (re.compile(r"'(?!tl\.)[a-z_][a-z0-9_]*'"), "'…'"),  # user identifiers; keep AST names ('Add') and tl.*
    (re.compile(r" \((?=[^)]*[\[(=.])[^()]*(\([^()]*\)[^()]*)*\)$"), ""),  # a trailing code snippet
    (re.compile(r"\{[^{}]*\}"), "{…}"),
    (re.compile(r"\[[^\[\]]{12,}\]…?"), "[…]"),  # long lists of values
    (re.compile(r"\b\d+(\.\d+)?\b"), "N"),
    (re.compile(r"\s+"), " "),
]
_BOUNDED_PREFIX = re.compile(r"^checked: .*?not proven for all sizes: ", re.S)


def reason_group(entry: dict) -> str:
    """One line naming the cause, shared by every kernel that fails for the same reason."""
    outcome = entry.get("outcome", "")
    if outcome == "no launch":  # the capture's why, if any, is the feature that would unlock it
        why = re.match(r"no launch description \((.*)\)$", entry.get("reason") or "", re.S)
        return "no launch description" + (f" ({_generic(why.group(1))})" if why else "")
    if outcome == "timeout":
        return "timeout"
    if outcome == "memory":
        return "memory limit"
    if outcome == "crash":
        return "worker crashed"
    if outcome == "internal error":
        return "internal error: " + _exception_type(entry.get("reason", ""))
    text = _BOUNDED_PREFIX.sub("", entry.get("reason") or "")
    if not text and entry.get("status") in ("BOUNDED", "TESTED"):
        text = next((n for n in reversed(entry.get("notes", [])) if n), "")
    return _generic(text)[:160] or "(no reason given)"


def _generic(text: str) -> str:
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text.strip()


def _exception_type(reason: str) -> str:
    match = re.search(r"(\w+(Error|Exception|Interrupt)\b)", reason)
    return match.group(1) if match else "exception"


def group_reasons(entries: list[dict], statuses: tuple[str, ...]) -> list[dict]:
    """[{group, count, entries, kernels: [...ids], statuses: {status: n}}], most kernels first. `count`
    is the number of distinct kernels (a kernel lifted under several launches is one kernel to
    unlock), `entries` the number of (kernel, launch) entries."""
    members: dict[str, list[dict]] = defaultdict(list)
    for e in entries:
        if e["status"] in statuses:
            members[e.get("reason_group") or reason_group(e)].append(e)
    rows = [{"group": g, "count": len({e["id"].split("#")[0] for e in es}), "entries": len(es),
             "statuses": dict(Counter(e["status"] for e in es)), "kernels": [e["id"] for e in es]}
            for g, es in members.items()]
    return sorted(rows, key=lambda r: (-r["count"], -r["entries"], r["group"]))
