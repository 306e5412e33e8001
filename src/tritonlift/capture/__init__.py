"""Operators through their host code: capture launches, generalise, lift, compose, check.

`launches_for_module(path)` is the survey's seam (see `survey/launches.py`): launch descriptions for
every kernel of a module, found by running the module's own host functions on generic inputs.
"""

from __future__ import annotations


def launches_for_module(path, **limits) -> dict[str, list[str]]:
    from .modules import launches_for_module as _launches_for_module

    return _launches_for_module(path, **limits)


def capture_modules(files, **options):
    from .modules import capture_modules as _capture_modules

    return _capture_modules(files, **options)


__all__ = ["launches_for_module", "capture_modules"]
