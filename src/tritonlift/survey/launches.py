"""Where each kernel's launch descriptions come from.

In order: (a) a launches file (`--launches`), (b) the host-code capture seam, (c) none, for a jit
function that returns a value (a scalar function lifts without a launch), else (d) nothing: the
kernel is reported UNKNOWN with the reason "no launch description".

Launches file (JSON or TOML): `module::kernel` -> a list of launches, each a launch string or an
object `{"launch": "...", "options": {"config": 0, "sizes": {"N": [1, 2, 3]}}}`. `module` is the
file's path relative to the surveyed folder (`ops/sum.py`) or a dotted name (`ops.sum`); a key may
carry more leading folders than the survey's root (`flag_gems/ops/sum.py`) or fewer, as long as it
names one file. `bench/kernels.py --export-launches FILE` writes one for FlagGems v2.1.

Capture seam: if `tritonlift.capture` exposes `launches_for_module(path) -> {kernel name: [launch,
…]}` (launch strings or the objects above), it is called once per module that holds kernels, in a
limited child process, and what it returns is used for kernels the launches file does not cover.
When it also exposes `capture_modules(files, jobs=, timeout=, memory_mb=, root=, on_done=)` (it
does: `capture/modules.py`), the survey calls that once instead — its workers import torch once
each, not once per module — and caches each module's result on its source. A module that fails or
hangs gives no launches and its kernels say why; the survey goes on.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .discover import Found
from .source import SurveyInputError

# Options a launch may override (the rest of tritonlift.pipeline.Options is survey-wide).
_OPTION_TYPES = {"config": int, "sizes": dict, "oracle": bool, "unbounded": bool, "simplify": bool,
                 "max_sizes": int, "safety_only": bool}


@dataclass(frozen=True)
class LaunchSpec:
    launch: str | None  # None: lift as a scalar function
    source: str  # "launches file", "capture", "scalar function"
    options: dict = field(default_factory=dict)


def load_launches(path: Path) -> dict[str, list[LaunchSpec]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise SurveyInputError(f"cannot read the launches file {path}: {error.strerror}") from None
    try:
        data = tomllib.loads(text) if str(path).endswith(".toml") else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise SurveyInputError(f"{path}: not valid {'TOML' if str(path).endswith('.toml') else 'JSON'}: {error}",
                               hint="a mapping 'module::kernel' -> list of launch strings") from None
    if not isinstance(data, dict):
        raise SurveyInputError(f"{path}: expected a mapping 'module::kernel' -> list of launches")
    out = {}
    for key, items in data.items():
        if "::" not in key:
            raise SurveyInputError(f"{path}: key '{key}' is not 'module::kernel'", hint="e.g. \"ops/sum.py::sum_kernel\"")
        items = [items] if isinstance(items, (str, dict)) else items
        if not isinstance(items, list):
            raise SurveyInputError(f"{path}: '{key}' must map to a list of launches")
        out[key] = [parse_item(item, "launches file", f"{path}: '{key}'") for item in items]
    return out


def parse_item(item: object, source: str, where: str) -> LaunchSpec:
    if isinstance(item, str):
        return LaunchSpec(item, source)
    if not isinstance(item, dict) or not isinstance(item.get("launch"), str):
        raise SurveyInputError(f"{where}: each launch is a string or {{\"launch\": \"...\", \"options\": {{...}}}}")
    options = dict(item.get("options") or {})
    for name, value in options.items():
        wanted = _OPTION_TYPES.get(name)
        if wanted is None:
            raise SurveyInputError(f"{where}: unknown option '{name}'", hint=f"options: {', '.join(_OPTION_TYPES)}")
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise SurveyInputError(f"{where}: option '{name}' must be {wanted.__name__}")
    if "sizes" in options:
        try:
            options["sizes"] = {str(k): tuple(int(v) for v in vs) for k, vs in options["sizes"].items()}
        except (TypeError, ValueError):
            raise SurveyInputError(f"{where}: 'sizes' maps size names to lists of integers") from None
    return LaunchSpec(item["launch"], source, options)


def _key_path(module: str) -> str:
    if module.endswith(".py") or "/" in module:
        return module.lstrip("./")
    return module.replace(".", "/") + ".py"


def match(launches: dict[str, list[LaunchSpec]], kernels: list[Found]) -> tuple[dict[str, list[LaunchSpec]], list[str]]:
    """Launches by kernel id, and the keys that name no discovered kernel (typos, moved files)."""
    by_name: dict[str, list[Found]] = {}
    for k in kernels:
        by_name.setdefault(k.name, []).append(k)
    matched: dict[str, list[LaunchSpec]] = {}
    unmatched = []
    for key, specs in launches.items():
        module, _, name = key.rpartition("::")
        path = _key_path(module)
        hits = [k for k in by_name.get(name, []) if k.rel == path or k.rel.endswith("/" + path)
                or path.endswith("/" + k.rel)]
        if len(hits) == 1:
            matched.setdefault(hits[0].id, []).extend(specs)
        else:
            unmatched.append(key + (f" (matches {len(hits)} files)" if hits else ""))
    return matched, unmatched


def capture_available() -> bool:
    try:
        from .. import capture  # noqa: F401 - the seam: another component may provide it
    except ImportError:
        return False
    return callable(getattr(capture, "launches_for_module", None))


def captured_launches(path: str) -> dict[str, list[LaunchSpec]]:
    """Runs in a limited child: the capture component's launches for one module, validated."""
    from .. import capture

    raw = capture.launches_for_module(Path(path)) or {}
    return {str(name): [parse_item(item, "capture", f"capture of {path}::{name}") for item in items]
            for name, items in raw.items()}


def launch_sources(kernel: Found, from_file: list[LaunchSpec], captured: list[LaunchSpec]) -> list[LaunchSpec]:
    """The launches to lift `kernel` under; [] means there is none (reported UNKNOWN)."""
    if from_file:
        return from_file
    if captured:
        return captured
    if kernel.maybe_scalar and not kernel.nested:
        return [LaunchSpec(None, "scalar function")]
    return []
