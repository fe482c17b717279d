#!/usr/bin/env bash
# The project's test command: unit tests, nbval re-executing every chapter, a
# warnings-as-errors book build, and (where Chromium is installed) a browser
# check of every rendered chapter. With --tests-only: the unit tests and nbval
# only (CI's second pass under other CPU kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export MPLBACKEND=Agg
# One BLAS thread: this network is tiny, and on 2 cores extra threads only contend.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
"$PY" -m pytest tests -p no:cacheprovider
"$PY" -m pytest --nbval-lax --nbval-cell-timeout=600 book -p no:cacheprovider
if [ "${1:-}" = "--tests-only" ]; then
    exit 0
fi
rm -rf _build
"$(dirname "$PY")/jupyter-book" build . -W -n --keep-going
if [ -x /usr/bin/chromium ]; then
    "$PY" scripts/browser_check.py
else
    echo "browser check skipped: /usr/bin/chromium not installed (apt-get install chromium)"
fi
