#!/usr/bin/env bash
# One entry point for a fresh machine: it builds the project's environment from the lock file, then runs
# what was asked. Needs only python3 (3.11+) and access to the package index.
#
#   ./dev.sh demo     the whole pipeline on the bundled demo sites, offline
#   ./dev.sh test     the whole test suite
#   ./dev.sh lint     ruff
#   ./dev.sh setup    only build the environment (.venv)
set -euo pipefail
cd "$(dirname "$0")"

UV_VERSION=0.13.9
TOOLS=.tools
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=.venv

setup() {
  # uv lives in its own small venv so that the project's .venv holds exactly what the lock file says.
  if [ ! -x "$TOOLS/uv/bin/uv" ] || [ "$("$TOOLS/uv/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    python3 -m venv "$TOOLS/uv"
    "$TOOLS/uv/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  "$TOOLS/uv/bin/uv" sync --frozen --quiet --python "$(command -v python3)"
}

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  demo)  setup; exec .venv/bin/minutes demo "$@" ;;
  test)
    setup
    set +e
    .venv/bin/python -m pytest "$@"
    rc=$?
    # pytest's 5 means "no tests were collected": for this project that is a failure of the suite itself.
    [ $rc -eq 5 ] && echo "no tests collected" >&2
    exit $rc ;;
  lint)  setup; .venv/bin/ruff check . && .venv/bin/ruff format --check . ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
