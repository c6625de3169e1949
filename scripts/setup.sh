#!/usr/bin/env bash
# Installs, only when missing, the system tools locusta's tests and benchmarks
# need on a Debian machine (the Rust toolchain is expected to be present).
#
# Usage: scripts/setup.sh [test|bench|all]   (default: all)
set -euo pipefail

group="${1:-all}"

# "check:package" pairs; a check is a command name or an absolute path.
test_needs=(cc:build-essential pkg-config:pkg-config /usr/bin/chromium:chromium chromedriver:chromium-driver)
bench_needs=(wrk:wrk /usr/bin/time:time taskset:util-linux curl:curl timeout:coreutils)

case "$group" in
  test) needs=("${test_needs[@]}") ;;
  bench) needs=("${bench_needs[@]}") ;;
  all) needs=("${test_needs[@]}" "${bench_needs[@]}") ;;
  *)
    echo "usage: $0 [test|bench|all]" >&2
    exit 2
    ;;
esac

present() {
  if [[ "$1" == /* ]]; then
    [[ -x "$1" ]]
  else
    command -v "$1" >/dev/null 2>&1
  fi
}

missing=()
for need in "${needs[@]}"; do
  check="${need%%:*}"
  package="${need#*:}"
  if ! present "$check"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

echo "setup: installing ${missing[*]}" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq &&
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: could not install ${missing[*]}" >&2
  exit 1
fi
