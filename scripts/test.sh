#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, examples and doc tests,
# then a short run of every fuzz target (FUZZ_SECONDS each, 10 by default).
# Extra arguments are passed to both `cargo test` runs.
set -euo pipefail

cd "$(dirname "$0")/.."
scripts/setup.sh test
# The wheel's tests (crates/wheel/tests) install it into fresh venvs.
scripts/build-wheel.sh --quiet
cargo test --workspace --all-targets "$@"
cargo test --workspace --doc "$@"
# Every parser of untrusted bytes, fuzzed for a few seconds (fuzz/run.sh;
# docs/reliability.md gives the longer run). Fails when a crash is found.
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" fuzz/run.sh
