"""Terms: the data that flows between stages. Imports nothing from z3, egglog or triton."""

from .printer import to_text
from .term import Op, Sort, Term

__all__ = ["Op", "Sort", "Term", "to_text"]
