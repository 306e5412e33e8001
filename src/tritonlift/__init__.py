"""tritonlift: what does this Triton kernel compute, as a formula, and for which sizes is it proven?"""

__version__ = "0.1.0"


def lift(kernel, launch=None, **options):
    """Lift a kernel (`"path.py::name"`, `"pkg.module:name"`, or a jit/Autotuner/Heuristics object)
    under a launch description; returns a `LiftResult`. Options as in `tritonlift.pipeline.Options`."""
    from .pipeline import Options, lift as _lift

    return _lift(kernel, launch, Options(**options))


def lift_operator(operator, inputs, args=None, **options):
    """Lift a host function (`"path/ops.py::softmax"`) on `inputs` (`"x=f32[M, N]"`) and `args`
    (`"dim=-1"`) through every kernel it launches; returns an `OperatorResult`."""
    from .capture.lifting import lift_operator as _lift_operator
    from .pipeline import Options

    return _lift_operator(operator, inputs, args, options=Options(**options))


def check_operator(operator, inputs, against, args=None, **options):
    """Prove `operator` equal to the PyTorch expression `against` for all sizes, or find a
    counterexample; returns a `CheckResult`."""
    from .capture.check import check_operator as _check_operator
    from .pipeline import Options

    return _check_operator(operator, inputs, against, args, options=Options(**options))


__all__ = ["lift", "lift_operator", "check_operator", "__version__"]
