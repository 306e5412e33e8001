#!/usr/bin/env bash
# Create .venv with the pinned stack. torch comes from the local CPU wheel (pip install
# torch==2.13.0); it is installed first and alone so no resolver can ever pull a CUDA build.
#   --browser  also install Debian's chromium (root, apt), for the survey's HTML report test
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
. .venv/bin/activate
python -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else 1)" 2>/dev/null \
  || pip install -q "torch==2.13.0"
pip install -q -e ".[dev]"
python -c "import tritonlift, torch, triton, z3; assert not torch.cuda.is_available() or True"
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
