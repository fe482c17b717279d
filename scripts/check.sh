#!/usr/bin/env bash
# The project's test command: unit tests, nbval re-executing every chapter, a
# warnings-as-errors book build, and (where Chromium is installed) a browser
# check of every rendered chapter. With --tests-only: the unit tests and nbval
# only (CI's second pass under other CPU kernels).
#
# The book is built into a new temporary folder, removed on exit, so the
# reader's own _build/ is left as it was; the browser check's screenshots go to
# a private temporary folder of their own, whose path it prints.
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
out="$(mktemp -d "${TMPDIR:-/tmp}/rnnmem-build.XXXXXX")"
trap 'rm -rf "$out"' EXIT
"$(dirname "$PY")/jupyter-book" build . --path-output "$out" -W -n --keep-going
if [ -x /usr/bin/chromium ]; then
    "$PY" scripts/browser_check.py --html "$out/_build/html"
else
    echo "browser check skipped: /usr/bin/chromium not installed (apt-get install chromium)"
fi
