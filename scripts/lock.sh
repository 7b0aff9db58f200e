#!/usr/bin/env bash
# Regenerates the lock files from the ranges in pyproject.toml: every package pinned with the
# hashes of all its published files, for every platform and Python >= 3.11 (uv's universal mode),
# so that `make run` and `make test` install exactly the same versions on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK_VENV=${LOCK_VENV:-.venv-lock}
test -x "$LOCK_VENV/bin/uv" || { python3 -m venv "$LOCK_VENV" && "$LOCK_VENV/bin/pip" install --quiet uv; }
compile() {
  "$LOCK_VENV/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --no-header --output-file "$1" "${@:2}" pyproject.toml
}
compile requirements/run.lock
compile requirements/dev.lock --extra dev
