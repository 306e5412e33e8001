"""Loading kernels from source: jit functions, their modules, decorators and helpers."""

from .kernel import Kernel, Param, Pointwise, load_kernel

__all__ = ["Kernel", "Param", "Pointwise", "load_kernel"]
