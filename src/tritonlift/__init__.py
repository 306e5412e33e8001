"""tritonlift: what does this Triton kernel compute, as a formula, and for which sizes is it proven?"""

__version__ = "0.1.0"


def lift(kernel, launch=None, **options):
    """Lift a kernel (`"path.py::name"`, `"pkg.module:name"`, or a jit/Autotuner/Heuristics object)
    under a launch description; returns a `LiftResult`. Options as in `tritonlift.pipeline.Options`."""
    from .pipeline import Options, lift as _lift

    return _lift(kernel, launch, Options(**options))


__all__ = ["lift", "__version__"]
