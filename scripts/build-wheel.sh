#!/usr/bin/env bash
# Builds locusta's Python wheel into dist/: one wheel for CPython 3.9-3.13
# (the stable ABI), installable with `pip install dist/locusta-*.whl`.
# maturin comes from a virtual environment of its own (target/maturin-venv).
# Extra arguments go to `maturin build`.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/maturin-venv
if ! [[ -x "$venv/bin/maturin" ]]; then
  echo "build-wheel: installing maturin into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.5,<2"
fi
rm -f dist/locusta-*.whl
"$venv/bin/maturin" build --release --strip --manifest-path crates/wheel/Cargo.toml --out dist "$@"
ls dist/locusta-*.whl
