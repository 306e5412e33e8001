"""Test-wide setup: Triton's interpreter must be chosen before any kernel is decorated."""

import os
from pathlib import Path

os.environ.setdefault("TRITON_INTERPRET", "1")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CORPUS = ROOT.parent / "shared" / "corpus" / "flaggems-v2.1"
