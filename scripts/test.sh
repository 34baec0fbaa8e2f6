#!/usr/bin/env bash
# Runs every test of cicada, the way CI does: the whole workspace on io_uring, then again on
# the epoll fallback that monoio uses where io_uring is unavailable. Needs Rust, and python3
# with venv and pip (reaching PyPI once) for the Locust interop tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# The interop tests run real Locust/pyzmq from target/python-env (created on first use).
CICADA_PYTHON="$(scripts/python-env.sh)"
export CICADA_PYTHON

echo "== tests (io_uring where the kernel allows it)"
cargo test --workspace --locked

echo "== tests (epoll fallback: MONOIO_FORCE_LEGACY_DRIVER=1)"
MONOIO_FORCE_LEGACY_DRIVER=1 cargo test --workspace --locked
