#!/usr/bin/env bash
# The project's test command: unit tests, then (once the book exists) nbval
# re-executing every chapter and a warnings-as-errors book build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export MPLBACKEND=Agg
"$PY" -m pytest tests
if compgen -G "book/*.ipynb" > /dev/null; then
    "$PY" -m pytest --nbval-lax --nbval-cell-timeout=600 book -p no:cacheprovider
    "$PY" -m jupyter_book build . -W -n --keep-going
fi
