#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, examples and doc tests.
# Extra arguments are passed to both `cargo test` runs.
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/setup.sh test
# The wheel's tests (crates/wheel/tests) install it into fresh venvs.
scripts/build-wheel.sh --quiet
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc "$@"
