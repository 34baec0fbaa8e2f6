#!/usr/bin/env bash
# Makes the Python environment the interop tests run real Locust/pyzmq in: a venv at
# target/python-env with locust 2.47.0 (which brings pyzmq, i.e. real libzmq, and msgpack).
# Idempotent and quiet once installed; prints the venv's python path on stdout, so callers do
#   export CICADA_PYTHON="$(scripts/python-env.sh)"
# Needs python3 with the venv module and pip that can reach PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$PWD/target/python-env"
python="$venv/bin/python"

if [ -x "$python" ] && "$python" -c "import locust, zmq" >/dev/null 2>&1; then
    echo "$python"
    exit 0
fi

# Progress goes to stderr: stdout carries only the path.
echo "== creating $venv with locust==2.47.0" >&2
python3 -m venv "$venv" >&2
"$python" -m pip install --quiet --disable-pip-version-check "locust==2.47.0" >&2
"$python" -c "import locust, zmq" >&2
echo "$python"
