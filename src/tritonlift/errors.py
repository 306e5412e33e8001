"""The one exception hierarchy: exceptions are for bad input and for bugs, never for verdicts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """A place in the user's source: file and line (1-based), for compiler-style messages."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class TritonLiftError(Exception):
    """Root of every error tritonlift reports to a user (exit code 2, never a traceback)."""

    def __init__(self, message: str, site: Site | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.site = site
        self.hint = hint

    def render(self) -> str:
        where = f"{self.site}: " if self.site else ""
        text = f"{where}error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class KernelNotFound(TritonLiftError):
    """The kernel reference names no file, module or function that exists."""


class KernelSyntaxError(TritonLiftError):
    """The kernel's source does not parse."""


class LaunchError(TritonLiftError):
    """The launch description is malformed or does not match the kernel's signature."""


class UnsupportedFeature(TritonLiftError):
    """The kernel uses a construct tritonlift does not model: named with file and line."""

    def __init__(self, construct: str, site: Site | None = None, hint: str | None = None):
        super().__init__(f"unsupported: {construct}", site, hint)
        self.construct = construct


class KernelRuntimeError(TritonLiftError):
    """The kernel fails when executed at concrete sizes (bad index, failed static_assert, ...)."""
