"""No rule, sketch or template of the synthesiser names an operator: it finds structures, it is not
told them. Docstrings and comments may explain with examples; code and string literals may not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tritonlift

OPERATOR_NAMES = re.compile(
    r"softmax|layer_?norm|rms_?norm|group_?norm|batch_?norm|gelu|silu|swiglu|rotary|\brope\b|cross_?entropy|celoss|"
    r"\bnll\b|var_mean|vector_norm|l[012]_norm|matmul|addmm|bmm|attention|argmax|argmin|logsumexp|dropout|"
    r"sum_kernel|mean_kernel|max_kernel|flag_?gems", re.IGNORECASE)


def _code_strings(tree: ast.AST):
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value
        elif isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.arg):
            yield node.arg


def test_no_operator_name_in_synthesis_code():
    files = sorted((Path(tritonlift.__file__).parent / "synth").glob("*.py"))
    assert len(files) >= 8  # the scan covers the whole package
    found = [(f.name, s) for f in files for s in _code_strings(ast.parse(f.read_text()))
             if OPERATOR_NAMES.search(s)]
    assert found == []


def test_the_scan_catches_a_name():
    tree = ast.parse('def f(t):\n    """explains softmax"""\n    return t.op == "softmax"\n')
    assert [s for s in _code_strings(tree) if OPERATOR_NAMES.search(s)] == ["softmax"]
